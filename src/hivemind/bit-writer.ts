/**
 * An MSB-first bit writer over a fixed-size buffer, for WIRE-1 bitstring frames (HIVEMIND.md §4.2: "MSB-first,
 * big-endian bit order within bytes"; "Implement a real bit reader and writer").
 *
 * Bit 0 of the stream is the most significant bit of byte 0. The caller sizes the buffer up front (the WIRE-1
 * encoder knows every field length before it writes), so writing never reallocates. Byte runs written at a byte
 * boundary are copied with `Uint8Array.set`; unaligned runs are shifted in one pass.
 *
 * Misuse (a count outside 0–32, a value that does not fit, writing past the end) is a programming error and throws
 * `RangeError`, not a protocol error.
 *
 * @module
 */

/** Widest field {@link BitWriter.writeBits} writes in one call, in bits. */
export const MAX_BITS_PER_WRITE = 32;

/** Writes bits most-significant first into a preallocated buffer. */
export class BitWriter {
  readonly #bytes: Uint8Array;
  /** Next bit to write, counted from the MSB of byte 0. */
  #bitPos = 0;

  /**
   * @param capacityBytes - exact size of the output buffer, in bytes.
   * @throws {RangeError} if `capacityBytes` is not a non-negative safe integer.
   */
  constructor(capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
      throw new RangeError(`expected a non-negative integer capacity in bytes, got ${capacityBytes}`);
    }
    this.#bytes = new Uint8Array(capacityBytes);
  }

  /** Bits written so far. */
  get bitPosition(): number {
    return this.#bitPos;
  }

  /** Bits that can still be written. */
  get bitsLeft(): number {
    return this.#bytes.length * 8 - this.#bitPos;
  }

  #reserve(bits: number): void {
    if (bits > this.bitsLeft) throw new RangeError(`expected at most ${this.bitsLeft} more bits, got ${bits}`);
  }

  /**
   * Write the low `count` bits of `value`, most significant first.
   *
   * @param value - an unsigned integer below 2^count.
   * @param count - field width in bits, 0–32.
   * @throws {RangeError} for a bad count, a value that does not fit, or too little room.
   */
  writeBits(value: number, count: number): void {
    if (!Number.isInteger(count) || count < 0 || count > MAX_BITS_PER_WRITE) {
      throw new RangeError(`expected a bit count of 0–${MAX_BITS_PER_WRITE}, got ${count}`);
    }
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** count) {
      throw new RangeError(`expected an unsigned ${count}-bit value, got ${value}`);
    }
    this.#reserve(count);
    let remaining = count;
    while (remaining > 0) {
      const byteIndex = this.#bitPos >>> 3;
      const free = 8 - (this.#bitPos & 7);
      const take = Math.min(free, remaining);
      // The `take` bits just below bit `remaining` of value (division keeps this exact for 32-bit values).
      const chunk = Math.floor(value / 2 ** (remaining - take)) & ((1 << take) - 1);
      this.#bytes[byteIndex] = (this.#bytes[byteIndex] ?? 0) | (chunk << (free - take));
      this.#bitPos += take;
      remaining -= take;
    }
  }

  /**
   * Write one bit.
   *
   * @throws {RangeError} if the buffer is full or `bit` is not 0 or 1.
   */
  writeBit(bit: number): void {
    this.writeBits(bit, 1);
  }

  /**
   * Write whole bytes at the current bit position (which need not be byte-aligned).
   *
   * @throws {RangeError} if they do not fit.
   */
  writeBytes(data: Uint8Array): void {
    this.#reserve(data.length * 8);
    const shift = this.#bitPos & 7;
    const start = this.#bitPos >>> 3;
    if (shift === 0) {
      this.#bytes.set(data, start);
    } else {
      const out = this.#bytes;
      const back = 8 - shift;
      let carry = out[start] ?? 0;
      for (let i = 0; i < data.length; i++) {
        const b = data[i] ?? 0;
        out[start + i] = carry | (b >>> shift);
        carry = (b << back) & 0xff;
      }
      out[start + data.length] = carry;
    }
    this.#bitPos += data.length * 8;
  }

  /**
   * The bytes written so far (a view of the buffer, not a copy). A partly written last byte is included, its unused
   * low bits zero.
   */
  finish(): Uint8Array {
    return this.#bytes.subarray(0, Math.ceil(this.#bitPos / 8));
  }
}
