/**
 * Coded errors of the HiveMind connection client (the codec's errors are in `errors.ts`).
 *
 * - {@link HiveConnectionError}: the link itself (not ready, queue full, closed, unreachable, timeouts).
 * - {@link HivePolicyDeniedError}: the hub refused one of our messages with `hive.policy.denied` (HIVEMIND.md §5.8).
 *   It is a {@link HiveAuthError} with code `HM_ERR_DENIED`, so `instanceof HiveAuthError` and `code` both work.
 *
 * @module
 */
import { HivesatError } from '../errors.js';
import { HiveAuthError } from './errors.js';

/** Codes of {@link HiveConnectionError}. */
export type HiveConnectionErrorCode =
  /** A send was refused because the connection is not ready and the send policy is `'reject'`. */
  | 'HM_ERR_NOT_READY'
  /** A send was refused because the queue of messages waiting for the connection is full. */
  | 'HM_ERR_QUEUE_FULL'
  /** The connection was closed for good (by `close()` or after a terminal failure); nothing more can be sent. */
  | 'HM_ERR_CLOSED'
  /** The hub could not be reached (DNS, refused, TLS, upgrade refused) within the allowed attempts. */
  | 'HM_ERR_UNREACHABLE'
  /** The connection dropped while an operation (an `ask()`) was waiting for the hub. */
  | 'HM_ERR_CONNECTION_LOST'
  /** The handshake did not complete in time. */
  | 'HM_ERR_HANDSHAKE_TIMEOUT'
  /** The hub did not answer a WebSocket ping in time: it is presumed dead. */
  | 'HM_ERR_PONG_TIMEOUT'
  /** `waitFor()` saw no matching message in time. */
  | 'HM_ERR_TIMEOUT'
  /** `ask()` got no spoken answer in time. */
  | 'HM_ERR_NO_ANSWER'
  /** The TLS certificate did not verify, or did not match the pinned fingerprint. */
  | 'HM_ERR_TLS';

/** A failure of the connection itself. */
export class HiveConnectionError extends HivesatError<HiveConnectionErrorCode> {
  override readonly name = 'HiveConnectionError';
}

/** Details of a `hive.policy.denied` message (HIVEMIND.md §5.8). */
export interface PolicyDenial {
  /** The message type the hub refused (`denied_type`), e.g. `recognizer_loop:utterance` or `binary`. */
  readonly deniedType: string;
  /** The hub's deny code, e.g. `acl_disallowed_type`. */
  readonly denyCode: string;
  /** The hub's human-readable reason (peer text, cut to a bounded length). */
  readonly reason: string;
}

/** The hub refused one of our messages (`hive.policy.denied`). */
export class HivePolicyDeniedError extends HiveAuthError {
  readonly denial: PolicyDenial;

  constructor(denial: PolicyDenial, options?: ErrorOptions) {
    super('HM_ERR_DENIED', `the hub denied "${denial.deniedType}" (${denial.denyCode})${denial.reason === '' ? '' : `: ${denial.reason}`}`, options);
    this.denial = denial;
  }
}
