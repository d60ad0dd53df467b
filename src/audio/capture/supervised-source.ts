/**
 * Device supervision: keeps a live source running across failures without restarting the service.
 *
 * When the wrapped source fails (its process exits, a USB mic is unplugged, it cannot be opened at boot because the
 * mic is not plugged in yet) or stalls (no audio for {@link STALL_TIMEOUT_MS}), the supervisor emits `deviceError`,
 * waits, and starts it again. The wait doubles after each failure in a row, from {@link RESTART_BACKOFF_INITIAL_MS}
 * up to {@link RESTART_BACKOFF_MAX_MS}, and goes back to the start once the source has delivered
 * {@link BACKOFF_RESET_SAMPLES} of audio. `stop()` ends supervision cleanly at any point.
 *
 * States: `stopped → starting → running ⇄ (backoff → starting) → stopping → stopped`. A finite source that ends
 * (a WAV file) ends supervision with `end`.
 *
 * The stall check runs on a timer every `stallTimeoutMs` and compares sample counts, so chunks cost no timer work.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import {
  BACKOFF_RESET_SAMPLES,
  RESTART_BACKOFF_FACTOR,
  RESTART_BACKOFF_INITIAL_MS,
  RESTART_BACKOFF_MAX_MS,
  STALL_TIMEOUT_MS,
} from '../constants.js';
import { AudioError, DeviceError } from '../errors.js';
import { type TimerHandle, type Timers, systemTimers } from '../io.js';
import type { AudioSource, AudioSourceEvents, SourceState } from './source.js';

/** Options of {@link SupervisedSource}. */
export interface SupervisedSourceOptions {
  /** First restart delay, ms. Default {@link RESTART_BACKOFF_INITIAL_MS}. */
  readonly initialDelayMs?: number;
  /** Longest restart delay, ms. Default {@link RESTART_BACKOFF_MAX_MS}. */
  readonly maxDelayMs?: number;
  /** Growth of the delay per failure in a row (≥ 1). Default {@link RESTART_BACKOFF_FACTOR}. */
  readonly factor?: number;
  /** Audio, in samples, after which a restarted source counts as healthy again. Default {@link BACKOFF_RESET_SAMPLES}. */
  readonly resetAfterSamples?: number;
  /** No audio for this long, ms, counts as a failure; `null` turns the check off. Default {@link STALL_TIMEOUT_MS}. */
  readonly stallTimeoutMs?: number | null;
  /** Timers for the backoff and stall check. */
  readonly timers?: Timers;
}

/** What the supervisor does about a failure. */
export interface RetryInfo {
  /** Failures in a row, this one included (1 for the first). */
  readonly attempt: number;
  /** Delay before the next start, ms. */
  readonly delayMs: number;
}

/**
 * Events of a {@link SupervisedSource}: those of every {@link AudioSource} (`chunk`, `end`; `error` is declared but
 * never emitted, failures become `deviceError`) plus the supervision events.
 */
export type SupervisedSourceEvents = {
  /** 16 kHz mono audio from the wrapped source (a view valid only during the call). */
  chunk: AudioSourceEvents['chunk'];
  /** Never emitted: failures are reported as `deviceError` and retried. */
  error: AudioSourceEvents['error'];
  /** The wrapped source is finite and delivered all of its audio; supervision has ended. */
  end: AudioSourceEvents['end'];
  /** The source failed; it will be started again after `retry.delayMs`. */
  deviceError: [error: DeviceError, retry: RetryInfo];
  /** The source is being started again after `attempt` failures in a row. */
  restart: [attempt: number];
  /** The restarted source delivered its first audio after `failures` failures in a row. */
  recovered: [failures: number];
};

/** Lifecycle state of a {@link SupervisedSource}. */
export type SupervisorState = SourceState;

/**
 * Restarts a failing {@link AudioSource} with exponential backoff. It is itself an {@link AudioSource}, so the
 * listener does not care whether its mic is supervised.
 */
