/**
 * Raw PCM from a readable stream, by default the process's stdin (`arecord … | hivesat run --input -`, or
 * `sox clip.wav -t raw -r 16000 -c 1 -b 16 -e signed - | hivesat …`). The stream is s16le, 16 kHz mono by default;
 * other rates and channel counts are converted at the edge. Emits `end` when the stream ends.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { SAMPLE_RATE_HZ } from '../constants.js';
import { AudioError, DeviceError } from '../errors.js';
import { PcmChunker } from '../pcm-chunker.js';
import type { AudioSource, AudioSourceEvents, SourceState } from './source.js';

/** Options of {@link StdinSource}. */
export interface StdinSourceOptions {
  /** The stream to read. Default `process.stdin`. */
  readonly input?: Readable;
  /** Rate of the stream, hertz (8,000–48,000). Default 16,000. */
  readonly rateHz?: number;
  /** Interleaved channels of the stream (1–8). Default 1. */
  readonly channels?: number;
}

/** Raw s16le PCM from a stream. */
export class StdinSource extends EventEmitter<AudioSourceEvents> implements AudioSource {
  readonly name: string;
  readonly #input: Readable;
  readonly #chunker: PcmChunker;
  #state: SourceState = 'stopped';
  #ended = false;

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an unsupported rate or channel count. */
  constructor(options: StdinSourceOptions = {}) {
    super();
    const rateHz = options.rateHz ?? SAMPLE_RATE_HZ;
    const channels = options.channels ?? 1;
    this.#chunker = new PcmChunker({ rateHz, channels });
    this.#input = options.input ?? process.stdin;
    this.name = `stdin @${rateHz} Hz ×${channels}`;
  }

  /** Current lifecycle state. */
  get state(): SourceState {
    return this.#state;
  }

  /**
   * Starts reading. A stream that already ended emits `end` right away.
   * @throws {AUDIO_ERR_STATE} when the source is not stopped.
   */
  async start(): Promise<void> {
    if (this.#state !== 'stopped') throw new AudioError('AUDIO_ERR_STATE', `start: expected state 'stopped', got '${this.#state}'`);
    this.#state = 'running';
    this.#chunker.reset();
    if (this.#ended) {
      queueMicrotask(() => this.#onEnd());
      return;
    }
    this.#input.on('data', this.#onData);
    this.#input.once('end', this.#onEnd);
    this.#input.once('error', this.#onError);
    this.#input.resume();
  }

  /** Stops reading (the stream is paused, not closed). */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#detach();
    this.#input.pause();
    this.#state = 'stopped';
  }

  #detach(): void {
    this.#input.off('data', this.#onData);
    this.#input.off('end', this.#onEnd);
    this.#input.off('error', this.#onError);
  }

  readonly #onData = (data: Buffer | string): void => {
    if (typeof data === 'string') data = Buffer.from(data, 'latin1');
    const samples = this.#chunker.push(data);
    if (samples.length > 0) this.emit('chunk', samples);
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#detach();
    if (this.#state !== 'running') return;
    this.#state = 'stopped';
    this.emit('end');
  };

  readonly #onError = (err: Error): void => {
    this.#detach();
    if (this.#state !== 'running') return;
    this.#state = 'stopped';
    this.emit('error', new DeviceError('AUDIO_ERR_DEVICE_IO', `reading ${this.name} failed: ${err.message}`, {}, { cause: err }));
  };
}
