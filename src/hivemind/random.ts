/**
 * The single source of randomness of the protocol layer: handshake IVs, AEAD nonces, Noise ephemeral keys.
 *
 * Injected everywhere randomness is used, so tests can replay the exact bytes recorded from the reference
 * implementation (see `test/vectors/`). Production code uses {@link systemRandom}.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

/** Something that returns `length` fresh random bytes. */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

/** Cryptographically secure randomness from the operating system (OpenSSL's CSPRNG). */
export const systemRandom: RandomSource = {
  bytes: (length: number): Uint8Array => new Uint8Array(randomBytes(length)),
};

/**
 * A source that hands out pre-recorded byte strings in order, for reproducing recorded sessions in tests.
 * Throws if asked for a length that differs from the next recorded value, or when it runs out, so a test can
 * never silently fall back to different randomness than the reference used.
 */
export function recordedRandom(values: readonly Uint8Array[]): RandomSource & { readonly remaining: number } {
  let next = 0;
  return {
    bytes(length: number): Uint8Array {
      const value = values[next];
      if (value === undefined) throw new RangeError(`recorded randomness exhausted after ${next} values`);
      if (value.length !== length) {
        throw new RangeError(`recorded random value #${next} has length ${value.length}, expected ${length}`);
      }
      next += 1;
      return value.slice();
    },
    get remaining(): number {
      return values.length - next;
    },
  };
}
