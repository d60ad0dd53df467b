/**
 * The legacy password handshake: poorman_handshake `PasswordHandShake` (HIVEMIND.md §2.5.1–§2.5.3).
 *
 * - envelope (hSub) = lowercase hex(iv ‖ SHA-256(iv ‖ UTF-8(password)))[:48], with a random 8-byte IV;
 * - a peer envelope verifies if it is 48..80 characters and equals the same computation with its own IV
 *   (`match_hsub`; compared in constant time);
 * - salt = iv_client XOR iv_server; session key = PBKDF2-HMAC-SHA256(password, salt, 100 000, 32).
 *
 * The client always verifies the hub's envelope (a 4.0.x hub never verifies ours, so this is the only place a wrong
 * password shows up; pitfall P2). The hub side serves a TypeScript test hub: it can skip verification like
 * hivemind-core 4.0 or verify like newer hubs. PBKDF2 (~20–60 ms) runs on libuv's thread pool in the async methods.
 *
 * @module
 */
import { createHash, pbkdf2, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { HANDSHAKE_IV_BYTES, HSUB_HEX_CHARS, PBKDF2_ITERATIONS, SESSION_KEY_BYTES } from './constants.js';
import { HiveAuthError, HiveProtocolError } from './errors.js';
import { type RandomSource, systemRandom } from './random.js';

/** Longest envelope `match_hsub` accepts: 16 hex IV + 64 hex SHA-256. */
export const HSUB_MAX_HEX_CHARS = 2 * (HANDSHAKE_IV_BYTES + 32);

const IV_HEX_CHARS = 2 * HANDSHAKE_IV_BYTES;
const utf8 = new TextEncoder();

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * `create_hsub`: lowercase hex(iv ‖ SHA-256(iv ‖ UTF-8(password))) cut to `hexChars` characters.
 *
 * @throws {RangeError} if `iv` is not 8 bytes or `hexChars` is outside 48..80.
 */
export function createHsub(password: string, iv: Uint8Array, hexChars: number = HSUB_HEX_CHARS): string {
  if (iv.length !== HANDSHAKE_IV_BYTES) throw new RangeError(`expected an ${HANDSHAKE_IV_BYTES}-byte IV, got ${iv.length} bytes`);
  if (!Number.isInteger(hexChars) || hexChars < HSUB_HEX_CHARS || hexChars > HSUB_MAX_HEX_CHARS) {
    throw new RangeError(`expected an envelope length in ${HSUB_HEX_CHARS}..${HSUB_MAX_HEX_CHARS}, got ${hexChars}`);
  }
  const digest = createHash('sha256').update(iv).update(utf8.encode(password)).digest();
  return (toHex(iv) + digest.toString('hex')).slice(0, hexChars);
}

/** True if `envelope` has the shape of an hSub: 48..80 characters whose first 16 are hex (its IV). */
export function isHsubShaped(envelope: unknown): envelope is string {
  return (
    typeof envelope === 'string' &&
    envelope.length >= HSUB_HEX_CHARS &&
    envelope.length <= HSUB_MAX_HEX_CHARS &&
    /^[0-9a-fA-F]{16}/.test(envelope)
  );
}

/** `iv_from_hsub`: the 8-byte IV at the start of an envelope (the caller has checked its shape). */
export function ivFromHsub(envelope: string): Uint8Array {
  return new Uint8Array(Buffer.from(envelope.slice(0, IV_HEX_CHARS), 'hex'));
}

/**
 * `match_hsub`: true if `envelope` was made with `password`. Envelopes outside 48..80 characters, or not hex, do
 * not match. The comparison runs in constant time.
 */
export function matchHsub(envelope: string, password: string): boolean {
  // A non-hex character anywhere can never equal the (all-hex) recomputation, so refusing it early changes nothing.
  if (!isHsubShaped(envelope) || !/^[0-9a-fA-F]+$/.test(envelope)) return false;
  const expected = Buffer.from(createHsub(password, ivFromHsub(envelope), envelope.length), 'ascii');
  const actual = Buffer.from(envelope, 'ascii');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * The PBKDF2 salt: the XOR of the two 8-byte IVs (symmetric).
 *
 * @throws {RangeError} if an IV is not 8 bytes.
 */
export function xorIvs(ivA: Uint8Array, ivB: Uint8Array): Uint8Array {
  if (ivA.length !== HANDSHAKE_IV_BYTES || ivB.length !== HANDSHAKE_IV_BYTES) {
    throw new RangeError(`expected two ${HANDSHAKE_IV_BYTES}-byte IVs, got ${ivA.length} and ${ivB.length} bytes`);
  }
  const salt = new Uint8Array(HANDSHAKE_IV_BYTES);
  for (let i = 0; i < HANDSHAKE_IV_BYTES; i++) salt[i] = (ivA[i] ?? 0) ^ (ivB[i] ?? 0);
  return salt;
}

/** PBKDF2-HMAC-SHA256(UTF-8(password), salt, 100 000 iterations, 32 bytes) on libuv's thread pool. */
export function deriveSessionKey(password: string, salt: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    pbkdf2(utf8.encode(password), salt, PBKDF2_ITERATIONS, SESSION_KEY_BYTES, 'sha256', (error, key) => {
      if (error !== null) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

/** {@link deriveSessionKey}, blocking the event loop (~20–60 ms): for tests and test hubs only. */
export function deriveSessionKeySync(password: string, salt: Uint8Array): Uint8Array {
  return new Uint8Array(pbkdf2Sync(utf8.encode(password), salt, PBKDF2_ITERATIONS, SESSION_KEY_BYTES, 'sha256'));
}

function assertPeerEnvelope(envelope: unknown): asserts envelope is string {
  if (!isHsubShaped(envelope)) {
    const got = typeof envelope === 'string' ? `${envelope.length} chars` : typeof envelope;
    throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected a ${HSUB_HEX_CHARS}..${HSUB_MAX_HEX_CHARS}-char hex envelope, got ${got}`);
  }
}

/** Shared state of both sides: the password and our IV, drawn once by `generateEnvelope()`. */
abstract class PasswordHandshakeSide {
  readonly #password: string;
  readonly #random: RandomSource;
  #iv: Uint8Array | undefined;

  constructor(password: string, random: RandomSource) {
    if (typeof password !== 'string') throw new TypeError(`expected the password as a string, got ${typeof password}`);
    this.#password = password;
    this.#random = random;
  }

  /** `generate_handshake()`: draw a fresh IV and return our envelope (it replaces any earlier IV). */
  generateEnvelope(): string {
    this.#iv = this.#random.bytes(HANDSHAKE_IV_BYTES);
    return createHsub(this.#password, this.#iv);
  }

  protected get password(): string {
    return this.#password;
  }

  /** The salt for `peerEnvelope` (its shape checked), optionally after verifying it. */
  protected saltFor(peerEnvelope: unknown, verify: boolean): Uint8Array {
    assertPeerEnvelope(peerEnvelope);
    const iv = this.#iv;
    if (iv === undefined) throw new HiveProtocolError('HM_ERR_HANDSHAKE', 'expected our envelope generated before the peer envelope, got none');
    if (verify && !matchHsub(peerEnvelope, this.#password)) {
      throw new HiveAuthError('HM_ERR_WRONG_PASSWORD', 'expected a peer envelope made with our password, got one that does not verify');
    }
    return xorIvs(iv, ivFromHsub(peerEnvelope));
  }
}

/**
 * The client side: `generateEnvelope()` for the HANDSHAKE we send, then `receiveAndVerify(hubEnvelope)` → key.
 */
export class PasswordHandshakeClient extends PasswordHandshakeSide {
  /** @param random - source of the 8-byte IV (default {@link systemRandom}). */
  constructor(password: string, random: RandomSource = systemRandom) {
    super(password, random);
  }

  /**
   * `receive_and_verify`: verify the hub's envelope and derive the 32-byte session key.
   *
   * @throws {HM_ERR_WRONG_PASSWORD} (HiveAuthError) if the envelope was not made with our password.
   * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) if it is malformed or our envelope was not generated first.
   */
  receiveAndVerify(hubEnvelope: unknown): Promise<Uint8Array> {
    try {
      return deriveSessionKey(this.password, this.saltFor(hubEnvelope, true));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@link receiveAndVerify}, blocking. @throws {HM_ERR_WRONG_PASSWORD} / {HM_ERR_HANDSHAKE} as the async form. */
  receiveAndVerifySync(hubEnvelope: unknown): Uint8Array {
    return deriveSessionKeySync(this.password, this.saltFor(hubEnvelope, true));
  }
}

/** Options of {@link PasswordHandshakeServer}. */
export interface PasswordHandshakeServerOptions {
  /** Verify the client's envelope like newer hubs (default false: like hivemind-core 4.0, which does not). */
  readonly verifyClient?: boolean;
}

/**
 * The hub side (for a test hub). Like hivemind-core, call `generateEnvelope()` for every HANDSHAKE received, then
 * `receive(clientEnvelope)`.
 */
export class PasswordHandshakeServer extends PasswordHandshakeSide {
  readonly #verify: boolean;

  constructor(password: string, random: RandomSource = systemRandom, options: PasswordHandshakeServerOptions = {}) {
    super(password, random);
    this.#verify = options.verifyClient ?? false;
  }

  /**
   * `receive_handshake` (or `receive_and_verify` in verifying mode): derive the 32-byte session key.
   *
   * @throws {HM_ERR_WRONG_PASSWORD} (HiveAuthError) in verifying mode if the client used another password.
   * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) if the envelope is malformed or ours was not generated first.
   */
  receive(clientEnvelope: unknown): Promise<Uint8Array> {
    try {
      return deriveSessionKey(this.password, this.saltFor(clientEnvelope, this.#verify));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@link receive}, blocking. @throws {HM_ERR_WRONG_PASSWORD} / {HM_ERR_HANDSHAKE} as the async form. */
  receiveSync(clientEnvelope: unknown): Uint8Array {
    return deriveSessionKeySync(this.password, this.saltFor(clientEnvelope, this.#verify));
  }
}
