/**
 * The lifecycle of a hub connection, as an explicit state machine (STYLE.md §5):
 *
 * ```
 * idle ─connect()→ connecting ─open→ handshaking ─keyed + HELLO sent→ ready
 *                      │                 │                              │
 *                      └──── retryable failure ──→ backing-off ←────────┘
 *                                            (timer) └──→ connecting
 * any live state ─close() or terminal failure→ closing ─socket closed→ closed
 * ```
 *
 * `closed` is final. {@link assertTransition} rejects every other move, so a bug shows up as an exception in tests
 * instead of a connection in an impossible state.
 *
 * @module
 */

/** States of a {@link HubConnection}. */
export const CONNECTION_STATES = ['idle', 'connecting', 'handshaking', 'ready', 'backing-off', 'closing', 'closed'] as const;

/** A connection state. */
export type ConnectionState = (typeof CONNECTION_STATES)[number];

const ALLOWED: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  idle: ['connecting', 'closed'],
  connecting: ['handshaking', 'backing-off', 'closing', 'closed'],
  handshaking: ['ready', 'backing-off', 'closing', 'closed'],
  ready: ['backing-off', 'closing', 'closed'],
  'backing-off': ['connecting', 'closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** True if `from → to` is a transition of the machine. */
export function canTransition(from: ConnectionState, to: ConnectionState): boolean {
  return ALLOWED[from].includes(to);
}

/**
 * Check a transition.
 *
 * @throws {Error} for a move the machine does not have (a bug in the connection, never a peer's doing).
 */
export function assertTransition(from: ConnectionState, to: ConnectionState): void {
  if (!canTransition(from, to)) throw new Error(`connection state: expected a transition out of '${from}' among [${ALLOWED[from].join(', ')}], got '${to}'`);
}

/** True for the states in which a socket exists (or is being opened). */
export function hasSocket(state: ConnectionState): boolean {
  return state === 'connecting' || state === 'handshaking' || state === 'ready' || state === 'closing';
}
