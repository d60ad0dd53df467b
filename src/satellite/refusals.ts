/**
 * Rate-limited reporting of what the satellite refused from the hub (hostile-hub guard): each refusal is a coded
 * error; the first of its code in an interval is logged (one line) and emitted, the others are only counted, and the
 * next line says how many were suppressed. A flood of 10 000 bad messages therefore costs one line, not 10 000.
 *
 * Also a meter for messages the satellite ignores (PING/PROPAGATE, BROADCAST, unrequested TTS_AUDIO): O(1) per
 * message, a refusal only when an interval holds more than the allowed number.
 *
 * @module
 */
import type { Timers } from '../audio/index.js';
import type { HivesatError } from '../errors.js';
import { SatelliteError } from './errors.js';

/** Options of {@link RefusalLog}. */
export interface RefusalLogOptions {
  readonly timers: Timers;
  /** Each code is logged at most once per interval, ms. */
  readonly intervalMs: number;
  readonly log: (level: 'warn', message: string) => void;
  /** Called with each refusal that is logged (not with the suppressed ones). */
  readonly emit: (error: HivesatError) => void;
}

interface CodeState {
  windowStart: number;
  suppressed: number;
  total: number;
}

/** Refusals, counted per code, logged at most once per code and interval. */
export class RefusalLog {
  readonly #o: RefusalLogOptions;
  readonly #codes = new Map<string, CodeState>();
  readonly #reported = new WeakSet<Error>();

  constructor(options: RefusalLogOptions) {
    this.#o = options;
  }

  /** Refusals of `code` so far, logged or not. */
  count(code: string): number {
    return this.#codes.get(code)?.total ?? 0;
  }

  /** Whether `error` went through {@link report} (so that a later handler does not log it again). */
  has(error: unknown): boolean {
    return error instanceof Error && this.#reported.has(error);
  }

  /**
   * Like {@link report}, but the error is built only when it will be logged: inside the interval a flooded refusal
   * costs a counter increment, not an error object and its stack trace.
   */
  refuse(code: string, make: () => HivesatError): boolean {
    const state = this.#codes.get(code);
    if (state !== undefined && this.#o.timers.now() - state.windowStart < this.#o.intervalMs) {
      state.suppressed++;
      state.total++;
      return false;
    }
    return this.report(make());
  }

  /**
   * Report one refusal. O(1).
   *
   * @returns whether it was logged (false: counted only, within the interval of an earlier one).
   */
  report(error: HivesatError): boolean {
    this.#reported.add(error);
    const now = this.#o.timers.now();
    const state = this.#codes.get(error.code);
    if (state !== undefined && now - state.windowStart < this.#o.intervalMs) {
      state.suppressed++;
      state.total++;
      return false;
    }
    const suppressed = state?.suppressed ?? 0;
    const more = suppressed > 0 ? `; ${suppressed} more refused since the last warning` : '';
    this.#codes.set(error.code, { windowStart: now, suppressed: 0, total: (state?.total ?? 0) + 1 });
    this.#o.log('warn', `refused from the hub [${error.code}]: ${error.message}${more}`);
    this.#o.emit(error);
    return true;
  }
}

/** Options of {@link IgnoredMeter}. */
export interface IgnoredMeterOptions {
  readonly timers: Timers;
  readonly intervalMs: number;
  /** Ignored messages allowed per interval before it is a flood. */
  readonly maxPerInterval: number;
  readonly refusals: RefusalLog;
}

/** Counts messages the satellite ignores; a flood (over the allowance in one interval) is a `SAT_ERR_HUB_FLOOD`. */
export class IgnoredMeter {
  readonly #o: IgnoredMeterOptions;
  #windowStart = Number.NEGATIVE_INFINITY;
  #inWindow = 0;
  #total = 0;

  constructor(options: IgnoredMeterOptions) {
    this.#o = options;
  }

  /** Ignored messages so far. */
  get total(): number {
    return this.#total;
  }

  /** One more ignored message, of `kind` (`PROPAGATE`, `BROADCAST`, `TTS_AUDIO`…). O(1), nothing kept. */
  ignored(kind: string): void {
    this.#total++;
    const now = this.#o.timers.now();
    if (now - this.#windowStart >= this.#o.intervalMs) {
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    this.#inWindow++;
    // Reported once, when the interval's allowance is passed: no error object per flooded message.
    if (this.#inWindow !== this.#o.maxPerInterval + 1) return;
    const seconds = Math.round(this.#o.intervalMs / 1000);
    this.#o.refusals.report(
      new SatelliteError('SAT_ERR_HUB_FLOOD', `expected at most ${this.#o.maxPerInterval} messages the satellite ignores per ${seconds} s, got more (last: ${kind}); they are dropped, never forwarded or kept`),
    );
  }
}
