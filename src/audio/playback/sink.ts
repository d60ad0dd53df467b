/**
 * The one interface every playback sink implements, and the base class that gives all sinks the same behaviour:
 *
 * - `play()` takes 16 kHz mono s16, either one array or an (async) iterable of chunks of any size (a TTS stream),
 *   and resolves when it is done: `completed`, `stopped` (by {@link AudioSink.stop}) or `aborted` (by the caller's
 *   `signal`). It rejects only when the device fails ({@link DeviceError}).
 * - Calls to `play()` queue: one clip plays at a time, in call order.
 * - `stop()` interrupts the clip that plays (the device process is killed, writing stops, a pending chunk of the
 *   iterable is not awaited) and cancels the queued ones; it resolves once the device is closed.
 * - The edge conversion happens here: volume ({@link AudioSink.gain}, clipped), then resampling to the device rate and
 *   upmixing to its channel count.
 *
 * Subclasses only open a {@link PlaybackSession} per clip.
 *
 * @module
 */
import { PLAYBACK_WRITE_SAMPLES, SAMPLE_RATE_HZ } from '../constants.js';
import { AudioError } from '../errors.js';
import { applyGain, assertGain } from '../gain.js';
import { StreamingResampler, assertChannels } from '../resample.js';

/** Audio to play: 16 kHz mono s16, whole or as chunks. */
export type PcmInput = Int16Array | Iterable<Int16Array> | AsyncIterable<Int16Array>;

/** Options of {@link AudioSink.play}. */
export interface PlayOptions {
  /** Aborting it interrupts this clip only; `play` then resolves with outcome `aborted`. */
  readonly signal?: AbortSignal;
}

/** How a clip ended. */
export type PlaybackOutcome = 'completed' | 'stopped' | 'aborted';

/** What {@link AudioSink.play} resolves with. */
export interface PlaybackResult {
  /** How the clip ended. */
  readonly outcome: PlaybackOutcome;
  /** Input samples (16 kHz) handed to the device. */
  readonly samplesPlayed: number;
}

/** A playback device. */
export interface AudioSink {
  /** For logs: what this sink plays to. */
  readonly name: string;
  /** Linear volume applied at the edge, 0–4 (1 = unchanged); louder clips hard. Takes effect on the next chunk. */
  gain: number;
  /**
   * Plays a clip after any clips queued before it.
   * @throws {DeviceError} when the device cannot be opened or fails while playing.
   * @throws {AudioError} (AUDIO_ERR_STATE) after {@link AudioSink.close}.
   */
  play(audio: PcmInput, options?: PlayOptions): Promise<PlaybackResult>;
  /** Interrupts the clip that plays and cancels queued ones. Resolves once the device is closed. */
  stop(): Promise<void>;
  /** Stops, then releases the sink (finalises a file). Further `play` calls reject. Idempotent. */
  close(): Promise<void>;
}

/** One clip on a device, as a subclass provides it. */
export interface PlaybackSession {
  /** Writes device-format samples (interleaved, device rate). The array may be reused once this resolves. */
  write(samples: Int16Array): Promise<void>;
  /** All samples are written: wait until the device has played or stored them. */
  finish(): Promise<void>;
  /** Interrupt now and release the device. Never rejects. */
  abort(): Promise<void>;
}

/** Format of the device behind a sink. */
export interface DeviceFormat {
  /** Device rate, hertz (8,000–48,000). Default 16,000. */
  readonly rateHz?: number;
  /** Device channels (1–8): the mono signal is copied to each. Default 1. */
  readonly channels?: number;
  /** Initial gain (0–4). Default 1. */
  readonly gain?: number;
}

/** Converts 16 kHz mono chunks to the device's rate and channels, applying the gain. */
export class OutputConverter {
  /** Device rate, hertz. */
  readonly rateHz: number;
  /** Device channels. */
  readonly channels: number;
  readonly #resampler: StreamingResampler | undefined;
  readonly #gained = new Int16Array(PLAYBACK_WRITE_SAMPLES);
  #upmixed = new Int16Array(0);

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an unsupported rate or channel count. */
  constructor(rateHz: number = SAMPLE_RATE_HZ, channels = 1) {
    this.channels = assertChannels(channels);
    const resampler = new StreamingResampler({ inputRateHz: SAMPLE_RATE_HZ, outputRateHz: rateHz });
    this.rateHz = rateHz;
    this.#resampler = rateHz === SAMPLE_RATE_HZ ? undefined : resampler;
  }

  /** Starts a new clip. */
  reset(): void {
    this.#resampler?.reset();
  }

