/**
 * Defaults, limits and fixed policy numbers of the listener, each with its unit and source.
 *
 * End-of-speech defaults follow ovos-dinkum-listener (`silence_end` 0.7 s, `recording_timeout` 10 s,
 * `recording_timeout_with_silence` 3 s, `speech_begin` 0.3 s), which ANCHORS.md §6 recommends copying; the peer
 * satellites that users complain about wait 6–15 s after the user stops talking (ANCHORS.md §3.5, §4.3).
 *
 * @module
 */

/** Default silence after speech that ends an utterance, milliseconds (dinkum `silence_end`). */
export const DEFAULT_SILENCE_END_MS = 700;
/** Shortest accepted {@link DEFAULT_SILENCE_END_MS}, milliseconds (must exceed {@link VAD_HANGOVER_MS}). */
export const MIN_SILENCE_END_MS = 200;
/** Longest accepted silence end, milliseconds. */
export const MAX_SILENCE_END_MS = 5_000;

/** Default longest utterance, milliseconds from the speech onset (dinkum `recording_timeout`). */
export const DEFAULT_MAX_UTTERANCE_MS = 10_000;
/** Shortest accepted maximum utterance, milliseconds. */
export const MIN_MAX_UTTERANCE_MS = 1_000;
/** Longest accepted maximum utterance, milliseconds (a hard cap on how long audio can stream, ANCHORS.md §5.8). */
export const MAX_MAX_UTTERANCE_MS = 60_000;

/** Default wait for speech after the wake word (or {@link Listener.listenWithoutWake}), milliseconds (dinkum 3 s). */
export const DEFAULT_NO_SPEECH_TIMEOUT_MS = 3_000;
/** Shortest accepted no-speech timeout, milliseconds. */
export const MIN_NO_SPEECH_TIMEOUT_MS = 500;
/** Longest accepted no-speech timeout, milliseconds. */
export const MAX_NO_SPEECH_TIMEOUT_MS = 30_000;

/** Default shortest speech that makes an utterance, milliseconds (dinkum `speech_begin` 0.3 s). */
export const DEFAULT_MIN_UTTERANCE_MS = 300;
/** Longest accepted minimum utterance, milliseconds (must also stay below the maximum utterance). */
export const MAX_MIN_UTTERANCE_MS = 5_000;

/** Default audio kept before the speech onset, milliseconds: the first syllable is never clipped. */
export const DEFAULT_PRE_ROLL_MS = 500;
/** Longest accepted pre-roll, milliseconds. */
export const MAX_PRE_ROLL_MS = 2_000;

/** Default audio kept after the end of speech, milliseconds (ASR engines like a little trailing silence). */
export const DEFAULT_POST_ROLL_MS = 300;

/**
 * Head score a hop needs in the satellite's configuration (`wake.threshold`), in (0, 1): the operating point measured
 * best by bench/listener.bench.ts (issue #4) together with the verifier and the speech gate, a low threshold for
 * recall in noise. The detector's own default, `DEFAULT_WAKE_THRESHOLD` (0.5, openWakeWord's), applies when a caller
 * of `createListener` gives none, since it has no verifier unless asked.
 */
export const CONFIG_WAKE_THRESHOLD = 0.1;

/** Default wake-word score needed while the satellite itself speaks (barge-in), in (0, 1). */
export const DEFAULT_BARGE_IN_THRESHOLD = 0.8;

/**
 * Hangover the listener asks of the VAD it creates, milliseconds: silence needed before the VAD reports a speech end.
 * Kept short on purpose: the listener measures {@link DEFAULT_SILENCE_END_MS} itself from where the silence began, so
 * the VAD's hangover is not added on top of it (it only decides how soon the listener hears of the silence).
 */
export const VAD_HANGOVER_MS = 100;

/** Padding the VAD moves before each speech start and after each speech end, milliseconds (Silero `VADIterator`). */
export const VAD_SPEECH_PAD_MS = 30;

/**
 * When the wake word is detected while the VAD is still inside the speech that carried it, and that speech goes on
 * for this long after the detection, the user did not pause ("hey jarvis what time is it"): the command is taken to
 * start at the detection. With the head at threshold 0.5 detections lag the end of "jarvis" by 100–300 ms; at the
 * 0.1 the verifier allows they can come up to ≈ 700 ms BEFORE it ends (mid-"jarvis"), and the VAD reports the end of
 * the word ≈ 130 ms after it. 300 ms (the old value) then took the rest of "jarvis" for the command and ended the
 * capture before the real one (a question after a pause was lost); 1 000 ms covers both. Nothing is lost by waiting:
 * a command that runs on is still recorded from the detection.
 */
export const WAKE_CONTINUATION_MS = 1_000;

/**
 * Carry-over speech that began less than this long before the detection cannot contain the wake word (even a fast
 * "hey jarvis" lasts longer): it is the command, heard by a late detection, and the command starts at its onset, ms.
 */
export const WAKE_MIN_SPEECH_MS = 500;

