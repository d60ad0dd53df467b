/**
 * Noise cipher functions and the CipherState object (Noise Protocol Framework rev. 34 §4.2, §5.1, §12.3, §12.4;
 * HIVEMIND.md §2.9).
 *
 * Both ciphers come from `node:crypto`. The 12-byte nonce is 4 zero bytes followed by the 64-bit counter `n`:
 * little-endian for ChaChaPoly, big-endian for AESGCM (as Noise §12.3/§12.4 require; see `conventions.nonce` of
 * `noise_vectors.json`). Tags are 16 bytes and travel after the ciphertext.
 *
 * @module
 */
import {
  type CipherChaCha20Poly1305,
  type CipherGCM,
  type DecipherChaCha20Poly1305,
  type DecipherGCM,
  createCipheriv,
  createDecipheriv,
} from 'node:crypto';
import { HiveCryptoError } from '../errors.js';
import { NOISE_KEY_BYTES, NOISE_MAX_NONCE, NOISE_NONCE_BYTES, NOISE_TAG_BYTES } from './constants.js';

/** The cipher names Noise defines and HiveMind uses. */
export type NoiseCipherName = 'ChaChaPoly' | 'AESGCM';

const AEAD_OPTIONS = { authTagLength: NOISE_TAG_BYTES } as const;

function createAeadCipher(cipher: NoiseCipherName, key: Uint8Array, nonce: Uint8Array): CipherGCM | CipherChaCha20Poly1305 {
  return cipher === 'ChaChaPoly'
    ? createCipheriv('chacha20-poly1305', key, nonce, AEAD_OPTIONS)
    : createCipheriv('aes-256-gcm', key, nonce, AEAD_OPTIONS);
}

function createAeadDecipher(cipher: NoiseCipherName, key: Uint8Array, nonce: Uint8Array): DecipherGCM | DecipherChaCha20Poly1305 {
  return cipher === 'ChaChaPoly'
    ? createDecipheriv('chacha20-poly1305', key, nonce, AEAD_OPTIONS)
    : createDecipheriv('aes-256-gcm', key, nonce, AEAD_OPTIONS);
}

const EMPTY = new Uint8Array(0);

/**
 * The 12-byte AEAD nonce for counter `n`: 4 zero bytes ‖ n as 64-bit LE (ChaChaPoly) or BE (AESGCM).
 *
 * @throws {RangeError} if `n` is outside 0..2^64−1.
 */
export function noiseNonce(cipher: NoiseCipherName, n: bigint): Uint8Array {
  if (BigInt.asUintN(64, n) !== n) rangeError(n);
  const nonce = new Uint8Array(NOISE_NONCE_BYTES);
  new DataView(nonce.buffer).setBigUint64(4, n, cipher === 'ChaChaPoly');
  return nonce;
}

function rangeError(n: bigint): never {
  throw new RangeError(`expected a nonce in 0..2^64-1, got ${n}`);
}

/** Noise `ENCRYPT(k, n, ad, plaintext)`: ciphertext ‖ 16-byte tag. */
function encrypt(cipher: NoiseCipherName, key: Uint8Array, n: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createAeadCipher(cipher, key, noiseNonce(cipher, n));
  c.setAAD(ad, { plaintextLength: plaintext.length });
  const body = c.update(plaintext);
  const last = c.final();
  const tag = c.getAuthTag();
  const out = new Uint8Array(body.length + last.length + tag.length);
  out.set(body, 0);
  out.set(last, body.length);
  out.set(tag, body.length + last.length);
  return out;
}

/** Noise `DECRYPT(k, n, ad, ciphertext)`; the caller has checked that `ciphertext` holds at least a tag. */
function decrypt(cipher: NoiseCipherName, key: Uint8Array, n: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const split = ciphertext.length - NOISE_TAG_BYTES;
  const d = createAeadDecipher(cipher, key, noiseNonce(cipher, n));
  d.setAuthTag(ciphertext.subarray(split));
  d.setAAD(ad, { plaintextLength: split });
  const body = d.update(ciphertext.subarray(0, split));
  let last: Buffer;
  try {
    last = d.final();
  } catch (cause) {
    // `update()` has already produced unauthenticated plaintext: it is dropped here and never leaves this function.
    throw new HiveCryptoError('HM_ERR_BAD_TAG', `expected a valid ${cipher} tag for nonce ${n}, got a mismatch`, { cause });
  }
  if (last.length === 0) return new Uint8Array(body.buffer, body.byteOffset, body.length);
  const out = new Uint8Array(body.length + last.length);
  out.set(body, 0);
  out.set(last, body.length);
  return out;
}

