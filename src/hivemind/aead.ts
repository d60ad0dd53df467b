/**
 * AEAD ciphers and the binary encrypted frame of legacy (v0–v2) sessions: HIVEMIND.md §3.1 and §3.2.
 *
 * - `AES-GCM`: key 16, 24 or 32 bytes (AES-128/192/256 chosen by key length), **16-byte nonce** (pycryptodome's
 *   default, which the reference uses), 16-byte tag, no AAD.
 * - `CHACHA20-POLY1305`: RFC 8439, 32-byte key, 12-byte nonce, 16-byte tag, no AAD.
 * - Binary frame (`encrypt_bin`): `nonce ‖ ciphertext ‖ tag`, split by the negotiated cipher's sizes.
 * - The legacy pre-shared key (§2.8) is the UTF-8 bytes of a 16-character string, i.e. AES-128-GCM.
 *
 * Both ciphers come from `node:crypto` (OpenSSL, hardware AES where available); `@noble/ciphers` is only a test oracle
 * and a benchmark baseline (bench/aead.bench.ts). Tags are checked by OpenSSL in constant time. OpenSSL's streaming
 * API yields plaintext before it checks the tag; that plaintext never leaves this module unless `final()`
 * authenticates it, and is zeroed when it does not.
 *
 * Validation happens here, once: cipher name, key length, nonce length, tag length and frame size; callers pass
 * the results of negotiation and the handshake straight in.
 *
 * @module
 */
import { type CipherChaCha20Poly1305, type CipherGCM, createCipheriv, createDecipheriv } from 'node:crypto';
import { HiveCryptoError, HiveProtocolError } from './errors.js';
import { AEAD_TAG_BYTES, AES_GCM_NONCE_BYTES, CHACHA_NONCE_BYTES, MAX_FRAME_BYTES } from './constants.js';
import type { RandomSource } from './random.js';

/** Wire name of a legacy-session cipher. */
export type HiveCipher = 'AES-GCM' | 'CHACHA20-POLY1305';

/** Every cipher, in the order of the reference's `SupportedCiphers` enum. */
export const HIVE_CIPHERS: readonly HiveCipher[] = Object.freeze(['AES-GCM', 'CHACHA20-POLY1305'] as const);

/** The protocol default cipher (hubs' connection default, §2.8). */
export const DEFAULT_CIPHER: HiveCipher = 'AES-GCM';

/** AES key lengths in bytes (`AES_KEY_SIZES` of the reference): AES-128, AES-192, AES-256. */
const AES_KEY_BYTES = [16, 24, 32] as const;
/** ChaCha20-Poly1305 key length in bytes (RFC 8439 §2.8). */
const CHACHA_KEY_BYTES = 32;
/** Characters in the legacy pre-shared `crypto_key` (§2.8). */
const PRESHARED_KEY_CHARS = 16;

/** An AEAD result: ciphertext (same length as the plaintext) and its 16-byte tag, kept apart. */
export interface SealedBox {
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

/** True when `name` is one of the two cipher wire names (exact, case-sensitive). */
export function isHiveCipher(name: unknown): name is HiveCipher {
  return name === 'AES-GCM' || name === 'CHACHA20-POLY1305';
}

/**
 * Check a cipher name.
 *
 * @throws {HM_ERR_UNKNOWN_CIPHER} ({@link HiveCryptoError}) when `name` is not `AES-GCM` or `CHACHA20-POLY1305`.
 */
export function assertHiveCipher(name: unknown): HiveCipher {
  if (isHiveCipher(name)) return name;
  const got = typeof name === 'string' ? `an unknown ${name.length}-char name` : typeof name;
  throw new HiveCryptoError('HM_ERR_UNKNOWN_CIPHER', `expected AES-GCM or CHACHA20-POLY1305, got ${got}`);
}

/**
 * Nonce length of `cipher` in bytes: 16 for AES-GCM, 12 for ChaCha20-Poly1305.
 *
 * @throws {HM_ERR_UNKNOWN_CIPHER} ({@link HiveCryptoError}) for an unknown cipher.
 */
export function nonceLength(cipher: HiveCipher): number {
  return assertHiveCipher(cipher) === 'AES-GCM' ? AES_GCM_NONCE_BYTES : CHACHA_NONCE_BYTES;
}

/**
 * Check that `key` suits `cipher`: 16/24/32 bytes for AES-GCM, 32 for ChaCha20-Poly1305. Returns the key.
 *
 * @throws {HM_ERR_UNKNOWN_CIPHER} ({@link HiveCryptoError}) for an unknown cipher.
 * @throws {HM_ERR_BAD_KEY} ({@link HiveCryptoError}) when `key` is not a Uint8Array of a valid length.
 */
export function assertKey(cipher: HiveCipher, key: Uint8Array): Uint8Array {
  const valid = assertHiveCipher(cipher) === 'AES-GCM' ? AES_KEY_BYTES.join(', ') : String(CHACHA_KEY_BYTES);
  if (!(key instanceof Uint8Array)) throw new HiveCryptoError('HM_ERR_BAD_KEY', `expected a ${cipher} key as bytes, got ${typeof key}`);
  const ok = cipher === 'AES-GCM' ? (AES_KEY_BYTES as readonly number[]).includes(key.length) : key.length === CHACHA_KEY_BYTES;
  if (!ok) throw new HiveCryptoError('HM_ERR_BAD_KEY', `expected a ${cipher} key of ${valid} bytes, got ${key.length} bytes`);
  return key;
}

/**
 * The legacy pre-shared key (HIVEMIND.md §2.8): a 16-character string used as its UTF-8 bytes, not hex-decoded.
 * `add-client` generates 16 hex digits, giving a 16-byte AES-128-GCM key.
 *
 * @throws {HM_ERR_BAD_KEY} ({@link HiveCryptoError}) unless `key16` is exactly 16 characters (code points, as
 *   Python counts them), contains no lone surrogate, and its UTF-8 form is 16, 24 or 32 bytes (an AES key size).
 */
export function presharedKeyBytes(key16: string): Uint8Array {
  if (typeof key16 !== 'string') throw new HiveCryptoError('HM_ERR_BAD_KEY', `expected the pre-shared key as a string, got ${typeof key16}`);
  let chars = 0;
  for (const ch of key16) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) throw new HiveCryptoError('HM_ERR_BAD_KEY', 'expected well-formed text in the pre-shared key, got a lone surrogate');
    chars++;
  }
  if (chars !== PRESHARED_KEY_CHARS) {
    throw new HiveCryptoError('HM_ERR_BAD_KEY', `expected a ${PRESHARED_KEY_CHARS}-character pre-shared key, got ${chars} characters`);
  }
  const bytes = new Uint8Array(Buffer.from(key16, 'utf8'));
  return assertKey('AES-GCM', bytes);
}

