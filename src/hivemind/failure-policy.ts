/**
 * What a failure means for a hub connection (HIVEMIND.md §7.1, §7.2, pitfalls P2, P8, P19): which errors are
 * terminal (no reconnect), and what a socket close says, as a pure function of what the connection knew when the
 * socket closed.
 *
 * - 1008 is terminal: during our password/Noise handshake it means a wrong password when the reason says so,
 *   otherwise a refusal (`HM_ERR_DENIED`). A refused KKpsk0 gets one XXpsk2 retry first (stale pins, P19).
 * - 1005 right after our Noise message 1 or 3 (nothing heard from the hub since): the hub refused the handshake
 *   (a wrong password, or another device's key pinned for this access key; PLATFORM.md "Real hubs") — terminal
 *   `HM_ERR_NOISE_REJECTED`, after one XXpsk2 retry for a refused KKpsk0.
 * - 1005 before the hub's HELLO: a 4.x hub closing an unknown access key (§2.1); terminal after `threshold` in a row.
 * - A socket that never opened: unreachable (retryable), unless its certificate did not verify (terminal `HM_ERR_TLS`).
 * - Anything else: the connection was lost (retryable).
 *
 * @module
 */
import { ConfigError, errorCode } from '../errors.js';
import { CLOSE_INTERNAL_ERROR, CLOSE_NO_STATUS, CLOSE_TRY_AGAIN_LATER, MAX_LOGGED_REASON_CHARS } from './connection-constants.js';
import { HiveConnectionError, HivePolicyDeniedError } from './connection-errors.js';
import { CLOSE_POLICY_VIOLATION, HiveAuthError, HiveProtocolError } from './errors.js';
import type { NoisePatternName } from './noise/index.js';
import type { OvosMessage } from './session.js';

/** OpenSSL/Node codes of a certificate that does not verify: retrying cannot help (terminal `HM_ERR_TLS`). */
const TLS_VERIFY_ERRORS: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** `ws`'s error code for a frame whose header announces more than `maxPayload` bytes. */
const WS_PAYLOAD_REFUSED = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/** Peer text made safe to log: control characters blanked, length bounded. */
export function cut(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f]/g, ' ');
  return clean.length > MAX_LOGGED_REASON_CHARS ? `${clean.slice(0, MAX_LOGGED_REASON_CHARS)}…` : clean;
}

/** Terminal failures stop the reconnect loop: retrying cannot help and may lock the account or hammer the hub. */
export function isTerminal(error: Error): boolean {
  if (error instanceof HiveAuthError || error instanceof ConfigError) return true;
  if (error instanceof HiveProtocolError) return error.code === 'HM_ERR_NEGOTIATION';
  if (error instanceof HiveConnectionError) return error.code === 'HM_ERR_TLS' || error.code === 'HM_ERR_CLOSED';
  return false;
}

/** Closes by which a hub says "not now" (internal error, overloaded): reconnecting at once would only add load. */
const SERVER_TROUBLE_CLOSES: ReadonlySet<number> = new Set([CLOSE_INTERNAL_ERROR, CLOSE_TRY_AGAIN_LATER]);

/**
 * Whether a session that reached `ready` and then ended (socket close `closeCode`, or `undefined` when we dropped a
 * dead socket ourselves) starts the reconnect backoff afresh. A hub that accepts us and then closes with 1011 or
 * 1013 is in trouble: resetting after each short session would retry it at the first delay for ever (a reconnect
 * storm against an overloaded hub), so those closes keep the delay growing.
 */
export function resetsBackoff(closeCode: number | undefined): boolean {
  return closeCode === undefined || !SERVER_TROUBLE_CLOSES.has(closeCode);
}

/** A 1008 close from the hub, as the auth error it stands for. */
export function policyCloseError(reason: string, duringOurHandshake: boolean): HiveAuthError {
  const shown = reason === '' ? 'no reason given' : `"${cut(reason)}"`;
  if (duringOurHandshake && /password|psk|verif|decrypt|authenticat/i.test(reason)) {
    return new HiveAuthError('HM_ERR_WRONG_PASSWORD', `the hub rejected the handshake with close 1008 (${shown}): wrong password`);
  }
  return new HiveAuthError('HM_ERR_DENIED', `the hub closed the connection with 1008 policy violation (${shown})`);
}

/** A bare close right after our Noise message (see {@link classifyClose}): both things it can mean, and the fixes. */
export function noiseRejectedError(pattern: NoisePatternName | undefined): HiveAuthError {
  return new HiveAuthError(
    'HM_ERR_NOISE_REJECTED',
    `the hub closed the connection right after our Noise ${pattern ?? ''} handshake message without a reason: either the password is wrong, ` +
      "or the hub has pinned another device's Noise key for this access key (then run \"hivemind-core reset-noise-pin\" on the hub)",
  );
}

