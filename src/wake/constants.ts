/**
 * openWakeWord pipeline constants and wake-word defaults, each with its unit and source.
 *
 * Sources: the ONNX graphs themselves (shapes below were read from their metadata) and dscripka/openWakeWord
 * v0.6 `openwakeword/utils.py` (`AudioFeatures._streaming_features`) and `model.py` (`Model.predict`) for the
 * streaming policy. The melspectrogram graph frames audio with a 512-sample window every 160 samples, no
 * centring: N samples give floor((N - 512) / 160) + 1 frames.
 *
 * @module
 */

/** Samples per hop: openWakeWord scores once every 80 ms of 16 kHz audio. */
export const HOP_SAMPLES = 1_280;

/** Samples of the previous hop fed again to the melspectrogram model so that its frames line up across hops. */
export const MEL_CONTEXT_SAMPLES = 480;

/** Melspectrogram input of a regular hop: context plus new samples. */
export const MEL_INPUT_SAMPLES = MEL_CONTEXT_SAMPLES + HOP_SAMPLES;

/** Hop between melspectrogram frames, samples (10 ms). */
export const MEL_HOP_SAMPLES = 160;

/** Melspectrogram analysis window, samples (32 ms). */
export const MEL_WINDOW_SAMPLES = 512;

/** Mel bands per frame. */
export const MEL_BINS = 32;

/** Frames a regular hop adds: (1,760 - 512) / 160 + 1, rounded down. */
export const MEL_FRAMES_PER_HOP = 8;

/** Frames the first hop after start/reset adds (no context yet): (1,280 - 512) / 160 + 1, rounded down. */
export const FIRST_HOP_MEL_FRAMES = 5;

/** openWakeWord's fixed transform of the melspectrogram output, `x / 10 + 2`: the divisor. */
export const MEL_SCALE_DIVISOR = 10;

/** openWakeWord's fixed transform of the melspectrogram output, `x / 10 + 2`: the offset. */
export const MEL_OFFSET = 2;

/** Value the mel window holds before any audio (openWakeWord starts it with ones). */
export const MEL_INITIAL_VALUE = 1;

/** Mel frames per embedding input (`input_1` [1, 76, 32, 1], 775 ms). */
export const EMBEDDING_WINDOW_FRAMES = 76;

/** Mel frames between two embeddings (one embedding per hop). */
export const EMBEDDING_STEP_FRAMES = 8;

/** Size of one embedding (`conv2d_19` [1, 1, 1, 96]). */
export const EMBEDDING_DIM = 96;

/** Embeddings a standard keyword head reads (`[1, 16, 96]`, 1.28 s). Heads may ask for more (weather: 22). */
export const DEFAULT_HEAD_FRAMES = 16;

/** Longest head window accepted, embeddings (10 s, openWakeWord's feature-buffer length). */
export const MAX_HEAD_FRAMES = 120;

/** Hops whose scores are forced to 0 after start/reset, as openWakeWord does while its buffers fill. */
export const WARMUP_HOPS = 5;

/**
 * Audio used to fill the embedding history before real audio arrives, samples (4 s). openWakeWord uses random
 * noise in [-1000, 1000); we use a seeded generator so that runs are reproducible.
 */
export const PRIMING_SAMPLES = 64_000;

/** Amplitude bound of the priming noise (s16 units, exclusive). */
export const PRIMING_AMPLITUDE = 1_000;

/** Seed of the priming noise generator. */
export const PRIMING_SEED = 0x5eed_0e77;

/** Default score threshold of a keyword (openWakeWord's recommended default). */
export const DEFAULT_WAKE_THRESHOLD = 0.5;

/** Default trigger level: consecutive hops at or above the threshold needed for a detection. */
export const DEFAULT_TRIGGER_LEVEL = 1;

/** Largest trigger level accepted, hops (2 s). */
export const MAX_TRIGGER_LEVEL = 25;

/** Default refractory period after a detection of a keyword, milliseconds (wyoming-openwakeword's default). */
export const DEFAULT_REFRACTORY_MS = 2_000;

/** Longest refractory period accepted, milliseconds. */
export const MAX_REFRACTORY_MS = 60_000;

/** Keyword loaded when none is configured. */
export const DEFAULT_KEYWORD = 'hey_jarvis';

/** Value of the `format` field of a wake-word verifier file (src/wake/verifier.ts). */
export const VERIFIER_FORMAT = 'hivesat-wake-verifier/1';

/** Name of the verifier shipped for `hey_jarvis`: models/hey_jarvis_verifier.json, listed in the manifest's `verifiers`. */
export const DEFAULT_VERIFIER = 'hey_jarvis_verifier';

/** Manifest name of the melspectrogram model. */
export const MEL_MODEL = 'oww_melspectrogram';

/** Manifest name of the embedding model. */
export const EMBEDDING_MODEL = 'oww_embedding';