/**
 * A Noise CipherState: a key `k` (or none) and a 64-bit nonce counter `n` (Noise §5.1).
 *
 * With no key, encryption and decryption pass the data through unchanged, as the spec requires during the first
 * handshake tokens. The counter advances only after a successful operation, so a frame that fails authentication
 * can be followed by the genuine one.
 */
export class CipherState {
  readonly cipher: NoiseCipherName;
  #key: Uint8Array | undefined;
  #n = 0n;

  /**
   * @param cipher - `ChaChaPoly` or `AESGCM`.
   * @param key - optional 32-byte key (Noise `InitializeKey`).
   * @throws {HM_ERR_BAD_KEY} if `key` is not 32 bytes.
   */
  constructor(cipher: NoiseCipherName, key?: Uint8Array) {
    this.cipher = cipher;
    if (key !== undefined) this.initializeKey(key);
  }

  /**
   * Noise `InitializeKey(key)`: sets `k` and resets `n` to 0.
   *
   * @throws {HM_ERR_BAD_KEY} if `key` is not 32 bytes.
   */
  initializeKey(key: Uint8Array): void {
    if (!(key instanceof Uint8Array) || key.length !== NOISE_KEY_BYTES) {
      const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
      throw new HiveCryptoError('HM_ERR_BAD_KEY', `expected a ${NOISE_KEY_BYTES}-byte Noise cipher key, got ${got}`);
    }
    this.#key = key.slice();
    this.#n = 0n;
  }

  /** Noise `HasKey()`. */
  hasKey(): boolean {
    return this.#key !== undefined;
  }

  /** The counter the next operation will use. */
  get nonce(): bigint {
    return this.#n;
  }

  /**
   * Noise `SetNonce(nonce)` (for out-of-order transports and tests of nonce exhaustion).
   *
   * @throws {RangeError} if `n` is outside 0..2^64−1.
   */
  setNonce(n: bigint): void {
    if (BigInt.asUintN(64, n) !== n) rangeError(n);
    this.#n = n;
  }

  /**
   * Noise `EncryptWithAd(ad, plaintext)`.
   *
   * @throws {HM_ERR_NOISE} if the nonce is exhausted (n = 2^64−1).
   */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const key = this.#key;
    if (key === undefined) return plaintext;
    this.#assertNonceLeft();
    const out = encrypt(this.cipher, key, this.#n, ad, plaintext);
    this.#n += 1n;
    return out;
  }

  /**
   * Noise `DecryptWithAd(ad, ciphertext)`. The nonce is not incremented when authentication fails.
   *
   * @throws {HM_ERR_NOISE} if the nonce is exhausted or `ciphertext` is shorter than a tag.
   * @throws {HM_ERR_BAD_TAG} if authentication fails.
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const key = this.#key;
    if (key === undefined) return ciphertext;
    this.#assertNonceLeft();
    if (ciphertext.length < NOISE_TAG_BYTES) {
      throw new HiveCryptoError('HM_ERR_NOISE', `expected a Noise ciphertext of at least ${NOISE_TAG_BYTES} bytes, got ${ciphertext.length}`);
    }
    const out = decrypt(this.cipher, key, this.#n, ad, ciphertext);
    this.#n += 1n;
    return out;
  }

  /**
   * Noise `Rekey()` (§4.2, §11.3): `k` = the first 32 bytes of `ENCRYPT(k, 2^64−1, zerolen, zeros)`; `n` unchanged.
   *
   * @throws {HM_ERR_NOISE} if there is no key.
   */
  rekey(): void {
    const key = this.#key;
    if (key === undefined) throw new HiveCryptoError('HM_ERR_NOISE', 'expected a keyed CipherState to rekey, got one without a key');
    this.#key = encrypt(this.cipher, key, NOISE_MAX_NONCE, EMPTY, new Uint8Array(NOISE_KEY_BYTES)).slice(0, NOISE_KEY_BYTES);
  }

  #assertNonceLeft(): void {
    if (this.#n >= NOISE_MAX_NONCE) {
      throw new HiveCryptoError('HM_ERR_NOISE', 'expected a CipherState with nonces left, got one exhausted at 2^64-1');
    }
  }
}