/** What the connection knew when its socket closed. */
export interface CloseFacts {
  readonly code: number;
  readonly reason: string;
  /** The WebSocket upgrade completed. */
  readonly opened: boolean;
  /** The hub's HELLO arrived. */
  readonly helloSeen: boolean;
  /** The session was not keyed yet. */
  readonly inHandshake: boolean;
  /** We had sent our HANDSHAKE and were waiting for the hub's answer. */
  readonly awaitingHub: boolean;
  /** The Noise pattern of this attempt, if any. */
  readonly noisePattern: NoisePatternName | undefined;
  /**
   * The last Noise handshake message was ours (msg1 awaiting msg2, or msg3) and nothing — no frame, no pong — came
   * from the hub since.
   */
  readonly noiseUnanswered: boolean;
  /** XXpsk2 is already forced (the KKpsk0 retry was used). */
  readonly forcedXX: boolean;
  /** 1005-before-HELLO closes in a row before this one. */
  readonly unknownKeyCloses: number;
  /** How many in a row mean "unknown access key". */
  readonly unknownKeyThreshold: number;
  /** The socket's last `error` event. */
  readonly lastSocketError: Error | undefined;
}

/** The error a close stands for, and how the connection's counters change. */
export interface CloseVerdict {
  readonly error: Error;
  /** Force XXpsk2 on the next attempt. */
  readonly forceXX: boolean;
  /** The new count of 1005-before-HELLO closes in a row. */
  readonly unknownKeyCloses: number;
}

/** Classify a socket close (see the module header). */
export function classifyClose(f: CloseFacts): CloseVerdict {
  if (f.code === CLOSE_POLICY_VIOLATION) {
    if (f.inHandshake && f.noisePattern === 'KKpsk0' && !f.forcedXX) {
      const error = new HiveConnectionError('HM_ERR_CONNECTION_LOST', 'the hub refused the KKpsk0 handshake (1008): retrying once with XXpsk2');
      return { error, forceXX: true, unknownKeyCloses: 0 };
    }
    return { error: policyCloseError(f.reason, f.inHandshake && f.awaitingHub), forceXX: f.forcedXX, unknownKeyCloses: 0 };
  }
  if (f.code === CLOSE_NO_STATUS && f.opened && f.noiseUnanswered) {
    if (f.noisePattern === 'KKpsk0' && !f.forcedXX) {
      const error = new HiveConnectionError('HM_ERR_CONNECTION_LOST', 'the hub closed the connection after our KKpsk0 message (close 1005): retrying once with XXpsk2');
      return { error, forceXX: true, unknownKeyCloses: 0 };
    }
    return { error: noiseRejectedError(f.noisePattern), forceXX: f.forcedXX, unknownKeyCloses: 0 };
  }
  if (f.code === CLOSE_NO_STATUS && f.opened && !f.helloSeen) {
    const count = f.unknownKeyCloses + 1;
    const error =
      count >= f.unknownKeyThreshold
        ? new HiveAuthError('HM_ERR_UNKNOWN_ACCESS_KEY', `the hub closed the connection before greeting us ${count} time(s) in a row (close 1005): it does not know our access key`)
        : new HiveConnectionError('HM_ERR_CONNECTION_LOST', 'the hub closed the connection before greeting us (close 1005): unknown access key?');
    return { error, forceXX: f.forcedXX, unknownKeyCloses: count };
  }
  if (!f.opened) {
    const cause = f.lastSocketError;
    const errno = errorCode(cause) ?? '';
    let error: Error;
    if (cause instanceof HiveConnectionError && cause.code === 'HM_ERR_TLS') error = cause;
    else if (TLS_VERIFY_ERRORS.has(errno)) {
      error = new HiveConnectionError('HM_ERR_TLS', `expected a trusted TLS certificate, got ${errno} (self-signed hubs need selfSigned, ideally with a pinned fingerprint)`, { cause });
    } else {
      error = new HiveConnectionError('HM_ERR_UNREACHABLE', `cannot reach the hub: ${cause === undefined ? `closed with ${f.code}` : cut(cause.message)}`, { cause });
    }
    return { error, forceXX: f.forcedXX, unknownKeyCloses: f.unknownKeyCloses };
  }
  if (errorCode(f.lastSocketError) === WS_PAYLOAD_REFUSED) {
    // ws read a frame header over `maxPayload` and closed with 1009 before buffering the frame (hostile-hub guard).
    const error = new HiveProtocolError('HM_ERR_FRAME_TOO_LARGE', 'expected frames within the inbound limit from the hub, got a larger one (refused from its header, close 1009)', undefined, { cause: f.lastSocketError });
    return { error, forceXX: f.forcedXX, unknownKeyCloses: 0 };
  }
  const error = new HiveConnectionError('HM_ERR_CONNECTION_LOST', `the hub closed the connection (${f.code}${f.reason === '' ? '' : ` "${cut(f.reason)}"`})`);
  return { error, forceXX: f.forcedXX, unknownKeyCloses: 0 };
}

/** The typed error of a `hive.policy.denied` BUS message (HIVEMIND.md §5.8); peer strings are cut for logging. */
export function deniedError(message: OvosMessage): HivePolicyDeniedError {
  const text = (key: string): string => {
    const v = message.data[key];
    return typeof v === 'string' ? cut(v) : '';
  };
  return new HivePolicyDeniedError({ deniedType: text('denied_type') || 'unknown', denyCode: text('code') || 'unknown', reason: text('reason') });
}