function checkNonce(cipher: HiveCipher, nonce: Uint8Array): void {
  const expected = nonceLength(cipher);
  if (!(nonce instanceof Uint8Array) || nonce.length !== expected) {
    const got = nonce instanceof Uint8Array ? `${nonce.length} bytes` : typeof nonce;
    throw new HiveCryptoError('HM_ERR_BAD_NONCE', `expected a ${expected}-byte ${cipher} nonce, got ${got}`);
  }
}

function aesAlgorithm(keyLength: number): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  return keyLength === 16 ? 'aes-128-gcm' : keyLength === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}

/** A plain Uint8Array view of a Buffer, so callers never meet Buffer's view-returning `slice`. */
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** A one-shot node:crypto cipher for already-validated inputs. */
function createSealer(cipher: HiveCipher, key: Uint8Array, nonce: Uint8Array): CipherGCM | CipherChaCha20Poly1305 {
  const options = { authTagLength: AEAD_TAG_BYTES };
  return cipher === 'AES-GCM'
    ? createCipheriv(aesAlgorithm(key.length), key, nonce, options)
    : createCipheriv('chacha20-poly1305', key, nonce, options);
}

/** Encrypt `plaintext` into `out` at `offset`: ciphertext, then the tag. Inputs are already validated. */
function sealInto(cipher: HiveCipher, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
  const c = createSealer(cipher, key, nonce);
  const body = c.update(plaintext);
  out.set(body, offset);
  const rest = c.final(); // empty for both stream-mode AEADs; kept for correctness
  out.set(rest, offset + body.length);
  out.set(c.getAuthTag(), offset + plaintext.length);
}

/** Decrypt and authenticate; inputs are already validated. */
function openChecked(cipher: HiveCipher, key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array {
  const options = { authTagLength: AEAD_TAG_BYTES };
  const d =
    cipher === 'AES-GCM'
      ? createDecipheriv(aesAlgorithm(key.length), key, nonce, options)
      : createDecipheriv('chacha20-poly1305', key, nonce, options);
  d.setAuthTag(tag);
  const plaintext = d.update(ciphertext);
  let rest: Buffer;
  try {
    rest = d.final();
  } catch (cause) {
    plaintext.fill(0); // unauthenticated output never escapes
    throw new HiveCryptoError('HM_ERR_BAD_TAG', `expected an authentic ${cipher} message, got one whose tag does not verify`, { cause });
  }
  return view(rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest]));
}

/**
 * Encrypt with an explicit nonce; ciphertext and tag are returned apart (as JSON frames need them). Never reuse a
 * nonce with the same key: senders go through {@link encryptBinFrame} or `encryptJsonFrame`, which draw a fresh
 * one from their `RandomSource`; tests pass the recorded nonces of the vectors.
 *
 * @throws {HM_ERR_UNKNOWN_CIPHER} ({@link HiveCryptoError}) for an unknown cipher.
 * @throws {HM_ERR_BAD_KEY} ({@link HiveCryptoError}) for a key of the wrong length.
 * @throws {HM_ERR_BAD_NONCE} ({@link HiveCryptoError}) for a nonce of the wrong length.
 */
