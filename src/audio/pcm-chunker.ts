/**
 * Turns a raw s16le byte stream (pipe reads of any length, split anywhere, even inside a sample) into 16 kHz mono
 * s16 chunks: whole frames are taken, a partial frame waits for the next read, and the edge conversion (downmix,
 * resampling) runs when the stream is not already 16 kHz mono.
 *
 * @module
 */
import { SAMPLE_BYTES, SAMPLE_RATE_HZ } from './constants.js';
import { StreamingResampler, assertChannels } from './resample.js';

/** True on every platform we target (x86-64, arm64); s16le bytes are then already native Int16 values. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Options of {@link PcmChunker}. */
export interface PcmChunkerOptions {
  /** Rate of the byte stream, hertz (8,000–48,000). Default 16,000. */
  readonly rateHz?: number;
  /** Interleaved channels of the byte stream (1–8). Default 1. */
  readonly channels?: number;
}

/** Reassembles s16le bytes into 16 kHz mono samples. */
export class PcmChunker {
  /** Rate of the incoming bytes, hertz. */
  readonly rateHz: number;
  /** Channels of the incoming bytes. */
  readonly channels: number;
  readonly #frameBytes: number;
  readonly #resampler: StreamingResampler | undefined;
  #bytes = new Uint8Array(0);
  #carry = 0; // bytes of a partial frame kept for the next call
  #carryAt = 0; // where they are: after the whole frames of the last call, moved to 0 on the next

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an unsupported rate or channel count. */
  constructor(options: PcmChunkerOptions = {}) {
    this.rateHz = options.rateHz ?? SAMPLE_RATE_HZ;
    this.channels = assertChannels(options.channels ?? 1);
    this.#frameBytes = SAMPLE_BYTES * this.channels;
    const needsConversion = this.rateHz !== SAMPLE_RATE_HZ || this.channels !== 1;
    // Constructed even for 16 kHz mono, to validate the rate with the same message.
    const resampler = new StreamingResampler({ inputRateHz: this.rateHz, outputRateHz: SAMPLE_RATE_HZ, inputChannels: this.channels });
    this.#resampler = needsConversion ? resampler : undefined;
  }

  /**
   * Adds bytes read from the stream.
   * @returns the 16 kHz mono samples now complete: a view valid until the next call (may be empty).
   */
  push(bytes: Uint8Array): Int16Array {
    // The partial frame left by the previous call sits after the samples that call returned; those are no longer in
    // use, so it can move to the front now.
    if (this.#carryAt > 0) {
      this.#bytes.copyWithin(0, this.#carryAt, this.#carryAt + this.#carry);
      this.#carryAt = 0;
    }
    const total = this.#carry + bytes.length;
    if (total > this.#bytes.length) {
      let size = 1024;
      while (size < total) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#bytes.subarray(0, this.#carry));
      this.#bytes = grown;
    }
    const buf = this.#bytes;
    buf.set(bytes, this.#carry);
    const whole = total - (total % this.#frameBytes);
    if (!LITTLE_ENDIAN) {
      for (let i = 0; i < whole; i += 2) {
        const t = buf[i] as number;
        buf[i] = buf[i + 1] as number;
        buf[i + 1] = t;
      }
    }
    this.#carry = total - whole;
    this.#carryAt = whole;
    const samples = new Int16Array(buf.buffer, 0, whole / SAMPLE_BYTES);
    return this.#resampler === undefined ? samples : this.#resampler.push(samples);
  }

  /** Forgets any partial frame and resampler state (a new stream begins). */
  reset(): void {
    this.#carry = 0;
    this.#carryAt = 0;
    this.#resampler?.reset();
  }
}
