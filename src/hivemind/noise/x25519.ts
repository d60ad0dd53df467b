/**
 * X25519 (RFC 7748) on raw 32-byte keys, through `node:crypto` — the `25519` DH functions of Noise §12.1
 * (HIVEMIND.md §2.9).
 *
 * `node:crypto` only takes keys as KeyObjects. A raw private key is wrapped in the fixed PKCS#8 DER header for the
 * X25519 OID 1.3.101.110 (RFC 8410) once per key pair, and the KeyObject is kept with the pair; peer public keys are
 * imported as JWK (`{kty: "OKP", crv: "X25519", x}`), which is several times cheaper than DER. Private keys are used
 * exactly as given: X25519 clamps them internally, so `GENERATE_KEYPAIR` can simply draw 32 random bytes.
 *
 * @module
 */
import { type KeyObject, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { HiveCryptoError } from '../errors.js';
import type { RandomSource } from '../random.js';
import { NOISE_DH_BYTES } from './constants.js';

/** PKCS#8 `PrivateKeyInfo` header for an X25519 key: the 32 raw bytes follow it (RFC 8410 §7). */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** An X25519 key pair: raw bytes plus the imported private KeyObject. */
export interface X25519KeyPair {
  /** 32 raw private-key bytes (unclamped, as drawn). */
  readonly privateKey: Uint8Array;
  /** 32 raw public-key bytes (the u-coordinate, little-endian). */
  readonly publicKey: Uint8Array;
  /** The private key as imported into `node:crypto`, for {@link x25519}. */
  readonly keyObject: KeyObject;
}

function assertKeyLength(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== NOISE_DH_BYTES) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new HiveCryptoError('HM_ERR_BAD_KEY', `expected a ${NOISE_DH_BYTES}-byte X25519 ${what}, got ${got}`);
  }
}

function privateKeyObject(privateKey: Uint8Array): KeyObject {
  assertKeyLength(privateKey, 'private key');
  // A dedicated (unpooled) buffer, wiped once OpenSSL holds its own copy.
  const der = Buffer.alloc(PKCS8_X25519_PREFIX.length + NOISE_DH_BYTES);
  der.set(PKCS8_X25519_PREFIX, 0);
  der.set(privateKey, PKCS8_X25519_PREFIX.length);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  assertKeyLength(publicKey, 'public key');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: toBase64Url(publicKey) }, format: 'jwk' });
}

function publicKeyOf(keyObject: KeyObject): Uint8Array {
  const { x } = keyObject.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new HiveCryptoError('HM_ERR_BAD_KEY', 'expected an X25519 key with a public part, got none');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

/**
 * The public key of a raw X25519 private key.
 *
 * @throws {HM_ERR_BAD_KEY} if `privateKey` is not 32 bytes.
 */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  return publicKeyOf(privateKeyObject(privateKey));
}

/**
 * Noise `GENERATE_KEYPAIR()`: 32 bytes from `random` as the private key, and its public key.
 *
 * @throws {HM_ERR_BAD_KEY} if `random` does not return 32 bytes.
 */
export function generateX25519KeyPair(random: RandomSource): X25519KeyPair {
  return x25519KeyPairFromPrivate(random.bytes(NOISE_DH_BYTES));
}

/**
 * A key pair from a raw private key (e.g. the persisted static key).
 *
 * @throws {HM_ERR_BAD_KEY} if `privateKey` is not 32 bytes.
 */
export function x25519KeyPairFromPrivate(privateKey: Uint8Array): X25519KeyPair {
  const keyObject = privateKeyObject(privateKey);
  return { privateKey: privateKey.slice(), publicKey: publicKeyOf(keyObject), keyObject };
}

/**
 * Noise `DH(key_pair, public_key)`: the 32-byte X25519 shared secret. `privateKey` is raw bytes or a key pair.
 *
 * OpenSSL refuses a peer public key of small order (the shared secret would be all zeros); Noise §12.1 allows
 * either behaviour, and refusing is the safer one.
 *
 * @throws {HM_ERR_BAD_KEY} if a key is not 32 bytes.
 * @throws {HM_ERR_NOISE} if the peer public key is of small order (a degenerate shared secret).
 */
export function x25519(privateKey: Uint8Array | X25519KeyPair, publicKey: Uint8Array): Uint8Array {
  const priv = privateKey instanceof Uint8Array ? privateKeyObject(privateKey) : privateKey.keyObject;
  const pub = publicKeyObject(publicKey);
  try {
    return new Uint8Array(diffieHellman({ privateKey: priv, publicKey: pub }));
  } catch (cause) {
    throw new HiveCryptoError('HM_ERR_NOISE', 'expected an X25519 public key of large order, got one giving a degenerate shared secret', { cause });
  }
}
