/**
 * WIRE-1 decoder (HIVEMIND.md §4.2–§4.6): a bitstring frame from the peer to a message.
 *
 * This is the trust boundary for binarized frames, so it is strict and bounded:
 * - the frame is capped at `MAX_FRAME_BYTES` and each decompressed block at `MAX_DECOMPRESSED_BYTES` (zlib bombs
 *   stop as soon as the output passes the cap, `maxOutputLength`);
 * - the start marker must be in the first byte (the reference pads with 0–7 bits, §4.2);
 * - the `C` flag is honoured (§4.6: the 0.4.3 decoder's `bool(s.read(1))` bug is not reproduced);
 * - the payload must be whole bytes, so a wrong padding or a truncated field is `HM_ERR_BAD_BITSTRING`;
 * - metadata and payload must be UTF-8 JSON objects; wrapper payloads must be HiveMessages.
 * Every failure is a coded {@link HiveProtocolError}; nothing else escapes, whatever the input.
 *
 * @module
 */
import { inflateSync } from 'node:zlib';
import { BitReader } from './bit-reader.js';
import { MAX_DECOMPRESSED_BYTES, MAX_FRAME_BYTES, WIRE1_PROTOCOL_VERSION } from './constants.js';
import { HiveProtocolError } from './errors.js';
import { type JsonObject, type JsonValue, isJsonObject, parseJson } from './json.js';
import { createHiveMessage, hiveMessageToJson, toHiveMessage } from './message.js';
import { type BinaryPayloadType, HiveMessageType, WRAPPER_MESSAGE_TYPES, isBinaryPayloadType, messageTypeOfCode } from './message-types.js';
import type { DecodedWire1, Wire1Limits } from './wire1.js';
import { BITS_PER_BYTE, WIRE1_BIN_TYPE_BITS, WIRE1_METALEN_BITS, WIRE1_TYPE_BITS, WIRE1_VERSION_BITS } from './wire1-layout.js';
import { errorCode } from '../errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function checkLimit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`expected "${name}" to be a positive integer, got ${value}`);
  return value;
}

function inflate(block: Uint8Array, maxBytes: number, what: string): Uint8Array {
  try {
    return inflateSync(block, { maxOutputLength: maxBytes });
  } catch (cause) {
    // node:zlib throws RangeError ERR_BUFFER_TOO_LARGE as soon as the output passes maxOutputLength.
    if (cause instanceof RangeError && errorCode(cause) === 'ERR_BUFFER_TOO_LARGE') {
      throw new HiveProtocolError('HM_ERR_FRAME_TOO_LARGE', `expected ${what} to decompress to at most ${maxBytes} bytes, got more`, undefined, { cause });
    }
    throw new HiveProtocolError('HM_ERR_DECOMPRESS', `expected ${what} to be a zlib stream, got ${block.length} bytes that do not inflate`, undefined, { cause });
  }
}

function parseUtf8Json(bytes: Uint8Array, what: string): JsonValue {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch (cause) {
    throw new HiveProtocolError('HM_ERR_MALFORMED_JSON', `expected ${what} to be UTF-8, got ${bytes.length} bytes that are not`, undefined, { cause });
  }
  return parseJson(text);
}

