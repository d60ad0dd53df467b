/**
 * A WAV file as a capture source (`hivesat run --input clip.wav`, replayable tests): any supported WAV, converted to
 * 16 kHz mono, emitted in fixed chunks either paced in real time, as a microphone would, or as fast as the consumer
 * keeps up. Emits `end` after the last chunk.
 *
 * Real-time pacing schedules chunk i at `t0 + (i + 1) · chunkDuration` on the injected clock, so timer lateness does
 * not accumulate.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { CHUNK_SAMPLES, MAX_WAV_BYTES, SAMPLES_PER_MS } from '../constants.js';
import { AudioError } from '../errors.js';
import { type TimerHandle, type Timers, systemTimers } from '../io.js';
import { readWav16kMono, readWavBytes } from '../wav.js';
import type { AudioSource, AudioSourceEvents, SourceState } from './source.js';

/** How a {@link WavFileSource} paces its chunks. */
export type WavPacing = 'realtime' | 'fast';

/** Options of {@link WavFileSource}. */
export interface WavFileSourceOptions {
  /** The file to read. */
  readonly path: string;
  /** `realtime`: one chunk per chunk duration, like a microphone. `fast`: one chunk per event-loop turn. Default `realtime`. */
  readonly pacing?: WavPacing;
  /** Samples per chunk (at 16 kHz). Default {@link CHUNK_SAMPLES} (80 ms). */
  readonly chunkSamples?: number;
  /** Largest file accepted, bytes. Default {@link MAX_WAV_BYTES}. */
  readonly maxBytes?: number;
  /** Timers and clock for `realtime` pacing. */
  readonly timers?: Timers;
}

/** Plays a WAV file into the pipeline as if it were a microphone. */
export class WavFileSource extends EventEmitter<AudioSourceEvents> implements AudioSource {
  readonly name: string;
  readonly #path: string;
  readonly #pacing: WavPacing;
  readonly #chunkSamples: number;
  readonly #maxBytes: number;
  readonly #timers: Timers;
  #state: SourceState = 'stopped';
  #samples: Int16Array = new Int16Array(0);
  #next = 0; // index of the next chunk
  #t0 = 0;
  #timer: TimerHandle | undefined;
  #immediate: NodeJS.Immediate | undefined;

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for a chunk size that is not a positive integer. */
  constructor(options: WavFileSourceOptions) {
    super();
    const chunkSamples = options.chunkSamples ?? CHUNK_SAMPLES;
    if (!Number.isInteger(chunkSamples) || chunkSamples < 1) {
      throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `chunkSamples: expected a positive integer, got ${chunkSamples}`);
    }
    this.#path = options.path;
    this.#pacing = options.pacing ?? 'realtime';
    this.#chunkSamples = chunkSamples;
    this.#maxBytes = options.maxBytes ?? MAX_WAV_BYTES;
    this.#timers = options.timers ?? systemTimers;
    this.name = `wav ${options.path} (${this.#pacing})`;
  }

  /** Current lifecycle state. */
  get state(): SourceState {
    return this.#state;
  }

  /**
   * Reads and converts the file, then starts emitting from its beginning.
   * @throws {WavError} when the file is malformed, truncated, unsupported or too large.
   * @throws {AUDIO_ERR_STATE} when the source is not stopped.
   */
  async start(): Promise<void> {
    if (this.#state !== 'stopped') throw new AudioError('AUDIO_ERR_STATE', `start: expected state 'stopped', got '${this.#state}'`);
    this.#state = 'starting';
    try {
      this.#samples = readWav16kMono(await readWavBytes(this.#path, this.#maxBytes));
    } catch (err) {
      this.#state = 'stopped';
      throw err;
    }
    if (this.#state !== 'starting') return; // stopped while reading
    this.#state = 'running';
    this.#next = 0;
    this.#t0 = this.#timers.now();
    this.#schedule();
  }

  /** Stops emitting. Resolves at once. */
  async stop(): Promise<void> {
    this.#cancel();
    this.#state = 'stopped';
  }

  #chunkCount(): number {
    return Math.ceil(this.#samples.length / this.#chunkSamples);
  }

  #schedule(): void {
    if (this.#pacing === 'fast') {
      this.#immediate = setImmediate(this.#tick);
      return;
    }
    const due = this.#t0 + ((this.#next + 1) * this.#chunkSamples) / SAMPLES_PER_MS;
    this.#timer = this.#timers.setTimeout(this.#tick, Math.max(0, due - this.#timers.now()));
  }

  #cancel(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    this.#immediate = undefined;
    if (this.#state !== 'running') return;
    const count = this.#chunkCount();
    if (this.#next < count) {
      const from = this.#next * this.#chunkSamples;
      this.#next++;
      this.emit('chunk', this.#samples.subarray(from, from + this.#chunkSamples));
    }
    if (this.#state !== 'running') return; // a listener stopped us
    if (this.#next < count) {
      this.#schedule();
    } else {
      this.#state = 'stopped';
      this.emit('end');
    }
  };
}
