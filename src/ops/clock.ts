/**
 * Time and process spawning as the operations layer sees them: injectable, so tests control them.
 *
 * @module
 */
import { type ChildProcess, type SpawnOptions, spawn as nodeSpawn } from 'node:child_process';
import type { Timers } from '../timers.js';

/** Timers and a monotonic clock (the shared interface; see src/timers.ts). */
export type OpsTimers = Timers;

/** The real timers (looked up at call time, so `vi.useFakeTimers()` controls them too). Timers are unref'd. */
export const systemTimers: OpsTimers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};

/** Starts a process; `node:child_process.spawn` by default. */
export type OpsSpawn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** The default {@link OpsSpawn}. */
export const defaultSpawn: OpsSpawn = (command, args, options) => nodeSpawn(command, [...args], options);
