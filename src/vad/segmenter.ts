/**
 * Turns per-window speech probabilities into speech start/end edges: threshold with hysteresis, hangover (minimum
 * silence before speech ends) and padding, after snakers4/silero-vad's `VADIterator` policy. Pure: no model, no
 * clock — positions are sample indices supplied by the caller.
 *
 * @module
 */
import {
  DEFAULT_VAD_MIN_SILENCE_MS,
  DEFAULT_VAD_SPEECH_PAD_MS,
  DEFAULT_VAD_THRESHOLD,
  MAX_VAD_MIN_SILENCE_MS,
  MAX_VAD_SPEECH_PAD_MS,
  MIN_VAD_NEG_THRESHOLD,
  SAMPLES_PER_MS,
  VAD_NEG_THRESHOLD_OFFSET,
} from './constants.js';
import { assertRange } from '../models/index.js';
import type { VadEvent } from './types.js';

/** Options of {@link SpeechSegmenter}. */
export interface SegmenterOptions {
  /** Probability at or above which a window is speech, in (0, 1). Default 0.5. */
  readonly threshold?: number;
  /** Probability below which a window is silence, in [0, threshold]. Default `max(0.01, threshold - 0.15)`. */
  readonly negThreshold?: number;
  /** Hangover: silence needed before speech is declared over, milliseconds, 0–10,000. Default 100. */
  readonly minSilenceMs?: number;
  /** Padding moved before each start and after each end, milliseconds, 0–1,000. Default 30. */
  readonly speechPadMs?: number;
}

const NONE = -1;

/** Hysteresis state machine over window probabilities. */
export class SpeechSegmenter {
  /** Start threshold. */
  readonly threshold: number;
  /** End threshold. */
  readonly negThreshold: number;
  /** Hangover, samples. */
  readonly minSilenceSamples: number;
  /** Padding, samples. */
  readonly padSamples: number;

  #speaking = false;
  /** Start of the first silent window of the current silence run, or NONE. */
  #silenceStart = NONE;
  /** End (padding included) of the last speech region, so the next start's padding cannot overlap it. */
  #lastEnd = 0;

  /**
   * @throws {MODEL_ERR_OPTION} an option is out of range.
   */
  constructor(options: SegmenterOptions = {}) {
    const threshold = options.threshold ?? DEFAULT_VAD_THRESHOLD;
    assertRange('threshold', threshold, 0, 1, true);
    const negThreshold = options.negThreshold ?? Math.max(MIN_VAD_NEG_THRESHOLD, threshold - VAD_NEG_THRESHOLD_OFFSET);
    assertRange('negThreshold', negThreshold, 0, threshold, false);
    const minSilenceMs = options.minSilenceMs ?? DEFAULT_VAD_MIN_SILENCE_MS;
    assertRange('minSilenceMs', minSilenceMs, 0, MAX_VAD_MIN_SILENCE_MS, false);
    const speechPadMs = options.speechPadMs ?? DEFAULT_VAD_SPEECH_PAD_MS;
    assertRange('speechPadMs', speechPadMs, 0, MAX_VAD_SPEECH_PAD_MS, false);
    this.threshold = threshold;
    this.negThreshold = negThreshold;
    this.minSilenceSamples = Math.round(minSilenceMs * SAMPLES_PER_MS);
    this.padSamples = Math.round(speechPadMs * SAMPLES_PER_MS);
  }

  /** Whether the last window left us inside speech. */
  get speaking(): boolean {
    return this.#speaking;
  }

  /**
   * Account for one window.
   *
   * @param probability - the window's speech probability.
   * @param start - stream position of the window's first sample.
   * @param end - stream position just after its last sample.
   * @returns the edge this window decides, if any.
   */
  push(probability: number, start: number, end: number): VadEvent | undefined {
    if (!this.#speaking) {
      if (probability < this.threshold) return undefined;
      this.#speaking = true;
      this.#silenceStart = NONE;
      return { type: 'speech-start', sample: Math.max(this.#lastEnd, start - this.padSamples), decidedAt: end, probability };
    }
    if (probability >= this.threshold) {
      this.#silenceStart = NONE;
      return undefined;
    }
    if (probability >= this.negThreshold && this.#silenceStart === NONE) return undefined;
    if (this.#silenceStart === NONE) this.#silenceStart = start;
    if (end - this.#silenceStart < this.minSilenceSamples) return undefined;
    const sample = Math.min(end, this.#silenceStart + this.padSamples);
    this.#speaking = false;
    this.#silenceStart = NONE;
    this.#lastEnd = sample;
    return { type: 'speech-end', sample, decidedAt: end, probability };
  }

  /** Back to silence at position 0. */
  reset(): void {
    this.#speaking = false;
    this.#silenceStart = NONE;
    this.#lastEnd = 0;
  }
}
