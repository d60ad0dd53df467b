/**
 * Exponential reconnect backoff with jitter (HIVEMIND.md §7.2): the n-th delay in a row is
 * `min(initial · factor^(n−1), max) · uniform(1 − jitter, 1 + jitter)`; `reset()` after a successful session.
 *
 * Pure: the random source is injected, so tests know every delay.
 *
 * @module
 */
import {
  RECONNECT_FACTOR,
  RECONNECT_INITIAL_DELAY_MS,
  RECONNECT_JITTER,
  RECONNECT_MAX_DELAY_MS,
} from './connection-constants.js';

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First delay before jitter, ms. Default {@link RECONNECT_INITIAL_DELAY_MS}. */
  readonly initialDelayMs?: number;
  /** Cap before jitter, ms. Default {@link RECONNECT_MAX_DELAY_MS}. */
  readonly maxDelayMs?: number;
  /** Growth per failure in a row (≥ 1). Default {@link RECONNECT_FACTOR}. */
  readonly factor?: number;
  /** Relative jitter in [0, 1). Default {@link RECONNECT_JITTER} (±50 %). */
  readonly jitter?: number;
  /** Uniform random numbers in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

function check(value: number, what: string, ok: (v: number) => boolean, expected: string): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && ok(value))) throw new RangeError(`${what}: expected ${expected}, got ${String(value)}`);
  return value;
}

/** Reconnect delays: grows per failure in a row, capped, jittered. */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #failures = 0;

  /** @throws {RangeError} for a non-positive delay, a cap below the first delay, a factor < 1 or a jitter outside [0, 1). */
  constructor(options: BackoffOptions = {}) {
    this.#initial = check(options.initialDelayMs ?? RECONNECT_INITIAL_DELAY_MS, 'initialDelayMs', (v) => v > 0, 'a positive number of ms');
    this.#max = check(options.maxDelayMs ?? RECONNECT_MAX_DELAY_MS, 'maxDelayMs', (v) => v >= this.#initial, `at least initialDelayMs (${this.#initial})`);
    this.#factor = check(options.factor ?? RECONNECT_FACTOR, 'factor', (v) => v >= 1, 'a number ≥ 1');
    this.#jitter = check(options.jitter ?? RECONNECT_JITTER, 'jitter', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    this.#random = options.random ?? Math.random;
  }

  /** Failures in a row so far. */
  get failures(): number {
    return this.#failures;
  }

  /** The delay before the next attempt, ms (rounded), counting one more failure. */
  next(): number {
    this.#failures += 1;
    const base = Math.min(this.#initial * this.#factor ** (this.#failures - 1), this.#max);
    const r = Math.min(Math.max(this.#random(), 0), 1);
    return Math.round(base * (1 - this.#jitter + 2 * this.#jitter * r));
  }

  /** Forget the failures: the next delay is the first one again. */
  reset(): void {
    this.#failures = 0;
  }
}
