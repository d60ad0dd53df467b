/**
 * The outside world as the audio layer sees it: process spawning and timers, both injectable so tests control them,
 * plus the helpers that turn a child process's fate into a {@link DeviceError}.
 *
 * @module
 */
import { type ChildProcess, type SpawnOptions, spawn as nodeSpawn } from 'node:child_process';
import { KILL_GRACE_MS, STDERR_TAIL_CHARS } from './constants.js';
import { DeviceError } from './errors.js';
import type { Timers } from '../timers.js';

/** Starts a process; `node:child_process.spawn` by default. Tests pass one that sets `ALSA_CONFIG_PATH` or fakes it. */
export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export { type TimerHandle, type Timers, systemTimers } from '../timers.js';

/** Options shared by the programs that open an ALSA device (`arecord`, `aplay`). */
export interface AlsaProcessOptions {
  /** ALSA device (`default`, `plughw:CARD=Device,DEV=0`, `hw:1,0`…). Default `default`. */
  readonly device?: string;
  /** Program to run. Default `arecord` / `aplay`. */
  readonly command?: string;
  /** Extra arguments placed before the format arguments (e.g. `['--buffer-time=200000']`). */
  readonly extraArgs?: readonly string[];
  /**
   * Run this program and arguments instead of `arecord`/`aplay` (`pw-record`, `parec`, `ssh pi arecord …`): raw
   * s16le PCM at the declared rate and channels on stdout (capture) or stdin (playback). `device`, `command` and
   * `extraArgs` are then ignored. See {@link CommandSource} and {@link CommandSink}.
   */
  readonly argv?: readonly string[];
  /** Environment of the process. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** Process spawner. Default `child_process.spawn`. */
  readonly spawn?: SpawnFn;
  /** Timers (for the SIGTERM → SIGKILL grace period). */
  readonly timers?: Timers;
}

/** The arguments `arecord` and `aplay` both take for raw s16le audio on a device, rate and channel count. */
export function alsaRawArgs(device: string, rateHz: number, channels: number, extraArgs: readonly string[] = []): string[] {
  return ['-q', ...extraArgs, '-D', device, '-t', 'raw', '-f', 'S16_LE', '-r', String(rateHz), '-c', String(channels)];
}

/** The default {@link SpawnFn}. */
export const defaultSpawn: SpawnFn = (command, args, options) => nodeSpawn(command, args, options);

/** Keeps the last {@link STDERR_TAIL_CHARS} characters a process printed on stderr. */
export class StderrTail {
  #text = '';

  /** Appends a chunk of stderr output. */
  push(chunk: Buffer | string): void {
    this.#text += chunk.toString();
    if (this.#text.length > STDERR_TAIL_CHARS) this.#text = this.#text.slice(-STDERR_TAIL_CHARS);
  }

  /** Everything kept. */
  get text(): string {
    return this.#text;
  }

  /** The last non-empty line, for one-line error messages. */
  get lastLine(): string {
    const lines = this.#text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    return lines[lines.length - 1] ?? '';
  }
}

/**
 * Waits until a freshly spawned child has either started or failed to start.
 * @throws {AUDIO_ERR_DEVICE_SPAWN} when the program cannot be run (ENOENT, EACCES).
 */
export function waitForSpawn(child: ChildProcess, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onSpawn = (): void => {
      child.off('error', onError);
      resolve();
    };
    const onError = (err: Error): void => {
      child.off('spawn', onSpawn);
      reject(new DeviceError('AUDIO_ERR_DEVICE_SPAWN', `cannot start '${command}': ${err.message}`, {}, { cause: err }));
    };
    child.once('spawn', onSpawn);
    child.once('error', onError);
  });
}

/** The error for a device process that ended when it should not have (or ended badly). */
export function exitError(command: string, code: number | null, signal: NodeJS.Signals | null, stderr: StderrTail): DeviceError {
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
  const said = stderr.lastLine;
  return new DeviceError('AUDIO_ERR_DEVICE_EXIT', `${command} ${how}${said === '' ? '' : `: ${said}`}`, {
    exitCode: code,
    signal,
    stderr: stderr.text,
  });
}

/**
 * Ends a child process: SIGTERM (and SIGCONT, in case it is stopped), then SIGKILL after `graceMs` if it is still there. Resolves once it has exited.
 */
export function terminate(child: ChildProcess, timers: Timers, graceMs: number = KILL_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = timers.setTimeout(() => child.kill('SIGKILL'), graceMs);
    // 'exit' for a process that ran; only 'close' follows a spawn that failed (ENOENT) in the meantime.
    const done = (): void => {
      timers.clearTimeout(timer);
      child.off('exit', done);
      child.off('close', done);
      resolve();
    };
    child.once('exit', done);
    child.once('close', done);
    child.kill('SIGTERM');
    // A stopped process (SIGSTOP, a debugger) keeps a handled SIGTERM pending until it runs again: let it run.
    child.kill('SIGCONT');
  });
}
