/**
 * An MSB-first bit reader, for WIRE-1 bitstring frames (HIVEMIND.md §4.2: "MSB-first, big-endian bit order within
 * bytes"; "Implement a real bit reader and writer").
 *
 * Bit 0 of the stream is the most significant bit of byte 0. The input comes from the peer, so reading past the end
 * is a protocol error (`HM_ERR_BAD_BITSTRING`), checked before anything is read. Byte runs at a byte boundary are
 * returned as views (`subarray`), unaligned ones are shifted into a new array.
 *
 * @module
 */
import { HiveProtocolError } from './errors.js';

/** Widest field {@link BitReader.readBits} reads in one call, in bits. */
export const MAX_BITS_PER_READ = 32;

/** Reads bits most-significant first from a byte array. */
export class BitReader {
  readonly #bytes: Uint8Array;
  /** Next bit to read, counted from the MSB of byte 0. */
  #bitPos: number;

  /**
   * @param bytes - the data; never modified, and aligned reads return views of it.
   * @param startBit - first bit to read (default 0).
   * @throws {RangeError} if `startBit` is not within the data.
   */
  constructor(bytes: Uint8Array, startBit = 0) {
    if (!Number.isSafeInteger(startBit) || startBit < 0 || startBit > bytes.length * 8) {
      throw new RangeError(`expected a start bit within 0–${bytes.length * 8}, got ${startBit}`);
    }
    this.#bytes = bytes;
    this.#bitPos = startBit;
  }

  /** Bits read so far, counted from bit 0 of the data. */
  get bitPosition(): number {
    return this.#bitPos;
  }

  /** Bits not yet read. */
  get bitsLeft(): number {
    return this.#bytes.length * 8 - this.#bitPos;
  }

  /** True when the next bit is the MSB of a byte. */
  get isByteAligned(): boolean {
    return (this.#bitPos & 7) === 0;
  }

  #require(bits: number): void {
    if (bits > this.bitsLeft) {
      throw new HiveProtocolError('HM_ERR_BAD_BITSTRING', `expected ${bits} more bits, got ${this.bitsLeft}`);
    }
  }

  /**
   * Read a `count`-bit unsigned integer, most significant bit first.
   *
   * @param count - field width in bits, 0–32.
   * @throws {HM_ERR_BAD_BITSTRING} (HiveProtocolError) if fewer than `count` bits are left.
   * @throws {RangeError} for a count outside 0–32.
   */
  readBits(count: number): number {
    if (!Number.isInteger(count) || count < 0 || count > MAX_BITS_PER_READ) {
      throw new RangeError(`expected a bit count of 0–${MAX_BITS_PER_READ}, got ${count}`);
    }
    this.#require(count);
    let value = 0;
    let remaining = count;
    while (remaining > 0) {
      const byte = this.#bytes[this.#bitPos >>> 3] ?? 0;
      const avail = 8 - (this.#bitPos & 7);
      const take = Math.min(avail, remaining);
      const chunk = (byte >>> (avail - take)) & ((1 << take) - 1);
      // Multiplication, not `<<`, so a 32-bit result stays unsigned.
      value = value * (1 << take) + chunk;
      this.#bitPos += take;
      remaining -= take;
    }
    return value;
  }

  /**
   * Read one bit.
   *
   * @throws {HM_ERR_BAD_BITSTRING} (HiveProtocolError) at the end of the data.
   */
  readBit(): number {
    return this.readBits(1);
  }

  /**
   * Read `count` whole bytes from the current bit position. Aligned: a view of the input. Unaligned: a new array.
   *
   * @throws {HM_ERR_BAD_BITSTRING} (HiveProtocolError) if fewer than `count` bytes are left.
   * @throws {RangeError} for a negative or non-integer count.
   */
  readBytes(count: number): Uint8Array {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`expected a byte count >= 0, got ${count}`);
    this.#require(count * 8);
    const start = this.#bitPos >>> 3;
    const shift = this.#bitPos & 7;
    this.#bitPos += count * 8;
    if (shift === 0) return this.#bytes.subarray(start, start + count);
    const src = this.#bytes;
    const back = 8 - shift;
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = (((src[start + i] ?? 0) << shift) | ((src[start + i + 1] ?? 0) >>> back)) & 0xff;
    }
    return out;
  }

  /**
   * Skip `count` bits.
   *
   * @throws {HM_ERR_BAD_BITSTRING} (HiveProtocolError) if fewer than `count` bits are left.
   * @throws {RangeError} for a negative or non-integer count.
   */
  skipBits(count: number): void {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`expected a bit count >= 0, got ${count}`);
    this.#require(count);
    this.#bitPos += count;
  }
}
