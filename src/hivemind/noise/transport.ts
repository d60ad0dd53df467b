/**
 * The HiveMind v3 transport after the Noise handshake (HIVEMIND.md §2.9): every message in both directions is one
 * Noise transport message (sent as a binary WebSocket frame) whose plaintext is a 1-byte marker and a body:
 * `0x00` + UTF-8 JSON HiveMessage, or `0x01` + WIRE-1 bitstring (§4). This module only frames the marker; the
 * WIRE-1 codec lives elsewhere.
 *
 * Associated data is empty and each direction has its own counter (Noise §5.1, `conventions.transport` of
 * `noise_vectors.json`). A Noise message is at most 65535 bytes; the multi-frame chunking of newer bus clients is
 * UNVERIFIED in the spec and not implemented.
 *
 * @module
 */
import { HiveCryptoError, HiveProtocolError } from '../errors.js';
import { NOISE_MAX_MESSAGE_BYTES, NOISE_MAX_PLAINTEXT_BYTES } from './constants.js';
import type { NoiseSplit } from './handshake-state.js';

/** Marker byte of a JSON HiveMessage body. */
export const TRANSPORT_MARKER_JSON = 0x00;

/** Marker byte of a WIRE-1 bitstring body. */
export const TRANSPORT_MARKER_BINARY = 0x01;

/** The body of a transport plaintext. `bytes` of a decoded binary body is a view into the plaintext. */
export type TransportBody = { readonly kind: 'json'; readonly text: string } | { readonly kind: 'binary'; readonly bytes: Uint8Array };

const EMPTY = new Uint8Array(0);
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Marker byte followed by the body: `0x00` + UTF-8 JSON text, or `0x01` + bitstring bytes. */
export function encodeTransportPlaintext(body: TransportBody): Uint8Array {
  const payload = body.kind === 'json' ? utf8Encoder.encode(body.text) : body.bytes;
  const out = new Uint8Array(1 + payload.length);
  out[0] = body.kind === 'json' ? TRANSPORT_MARKER_JSON : TRANSPORT_MARKER_BINARY;
  out.set(payload, 1);
  return out;
}

/**
 * Split a decrypted transport plaintext into its kind and body (the binary body is a `subarray` view).
 *
 * @throws {HM_ERR_BAD_ENVELOPE} (HiveProtocolError) if the plaintext is empty or the marker is neither 0x00 nor 0x01.
 * @throws {HM_ERR_MALFORMED_JSON} (HiveProtocolError) if a JSON body is not valid UTF-8.
 */
export function decodeTransportPlaintext(plaintext: Uint8Array): TransportBody {
  const marker = plaintext[0];
  const body = plaintext.subarray(1);
  if (marker === TRANSPORT_MARKER_BINARY) return { kind: 'binary', bytes: body };
  if (marker !== TRANSPORT_MARKER_JSON) {
    const got = marker === undefined ? 'an empty plaintext' : `0x${marker.toString(16).padStart(2, '0')}`;
    throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected transport marker 0x00 (JSON) or 0x01 (binary), got ${got}`);
  }
  try {
    return { kind: 'json', text: utf8Decoder.decode(body) };
  } catch (cause) {
    throw new HiveProtocolError('HM_ERR_MALFORMED_JSON', `expected a UTF-8 JSON body, got ${body.length} bytes that are not UTF-8`, undefined, { cause });
  }
}

/**
 * Both directions of an established Noise session for one side.
 *
 * A frame that fails authentication poisons the receiving direction: HiveMind treats any AEAD failure as fatal
 * (the hub closes 1008), and refusing further frames denies an attacker a decryption oracle.
 */
export class NoiseTransport {
  readonly #split: NoiseSplit;
  #receiveFailed = false;

  /** @param split - the result of `HandshakeState.split()` for this side. */
  constructor(split: NoiseSplit) {
    this.#split = split;
  }

  /** The counter the next sent frame will use. */
  get sendNonce(): bigint {
    return this.#split.send.nonce;
  }

  /** The counter the next received frame must have been sent with. */
  get receiveNonce(): bigint {
    return this.#split.receive.nonce;
  }

  /**
   * Encrypt one transport plaintext (empty associated data): ciphertext ‖ 16-byte tag.
   *
   * @throws {HM_ERR_NOISE} if the plaintext exceeds 65519 bytes or the send nonces are exhausted.
   */
  encrypt(plaintext: Uint8Array): Uint8Array {
    if (plaintext.length > NOISE_MAX_PLAINTEXT_BYTES) {
      throw new HiveCryptoError('HM_ERR_NOISE', `expected a transport plaintext of at most ${NOISE_MAX_PLAINTEXT_BYTES} bytes, got ${plaintext.length}`);
    }
    return this.#split.send.encryptWithAd(EMPTY, plaintext);
  }

  /**
   * Decrypt one transport message with the next receive counter.
   *
   * @throws {HM_ERR_NOISE} if the message exceeds 65535 bytes, is shorter than a tag, the receive nonces are
   *   exhausted, or an earlier frame failed authentication.
   * @throws {HM_ERR_BAD_TAG} if authentication fails (tampering, replay, reordering, wrong key).
   */
  decrypt(message: Uint8Array): Uint8Array {
    if (this.#receiveFailed) {
      throw new HiveCryptoError('HM_ERR_NOISE', 'expected a live transport, got one closed by an earlier authentication failure');
    }
    if (message.length > NOISE_MAX_MESSAGE_BYTES) {
      throw new HiveCryptoError('HM_ERR_NOISE', `expected a transport message of at most ${NOISE_MAX_MESSAGE_BYTES} bytes, got ${message.length}`);
    }
    try {
      return this.#split.receive.decryptWithAd(EMPTY, message);
    } catch (error) {
      this.#receiveFailed = true;
      throw error;
    }
  }

  /**
   * Frame and encrypt one body: `encrypt(encodeTransportPlaintext(body))`.
   *
   * @throws {HM_ERR_NOISE} as {@link encrypt}.
   */
  seal(body: TransportBody): Uint8Array {
    return this.encrypt(encodeTransportPlaintext(body));
  }

  /**
   * Decrypt one message and split its marker: `decodeTransportPlaintext(decrypt(message))`.
   *
   * @throws {HM_ERR_NOISE} or {HM_ERR_BAD_TAG} as {@link decrypt}; {HM_ERR_BAD_ENVELOPE} or
   *   {HM_ERR_MALFORMED_JSON} as {@link decodeTransportPlaintext}.
   */
  open(message: Uint8Array): TransportBody {
    return decodeTransportPlaintext(this.decrypt(message));
  }
}
