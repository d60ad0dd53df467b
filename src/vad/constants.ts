/**
 * Formats, limits and defaults of the VAD layer, each with its unit and source.
 *
 * Silero VAD facts come from the v5/v6 ONNX graphs (inputs `input` [1, 64 + 512], `state` [2, 1, 128], `sr` int64
 * scalar; outputs `output` [1, 1], `stateN` [2, 1, 128]) and from snakers4/silero-vad's `VADIterator` for the
 * hysteresis defaults.
 *
 * @module
 */

/** The one sample rate detectors accept, hertz. */
export const SAMPLE_RATE_HZ = 16_000;

/** Samples per millisecond at {@link SAMPLE_RATE_HZ}. */
export const SAMPLES_PER_MS = SAMPLE_RATE_HZ / 1000;

/** Scale from s16 sample values to the [-1, 1) floats Silero expects. */
export const INT16_SCALE = 1 / 32_768;

/** New samples per Silero window at 16 kHz (32 ms). Silero v5+ accepts no other size at this rate. */
export const SILERO_WINDOW_SAMPLES = 512;

/** Samples of the previous window prepended to each Silero window at 16 kHz (4 ms). */
export const SILERO_CONTEXT_SAMPLES = 64;

/** Length of the Silero `input` tensor: context plus window. */
export const SILERO_INPUT_SAMPLES = SILERO_CONTEXT_SAMPLES + SILERO_WINDOW_SAMPLES;

/** Dimensions of the Silero recurrent state `[2, batch, 128]`. */
export const SILERO_STATE_DIMS: readonly [number, number, number] = [2, 1, 128];

/** Number of floats in the Silero state. */
export const SILERO_STATE_SIZE = 2 * 1 * 128;

/** Default speech probability threshold (Silero's own default). */
export const DEFAULT_VAD_THRESHOLD = 0.5;

/** Speech ends when the probability falls below `threshold - this` (Silero's hysteresis, `VADIterator`). */
export const VAD_NEG_THRESHOLD_OFFSET = 0.15;

/** Floor of the derived end-of-speech threshold. */
export const MIN_VAD_NEG_THRESHOLD = 0.01;

/** Default hangover: silence needed before speech is declared over, milliseconds (Silero `VADIterator` default). */
export const DEFAULT_VAD_MIN_SILENCE_MS = 100;

/** Default padding added before a speech start and after a speech end, milliseconds (Silero `VADIterator`). */
export const DEFAULT_VAD_SPEECH_PAD_MS = 30;

/** Longest hangover accepted, milliseconds (anything longer is an endpointing policy, not VAD). */
export const MAX_VAD_MIN_SILENCE_MS = 10_000;

/** Longest padding accepted, milliseconds. */
export const MAX_VAD_SPEECH_PAD_MS = 1_000;

/** Manifest name of the default VAD model. */
export const DEFAULT_VAD_MODEL = 'silero_vad_v5';
