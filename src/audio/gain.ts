/**
 * Playback volume: a linear gain applied at the output edge, with hard clipping to the s16 range.
 *
 * @module
 */
import { INT16_MAX, INT16_MIN, MAX_GAIN } from './constants.js';
import { AudioError } from './errors.js';

/**
 * Checks a gain (0 = silence, 1 = unchanged, up to {@link MAX_GAIN}) and returns it.
 * @throws {AUDIO_ERR_BAD_ARGUMENT} outside 0–{@link MAX_GAIN} or not finite.
 */
export function assertGain(gain: number): number {
  if (!(Number.isFinite(gain) && gain >= 0 && gain <= MAX_GAIN)) {
    throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `gain: expected a number in 0–${MAX_GAIN}, got ${gain}`);
  }
  return gain;
}

/**
 * Writes `input × gain`, rounded and clipped to s16, into `out` (which may be `input` itself).
 * @returns the `input.length` samples written, as a view of `out`.
 * @throws {AUDIO_ERR_BAD_ARGUMENT} when `out` is shorter than `input`.
 */
export function applyGain(input: Int16Array, gain: number, out: Int16Array): Int16Array {
  const n = input.length;
  if (out.length < n) throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `applyGain: expected out to hold ${n} samples, got ${out.length}`);
  for (let i = 0; i < n; i++) {
    const v = Math.round((input[i] as number) * gain);
    out[i] = v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
  }
  return out.subarray(0, n);
}

/** Level given to digital silence by {@link levelDbfs}, dBFS (below any real microphone's noise). */
export const SILENCE_LEVEL_DBFS = -120;

/** 10 log10(32,768²): dB of a full-scale s16 square. */
const FULL_SCALE_POWER_DB = 90.308_998_699_194_35;

/** RMS level of `samples` in dBFS against a full scale of 32,768 (digital silence: {@link SILENCE_LEVEL_DBFS}). */
export function levelDbfs(samples: Int16Array): number {
  let sum = 0;
  const n = samples.length;
  for (let i = 0; i < n; i++) {
    const x = samples[i] as number;
    sum += x * x;
  }
  if (sum === 0 || n === 0) return SILENCE_LEVEL_DBFS;
  return 10 * Math.log10(sum / n) - FULL_SCALE_POWER_DB;
}
