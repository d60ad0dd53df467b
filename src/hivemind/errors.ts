/**
 * Coded errors of the HiveMind protocol layer.
 *
 * - {@link HiveProtocolError}: the peer sent (or we were asked to send) something the protocol does not allow.
 *   Carries the WebSocket close code a connection should use when it gives up on the peer.
 * - {@link HiveCryptoError}: a key, nonce, tag or Noise message failed validation or authentication.
 * - {@link HiveAuthError}: the credentials are wrong (the hub's handshake envelope did not verify, Noise PSK mismatch).
 *
 * Every code is listed, with its meaning, in `docs/errors.md`.
 *
 * @module
 */
import { HivesatError } from '../errors.js';

/** Codes of {@link HiveProtocolError}. */
export type HiveProtocolErrorCode =
  /** A text frame or payload is not valid JSON, or nests deeper than the limit. */
  | 'HM_ERR_MALFORMED_JSON'
  /** The JSON is valid but is not a HiveMessage envelope (missing/extra keys, wrong value types). */
  | 'HM_ERR_BAD_ENVELOPE'
  /** `msg_type` (or a WIRE-1 type code) is not one the protocol defines. */
  | 'HM_ERR_UNKNOWN_MSG_TYPE'
  /** A frame, or what it decompresses to, is larger than the configured limit. */
  | 'HM_ERR_FRAME_TOO_LARGE'
  /** A field is not valid text in the negotiated encoding (bad base64/base32/hex/Z85/base91). */
  | 'HM_ERR_BAD_ENCODING'
  /** A WIRE-1 bitstring is truncated or structurally invalid. */
  | 'HM_ERR_BAD_BITSTRING'
  /** Metadata does not fit the 8-bit length field of a WIRE-1 frame (callers fall back to JSON). */
  | 'HM_ERR_METADATA_TOO_LARGE'
  /** zlib data is corrupt. */
  | 'HM_ERR_DECOMPRESS'
  /** The frame declares a WIRE-1 or protocol version we do not speak. */
  | 'HM_ERR_UNSUPPORTED_VERSION'
  /** Cipher, encoding or handshake negotiation found no common choice, or a name is unknown. */
  | 'HM_ERR_NEGOTIATION'
  /** A handshake message is malformed or arrives out of order. */
  | 'HM_ERR_HANDSHAKE';

/** Codes of {@link HiveCryptoError}. */
export type HiveCryptoErrorCode =
  /** Authentication failed: wrong key, tampered ciphertext, wrong tag, replayed Noise message. */
  | 'HM_ERR_BAD_TAG'
  /** A key has the wrong length or type for its cipher. */
  | 'HM_ERR_BAD_KEY'
  /** A nonce has the wrong length, or a frame is too short to hold nonce and tag. */
  | 'HM_ERR_BAD_NONCE'
  /** The cipher name is not one HiveMind defines. */
  | 'HM_ERR_UNKNOWN_CIPHER'
  /** A Noise handshake or transport rule was broken (state, length, nonce exhaustion, bad public key). */
  | 'HM_ERR_NOISE';

/** Codes of {@link HiveAuthError}. */
export type HiveAuthErrorCode =
  /** The hub's password-handshake envelope does not verify with our password. */
  | 'HM_ERR_WRONG_PASSWORD'
  /** The hub closed the connection because it does not know our access key. */
  | 'HM_ERR_UNKNOWN_ACCESS_KEY'
  /** The hub's Noise static key differs from the one pinned for it. */
  | 'HM_ERR_PIN_MISMATCH'
  /** The hub rejected our credentials or policy (close 1008, `hive.policy.denied`). */
  | 'HM_ERR_DENIED'
  /**
   * The hub closed without a status code right after our Noise message 1 or 3: a wrong password, or the hub pinned
   * another device's Noise key for this access key (`hivemind-core reset-noise-pin` on the hub).
   */
  | 'HM_ERR_NOISE_REJECTED';

/** RFC 6455 §7.4.1 "policy violation": what hubs send, and what we send, on protocol and auth failures. */
export const CLOSE_POLICY_VIOLATION = 1008;

/** The peer broke the HiveMind protocol. `closeCode` is what a connection should close with. */
export class HiveProtocolError extends HivesatError<HiveProtocolErrorCode> {
  override readonly name = 'HiveProtocolError';
  readonly closeCode: number;

  constructor(code: HiveProtocolErrorCode, message: string, closeCode = CLOSE_POLICY_VIOLATION, options?: ErrorOptions) {
    super(code, message, options);
    this.closeCode = closeCode;
  }
}

/** A key, nonce, tag or Noise message failed validation or authentication. */
export class HiveCryptoError extends HivesatError<HiveCryptoErrorCode> {
  override readonly name = 'HiveCryptoError';
}

/** The credentials were refused or could not be verified. Never retried automatically. */
export class HiveAuthError extends HivesatError<HiveAuthErrorCode> {
  override readonly name = 'HiveAuthError';
}
