/**
 * From HiveMessages to WebSocket frames and back, for each keying state of a connection (HIVEMIND.md §1.1, §2.6,
 * §2.9, §3, §4.1):
 *
 * | keys      | we send                                                                 | we accept                                  |
 * |-----------|-------------------------------------------------------------------------|--------------------------------------------|
 * | none      | plaintext JSON text (HANDSHAKE only)                                    | plaintext JSON text                        |
 * | legacy    | encrypted JSON text, or encrypted WIRE-1 binary (BINARY; others if binarized) | both, plus plaintext text (caller decides) |
 * | noise     | Noise transport binary: 0x00 + JSON, or 0x01 + WIRE-1                   | Noise transport binary, plaintext text     |
 *
 * HELLO and HANDSHAKE are never binarized. A non-BINARY message whose metadata does not fit WIRE-1
 * (`HM_ERR_METADATA_TOO_LARGE`) falls back to a JSON frame. Whether a plaintext frame is acceptable after keying is the
 * connection's decision: {@link DecodedFrame} says whether the frame was encrypted.
 *
 * @module
 */
import { type HiveCipher, decryptBinFrame, encryptBinFrame } from './aead.js';
import type { HiveEncoding } from './encodings.js';
import { HiveProtocolError } from './errors.js';
import { decryptJsonFrame, encryptJsonFrame, isEncryptedJsonFrame } from './json-frame.js';
import { parseJson } from './json.js';
import { type HiveMessage, parseHiveMessage, serializeHiveMessage, toHiveMessage } from './message.js';
import { type BinaryPayloadType, HiveMessageType } from './message-types.js';
import { MAX_FRAME_BYTES } from './constants.js';
import type { NoiseTransport } from './noise/index.js';
import type { RandomSource } from './random.js';
import { type Wire1Message, decodeWire1, encodeWire1 } from './wire1.js';
import type { JsonObject } from './json.js';

/** Session keys of a legacy (password or pre-shared key) session. */
export interface LegacyKeys {
  readonly kind: 'legacy';
  readonly cipher: HiveCipher;
  readonly encoding: HiveEncoding;
  readonly key: Uint8Array;
  /** The user configured JSON-Z85P explicitly: allow writing it. */
  readonly allowZ85P: boolean;
}

/** The transport of a Noise (v3) session. */
export interface NoiseKeys {
  readonly kind: 'noise';
  readonly transport: NoiseTransport;
}

/** How frames are protected: not yet, legacy AEAD, or Noise. */
export type SessionKeys = LegacyKeys | NoiseKeys;

/** A BINARY message to send or that was received. */
export interface BinaryMessage {
  readonly binaryType: BinaryPayloadType;
  /** Raw bytes. On receive, a view into the decrypted frame. */
  readonly payload: Uint8Array;
  readonly metadata: JsonObject;
}

/** Something we send: a JSON HiveMessage, or a BINARY message. */
export type Outgoing = { readonly kind: 'message'; readonly message: HiveMessage } | ({ readonly kind: 'binary' } & BinaryMessage);

/** A received frame, decoded. `encrypted` says whether it was protected by the session keys. */
export type DecodedFrame =
  | { readonly kind: 'message'; readonly message: HiveMessage; readonly encrypted: boolean }
  | ({ readonly kind: 'binary'; readonly encrypted: boolean } & BinaryMessage);

/** Data for `WebSocket.send`: a string goes as a text frame, bytes as a binary frame. */
export type FrameData = string | Uint8Array;

/** Options of {@link encodeFrame}. */
export interface EncodeOptions {
  /** Binarize non-BINARY messages (WIRE-1): only when we asked for it and the hub offered it. */
  readonly binarize: boolean;
  /** Source of AEAD nonces (legacy sessions). */
  readonly random: RandomSource;
}

const NEVER_BINARIZED: ReadonlySet<string> = new Set([HiveMessageType.HELLO, HiveMessageType.HANDSHAKE, HiveMessageType.INTERCOM]);

function toWire1(outgoing: Outgoing, binarize: boolean): Uint8Array | undefined {
  if (outgoing.kind === 'binary') {
    const { binaryType, payload, metadata } = outgoing;
    return encodeWire1({ kind: 'binary', binaryType, payload, metadata });
  }
  if (!binarize || NEVER_BINARIZED.has(outgoing.message.msg_type)) return undefined;
  const input: Wire1Message = { kind: 'json', message: outgoing.message };
  try {
    return encodeWire1(input);
  } catch (error) {
    // P11: metadata over 255 bytes cannot be binarized; a JSON frame carries it fine.
    if (error instanceof HiveProtocolError && error.code === 'HM_ERR_METADATA_TOO_LARGE') return undefined;
    throw error;
  }
}

/**
 * Encode one outgoing message as frame data for the given keys (`undefined` = not keyed yet: plaintext).
 *
 * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) for anything but a HANDSHAKE or HELLO before keying, or a BINARY
 *   message before keying.
 * @throws {HM_ERR_METADATA_TOO_LARGE} for a BINARY message whose metadata exceeds 255 bytes (it has no JSON form).
 * @throws {HM_ERR_FRAME_TOO_LARGE} (HiveProtocolError) over 10 MiB; {HM_ERR_NOISE} (HiveCryptoError) for a Noise
 *   transport plaintext over 65 519 bytes; {HM_ERR_NEGOTIATION} for JSON-Z85P when not explicitly allowed.
 */