function expectObject(value: JsonValue, what: string): JsonObject {
  if (!isJsonObject(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected ${what} to be a JSON object, got ${got}`);
  }
  return value;
}

function readBinaryType(reader: BitReader): BinaryPayloadType {
  const value = reader.readBits(WIRE1_BIN_TYPE_BITS);
  if (!isBinaryPayloadType(value)) {
    throw new HiveProtocolError('HM_ERR_BAD_BITSTRING', `expected a binary payload type 0–6, got ${value}`);
  }
  return value;
}

/**
 * Decode a WIRE-1 bitstring frame. A BINARY payload is returned as a view of `bytes` (the last N bytes of the
 * frame), not a copy; keep `bytes` alive and unmodified while you use it.
 *
 * @param bytes - the whole frame (after decryption, if the session is encrypted).
 * @param limits - size caps; default `MAX_FRAME_BYTES` / `MAX_DECOMPRESSED_BYTES`.
 * @throws {HM_ERR_FRAME_TOO_LARGE} (HiveProtocolError) frame or a decompressed block over its cap.
 * @throws {HM_ERR_BAD_BITSTRING} (HiveProtocolError) empty, no start marker in the first byte, truncated, payload
 *   not whole bytes, or a BINARY payload type outside 0–6.
 * @throws {HM_ERR_UNSUPPORTED_VERSION} (HiveProtocolError) a framing version above 1.
 * @throws {HM_ERR_UNKNOWN_MSG_TYPE} (HiveProtocolError) a type code of 13–31, or a nested message of unknown type.
 * @throws {HM_ERR_DECOMPRESS} (HiveProtocolError) `C=1` and a block is not a valid zlib stream.
 * @throws {HM_ERR_MALFORMED_JSON} (HiveProtocolError) metadata or payload is not UTF-8 JSON.
 * @throws {HM_ERR_BAD_ENVELOPE} (HiveProtocolError) metadata or payload is not an object, or a wrapper payload is
 *   not a HiveMessage.
 * @throws {RangeError} if a limit is not a positive integer (a configuration error).
 */
export function decodeWire1(bytes: Uint8Array, limits: Wire1Limits = {}): DecodedWire1 {
  const maxFrameBytes = checkLimit(limits.maxFrameBytes, MAX_FRAME_BYTES, 'maxFrameBytes');
  const maxInflated = checkLimit(limits.maxDecompressedBytes, MAX_DECOMPRESSED_BYTES, 'maxDecompressedBytes');
  if (bytes.length > maxFrameBytes) {
    throw new HiveProtocolError('HM_ERR_FRAME_TOO_LARGE', `expected a WIRE-1 frame of at most ${maxFrameBytes} bytes, got ${bytes.length}`);
  }
  const first = bytes[0] ?? 0;
  if (first === 0) {
    const got = bytes.length === 0 ? 'an empty frame' : 'a zero first byte';
    throw new HiveProtocolError('HM_ERR_BAD_BITSTRING', `expected the start marker within the first byte, got ${got}`);
  }
  // Padding = the leading zero bits of the first byte; the start marker is the first 1.
  const padBits = Math.clz32(first) - (32 - BITS_PER_BYTE);
  const reader = new BitReader(bytes, padBits + 1);

  const versioned = reader.readBit() === 1;
  if (versioned) {
    const version = reader.readBits(WIRE1_VERSION_BITS);
    if (version > WIRE1_PROTOCOL_VERSION) {
      throw new HiveProtocolError('HM_ERR_UNSUPPORTED_VERSION', `expected WIRE-1 version <= ${WIRE1_PROTOCOL_VERSION}, got ${version}`);
    }
  }
  const code = reader.readBits(WIRE1_TYPE_BITS);
  const msgType = messageTypeOfCode(code);
  if (msgType === undefined) {
    throw new HiveProtocolError('HM_ERR_UNKNOWN_MSG_TYPE', `expected a WIRE-1 type code 0–12, got ${code}`);
  }
  const compressed = reader.readBit() === 1;
  const metaLength = reader.readBits(WIRE1_METALEN_BITS);
  const metaBlock = reader.readBytes(metaLength);
  const binaryType = msgType === HiveMessageType.BINARY ? readBinaryType(reader) : undefined;
  if (reader.bitsLeft % BITS_PER_BYTE !== 0) {
    throw new HiveProtocolError('HM_ERR_BAD_BITSTRING', `expected the payload to be whole bytes, got ${reader.bitsLeft} bits`);
  }
  const payloadBlock = bytes.subarray(bytes.length - reader.bitsLeft / BITS_PER_BYTE);

  const metaBytes = compressed ? inflate(metaBlock, maxInflated, 'WIRE-1 metadata') : metaBlock;
  const metadata = expectObject(parseUtf8Json(metaBytes, 'WIRE-1 metadata'), 'WIRE-1 metadata');

  if (binaryType !== undefined) {
    // §4.5: BINARY payloads are never compressed, whatever C says.
    return { kind: 'binary', binaryType, payload: payloadBlock, metadata, compressed, versioned };
  }

  const payloadBytes = compressed ? inflate(payloadBlock, maxInflated, 'WIRE-1 payload') : payloadBlock;
  const parsed = parseUtf8Json(payloadBytes, 'WIRE-1 payload');
  const payload = WRAPPER_MESSAGE_TYPES.has(msgType)
    ? hiveMessageToJson(toHiveMessage(parsed))
    : expectObject(parsed, `the "${msgType}" payload`);
  return { kind: 'json', message: createHiveMessage(msgType, payload, { metadata }), compressed, versioned };
}
