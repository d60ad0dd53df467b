/**
 * Timings and limits of the satellite's policies, each with its unit and reason.
 *
 * @module
 */

/** Default wait for the first `speak` after an utterance was sent, milliseconds, before answering locally. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 15_000;

/**
 * Default wait for BINARY TTS_AUDIO after `speak:synth`, milliseconds. `speak:synth` is not in a hub's default
 * `allowed_types` (HIVEMIND.md §5.8) and a 4.0.x hub drops it silently, so silence is the refusal; after it the
 * satellite asks with `speak:b64_audio` (allowed by default) and keeps doing so on that connection.
 */
export const DEFAULT_SYNTH_TIMEOUT_MS = 3_000;

/** Wait for `speak:b64_audio.response`, milliseconds, before speaking the answer with the local TTS. */
export const B64_TIMEOUT_MS = 20_000;

/**
 * After the last clip of an answer ended, how long more `speak`s may still come for the same turn, milliseconds
 * (OVOS emits a skill's sentences back to back; the TTS round trips make them arrive a little apart).
 */
export const TURN_SETTLE_MS = 250;

/**
 * Largest TTS_AUDIO metadata we let a hub build, bytes of zlib-compressed JSON (WIRE-1's limit is 255, §4.2). The
 * hub's metadata is `{lang, file_name, utterance}` plus dialog-transformer context: keep room for the latter, and
 * ask with `speak:b64_audio` (a BUS message, no such limit) when the utterance alone would not fit.
 */
export const TTS_METADATA_BUDGET_BYTES = 160;

/** Audio metadata of our BINARY messages (HIVEMIND.md §6.1): 16 kHz, 2 bytes per sample. */
export const AUDIO_SAMPLE_WIDTH_BYTES = 2;

/** Volume steps of `mycroft.volume.increase/decrease` when the config gives none, percent. */
export const DEFAULT_VOLUME_STEP_PERCENT = 10;

/** The outage announcement, spoken once per outage before the first local answer. */
export const OUTAGE_ANNOUNCEMENT = "I can't reach the hub, answering locally.";

/** The hint spoken after the error sound when the hub's STT heard nothing usable. */
export const NOT_UNDERSTOOD_HINT = "Sorry, I didn't catch that.";

/** Chunk of a RAW_AUDIO stream, samples (64 ms at 16 kHz, HIVEMIND.md §6.1 advises 20–128 ms). */
export const STREAM_CHUNK_SAMPLES = 1_024;
