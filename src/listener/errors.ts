/**
 * Coded errors of the listener layer. Callers match on `code`; messages are for people and follow "expected X,
 * got Y".
 *
 * @module
 */
import { HivesatError } from '../errors.js';

/** Codes of {@link ListenerError}. */
export type ListenerErrorCode =
  /** A listener setting is out of range or of the wrong type (checked at construction). */
  | 'LISTENER_ERR_OPTION'
  /** A detector (VAD or wake word) failed on a piece of audio; the listener reset both and went back to idle. */
  | 'LISTENER_ERR_DETECTOR'
  /** More audio was fed than the backlog can hold while the detectors fell behind; the chunk was dropped. */
  | 'LISTENER_ERR_OVERRUN'
  /** The listener was used after `close()`. */
  | 'LISTENER_ERR_CLOSED';

/** A listener setting was rejected, or the listening pipeline failed. */
export class ListenerError extends HivesatError<ListenerErrorCode> {
  override readonly name = 'ListenerError';

  /**
   * @param code - stable code for programs.
   * @param message - what went wrong, "expected X, got Y".
   * @param options - ES2022 `{ cause }` (the detector's own error for LISTENER_ERR_DETECTOR).
   */
  constructor(code: ListenerErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
