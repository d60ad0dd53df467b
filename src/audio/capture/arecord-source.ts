/**
 * Capture through ALSA's `arecord`: `arecord -q -D <device> -t raw -f S16_LE -r <rate> -c <channels>`, raw PCM on
 * stdout. Devices that only run at 44.1/48 kHz or in stereo are opened as they are and converted here, at the edge.
 *
 * The process is the device: if it exits while we did not ask it to (USB mic unplugged: `arecord: pcm_read:2221:
 * read error: No such device`), the source emits a {@link DeviceError} and goes back to `stopped`.
 *
 * @module
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { SAMPLE_RATE_HZ } from '../constants.js';
import { AudioError, DeviceError } from '../errors.js';
import { type AlsaProcessOptions, type SpawnFn, alsaRawArgs, StderrTail, type Timers, defaultSpawn, exitError, systemTimers, terminate, waitForSpawn } from '../io.js';
import { PcmChunker } from '../pcm-chunker.js';
import type { AudioSource, AudioSourceEvents, SourceState } from './source.js';

/** Options of {@link ArecordSource}. */
export interface ArecordSourceOptions extends AlsaProcessOptions {
  /** Rate to open the device at, hertz (8,000–48,000); converted to 16 kHz here. Default 16,000. */
  readonly rateHz?: number;
  /** Channels to open the device with (1–8); averaged to mono here. Default 1. */
  readonly channels?: number;
}

/** The `arecord` arguments for a device, rate and channel count. */
export const arecordArgs = alsaRawArgs;

/** Live capture from an ALSA device through an `arecord` process. Restartable after it stops or fails. */
export class ArecordSource extends EventEmitter<AudioSourceEvents> implements AudioSource {
  readonly name: string;
  readonly #command: string;
  readonly #args: readonly string[];
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #spawn: SpawnFn;
  readonly #timers: Timers;
  readonly #chunker: PcmChunker;
  #state: SourceState = 'stopped';
  #child: ChildProcess | undefined;
  #closed: Promise<void> = Promise.resolve();

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an unsupported rate or channel count. */
  constructor(options: ArecordSourceOptions = {}) {
    super();
    const device = options.device ?? 'default';
    const rateHz = options.rateHz ?? SAMPLE_RATE_HZ;
    const channels = options.channels ?? 1;
    this.#chunker = new PcmChunker({ rateHz, channels });
    this.#command = options.argv?.[0] ?? options.command ?? 'arecord';
    this.#args = options.argv === undefined ? arecordArgs(device, rateHz, channels, options.extraArgs) : options.argv.slice(1);
    this.#env = options.env;
    this.#spawn = options.spawn ?? defaultSpawn;
    this.#timers = options.timers ?? systemTimers;
    this.name = options.argv === undefined ? `${this.#command} -D ${device} @${rateHz} Hz ×${channels}` : `${this.#command} (capture command) @${rateHz} Hz ×${channels}`;
  }

  /** Current lifecycle state. */
  get state(): SourceState {
    return this.#state;
  }

  /** Process id of the running `arecord`, if any (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Spawns `arecord`. Resolves once the process runs (the device may still fail to open: that arrives as an `error`
   * event when arecord exits).
   * @throws {AUDIO_ERR_DEVICE_SPAWN} when the program cannot be started.
   * @throws {AUDIO_ERR_STATE} when the source is not stopped.
   */
  async start(): Promise<void> {
    if (this.#state !== 'stopped') throw new AudioError('AUDIO_ERR_STATE', `start: expected state 'stopped', got '${this.#state}'`);
    this.#state = 'starting';
    this.#chunker.reset();
    const stderr = new StderrTail();
    const options: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'] };
    if (this.#env !== undefined) options.env = this.#env;
    let child: ChildProcess;
    try {
      child = this.#spawn(this.#command, this.#args, options);
    } catch (err) {
      this.#state = 'stopped';
      throw new DeviceError('AUDIO_ERR_DEVICE_SPAWN', `cannot start '${this.#command}': ${(err as Error).message}`, {}, { cause: err });
    }
    this.#child = child;
    child.stderr?.on('data', (data: Buffer) => stderr.push(data));
    child.stdout?.on('data', (data: Buffer) => this.#onData(child, data));
    // A read error on the pipe is reported through the process's exit; kill it so that exit happens.
    child.stdout?.on('error', () => child.kill('SIGKILL'));
    this.#closed = new Promise((resolve) => {
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.#onClose(child, code, signal, stderr);
        resolve();
      });
    });
    try {
      await waitForSpawn(child, this.#command);
    } catch (err) {
      this.#child = undefined;
      this.#state = 'stopped';
      throw err;
    }
    if (this.#state === 'starting') this.#state = 'running';
  }

  /** Terminates `arecord` and resolves once it has exited and its output is drained. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || this.#state === 'stopped') return;
    this.#state = 'stopping';
    await terminate(child, this.#timers);
    await this.#closed;
  }

  /**
   * Kills `arecord` with SIGKILL (a hung or stopped process cannot refuse it) and resolves once it has exited. Used by
   * the supervisor when the device stalls or is stuck.
   */
  async abort(): Promise<void> {
    const child = this.#child;
    if (child === undefined || this.#state === 'stopped') return;
    this.#state = 'stopping';
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.#closed;
  }

  #onData(child: ChildProcess, data: Buffer): void {
    if (child !== this.#child || this.#state === 'stopping') return;
    const samples = this.#chunker.push(data);
    if (samples.length > 0) this.emit('chunk', samples);
  }

  #onClose(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, stderr: StderrTail): void {
    if (child !== this.#child) return;
    const expected = this.#state === 'stopping';
    this.#child = undefined;
    this.#state = 'stopped';
    if (!expected) this.emit('error', exitError(this.#command, code, signal, stderr));
  }
}
