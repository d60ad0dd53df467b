/**
 * Racing each read of a long input against one long-lived stop signal, without keeping every read's result alive.
 *
 * `await Promise.race([source.next(), stop])` in a loop adds one reaction to `stop` per call, and each reaction keeps
 * its race — and so the chunk that won it — reachable until `stop` settles. `hivesat run --input -` reading a pipe for
 * days would hold every audio chunk it ever read (found in the soak: 7 000 chunks and 14 000 promises more after ten
 * minutes). Here `stop` gets one reaction in total; each read only replaces the callback it will call.
 *
 * @module
 */

/** What a read resolves to when the stop came first. */
export const STOPPED: unique symbol = Symbol('stopped');

/** Races one read at a time against the stop given to {@link stopRace}. */
export type StopRace = <T>(read: Promise<T>) => Promise<T | typeof STOPPED>;

/**
 * Returns a function that races a read against `stop` (a rejection of `stop` counts as a stop). Meant for one read
 * at a time, as a read loop does: a second read started before the first settled takes over the stop callback.
 * A read that loses to the stop may still settle or reject later; that is ignored.
 */
export function stopRace(stop: Promise<unknown>): StopRace {
  let stopped = false;
  let onStop: (() => void) | undefined;
  const settle = (): void => {
    stopped = true;
    onStop?.();
    onStop = undefined;
  };
  stop.then(settle, settle);
  return <T>(read: Promise<T>): Promise<T | typeof STOPPED> =>
    new Promise<T | typeof STOPPED>((resolve, reject) => {
      if (stopped) {
        read.catch(() => undefined);
        resolve(STOPPED);
        return;
      }
      const callback = (): void => resolve(STOPPED);
      onStop = callback;
      const release = (): void => {
        if (onStop === callback) onStop = undefined;
      };
      read.then(
        (value) => {
          release();
          resolve(value);
        },
        (error: unknown) => {
          release();
          reject(error);
        },
      );
    });
}
