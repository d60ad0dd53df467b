/**
 * The range check every detector option goes through (VAD thresholds and durations, wake thresholds, trigger
 * levels, verifier parameters), so that all of them fail with the same `MODEL_ERR_OPTION` message.
 *
 * @module
 */
import { ModelError } from './errors.js';

/**
 * Check a numeric option.
 *
 * @returns the value.
 * @throws {MODEL_ERR_OPTION} when it is not a finite number in range (`openLow`: the lower bound is excluded, and
 * so is an upper bound of 1 for probabilities).
 */
export function assertRange(name: string, value: number, min: number, max: number, openLow: boolean): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (openLow ? value > min && value < max : value >= min && value <= max);
  if (!ok) {
    const range = openLow ? `(${min}, ${max})` : `[${min}, ${max}]`;
    throw new ModelError('MODEL_ERR_OPTION', `${name}: expected a number in ${range}, got ${String(value)}`);
  }
  return value;
}
