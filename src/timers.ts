/**
 * Time as every layer sees it: timers and a monotonic clock behind one small interface, injected so tests drive time
 * (`vi.useFakeTimers()` or a manual scheduler) instead of sleeping.
 *
 * @module
 */

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** Timers and a monotonic clock. */
export interface Timers {
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer made by {@link Timers.setTimeout}. */
  clearTimeout(handle: TimerHandle): void;
  /** Monotonic milliseconds (never wall-clock time). */
  now(): number;
}

/** The timer half of {@link Timers}, for code that needs no clock. */
export type TimeoutTimers = Pick<Timers, 'setTimeout' | 'clearTimeout'>;

/**
 * The real timers. Each call looks up the global functions at call time, so `vi.useFakeTimers()` also controls them.
 */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};