export function encodeFrame(outgoing: Outgoing, keys: SessionKeys | undefined, options: EncodeOptions): FrameData {
  if (keys === undefined) {
    if (outgoing.kind === 'message' && (outgoing.message.msg_type === HiveMessageType.HANDSHAKE || outgoing.message.msg_type === HiveMessageType.HELLO)) {
      return serializeHiveMessage(outgoing.message);
    }
    const type = outgoing.kind === 'binary' ? HiveMessageType.BINARY : outgoing.message.msg_type;
    throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected only HANDSHAKE or HELLO before the session is keyed, got "${type}"`);
  }
  if (keys.kind === 'noise') {
    if (outgoing.kind === 'message' && outgoing.message.msg_type === HiveMessageType.HANDSHAKE) return serializeHiveMessage(outgoing.message);
    const wire1 = toWire1(outgoing, options.binarize);
    if (wire1 !== undefined) return keys.transport.seal({ kind: 'binary', bytes: wire1 });
    if (outgoing.kind !== 'message') throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', 'expected a WIRE-1 form for a BINARY message, got none');
    return keys.transport.seal({ kind: 'json', text: serializeHiveMessage(outgoing.message) });
  }
  if (outgoing.kind === 'message' && outgoing.message.msg_type === HiveMessageType.HANDSHAKE) return serializeHiveMessage(outgoing.message);
  const wire1 = toWire1(outgoing, options.binarize);
  if (wire1 !== undefined) return encryptBinFrame(keys.cipher, keys.key, wire1, options.random);
  if (outgoing.kind !== 'message') throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', 'expected a WIRE-1 form for a BINARY message, got none');
  return encryptJsonFrame(keys.cipher, keys.encoding, keys.key, serializeHiveMessage(outgoing.message), options.random, {
    allowUndecodableByHubs: keys.allowZ85P,
  });
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Caps on what a peer may make us hold (hostile-hub guard). The frame cap should equal the socket's `maxPayload`, so
 * the WebSocket refuses a larger frame from its header before buffering it; checking it here as well keeps the codec
 * safe on any transport.
 */
export interface InboundLimits {
  /** Largest frame accepted, bytes. Default {@link MAX_FRAME_BYTES} (10 MiB). */
  readonly maxFrameBytes?: number;
  /** Largest result of inflating one WIRE-1 block, bytes. Default {@link MAX_DECOMPRESSED_BYTES} (16 MiB). */
  readonly maxInflatedBytes?: number;
}

function fromWire1(bytes: Uint8Array, encrypted: boolean, limits: InboundLimits): DecodedFrame {
  const decoded = decodeWire1(bytes, {
    ...(limits.maxFrameBytes === undefined ? {} : { maxFrameBytes: limits.maxFrameBytes }),
    ...(limits.maxInflatedBytes === undefined ? {} : { maxDecompressedBytes: limits.maxInflatedBytes }),
  });
  if (decoded.kind === 'binary') {
    return { kind: 'binary', encrypted, binaryType: decoded.binaryType, payload: decoded.payload, metadata: decoded.metadata };
  }
  return { kind: 'message', message: decoded.message, encrypted };
}

function decodeText(data: Uint8Array): string {
  try {
    return utf8Decoder.decode(data);
  } catch (cause) {
    throw new HiveProtocolError('HM_ERR_MALFORMED_JSON', `expected a UTF-8 text frame, got ${data.length} bytes that are not UTF-8`, undefined, { cause });
  }
}

/**
 * Decode one received frame.
 *
 * @param data - the frame payload as received.
 * @param isBinary - true for a binary frame, false for a text frame.
 * @param limits - size caps (frame, inflated WIRE-1 block); checked before any decoding work.
 * @throws {HiveProtocolError} `HM_ERR_MALFORMED_JSON`, `HM_ERR_BAD_ENVELOPE`, `HM_ERR_UNKNOWN_MSG_TYPE`,
 *   `HM_ERR_FRAME_TOO_LARGE`, `HM_ERR_BAD_ENCODING`, `HM_ERR_BAD_BITSTRING`, `HM_ERR_DECOMPRESS`,
 *   `HM_ERR_UNSUPPORTED_VERSION`, or `HM_ERR_HANDSHAKE` (an encrypted frame before keying).
 * @throws {HiveCryptoError} `HM_ERR_BAD_TAG`, `HM_ERR_BAD_NONCE`, `HM_ERR_NOISE` when a frame fails to decrypt.
 */
export function decodeFrame(data: Uint8Array, isBinary: boolean, keys: SessionKeys | undefined, limits: InboundLimits = {}): DecodedFrame {
  const maxFrameBytes = limits.maxFrameBytes ?? MAX_FRAME_BYTES;
  if (data.length > maxFrameBytes) {
    throw new HiveProtocolError('HM_ERR_FRAME_TOO_LARGE', `expected a ${isBinary ? 'binary' : 'text'} frame of at most ${maxFrameBytes} bytes, got ${data.length}`);
  }
  if (!isBinary) {
    const text = decodeText(data);
    const value = parseJson(text);
    if (isEncryptedJsonFrame(value)) {
      if (keys?.kind !== 'legacy') throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected a plaintext text frame ${keys === undefined ? 'before keying' : 'in a Noise session'}, got an encrypted one`);
      const plaintext = decryptJsonFrame(keys.cipher, keys.encoding, keys.key, value);
      return { kind: 'message', message: parseHiveMessage(decodeText(plaintext)), encrypted: true };
    }
    return { kind: 'message', message: toHiveMessage(value), encrypted: false };
  }
  if (keys === undefined) return fromWire1(data, false, limits);
  if (keys.kind === 'legacy') return fromWire1(decryptBinFrame(keys.cipher, keys.key, data), true, limits);
  const body = keys.transport.open(data);
  if (body.kind === 'binary') return fromWire1(body.bytes, true, limits);
  return { kind: 'message', message: parseHiveMessage(body.text), encrypted: true };
}
