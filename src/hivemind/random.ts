/**
 * The single source of randomness of the protocol layer: handshake IVs, AEAD nonces, Noise ephemeral keys.
 *
 * Injected everywhere randomness is used, so tests can replay the exact bytes recorded from the reference
 * implementation (see `test/vectors/`). Production code uses {@link systemRandom}.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';

/** Something that returns `length` fresh random bytes. */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

/** Size of the pool {@link systemRandom} refills in one call to the OS CSPRNG, bytes. */
const RANDOM_POOL_BYTES = 4096;

let pool: Uint8Array | undefined;
let poolOffset = RANDOM_POOL_BYTES;

/**
 * Cryptographically secure randomness from OpenSSL's CSPRNG. Small requests (nonces: 12–16 bytes per frame) are cut
 * from a pool refilled 4 KiB at a time, because one `randomBytes` call costs about as much as encrypting a 4 KiB
 * frame. Every returned array is a fresh copy: no two callers ever share bytes.
 */
export const systemRandom: RandomSource = {
  bytes(length: number): Uint8Array {
    if (length > RANDOM_POOL_BYTES / 4) return randomFillSync(new Uint8Array(length));
    if (pool === undefined || poolOffset + length > RANDOM_POOL_BYTES) {
      pool ??= new Uint8Array(RANDOM_POOL_BYTES);
      randomFillSync(pool);
      poolOffset = 0;
    }
    const out = pool.slice(poolOffset, poolOffset + length);
    // Wipe what we hand out so the pool never holds a copy of a key or nonce in use.
    pool.fill(0, poolOffset, poolOffset + length);
    poolOffset += length;
    return out;
  },
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
