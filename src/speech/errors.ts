/**
 * Coded errors of the speech layer (local STT and TTS engines). Messages say what to install or fix, name the
 * binary, model or URL involved, and never contain an API key.
 *
 * @module
 */
import { HivesatError } from '../errors.js';

/** Codes of {@link SpeechError}. */
export type SpeechErrorCode =
  /** The engine's program is not installed (or not executable). The message names the Debian package. */
  | 'SPEECH_ERR_ENGINE_MISSING'
  /** A model, dictionary or voice file the engine needs is missing. The message names the package or file. */
  | 'SPEECH_ERR_MODEL_MISSING'
  /** The engine has no voice of that name. */
  | 'SPEECH_ERR_UNKNOWN_VOICE'
  /** The engine cannot handle this language (no model for it). */
  | 'SPEECH_ERR_UNSUPPORTED_LANGUAGE'
  /** The engine ran but failed (non-zero exit, error on stderr, output larger than the limit). */
  | 'SPEECH_ERR_ENGINE_FAILED'
  /** The engine did not finish within its time limit. */
  | 'SPEECH_ERR_TIMEOUT'
  /** Audio is not what was expected: not a WAV file, unsupported encoding, wrong sample rate, empty. */
  | 'SPEECH_ERR_BAD_AUDIO'
  /** The input is empty or too long (no samples, no text, more than the engine's limit). */
  | 'SPEECH_ERR_BAD_INPUT'
  /** A grammar phrase is invalid or uses a word the recognizer's dictionary does not know. */
  | 'SPEECH_ERR_GRAMMAR'
  /** An HTTP endpoint answered with a non-2xx status. */
  | 'SPEECH_ERR_HTTP'
  /** An HTTP endpoint could not be reached (connection refused, DNS, TLS). */
  | 'SPEECH_ERR_NETWORK'
  /** An HTTP endpoint answered 2xx with a body of the wrong shape (bad JSON, missing field, not audio). */
  | 'SPEECH_ERR_BAD_RESPONSE'
  /** An engine option is invalid (bad URL, out-of-range speed…). */
  | 'SPEECH_ERR_INVALID_CONFIG';

/** A speech engine problem. Match on `code`; the message tells a person what to do. */
export class SpeechError extends HivesatError<SpeechErrorCode> {
  override readonly name = 'SpeechError';
}
