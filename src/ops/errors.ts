/**
 * Coded errors of the operations layer. Most failures here are reported as values (a hook that failed, a
 * notification that was not delivered) and logged; these are the ones a caller receives.
 *
 * @module
 */
import { HivesatError } from '../errors.js';

/** Codes of {@link OpsError}. */
export type OpsErrorCode =
  /** The health/metrics listener could not listen on its port (in use, not permitted). */
  | 'OPS_ERR_LISTEN'
  /** `systemd-notify` could not be run, failed, or did not finish in time. */
  | 'OPS_ERR_NOTIFY'
  /** Control API: push-to-talk while the microphone is muted (answered 409). */
  | 'OPS_ERR_MUTED'
  /** Control API / `hivesat ctl`: no control address, a bad token, the satellite not reachable or refusing. */
  | 'OPS_ERR_CONTROL'
  /** The button's `gpiomon` could not be started or exited (not installed, the GPIO chip busy or gone); retried. */
  | 'OPS_ERR_BUTTON';

/** An operations-layer failure. */
export class OpsError extends HivesatError<OpsErrorCode> {
  override readonly name = 'OpsError';
}
