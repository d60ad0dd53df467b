/**
 * The data each state of a {@link HubConnection} holds (`Link`), and how a socket's life ends (`Ending`): the socket
 * attempt exists from `connecting` to `closing`, the session keys only while `ready`, each deadline in its own state.
 *
 * @module
 */
import type { ClientHandshake } from './handshake.js';
import type { HubSocket, TimerHandle } from './connection-io.js';
import type { ReadyInfo } from './connection-options.js';
import type { ConnectionState } from './connection-state.js';
import type { SessionKeys } from './frame-codec.js';
import type { KeepAlive } from './keepalive.js';

/** One socket and its handshake: facts about it, whatever state the connection is in. */
export interface Attempt {
  readonly id: number;
  readonly socket: HubSocket;
  readonly handshake: ClientHandshake;
  /** The hub's HELLO on this socket, once it came (what a close 1005 means depends on it). */
  hello: { readonly peer: string | undefined } | undefined;
  lastSocketError: Error | undefined;
  /** Frames and the close, handled one at a time in arrival order. */
  inbox: Promise<void>;
}

/**
 * The connection's state with the data that exists only in it: a socket from `connecting` to `closing`, the session
 * keys only while `ready`, each state's own deadline. `closing` keeps the session it is closing (frames still decode).
 */
export type Link =
  | { readonly state: 'idle' }
  | { readonly state: 'connecting'; readonly attempt: Attempt; readonly cancelUpgradeDeadline: () => void }
  | {
      readonly state: 'handshaking';
      readonly attempt: Attempt;
      /** Undefined while a slow step (PSK derivation) runs: that time does not count. */
      cancelHandshakeDeadline: (() => void) | undefined;
    }
  | {
      readonly state: 'ready';
      readonly attempt: Attempt;
      readonly keys: SessionKeys;
      readonly info: ReadyInfo;
      /** A frame or a pong came from the hub after the session was keyed. */
      heardSinceKeyed: boolean;
      readonly keepAlive: KeepAlive;
    }
  | { readonly state: 'backing-off'; readonly timer: TimerHandle }
  | { readonly state: 'closing'; readonly session: SessionLink; readonly cancelCloseWait: () => void }
  | { readonly state: 'closed' }
  /**
   * A socket's life has ended and is being reported (`error`, `close`) before the next state is entered; to the
   * outside the connection is still in the state it ended from.
   */
  | { readonly state: 'ending'; readonly from: SessionLink['state']; readonly info: ReadyInfo | undefined };

/** A state that owns a socket of its own. */
export type SessionLink = Extract<Link, { readonly attempt: Attempt }>;
export type ReadyLink = Extract<Link, { readonly state: 'ready' }>;
export type HandshakingLink = Extract<Link, { readonly state: 'handshaking' }>;

/** How a socket's life (or the connection) ends; {@link HubConnection} has one method that handles each. */
export type Ending =
  /** Something failed: retry after a backoff, or close for good if it is terminal. */
  | {
      readonly kind: 'failed';
      readonly error: Error;
      /** The socket already closed with this code/reason (else we close it). */
      readonly socketClosed?: { readonly code: number; readonly reason: string };
      /** Kill the socket without a close handshake (it is presumed dead). */
      readonly terminate?: boolean;
    }
  /** The socket factory threw (bad URL, TLS options): closed for good, no socket to report. */
  | { readonly kind: 'unopened'; readonly error: Error }
  /** `close()` is done: the socket closed (or there was none). */
  | { readonly kind: 'client'; readonly socketClosed?: { readonly code: number; readonly reason: string } };

/** The session keys of a link, if it is (or is closing) a keyed session. */
export function keysOf(link: Link): SessionKeys | undefined {
  if (link.state === 'ready') return link.keys;
  return link.state === 'closing' ? keysOf(link.session) : undefined;
}

/** The state a link shows to the outside. */
export function publicState(link: Link): ConnectionState {
  return link.state === 'ending' ? link.from : link.state;
}

/** The socket attempt a link owns, if any. */
export function attemptOf(link: Link): Attempt | undefined {
  if (link.state === 'closing') return link.session.attempt;
  return 'attempt' in link ? link.attempt : undefined;
}
