/**
 * The HiveMind v3 pre-shared key (HIVEMIND.md §2.9, poorman_handshake `derive_psk`):
 * `PSK = argon2id(password = UTF-8(password), salt = SHA-256(UTF-8(node_id)), t = 3, m = 65536 KiB, p = 1, 32 bytes)`,
 * Argon2 version 0x13, with `node_id` taken verbatim from the hub's HELLO (no trimming or normalisation).
 *
 * Argon2id runs in WebAssembly (`hash-wasm`) off the JavaScript stack but on the event loop thread (~0.4 s on a
 * desktop, several seconds on a Pi), so results are cached in-process per (password, node_id), and a constrained
 * device can be given the PSK pre-computed (`hivemind-core derive-psk`).
 *
 * @module
 */
import { pbkdf2 } from 'node:crypto';
import { argon2id } from 'hash-wasm';
import { HiveCryptoError } from '../errors.js';
import {
  ARGON2ID_MEMORY_KIB,
  ARGON2ID_PARALLELISM,
  ARGON2ID_TIME_COST,
  NOISE_PSK_BYTES,
  PBKDF2_PSK_ITERATIONS,
  PSK_CACHE_MAX_ENTRIES,
} from './constants.js';
import { sha256 } from './symmetric-state.js';

const utf8 = new TextEncoder();

/** The argon2id salt: SHA-256 of the UTF-8 `node_id`. */
export function pskSalt(nodeId: string): Uint8Array {
  return sha256(utf8.encode(nodeId));
}

/**
 * Derive the PSK with argon2id (uncached; see {@link getHiveMindPsk}).
 *
 * @throws {HM_ERR_NOISE} if argon2id fails (e.g. the 64 MiB cannot be allocated).
 */
export async function deriveHiveMindPsk(password: string, nodeId: string): Promise<Uint8Array> {
  try {
    return await argon2id({
      password: utf8.encode(password),
      salt: pskSalt(nodeId),
      iterations: ARGON2ID_TIME_COST,
      memorySize: ARGON2ID_MEMORY_KIB,
      parallelism: ARGON2ID_PARALLELISM,
      hashLength: NOISE_PSK_BYTES,
      outputType: 'binary',
    });
  } catch (cause) {
    throw new HiveCryptoError('HM_ERR_NOISE', `expected argon2id (${ARGON2ID_MEMORY_KIB} KiB) to derive the PSK, got a failure`, { cause });
  }
}


/** A PSK derivation: (password, node_id) → 32 bytes. */
export type PskDerivation = (password: string, nodeId: string) => Promise<Uint8Array>;

/** A per-process cache in front of a {@link PskDerivation}. */
export interface PskCache {
  /** The PSK, derived once and then served from the cache; each caller gets its own copy. */
  readonly get: PskDerivation;
  /** Forget every cached PSK (after a password change, and between tests). */
  clear(): void;
}

/**
 * Put a small cache in front of `derive`: argon2id at 64 MiB is far too slow to repeat per connection. The oldest
 * entry is evicted beyond {@link PSK_CACHE_MAX_ENTRIES}; concurrent callers share one derivation; a failed
 * derivation is not cached. Keyed by `[password, nodeId]`: the password already lives in this process's memory.
 */
export function createPskCache(derive: PskDerivation): PskCache {
  const cache = new Map<string, Promise<Uint8Array>>();
  return {
    async get(password: string, nodeId: string): Promise<Uint8Array> {
      const key = JSON.stringify([password, nodeId]);
      let pending = cache.get(key);
      if (pending === undefined) {
        pending = derive(password, nodeId);
        cache.set(key, pending);
        if (cache.size > PSK_CACHE_MAX_ENTRIES) {
          const oldest = cache.keys().next();
          if (oldest.done !== true) cache.delete(oldest.value);
        }
        const settled = pending;
        settled.catch(() => {
          if (cache.get(key) === settled) cache.delete(key);
        });
      }
      return (await pending).slice();
    },
    clear: () => cache.clear(),
  };
}

const inProcessCache = createPskCache((password, nodeId) => deriveHiveMindPsk(password, nodeId));

/**
 * The PSK for (password, node_id), derived in this thread once per process and then cached (see
 * {@link createPskCache}).
 *
 * @throws {HM_ERR_NOISE} if argon2id fails.
 */
export function getHiveMindPsk(password: string, nodeId: string): Promise<Uint8Array> {
  return inProcessCache.get(password, nodeId);
}

/** Forget every PSK cached by {@link getHiveMindPsk}. */
export function clearPskCache(): void {
  inProcessCache.clear();
}

/**
 * Validate a pre-computed PSK (raw bytes or 64 hex characters) and return it as bytes.
 *
 * @throws {HM_ERR_BAD_KEY} if it is not 32 bytes / 64 hex characters.
 */
export function toPsk(value: Uint8Array | string): Uint8Array {
  if (typeof value === 'string') {
    if (!/^[0-9a-fA-F]*$/.test(value) || value.length !== NOISE_PSK_BYTES * 2) {
      throw new HiveCryptoError('HM_ERR_BAD_KEY', `expected a PSK of ${NOISE_PSK_BYTES * 2} hex characters, got ${value.length} characters`);
    }
    return new Uint8Array(Buffer.from(value, 'hex'));
  }
  if (!(value instanceof Uint8Array) || value.length !== NOISE_PSK_BYTES) {
    const got = value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
    throw new HiveCryptoError('HM_ERR_BAD_KEY', `expected a ${NOISE_PSK_BYTES}-byte PSK, got ${got}`);
  }
  return value.slice();
}

/**
 * The PBKDF2 PSK variant found in the HiveMind-js vectors (`pbkdf2_psk`): PBKDF2-HMAC-SHA256(UTF-8(password),
 * SHA-256(UTF-8(node_id)), 100 000, 32). HIVEMIND.md §2.9 specifies argon2id; this exists only for peers that
 * are configured for it. Runs on libuv's thread pool.
 *
 * @throws {HM_ERR_NOISE} if PBKDF2 fails.
 */
export function derivePbkdf2Psk(password: string, nodeId: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    pbkdf2(utf8.encode(password), pskSalt(nodeId), PBKDF2_PSK_ITERATIONS, NOISE_PSK_BYTES, 'sha256', (error, key) => {
      if (error !== null) reject(new HiveCryptoError('HM_ERR_NOISE', 'expected PBKDF2 to derive the PSK, got a failure', { cause: error }));
      else resolve(new Uint8Array(key));
    });
  });
}
