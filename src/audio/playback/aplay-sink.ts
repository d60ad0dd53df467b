/**
 * Playback through ALSA's `aplay`: one `aplay -q -D <device> -t raw -f S16_LE -r <rate> -c <channels>` process per
 * clip, fed on stdin. Stopping kills the process, which drops whatever ALSA still buffers: the sound stops at once.
 *
 * Device faults end the clip with a {@link DeviceError}, never a hang: aplay exiting mid-clip (the USB speaker was
 * unplugged: EPIPE on the next write, then its exit status) is `AUDIO_ERR_DEVICE_EXIT`; aplay that accepts no audio
 * for {@link PLAYBACK_STALL_TIMEOUT_MS} (hung, stopped) is killed and reported as `AUDIO_ERR_DEVICE_STALLED`. The next
 * clip starts a new process, so a device that comes back is used again without a restart of the service.
 *
 * @module
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { PLAYBACK_STALL_TIMEOUT_MS } from '../constants.js';
import { AudioError, DeviceError } from '../errors.js';
import { type AlsaProcessOptions, type SpawnFn, alsaRawArgs, StderrTail, type Timers, defaultSpawn, exitError, systemTimers, terminate, waitForSpawn } from '../io.js';
import { BaseSink, type DeviceFormat, type PlaybackSession } from './sink.js';

/** Options of {@link AplaySink}. */
export type AplaySinkOptions = DeviceFormat &
  AlsaProcessOptions & {
    /** aplay accepting no audio for this long, ms, counts as hung (killed, clip failed); `null` = never. Default {@link PLAYBACK_STALL_TIMEOUT_MS}. */
    readonly stallTimeoutMs?: number | null;
  };

/** The `aplay` arguments for a device, rate and channel count. */
export const aplayArgs = alsaRawArgs;

class AplaySession implements PlaybackSession {
  readonly #child: ChildProcess;
  readonly #command: string;
  readonly #timers: Timers;
  readonly #stderr: StderrTail;
  readonly #closed: Promise<void>;
  readonly #stallMs: number | null;
  #stalled = false;

  constructor(child: ChildProcess, command: string, timers: Timers, stderr: StderrTail, stallMs: number | null) {
    this.#child = child;
    this.#stallMs = stallMs;
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
    return this.#guard(
      new Promise((resolve, reject) => {
        stdin.write(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), (err) => {
          if (err === null || err === undefined) resolve();
          else this.#failed(err).catch(reject);
        });
      }),
    );
  }

  async finish(): Promise<void> {
    this.#child.stdin?.end();
    await this.#guard(this.#closed);
    this.#throwIfStalled();
    const { exitCode, signalCode } = this.#child;
    if (exitCode !== 0) throw exitError(this.#command, exitCode, signalCode, this.#stderr);
  }

  /** `step` (a write, the drain), with the stall watchdog: aplay is killed when it does not complete in time. */
  #guard<T>(step: Promise<T>): Promise<T> {
    const ms = this.#stallMs;
    if (ms === null) return step;
    const timer = this.#timers.setTimeout(() => {
      this.#stalled = true;
      this.#child.kill('SIGKILL'); // the pending write then fails (EPIPE) and the drain ends: the clip fails, no hang
    }, ms);
    const clear = (): void => this.#timers.clearTimeout(timer);
    step.then(clear, clear);
    return step;
  }

  #throwIfStalled(): void {
    if (this.#stalled) throw new DeviceError('AUDIO_ERR_DEVICE_STALLED', `${this.#command} accepted no audio for ${this.#stallMs ?? 0} ms and was killed`);
  }

  async abort(): Promise<void> {
    this.#child.stdin?.destroy();
    await terminate(this.#child, this.#timers);
    await this.#closed;
  }

  /** A write failed: wait for the process to end, and blame its exit when there is one to blame. */
  async #failed(cause?: Error): Promise<never> {
    await this.#closed;
    this.#throwIfStalled();
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
  readonly #stallMs: number | null;

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an unsupported rate, channel count, gain or stall timeout. */
  constructor(options: AplaySinkOptions = {}) {
    super(options);
    const device = options.device ?? 'default';
    this.#command = options.argv?.[0] ?? options.command ?? 'aplay';
    this.#args = options.argv === undefined ? aplayArgs(device, this.deviceRateHz, this.deviceChannels, options.extraArgs) : options.argv.slice(1);
    this.#env = options.env;
    this.#spawn = options.spawn ?? defaultSpawn;
    this.#timers = options.timers ?? systemTimers;
    const stall = options.stallTimeoutMs === undefined ? PLAYBACK_STALL_TIMEOUT_MS : options.stallTimeoutMs;
    if (stall !== null && !(Number.isFinite(stall) && stall > 0)) throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `stallTimeoutMs: expected a positive number, got ${stall}`);
    this.#stallMs = stall;
    this.name = options.argv === undefined ? `${this.#command} -D ${device} @${this.deviceRateHz} Hz ×${this.deviceChannels}` : `${this.#command} (playback command) @${this.deviceRateHz} Hz ×${this.deviceChannels}`;
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
    const session = new AplaySession(child, this.#command, this.#timers, stderr, this.#stallMs);
    await waitForSpawn(child, this.#command);
    return session;
  }
}