/**
 * Extra audio kept before the VAD's speech onset on top of the pre-roll, milliseconds. Silero reports an onset up to
 * ≈ 60 ms after the loud part of the speech begins (measured on espeak-ng speech in 5 dB white/pink noise; its own
 * 30 ms padding included), so the utterance still starts at least `preRollMs` before the true onset.
 */
export const VAD_ONSET_GUARD_MS = 100;

/** A VAD speech region that began at most this long before the detection is taken as the wake word itself, ms. */
export const WAKE_ONSET_WINDOW_MS = 2_500;

/** Wake-word audio assumed when the VAD saw no onset in {@link WAKE_ONSET_WINDOW_MS}, milliseconds before detection. */
export const WAKE_AUDIO_FALLBACK_MS = 1_500;

/**
 * Default speech gate, milliseconds: a wake-word detection is accepted only if the VAD heard speech within this long
 * before it (0 turns the gate off). Detections come 100–300 ms after the end of the word, so 1,000 ms always covers
 * the word itself (bench/listener.bench.ts: no positive lost at 1,000 or 1,500 ms, some at 500 ms), while a longer
 * window reaches back into speech that ended before a noise burst (2,000 ms let noise detections through).
 */
export const DEFAULT_WAKE_SPEECH_GATE_MS = 1_000;

/** Longest speech gate window, milliseconds. */
export const MAX_WAKE_SPEECH_GATE_MS = 5_000;

/**
 * Silero speech probability that opens the speech gate (its default speech threshold). The gate also opens while the
 * VAD is inside a speech region, whatever the last window scored.
 */
export const SPEECH_GATE_PROBABILITY = 0.5;

/** Samples the listener hands the detectors per call (80 ms: one openWakeWord hop, 2.5 Silero windows). */
export const PIECE_SAMPLES = 1_280;

/** Initial capacity of the queue of audio fed but not yet processed, samples (4 s; it grows by doubling). */
export const INITIAL_BACKLOG_SAMPLES = 1 << 16;

/** Most audio fed but not yet processed, samples (2^22 ≈ 262 s, 8 MiB); more is dropped with LISTENER_ERR_OVERRUN. */
export const MAX_BACKLOG_SAMPLES = 1 << 22;

/** Extra history kept beyond what the settings need, milliseconds (room for a few pieces in flight). */
export const HISTORY_MARGIN_MS = 1_000;

/** dBFS reported for digital silence (an RMS or peak of 0). */
export const SILENCE_DBFS = Number.NEGATIVE_INFINITY;

/** Full scale of s16 audio, for dBFS: 0 dBFS is a sample of magnitude 32,768 (a full-scale sine has RMS ≈ −3 dBFS). */
export const FULL_SCALE = 32_768;

/**
 * Default margin of the energy gate, dB: a piece this much louder than the tracked noise floor opens the gate and
 * lets the VAD and the wake-word models run (src/listener/energy-gate.ts). Chosen on bench/listener.bench.ts: no
 * positive lost at 5 dB SNR in white, pink or brown noise, while stationary room noise keeps the gate shut.
 */
export const DEFAULT_ENERGY_GATE_MARGIN_DB = 6;

/** Smallest and largest accepted energy gate margins, dB. */
export const MIN_ENERGY_GATE_MARGIN_DB = 1;
/** @see MIN_ENERGY_GATE_MARGIN_DB */
export const MAX_ENERGY_GATE_MARGIN_DB = 30;

/** The energy gate stays open this long after the last loud piece, milliseconds (bridges pauses between words). */
export const GATE_HOLD_MS = 1_000;

/**
 * Audio replayed through the detectors when the gate opens, milliseconds. openWakeWord's head reads 16 embeddings
 * (1.2 s of hops), each computed from 76 mel frames (0.76 s) of 512-sample windows, plus the melspectrogram's 480
 * samples of context: 30,560 samples before the first live hop. 2,080 ms (13 × 2,560 samples) covers that, so every
 * hop scored after the gate opens reads exactly the embeddings it would have read ungated.
 */
export const GATE_LOOKBACK_MS = 2_080;

/**
 * The detectors' framing repeats every 2,560 samples (LCM of the 1,280-sample wake hop and the 512-sample Silero
 * window): audio the gate skips is skipped in multiples of this, so hops and windows fall where they would ungated.
 */
export const GATE_ALIGN_SAMPLES = 2_560;

/** Lowest noise floor the gate assumes, dBFS: in digital silence a piece above −69 dBFS (with the margin) opens it. */
export const GATE_MIN_FLOOR_DBFS = -75;

/** Highest noise floor the gate learns, dBFS: anything louder than this plus the margin always runs the detectors. */
export const GATE_MAX_FLOOR_DBFS = -30;

/** Highest floor the gate takes from the first piece it hears, dBFS (speech from the start still opens it). */
export const GATE_INITIAL_MAX_FLOOR_DBFS = -45;

/** The floor moves this fraction of the way down to a quieter piece, per piece. */
export const GATE_FLOOR_FALL = 0.5;

/** The floor rises at most this fast towards louder pieces, dB per second of audio. */
export const GATE_FLOOR_RISE_DB_PER_S = 2;

