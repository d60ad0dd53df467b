/**
 * A microphone for the soak: 16 kHz mono s16le written to a stream in real time, 80 ms at a time, like arecord.
 * Between clips it writes a low noise floor rather than digital zero (a real microphone never writes zeros, and a
 * VAD that only ever sees zeros is not being exercised).
 *
 * @module
 */
import type { Writable } from 'node:stream';

/** Samples per write: 80 ms at 16 kHz, arecord's default period on a Pi USB microphone. */
export const MIC_CHUNK_SAMPLES = 1_280;
const RATE_HZ = 16_000;
/** Peak of the noise floor between clips, in s16 units (about −60 dBFS). */
const NOISE_FLOOR_PEAK = 32;
/** How often the pacing loop checks what is due, milliseconds (well under one chunk). */
const TICK_MS = 20;

interface QueuedClip {
  readonly samples: Int16Array;
  offset: number;
  readonly done: () => void;
}

/** Writes PCM to `out` at the real-time rate; {@link PacedMic.play} splices clips into the noise floor. */
export class PacedMic {
  readonly #out: Writable;
  readonly #clips: QueuedClip[] = [];
  readonly #noise = new Int16Array(MIC_CHUNK_SAMPLES);
  #seed = 0x2545f491;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #written = 0;
  /** Times a write found the pipe full (the satellite fell behind real time). */
  backpressureEvents = 0;

  constructor(out: Writable) {
    this.#out = out;
  }

  /** Start writing; the first chunk goes out at once. */
  start(): void {
    this.#startedAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#tick();
  }

  /** Stop writing (pending clips never finish). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Seconds of audio written so far. */
  get seconds(): number {
    return this.#written / RATE_HZ;
  }

  /** Queue `samples` after any queued clip; resolves when its last sample was written. */
  play(samples: Int16Array): Promise<void> {
    return new Promise((resolve) => this.#clips.push({ samples, offset: 0, done: resolve }));
  }

  #tick(): void {
    if (this.#out.destroyed || !this.#out.writable) return;
    const due = Math.floor(((performance.now() - this.#startedAt) / 1000) * RATE_HZ) - this.#written;
    for (let chunks = Math.floor(due / MIC_CHUNK_SAMPLES); chunks > 0; chunks--) {
      const chunk = this.#nextChunk();
      // A copy: the stream keeps the buffer until it is flushed, and clips are views into shared fixtures.
      if (!this.#out.write(Buffer.from(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength)))) this.backpressureEvents++;
      this.#written += chunk.length;
    }
  }

  #nextChunk(): Int16Array {
    const chunk = this.#fillNoise();
    let at = 0;
    while (at < chunk.length) {
      const clip = this.#clips[0];
      if (clip === undefined) break;
      const take = Math.min(chunk.length - at, clip.samples.length - clip.offset);
      chunk.set(clip.samples.subarray(clip.offset, clip.offset + take), at);
      clip.offset += take;
      at += take;
      if (clip.offset === clip.samples.length) {
        this.#clips.shift();
        clip.done();
      }
    }
    return chunk;
  }

  /** A fresh chunk of the noise floor (xorshift32: deterministic, no allocation per sample). */
  #fillNoise(): Int16Array {
    const chunk = this.#noise;
    let s = this.#seed;
    for (let i = 0; i < chunk.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      chunk[i] = (s % (NOISE_FLOOR_PEAK + 1)) | 0;
    }
    this.#seed = s;
    return chunk;
  }
}
