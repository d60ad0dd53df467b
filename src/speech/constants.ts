/**
 * Limits, defaults and install hints of the speech layer. Every number carries its unit in the name.
 *
 * @module
 */

/** Sample rate of all audio inside the process (ARCHITECTURE.md "Rules of the house"), hertz. */
export const SAMPLE_RATE_HZ = 16_000;

/** Default time limit of one engine run (process or HTTP request), milliseconds. */
export const DEFAULT_ENGINE_TIMEOUT_MS = 30_000;
/** Largest stdout we accept from an engine process (≈ 5 min of 22 kHz s16 audio), bytes. */
export const MAX_ENGINE_OUTPUT_BYTES = 16 * 1024 * 1024;
/** Largest HTTP response body we accept (audio or JSON), bytes. */
export const MAX_HTTP_BODY_BYTES = 16 * 1024 * 1024;
/** Tail of an engine's stderr kept for error messages, bytes. */
export const STDERR_TAIL_BYTES = 2048;
/** Longest text we send to a TTS engine in one call, characters. */
export const MAX_TTS_TEXT_CHARS = 4000;
/** Longest audio we send to an STT engine in one call (2 min at 16 kHz), samples. */
export const MAX_STT_SAMPLES = 120 * SAMPLE_RATE_HZ;

/**
 * Silence added before the utterance for pocketsphinx, milliseconds. Its live CMN and VAD need a little lead-in:
 * without it the first word is often lost (measured on espeak-ng and flite fixtures).
 */
export const POCKETSPHINX_LEAD_SILENCE_MS = 300;
/**
 * Silence added after the utterance for pocketsphinx, milliseconds. Speech that runs to the very end of the input
 * makes the FSG search fail ("Final result does not match the grammar") and return nothing.
 */
export const POCKETSPHINX_TAIL_SILENCE_MS = 500;

/** The pocketsphinx 5-prealpha CLI shipped by Debian 12 (package `pocketsphinx` 0.8+5prealpha). */
export const POCKETSPHINX_BINARY = 'pocketsphinx_continuous';
/** US English acoustic model of Debian package `pocketsphinx-en-us`. */
export const POCKETSPHINX_EN_US_HMM_DIR = '/usr/share/pocketsphinx/model/en-us/en-us';
/** US English pronunciation dictionary of Debian package `pocketsphinx-en-us`. */
export const POCKETSPHINX_EN_US_DICT = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';
/** US English generic trigram language model of Debian package `pocketsphinx-en-us` (used without a grammar). */
export const POCKETSPHINX_EN_US_LM = '/usr/share/pocketsphinx/model/en-us/en-us.lm.bin';

/** How to install the pocketsphinx engine and its English model on Debian / Raspberry Pi OS. */
export const INSTALL_POCKETSPHINX = 'sudo apt-get install pocketsphinx pocketsphinx-en-us';
/** How to install espeak-ng. */
export const INSTALL_ESPEAK_NG = 'sudo apt-get install espeak-ng';
/** How to install flite. */
export const INSTALL_FLITE = 'sudo apt-get install flite';
/** piper is not packaged in Debian 12. */
export const INSTALL_PIPER = 'download piper from https://github.com/rhasspy/piper/releases and a voice (.onnx + .onnx.json) from https://huggingface.co/rhasspy/piper-voices';

/** espeak-ng program name (Debian package `espeak-ng`). */
export const ESPEAK_NG_BINARY = 'espeak-ng';
/** flite program name (Debian package `flite`). */
export const FLITE_BINARY = 'flite';
/** Default flite voice: `slt` (US English, female, 16 kHz), the one pocketsphinx recognizes best. */
export const FLITE_DEFAULT_VOICE = 'slt';
/** piper program name. */
export const PIPER_BINARY = 'piper';

/**
 * Time limit of the satellite's transcription endpoint (`speech.stt_url`), milliseconds: a LAN whisper server
 * answers a short utterance in well under this; past it the grammar recognizer answers instead.
 */
export const LAN_STT_TIMEOUT_MS = 8_000;

/** Default model of an OpenAI-compatible `/audio/transcriptions` endpoint. */
export const OPENAI_STT_DEFAULT_MODEL = 'whisper-1';
/** Default model of an OpenAI-compatible `/audio/speech` endpoint. */
export const OPENAI_TTS_DEFAULT_MODEL = 'tts-1';
/** Default voice of an OpenAI-compatible `/audio/speech` endpoint. */
export const OPENAI_TTS_DEFAULT_VOICE = 'alloy';