export function seal(cipher: HiveCipher, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): SealedBox {
  assertKey(cipher, key);
  checkNonce(cipher, nonce);
  const c = createSealer(cipher, key, nonce);
  const body = c.update(plaintext); // used as is: no second buffer, no copy
  const rest = c.final();
  return { ciphertext: view(rest.length === 0 ? body : Buffer.concat([body, rest])), tag: view(c.getAuthTag()) };
}

/**
 * Authenticate and decrypt. Returns the plaintext only if the tag verifies.
 *
 * @throws {HM_ERR_UNKNOWN_CIPHER} ({@link HiveCryptoError}) for an unknown cipher.
 * @throws {HM_ERR_BAD_KEY} ({@link HiveCryptoError}) for a key of the wrong length.
 * @throws {HM_ERR_BAD_NONCE} ({@link HiveCryptoError}) for a nonce of the wrong length.
 * @throws {HM_ERR_BAD_TAG} ({@link HiveCryptoError}) when `tag` is not 16 bytes or does not verify (wrong key,
 *   tampered data).
 */
export function open(cipher: HiveCipher, key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array {
  assertKey(cipher, key);
  checkNonce(cipher, nonce);
  if (!(tag instanceof Uint8Array) || tag.length !== AEAD_TAG_BYTES) {
    const got = tag instanceof Uint8Array ? `${tag.length} bytes` : typeof tag;
    throw new HiveCryptoError('HM_ERR_BAD_TAG', `expected a ${AEAD_TAG_BYTES}-byte tag, got ${got}`);
  }
  return openChecked(cipher, key, nonce, ciphertext, tag);
}

/**
 * Encrypt a binary frame (`encrypt_bin`, §3.2): `nonce ‖ ciphertext ‖ tag` with a fresh nonce from `random`.
 * The plaintext is a WIRE-1 bitstring (§4).
 *
 * @throws {HM_ERR_UNKNOWN_CIPHER} ({@link HiveCryptoError}) for an unknown cipher.
 * @throws {HM_ERR_BAD_KEY} ({@link HiveCryptoError}) for a key of the wrong length.
 * @throws {HM_ERR_BAD_NONCE} ({@link HiveCryptoError}) when `random` returns the wrong number of bytes.
 * @throws {HM_ERR_FRAME_TOO_LARGE} ({@link HiveProtocolError}) when the frame would exceed `MAX_FRAME_BYTES`.
 */
export function encryptBinFrame(cipher: HiveCipher, key: Uint8Array, plaintext: Uint8Array, random: RandomSource): Uint8Array {
  assertKey(cipher, key);
  const nonceBytes = nonceLength(cipher);
  const total = nonceBytes + plaintext.length + AEAD_TAG_BYTES;
  if (total > MAX_FRAME_BYTES) {
    throw new HiveProtocolError('HM_ERR_FRAME_TOO_LARGE', `expected an encrypted frame of at most ${MAX_FRAME_BYTES} bytes, got ${total}`);
  }
  const nonce = random.bytes(nonceBytes);
  checkNonce(cipher, nonce);
  // Every byte is written below, so the buffer need not be zeroed; "Slow" = its own memory, not the shared pool.
  const out = view(Buffer.allocUnsafeSlow(total));
  out.set(nonce, 0);
  sealInto(cipher, key, nonce, plaintext, out, nonceBytes);
  return out;
}

/**
 * Authenticate and decrypt a binary frame (`decrypt_bin`, §3.2). The size is checked before any work is done.
 *
 * @throws {HM_ERR_FRAME_TOO_LARGE} ({@link HiveProtocolError}) when `frame` exceeds `MAX_FRAME_BYTES`.
 * @throws {HM_ERR_UNKNOWN_CIPHER} ({@link HiveCryptoError}) for an unknown cipher.
 * @throws {HM_ERR_BAD_KEY} ({@link HiveCryptoError}) for a key of the wrong length.
 * @throws {HM_ERR_BAD_NONCE} ({@link HiveCryptoError}) when `frame` is too short to hold a nonce and a tag.
 * @throws {HM_ERR_BAD_TAG} ({@link HiveCryptoError}) when authentication fails.
 */
export function decryptBinFrame(cipher: HiveCipher, key: Uint8Array, frame: Uint8Array): Uint8Array {
  if (frame.length > MAX_FRAME_BYTES) {
    throw new HiveProtocolError('HM_ERR_FRAME_TOO_LARGE', `expected an encrypted frame of at most ${MAX_FRAME_BYTES} bytes, got ${frame.length}`);
  }
  assertKey(cipher, key);
  const nonceBytes = nonceLength(cipher);
  if (frame.length < nonceBytes + AEAD_TAG_BYTES) {
    throw new HiveCryptoError('HM_ERR_BAD_NONCE', `expected a ${cipher} frame of at least ${nonceBytes + AEAD_TAG_BYTES} bytes, got ${frame.length}`);
  }
  const tagStart = frame.length - AEAD_TAG_BYTES;
  return openChecked(cipher, key, frame.subarray(0, nonceBytes), frame.subarray(nonceBytes, tagStart), frame.subarray(tagStart));
}
