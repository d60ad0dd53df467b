/**
 * Device supervision: keeps a live source running across failures without restarting the service.
 *
 * When the wrapped source fails (its process exits, a USB mic is unplugged, it cannot be opened at boot because the
 * mic is not plugged in yet), stalls (no audio for {@link STALL_TIMEOUT_MS}: the process hangs) or is stuck (one
 * constant non-zero value or only full-scale samples for {@link STUCK_TIMEOUT_MS} of audio, see {@link StuckDetector}),
 * the supervisor emits `deviceError`, waits, and starts it again. A stalled or stuck source is ended with `abort()`
 * (SIGKILL) when it has one, since its orderly stop could hang as well. The wait doubles after each failure in a row,
 * from {@link RESTART_BACKOFF_INITIAL_MS} up to {@link RESTART_BACKOFF_MAX_MS}, and goes back to the start once the
 * source has delivered {@link BACKOFF_RESET_SAMPLES} of audio (and more than the stuck limit, so that a stuck device
 * is always caught before it counts as healthy). `stop()` ends supervision cleanly at any point.
 *
 * States: `stopped → starting → running ⇄ (backoff → starting) → stopping → stopped`. A finite source that ends
 * (a WAV file) ends supervision with `end`.
 *
 * The stall check runs on a timer every quarter of `stallTimeoutMs` and compares sample counts, so chunks cost no
 * timer work; a hang is noticed between `stallTimeoutMs` and 1¼ × that after the last audio.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import {
  BACKOFF_RESET_SAMPLES,
  RESTART_BACKOFF_FACTOR,
  RESTART_BACKOFF_INITIAL_MS,
  RESTART_BACKOFF_MAX_MS,
  SAMPLES_PER_MS,
  STALL_TIMEOUT_MS,
  STUCK_TIMEOUT_MS,
} from '../constants.js';
import { AudioError, DeviceError } from '../errors.js';
import { type TimerHandle, type Timers, systemTimers } from '../io.js';
import type { AudioSource, AudioSourceEvents, SourceState } from './source.js';
import { StuckDetector, type StuckVerdict } from './stuck-detector.js';

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
  /**
   * Constant non-zero or full-scale audio for this long, ms of audio, counts as a stuck device; `null` turns the
   * check off. Default {@link STUCK_TIMEOUT_MS}.
   */
  readonly stuckTimeoutMs?: number | null;
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
  readonly #stuck: StuckDetector | undefined;
  readonly #timers: Timers;
  #state: SupervisorState = 'stopped';
  #failures = 0; // in a row
  #samplesSinceStart = 0;
  #samplesAtLastCheck = 0;
  #quietChecks = 0; // stall checks in a row that saw no new audio
  #recovering = false; // restarted after a failure, no audio yet
  #retryTimer: TimerHandle | undefined;
  #stallTimer: TimerHandle | undefined;

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for a non-positive delay, a factor below 1 or a non-positive stall/stuck timeout. */
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
    const stuck = options.stuckTimeoutMs === undefined ? STUCK_TIMEOUT_MS : options.stuckTimeoutMs;
    this.#stuck = stuck === null ? undefined : new StuckDetector(Math.max(1, Math.round(positive(stuck, 'stuckTimeoutMs') * SAMPLES_PER_MS)));
    if (this.#stuck !== undefined) this.#resetAfterSamples = Math.max(this.#resetAfterSamples, this.#stuck.limitSamples + 1);
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

  /** True from a failure until the restarted source delivers audio again (what health reports as "capture down"). */
  get down(): boolean {
    return this.#state === 'backoff' || this.#recovering || (this.#state === 'starting' && this.#failures > 0);
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
    this.#quietChecks = 0;
    this.#recovering = this.#failures > 0;
    this.#stuck?.reset();
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
        this.#quietChecks = 0;
      } else if (++this.#quietChecks >= STALL_CHECKS_PER_TIMEOUT) {
        void this.#kill(new DeviceError('AUDIO_ERR_DEVICE_STALLED', `${this.#source.name} delivered no audio for ${timeout} ms`));
        return;
      }
      this.#armStallCheck();
    }, timeout / STALL_CHECKS_PER_TIMEOUT);
  }

  /** The source hangs or is stuck: end it (it will not report this as an error), then retry as after any failure. */
  async #kill(error: DeviceError): Promise<void> {
    this.#state = 'starting'; // keeps #fail willing and chunk counting off while the old process goes away
    this.#clearTimers();
    const source = this.#source;
    await (source.abort === undefined ? source.stop() : source.abort());
    if (this.#state !== 'starting') return; // stop() was called meanwhile
    this.#fail(error);
  }

  #stuckError(verdict: StuckVerdict, limitSamples: number): DeviceError {
    const ms = Math.round(limitSamples / SAMPLES_PER_MS);
    const what = verdict.kind === 'constant' ? `the constant sample value ${verdict.value ?? 0}` : 'only full-scale samples';
    return new DeviceError('AUDIO_ERR_CAPTURE_STUCK', `${this.#source.name} delivered ${what} for ${ms} ms of audio or more: the device is stuck`);
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
    // Judged before the listeners run: the chunk is a view, valid only during this call.
    const stuck = this.#stuck;
    const verdict = stuck?.push(samples);
    this.emit('chunk', samples);
    // The listener got the audio (it copes with any values); a stuck device is then restarted like a hung one.
    if (verdict !== undefined && stuck !== undefined && this.#state === 'running') void this.#kill(this.#stuckError(verdict, stuck.limitSamples));
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

/** Stall checks per stall timeout: a hang is noticed at most a quarter of the timeout late. */
const STALL_CHECKS_PER_TIMEOUT = 4;

function positive(value: number, what: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `${what}: expected a positive number, got ${value}`);
  return value;
}