  /**
   * Converts at most {@link PLAYBACK_WRITE_SAMPLES} samples (the size of the gain scratch buffer).
   * @returns device samples, a view valid until the next call (possibly `pcm` itself).
   */
  convert(pcm: Int16Array, gain: number): Int16Array {
    const gained = gain === 1 ? pcm : applyGain(pcm, gain, this.#gained);
    const resampled = this.#resampler === undefined ? gained : this.#resampler.push(gained);
    return this.#upmix(resampled);
  }

  /** The end of the clip: the resampler's tail, in device samples (a view valid until the next call). */
  flush(): Int16Array {
    return this.#resampler === undefined ? new Int16Array(0) : this.#upmix(this.#resampler.flush());
  }

  #upmix(mono: Int16Array): Int16Array {
    const ch = this.channels;
    if (ch === 1) return mono;
    const n = mono.length * ch;
    if (this.#upmixed.length < n) this.#upmixed = new Int16Array(n);
    const out = this.#upmixed;
    for (let i = 0, k = 0; i < mono.length; i++) {
      const v = mono[i] as number;
      for (let c = 0; c < ch; c++) out[k++] = v;
    }
    return out.subarray(0, n);
  }
}

const INTERRUPTED = Symbol('interrupted');
type Interrupted = typeof INTERRUPTED;
type StopReason = 'stopped' | 'aborted';
const ignore = (): void => {};

function toAsyncIterator(audio: PcmInput): AsyncIterator<Int16Array> | Iterator<Int16Array> {
  if (audio instanceof Int16Array) return [audio][Symbol.iterator]();
  if (Symbol.asyncIterator in audio) return audio[Symbol.asyncIterator]();
  return audio[Symbol.iterator]();
}

/** Queueing, interruption, gain and format conversion shared by every sink. */
export abstract class BaseSink implements AudioSink {
  abstract readonly name: string;
  readonly #converter: OutputConverter;
  #gain: number;
  #epoch = 0; // bumped by stop(): queued clips from an older epoch are cancelled
  #queue: Promise<unknown> = Promise.resolve();
  #interrupt: ((why: StopReason) => void) | undefined;
  #closed = false;

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an unsupported format or gain. */
  protected constructor(format: DeviceFormat = {}) {
    this.#converter = new OutputConverter(format.rateHz ?? SAMPLE_RATE_HZ, format.channels ?? 1);
    this.#gain = assertGain(format.gain ?? 1);
  }

  /** Opens the device for one clip. */
  protected abstract openSession(): Promise<PlaybackSession>;

  /** Called once by {@link close} after playback has stopped (e.g. to finalise a file). */
  protected async release(): Promise<void> {}

  /** Device rate, hertz. */
  get deviceRateHz(): number {
    return this.#converter.rateHz;
  }

  /** Device channels. */
  get deviceChannels(): number {
    return this.#converter.channels;
  }

  /** Linear volume, 0–4 (1 = unchanged). */
  get gain(): number {
    return this.#gain;
  }

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} outside 0–4. */
  set gain(value: number) {
    this.#gain = assertGain(value);
  }

  /** See {@link AudioSink.play}. */
  play(audio: PcmInput, options: PlayOptions = {}): Promise<PlaybackResult> {
    if (this.#closed) return Promise.reject(new AudioError('AUDIO_ERR_STATE', `play: ${this.name} is closed`));
    const epoch = this.#epoch;
    const run = this.#queue.then(() => this.#playOne(audio, options.signal, epoch));
    this.#queue = run.catch(ignore);
    return run;
  }

  /** See {@link AudioSink.stop}. */
  async stop(): Promise<void> {
    this.#epoch++;
    this.#interrupt?.('stopped');
    await this.#queue;
  }

  /** See {@link AudioSink.close}. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.stop();
    await this.release();
  }

  async #playOne(audio: PcmInput, signal: AbortSignal | undefined, epoch: number): Promise<PlaybackResult> {
    if (epoch !== this.#epoch) return { outcome: 'stopped', samplesPlayed: 0 };
    if (signal?.aborted === true) return { outcome: 'aborted', samplesPlayed: 0 };
    let reason: StopReason | undefined;
    let wake: (value: Interrupted) => void = ignore;
    const interrupted = new Promise<Interrupted>((resolve) => (wake = resolve));
    const interrupt = (why: StopReason): void => {
      if (reason !== undefined) return;
      reason = why;
      wake(INTERRUPTED);
    };
    const onAbort = (): void => interrupt('aborted');
    this.#interrupt = interrupt;
    signal?.addEventListener('abort', onAbort, { once: true });
    const iterator = toAsyncIterator(audio);
    // A promise that loses a race against `interrupted` may still reject later: mark it handled, the race reports it.
    const race = async <T>(p: Promise<T> | T): Promise<T | Interrupted> => {
      const promise = Promise.resolve(p);
      promise.catch(ignore);
      return Promise.race([promise, interrupted]);
    };
    const converter = this.#converter;
    let session: PlaybackSession | undefined;
    let played = 0;
    let exhausted = false;
    try {
      session = await this.openSession();
      converter.reset();
      for (;;) {
        const next = await race(iterator.next());
        if (next === INTERRUPTED) break;
        if (next.done === true) {
          exhausted = true;
          break;
        }
        const chunk = next.value;
        for (let off = 0; off < chunk.length && reason === undefined; off += PLAYBACK_WRITE_SAMPLES) {
          const piece = chunk.subarray(off, off + PLAYBACK_WRITE_SAMPLES);
          const out = converter.convert(piece, this.#gain);
          if (out.length > 0 && (await race(session.write(out))) === INTERRUPTED) break;
          played += piece.length;
        }
        if (reason !== undefined) break;
      }
      if (reason === undefined) {
        const tail = converter.flush();
        if (tail.length > 0) await race(session.write(tail));
      }
      if (reason === undefined) await race(session.finish());
      if (reason !== undefined) await session.abort();
    } catch (err) {
      // Best-effort teardown, then report the device failure (unless we were interrupting anyway).
      await session?.abort();
      if (reason === undefined) throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#interrupt = undefined;
      if (!exhausted) {
        // Let a generator run its `finally` (close a TTS stream); do not wait for it.
        const closing: unknown = iterator.return?.();
        if (closing instanceof Promise) closing.catch(ignore);
      }
    }
    return { outcome: reason ?? 'completed', samplesPlayed: played };
  }
}