export class SupervisedSource extends EventEmitter<SupervisedSourceEvents> implements AudioSource {
  readonly name: string;
  readonly #source: AudioSource;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #factor: number;
  readonly #resetAfterSamples: number;
  readonly #stallTimeoutMs: number | null;
  readonly #timers: Timers;
  #state: SupervisorState = 'stopped';
  #failures = 0; // in a row
  #samplesSinceStart = 0;
  #samplesAtLastCheck = 0;
  #recovering = false; // restarted after a failure, no audio yet
  #retryTimer: TimerHandle | undefined;
  #stallTimer: TimerHandle | undefined;

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for a non-positive delay, a factor below 1 or a non-positive stall timeout. */
  constructor(source: AudioSource, options: SupervisedSourceOptions = {}) {
    super();
    this.#source = source;
    this.#initialDelayMs = positive(options.initialDelayMs ?? RESTART_BACKOFF_INITIAL_MS, 'initialDelayMs');
    this.#maxDelayMs = positive(options.maxDelayMs ?? RESTART_BACKOFF_MAX_MS, 'maxDelayMs');
    this.#factor = options.factor ?? RESTART_BACKOFF_FACTOR;
    if (!(this.#factor >= 1)) throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `factor: expected ≥ 1, got ${this.#factor}`);
    this.#resetAfterSamples = positive(options.resetAfterSamples ?? BACKOFF_RESET_SAMPLES, 'resetAfterSamples');
    const stall = options.stallTimeoutMs === undefined ? STALL_TIMEOUT_MS : options.stallTimeoutMs;
    this.#stallTimeoutMs = stall === null ? null : positive(stall, 'stallTimeoutMs');
    this.#timers = options.timers ?? systemTimers;
    this.name = `supervised ${source.name}`;
    source.on('chunk', this.#onChunk);
    source.on('error', this.#onSourceError);
    source.on('end', this.#onEnd);
  }

  /** Current lifecycle state. */
  get state(): SupervisorState {
    return this.#state;
  }

  /** Failures in a row so far (0 when healthy). */
  get failures(): number {
    return this.#failures;
  }

  /**
   * Starts the source and supervision. A {@link DeviceError} on this first start does not reject: it is emitted as
   * `deviceError` and retried like any later failure (the mic may simply not be plugged in yet).
   * @throws any other error of the source's `start()` (a malformed WAV file…), and then supervision does not begin.
   * @throws {AUDIO_ERR_STATE} when already started.
   */
  async start(): Promise<void> {
    if (this.#state !== 'stopped') throw new AudioError('AUDIO_ERR_STATE', `start: expected state 'stopped', got '${this.#state}'`);
    this.#failures = 0;
    await this.#launch(true);
  }

  /** Stops the source and cancels any pending restart. Resolves once the source is stopped. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopping';
    this.#clearTimers();
    await this.#source.stop();
    this.#state = 'stopped';
  }

  async #launch(first: boolean): Promise<void> {
    this.#state = 'starting';
    try {
      await this.#source.start();
    } catch (err) {
      if (this.#state !== 'starting') return; // stopped meanwhile
      if (!(err instanceof DeviceError)) {
        if (first) {
          this.#state = 'stopped';
          throw err;
        }
        // A later start failing for a non-device reason is still retried: it is reported, never thrown into a timer.
        err = new DeviceError('AUDIO_ERR_DEVICE_IO', `restarting ${this.#source.name} failed: ${(err as Error).message}`, {}, { cause: err });
      }
      this.#fail(err as DeviceError);
      return;
    }
    if (this.#state !== 'starting') {
      await this.#source.stop(); // stop() was called while the source was starting
      return;
    }
    this.#state = 'running';
    this.#samplesSinceStart = 0;
    this.#samplesAtLastCheck = 0;
    this.#recovering = this.#failures > 0;
    this.#armStallCheck();
  }

  #fail(error: DeviceError): void {
    if (this.#state === 'stopping' || this.#state === 'stopped' || this.#state === 'backoff') return;
    this.#clearTimers();
    const delayMs = Math.min(this.#initialDelayMs * this.#factor ** this.#failures, this.#maxDelayMs);
    this.#failures++;
    this.#state = 'backoff';
    const attempt = this.#failures;
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#state !== 'backoff') return;
      this.emit('restart', attempt);
      void this.#launch(false);
    }, delayMs);
    this.emit('deviceError', error, { attempt, delayMs });
  }

  #armStallCheck(): void {
    const timeout = this.#stallTimeoutMs;
    if (timeout === null) return;
    this.#stallTimer = this.#timers.setTimeout(() => {
      this.#stallTimer = undefined;
      if (this.#state !== 'running') return;
      if (this.#samplesSinceStart !== this.#samplesAtLastCheck) {
        this.#samplesAtLastCheck = this.#samplesSinceStart;
        this.#armStallCheck();
        return;
      }
      void this.#onStall(timeout);
    }, timeout);
  }

  async #onStall(timeout: number): Promise<void> {
    // Stop the stuck source first (it will not report this stop as an error), then retry as after any failure.
    this.#state = 'starting'; // keeps #fail willing and chunk counting off while the old process goes away
    await this.#source.stop();
    if (this.#state !== 'starting') return; // stop() was called meanwhile
    this.#fail(new DeviceError('AUDIO_ERR_DEVICE_STALLED', `${this.#source.name} delivered no audio for ${timeout} ms`));
  }

  #clearTimers(): void {
    if (this.#retryTimer !== undefined) this.#timers.clearTimeout(this.#retryTimer);
    if (this.#stallTimer !== undefined) this.#timers.clearTimeout(this.#stallTimer);
    this.#retryTimer = undefined;
    this.#stallTimer = undefined;
  }

  readonly #onChunk = (samples: Int16Array): void => {
    if (this.#state !== 'running') return;
    this.#samplesSinceStart += samples.length;
    if (this.#recovering) {
      this.#recovering = false;
      this.emit('recovered', this.#failures);
    }
    if (this.#failures > 0 && this.#samplesSinceStart >= this.#resetAfterSamples) this.#failures = 0;
    this.emit('chunk', samples);
  };

  readonly #onSourceError = (error: DeviceError): void => {
    this.#fail(error);
  };

  readonly #onEnd = (): void => {
    if (this.#state !== 'running') return;
    this.#clearTimers();
    this.#state = 'stopped';
    this.emit('end');
  };
}

function positive(value: number, what: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `${what}: expected a positive number, got ${value}`);
  return value;
}
