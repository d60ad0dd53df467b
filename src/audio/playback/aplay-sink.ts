/**
 * Playback through ALSA's `aplay`: one `aplay -q -D <device> -t raw -f S16_LE -r <rate> -c <channels>` process per
 * clip, fed on stdin. Stopping kills the process, which drops whatever ALSA still buffers: the sound stops at once.
 *
 * @module
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { DeviceError } from '../errors.js';
import { type AlsaProcessOptions, type SpawnFn, alsaRawArgs, StderrTail, type Timers, defaultSpawn, exitError, systemTimers, terminate, waitForSpawn } from '../io.js';
import { BaseSink, type DeviceFormat, type PlaybackSession } from './sink.js';

/** Options of {@link AplaySink}. */
export type AplaySinkOptions = DeviceFormat & AlsaProcessOptions;

/** The `aplay` arguments for a device, rate and channel count. */
export const aplayArgs = alsaRawArgs;

class AplaySession implements PlaybackSession {
  readonly #child: ChildProcess;
  readonly #command: string;
  readonly #timers: Timers;
  readonly #stderr: StderrTail;
  readonly #closed: Promise<void>;

  constructor(child: ChildProcess, command: string, timers: Timers, stderr: StderrTail) {
    this.#child = child;
    this.#command = command;
    this.#timers = timers;
    this.#stderr = stderr;
    this.#closed = new Promise((resolve) => child.once('close', () => resolve()));
    // EPIPE after aplay died or was killed: the write callbacks and the exit status report it.
    child.stdin?.on('error', () => {});
  }

  write(samples: Int16Array): Promise<void> {
    const stdin = this.#child.stdin;
    if (stdin === null || stdin.destroyed) return this.#failed();
    return new Promise((resolve, reject) => {
      stdin.write(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), (err) => {
        if (err === null || err === undefined) resolve();
        else this.#failed(err).catch(reject);
      });
    });
  }

  async finish(): Promise<void> {
    this.#child.stdin?.end();
    await this.#closed;
    const { exitCode, signalCode } = this.#child;
    if (exitCode !== 0) throw exitError(this.#command, exitCode, signalCode, this.#stderr);
  }

  async abort(): Promise<void> {
    this.#child.stdin?.destroy();
    await terminate(this.#child, this.#timers);
    await this.#closed;
  }

  /** A write failed: wait for the process to end, and blame its exit when there is one to blame. */
  async #failed(cause?: Error): Promise<never> {
    await this.#closed;
    const { exitCode, signalCode } = this.#child;
    if (exitCode !== 0) throw exitError(this.#command, exitCode, signalCode, this.#stderr);
    throw new DeviceError('AUDIO_ERR_DEVICE_IO', `writing to ${this.#command} failed: ${cause?.message ?? 'stdin closed'}`, {}, { cause });
  }
}

/** Plays through `aplay`, one process per clip. */
export class AplaySink extends BaseSink {
  readonly name: string;
  readonly #command: string;
  readonly #args: readonly string[];
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #spawn: SpawnFn;
  readonly #timers: Timers;

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an unsupported rate, channel count or gain. */
  constructor(options: AplaySinkOptions = {}) {
    super(options);
    const device = options.device ?? 'default';
    this.#command = options.command ?? 'aplay';
    this.#args = aplayArgs(device, this.deviceRateHz, this.deviceChannels, options.extraArgs);
    this.#env = options.env;
    this.#spawn = options.spawn ?? defaultSpawn;
    this.#timers = options.timers ?? systemTimers;
    this.name = `${this.#command} -D ${device} @${this.deviceRateHz} Hz ×${this.deviceChannels}`;
  }

  protected async openSession(): Promise<PlaybackSession> {
    const options: SpawnOptions = { stdio: ['pipe', 'ignore', 'pipe'] };
    if (this.#env !== undefined) options.env = this.#env;
    let child: ChildProcess;
    try {
      child = this.#spawn(this.#command, this.#args, options);
    } catch (err) {
      throw new DeviceError('AUDIO_ERR_DEVICE_SPAWN', `cannot start '${this.#command}': ${(err as Error).message}`, {}, { cause: err });
    }
    const stderr = new StderrTail();
    child.stderr?.on('data', (data: Buffer) => stderr.push(data));
    const session = new AplaySession(child, this.#command, this.#timers, stderr);
    await waitForSpawn(child, this.#command);
    return session;
  }
}
