/**
 * Per-keyword decision policy: score threshold, trigger level (consecutive frames at or above the threshold) and a
 * refractory period after each detection. Pure: the caller supplies the time of every frame (a sample-position
 * clock by default, or an injected monotonic clock).
 *
 * @module
 */
import { assertRange } from '../models/index.js';
import {
  DEFAULT_REFRACTORY_MS,
  DEFAULT_TRIGGER_LEVEL,
  DEFAULT_WAKE_THRESHOLD,
  MAX_REFRACTORY_MS,
  MAX_TRIGGER_LEVEL,
} from './constants.js';
import { ModelError } from './errors.js';

/** Decision options of one keyword. */
export interface TriggerOptions {
  /** Score at or above which a frame counts, in (0, 1). Default 0.5. */
  readonly threshold?: number;
  /** Consecutive counting frames needed for a detection, 1–25. Default 1. */
  readonly triggerLevel?: number;
  /** Time after a detection during which the keyword is ignored, milliseconds, 0–60,000. Default 2,000. */
  readonly refractoryMs?: number;
}

/** Threshold + trigger level + refractory period for one keyword. */
export class WakeTrigger {
  /** Score threshold. */
  readonly threshold: number;
  /** Consecutive frames needed. */
  readonly triggerLevel: number;
  /** Refractory period, milliseconds. */
  readonly refractoryMs: number;

  #run = 0;
  #lastDetectionMs = Number.NEGATIVE_INFINITY;

  /**
   * @throws {MODEL_ERR_OPTION} an option is out of range.
   */
  constructor(options: TriggerOptions = {}) {
    this.threshold = assertRange('threshold', options.threshold ?? DEFAULT_WAKE_THRESHOLD, 0, 1, true);
    const level = options.triggerLevel ?? DEFAULT_TRIGGER_LEVEL;
    if (!Number.isInteger(level) || level < 1 || level > MAX_TRIGGER_LEVEL) {
      throw new ModelError('MODEL_ERR_OPTION', `triggerLevel: expected an integer in [1, ${MAX_TRIGGER_LEVEL}], got ${String(level)}`);
    }
    this.triggerLevel = level;
    this.refractoryMs = assertRange('refractoryMs', options.refractoryMs ?? DEFAULT_REFRACTORY_MS, 0, MAX_REFRACTORY_MS, false);
  }

  /**
   * Account for one frame.
   *
   * @param score - the frame's score.
   * @param nowMs - the frame's time, milliseconds on a monotonic clock.
   * @returns true when this frame completes a detection.
   */
  push(score: number, nowMs: number): boolean {
    if (nowMs - this.#lastDetectionMs < this.refractoryMs) {
      this.#run = 0;
      return false;
    }
    if (score < this.threshold) {
      this.#run = 0;
      return false;
    }
    this.#run++;
    if (this.#run < this.triggerLevel) return false;
    this.#run = 0;
    this.#lastDetectionMs = nowMs;
    return true;
  }

  /** Forget the current run and the refractory period. */
  reset(): void {
    this.#run = 0;
    this.#lastDetectionMs = Number.NEGATIVE_INFINITY;
  }
}
