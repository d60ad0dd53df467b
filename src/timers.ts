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

/** Slices of an {@link attentiveDeadline}: its time is checked this many times, so a stall costs at most one slice. */
export const DEADLINE_SLICES = 10;

/**
 * Calls `onExpired` once `ms` milliseconds have passed *while this process's event loop kept up*; returns a cancel
 * function.
 *
 * Why not one `setTimeout(ms)`: a deadline that waits for I/O (a pong, a WebSocket upgrade, a handshake answer)
 * must not expire because this process was not running. After a stall (CPU starvation, a long synchronous step,
 * GC) Node runs expired timers *before* it polls the sockets, so one timer would call a peer dead whose answer is
 * already waiting in the socket buffer — or, for a peer in the same process, whose answer never got a turn to be
 * sent. So the deadline runs as `slices` (default {@link DEADLINE_SLICES}) timer slices, and a slice that fires
 * more than half a slice late counts only the time that was not stolen (`length − lateness`, at least 0). The
 * deadline therefore expires only after the loop ran on time for about `ms` in total, which leaves at least half a
 * slice of working event loop after any stall; with no stall it expires after `ms`, as a plain timer would.
 */
export function attentiveDeadline(timers: Timers, ms: number, onExpired: () => void, slices: number = DEADLINE_SLICES): () => void {
  const slice = Math.max(1, Math.ceil(ms / slices));
  const tolerance = slice / 2; // ordinary timer jitter, not a stall
  let counted = 0;
  let handle: TimerHandle | undefined;
  const arm = (): void => {
    const length = Math.min(slice, ms - counted);
    const due = timers.now() + length;
    handle = timers.setTimeout(() => {
      handle = undefined;
      const late = timers.now() - due;
      counted += late > tolerance ? Math.max(0, length - late) : length;
      if (counted >= ms) onExpired();
      else arm();
    }, length);
  };
  arm();
  return () => {
    if (handle !== undefined) timers.clearTimeout(handle);
    handle = undefined;
  };
}
