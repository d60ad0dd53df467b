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
