/**
 * Coded errors of the satellite.
 *
 * @module
 */
import { HivesatError } from '../errors.js';

/** Codes of {@link SatelliteError}. */
export type SatelliteErrorCode =
  /** A turn could not be answered: neither the hub nor the local path produced an answer that was played. */
  | 'SAT_ERR_NOT_ANSWERED'
  /** The hub's TTS delivered no audio in time (the answer is then spoken with the local TTS, if there is one). */
  | 'SAT_ERR_TTS'
  /** The input ended without an utterance (no wake word, or no speech after it). */
  | 'SAT_ERR_NO_SPEECH'
  /** The satellite was used in the wrong state (started twice, fed after close). */
  | 'SAT_ERR_STATE'
  /** The hub's TTS answer is larger than `limits.maxTtsBytes`: refused before decoding (spoken with the local TTS). */
  | 'SAT_ERR_TTS_TOO_LARGE'
  /** More `speak`s than the limits allow (per turn, or unsolicited ones queued): the extra ones are dropped. */
  | 'SAT_ERR_SPEAK_FLOOD'
  /** More messages the satellite ignores (PING/PROPAGATE, BROADCAST…) than allowed per interval: dropped, logged once. */
  | 'SAT_ERR_HUB_FLOOD';

/** A satellite-level failure. */
export class SatelliteError extends HivesatError<SatelliteErrorCode> {
  override readonly name = 'SatelliteError';
}
