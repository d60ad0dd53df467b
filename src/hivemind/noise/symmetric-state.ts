/**
 * The Noise SymmetricState object with SHA-256 (Noise Protocol Framework rev. 34 §4.3, §5.2, §12.5; HIVEMIND.md §2.9).
 *
 * `HKDF(ck, ikm, n)` of Noise §4.3 is RFC 5869 HKDF with `salt = ck` and empty `info`, so `node:crypto`'s `hkdfSync`
 * computes it directly (its outputs are `T(1) ‖ T(2) ‖ T(3)`).
 *
 * @module
 */
import { createHash, hkdfSync } from 'node:crypto';
import { CipherState, type NoiseCipherName } from './cipher-state.js';
import { NOISE_HASH_BYTES } from './constants.js';

const EMPTY = new Uint8Array(0);

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** Noise `HKDF(chaining_key, input_key_material, num_outputs)` with SHA-256: `count` outputs of 32 bytes. */
export function noiseHkdf(chainingKey: Uint8Array, ikm: Uint8Array, count: 2 | 3): Uint8Array[] {
  const okm = new Uint8Array(hkdfSync('sha256', ikm, chainingKey, EMPTY, count * NOISE_HASH_BYTES));
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(okm.subarray(i * NOISE_HASH_BYTES, (i + 1) * NOISE_HASH_BYTES));
  return out;
}

function pair(outputs: readonly Uint8Array[]): [Uint8Array, Uint8Array] {
  const [a, b] = outputs;
  if (a === undefined || b === undefined) throw new RangeError('expected 2 HKDF outputs, got fewer');
  return [a, b];
}

/** The chaining key `ck`, handshake hash `h` and CipherState of a handshake in progress (Noise §5.2). */
export class SymmetricState {
  readonly #cipherState: CipherState;
  #ck: Uint8Array;
  #h: Uint8Array;

  /**
   * Noise `InitializeSymmetric(protocol_name)`: `h` = the name padded to 32 bytes, or its SHA-256 if longer;
   * `ck = h`; no cipher key.
   */
  constructor(protocolName: string, cipher: NoiseCipherName) {
    const name = new TextEncoder().encode(protocolName);
    if (name.length <= NOISE_HASH_BYTES) {
      this.#h = new Uint8Array(NOISE_HASH_BYTES);
      this.#h.set(name);
    } else {
      this.#h = sha256(name);
    }
    this.#ck = this.#h.slice();
    this.#cipherState = new CipherState(cipher);
  }

  /** The handshake hash `h` so far (a copy). */
  get handshakeHash(): Uint8Array {
    return this.#h.slice();
  }

  /** Noise `HasKey()` of the inner CipherState. */
  hasKey(): boolean {
    return this.#cipherState.hasKey();
  }

  /** Noise `MixKey(input_key_material)`: `ck, temp_k = HKDF(ck, ikm, 2)`; `InitializeKey(temp_k)`. */
  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = pair(noiseHkdf(this.#ck, ikm, 2));
    this.#ck = ck;
    this.#cipherState.initializeKey(tempK);
  }

  /** Noise `MixHash(data)`: `h = SHA-256(h ‖ data)`. */
  mixHash(data: Uint8Array): void {
    this.#h = sha256(this.#h, data);
  }

  /** Noise `MixKeyAndHash(input_key_material)` (used for the `psk` token). */
  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, tempH, tempK] = noiseHkdf(this.#ck, ikm, 3);
    if (ck === undefined || tempH === undefined || tempK === undefined) throw new RangeError('expected 3 HKDF outputs, got fewer');
    this.#ck = ck;
    this.mixHash(tempH);
    this.#cipherState.initializeKey(tempK);
  }

  /**
   * Noise `EncryptAndHash(plaintext)`: encrypt with `ad = h` (pass-through without a key), then `MixHash`.
   *
   * @throws {HM_ERR_NOISE} on nonce exhaustion.
   */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.#cipherState.encryptWithAd(this.#h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  /**
   * Noise `DecryptAndHash(ciphertext)`: decrypt with `ad = h`, then `MixHash(ciphertext)`.
   *
   * @throws {HM_ERR_BAD_TAG} if authentication fails.
   * @throws {HM_ERR_NOISE} if `ciphertext` is shorter than a tag.
   */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.#cipherState.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /**
   * Noise `Split()`: two CipherStates, the first for initiator→responder traffic, the second for the other way.
   */
  split(): [CipherState, CipherState] {
    const [k1, k2] = this.splitKeys();
    const cipher = this.#cipherState.cipher;
    return [new CipherState(cipher, k1), new CipherState(cipher, k2)];
  }

  /** The two keys `Split()` derives (initiator→responder first), for diagnostics and test vectors. */
  splitKeys(): [Uint8Array, Uint8Array] {
    const [k1, k2] = pair(noiseHkdf(this.#ck, EMPTY, 2));
    return [k1.slice(), k2.slice()];
  }
}
