/**
 * The pre-roll ring buffer: the last N seconds of 16 kHz mono audio in fixed memory, addressed by absolute sample
 * position, so the listener can ask for "the 1.5 s before the wake word" or "from sample X to now".
 *
 * Layout: an Int16Array whose capacity is a power of two, so a position maps to a slot with `& mask`. The write head
 * is kept already masked; absolute positions ({@link PcmRingBuffer.writtenSamples}) are plain numbers, exact to 2^53
 * samples (17 million years at 16 kHz), and are never masked themselves (bitwise operators would wrap at 2^31, i.e.
 * after 37 hours).
 *
 * ```
 *   oldestPosition            writtenSamples (next position to write)
 *         │                         │
 *   ──────┼─────── held ────────────┤
 *   slots:  [ … | head-len … head-1 | head … ]   (indices & mask)
 * ```
 *
 * `write` and the reads copy with plain loops: no views, no allocation, at any chunk size.
 *
 * @module
 */
import { SAMPLE_RATE_HZ } from './constants.js';
import { AudioError } from './errors.js';

/** Largest capacity accepted, in samples (2^24 ≈ 17.5 min at 16 kHz, 32 MiB). */
const MAX_CAPACITY_SAMPLES = 2 ** 24;

/** Fixed-size history of the most recent samples, addressed by absolute sample position. */
export class PcmRingBuffer {
  /** Capacity in samples, a power of two. */
  readonly capacity: number;
  readonly #mask: number;
  readonly #data: Int16Array;
  #head = 0; // slot of the next write, in [0, capacity)
  #written = 0; // samples ever written

  /**
   * @param capacitySamples a power of two between 1 and 2^24.
   * @throws {AUDIO_ERR_BAD_ARGUMENT} when it is not.
   */
  constructor(capacitySamples: number) {
    if (
      !Number.isInteger(capacitySamples) ||
      capacitySamples < 1 ||
      capacitySamples > MAX_CAPACITY_SAMPLES ||
      (capacitySamples & (capacitySamples - 1)) !== 0
    ) {
      throw new AudioError(
        'AUDIO_ERR_BAD_ARGUMENT',
        `ring buffer capacity: expected a power of two in 1–${MAX_CAPACITY_SAMPLES} samples, got ${capacitySamples}`,
      );
    }
    this.capacity = capacitySamples;
    this.#mask = capacitySamples - 1;
    this.#data = new Int16Array(capacitySamples);
  }

  /**
   * A buffer that holds at least `seconds` of audio at `rateHz` (capacity rounded up to a power of two).
   * @throws {AUDIO_ERR_BAD_ARGUMENT} for a non-positive duration or one over the size limit.
   */
  static forDuration(seconds: number, rateHz: number = SAMPLE_RATE_HZ): PcmRingBuffer {
    const samples = Math.ceil(seconds * rateHz);
    if (!(samples >= 1) || samples > MAX_CAPACITY_SAMPLES) {
      throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `ring buffer duration: expected 1–${MAX_CAPACITY_SAMPLES} samples, got ${seconds} s at ${rateHz} Hz`);
    }
    let capacity = 1;
    while (capacity < samples) capacity *= 2;
    return new PcmRingBuffer(capacity);
  }

  /** Samples ever written; also the absolute position the next sample will get. */
  get writtenSamples(): number {
    return this.#written;
  }

  /** Samples currently held: `min(writtenSamples, capacity)`. */
  get length(): number {
    return this.#written < this.capacity ? this.#written : this.capacity;
  }

  /** Absolute position of the oldest sample still held. */
  get oldestPosition(): number {
    return this.#written - this.length;
  }

  /** Appends samples, overwriting the oldest. A chunk longer than the capacity leaves only its tail. Never allocates. */
  write(samples: Int16Array): void {
    const n = samples.length;
    const cap = this.capacity;
    const data = this.#data;
    const mask = this.#mask;
    const skip = n > cap ? n - cap : 0; // those would be overwritten in this same call
    let head = (this.#head + skip) & mask;
    for (let i = skip; i < n; i++) {
      data[head] = samples[i] as number;
      head = (head + 1) & mask;
    }
    this.#head = head;
    this.#written += n;
  }

  /**
   * Copies the most recent `count` samples (fewer if fewer are held) to the start of `out`, oldest first.
   *
   * @returns how many samples were copied.
   * @throws {AUDIO_ERR_BAD_ARGUMENT} when `count` is negative or `out` is shorter than `count`.
   */
  readLast(count: number, out: Int16Array): number {
    if (!Number.isInteger(count) || count < 0 || count > out.length) {
      throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `readLast: expected 0 ≤ count ≤ out.length (${out.length}), got ${count}`);
    }
    const n = count < this.length ? count : this.length;
    this.#copy(this.#written - n, n, out);
    return n;
  }

  /**
   * Copies the samples at absolute positions `[start, end)` to the start of `out`. `end` defaults to
   * {@link writtenSamples} ("from sample X to now").
   *
   * @returns how many samples were copied (`end - start`).
   * @throws {AUDIO_ERR_RANGE} when `start` was already overwritten or `end` is in the future.
   * @throws {AUDIO_ERR_BAD_ARGUMENT} when `start > end` or `out` is too short.
   */
  readRange(start: number, out: Int16Array, end: number = this.#written): number {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start > end) {
      throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `readRange: expected integer positions with start ≤ end, got ${start}…${end}`);
    }
    if (start < this.oldestPosition || end > this.#written) {
      throw new AudioError(
        'AUDIO_ERR_RANGE',
        `readRange: expected positions within ${this.oldestPosition}…${this.#written} (what the buffer holds), got ${start}…${end}`,
      );
    }
    const n = end - start;
    if (n > out.length) {
      throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `readRange: expected out to hold ${n} samples, got ${out.length}`);
    }
    this.#copy(start, n, out);
    return n;
  }

  /** Forgets everything; positions restart at 0. */
  clear(): void {
    this.#head = 0;
    this.#written = 0;
  }

  #copy(start: number, n: number, out: Int16Array): void {
    const data = this.#data;
    const mask = this.#mask;
    // (written - start) ≤ capacity, so this slot arithmetic stays within small integers.
    let slot = (this.#head - (this.#written - start) + this.capacity) & mask;
    for (let i = 0; i < n; i++) {
      out[i] = data[slot] as number;
      slot = (slot + 1) & mask;
    }
  }
}
