/**
 * WIRE-1 encoder (HIVEMIND.md §4.2–§4.6): a HiveMessage or BINARY payload to a bitstring frame.
 *
 * Mirrors `_get_bitstring_v1` of hivemind_bus_client 0.4.3 with `compressed=True` (the client default, §4.6):
 * metadata is `json.dumps(metadata or {})` (so empty metadata is `{}`, never 0 bytes, §4.2), the payload text is
 * chosen by type (§4.5, {@link payloadStyleOf}), both are zlib-compressed (`C=1`) except BINARY payloads, which are
 * appended raw. Zero bits are prepended so the frame is whole bytes.
 *
 * @module
 */
import { deflateSync } from 'node:zlib';
import { BitWriter } from './bit-writer.js';
import { MAX_FRAME_BYTES, MAX_WIRE1_METADATA_BYTES, WIRE1_PROTOCOL_VERSION } from './constants.js';
import { HiveProtocolError } from './errors.js';
import { type JsonObject, pythonJsonDumps } from './json.js';
import { serializeHiveMessage, toHiveMessage } from './message.js';
import { HiveMessageType, WIRE1_TYPE_CODES, WRAPPER_MESSAGE_TYPES, isBinaryPayloadType } from './message-types.js';
import type { Wire1EncodeOptions, Wire1Message, Wire1PayloadStyle } from './wire1.js';
import {
  BITS_PER_BYTE,
  WIRE1_BIN_TYPE_BITS,
  WIRE1_METALEN_BITS,
  WIRE1_TYPE_BITS,
  WIRE1_VERSION_BITS,
  wire1HeaderBits,
} from './wire1-layout.js';

const utf8 = new TextEncoder();

/**
 * The payload serialisation the reference uses for a message type (§4.5): BUS/SHARED_BUS carry an OVOS `Message`
 * (orjson, compact), wrapper types a nested HiveMessage (`HiveMessage.serialize()`), the rest a dict (`json.dumps`).
 */
export function payloadStyleOf(msgType: HiveMessageType): Wire1PayloadStyle {
  if (msgType === HiveMessageType.BUS || msgType === HiveMessageType.SHARED_BUS) return 'ovos-message';
  return WRAPPER_MESSAGE_TYPES.has(msgType) ? 'hive-message' : 'python-dict';
}

function serializePayload(payload: JsonObject, style: Wire1PayloadStyle): string {
  switch (style) {
    case 'ovos-message':
      return pythonJsonDumps(payload, { separators: 'compact', ensureAscii: false });
    case 'hive-message':
      return serializeHiveMessage(toHiveMessage(payload));
    case 'python-dict':
      return pythonJsonDumps(payload);
  }
}

interface Parts {
  readonly typeCode: number;
  readonly metadata: JsonObject;
  /** The payload bytes as they go on the wire (already compressed for non-BINARY types when `C=1`). */
  readonly payload: Uint8Array;
  readonly binaryType: number | undefined;
}

function splitMessage(input: Wire1Message, compress: boolean, options: Wire1EncodeOptions): Parts {
  if (input.kind === 'binary') {
    if (!isBinaryPayloadType(input.binaryType)) {
      throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected a binary payload type 0–6, got ${String(input.binaryType)}`);
    }
    if (!(input.payload instanceof Uint8Array)) {
      throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected a Uint8Array BINARY payload, got ${typeof input.payload}`);
    }
    const typeCode = WIRE1_TYPE_CODES[HiveMessageType.BINARY];
    return { typeCode, metadata: input.metadata, payload: input.payload, binaryType: input.binaryType };
  }
  const msgType = input.message.msg_type;
  if (msgType === HiveMessageType.INTERCOM) {
    throw new HiveProtocolError('HM_ERR_UNKNOWN_MSG_TYPE', `expected a message type with a WIRE-1 code, got "${msgType}"`);
  }
  if (msgType === HiveMessageType.BINARY) {
    throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected kind 'binary' for a "${msgType}" message, got kind 'json'`);
  }
  const typeCode = WIRE1_TYPE_CODES[msgType];
  if (typeCode === undefined) {
    throw new HiveProtocolError('HM_ERR_UNKNOWN_MSG_TYPE', `expected a message type with a WIRE-1 code, got "${String(msgType).slice(0, 40)}"`);
  }
  const text = serializePayload(input.message.payload, options.payloadStyle ?? payloadStyleOf(msgType));
  const raw = utf8.encode(text);
  return { typeCode, metadata: input.message.metadata, payload: compress ? deflateSync(raw) : raw, binaryType: undefined };
}

/**
 * Encode a message as a WIRE-1 bitstring frame, with `C=1` (compressed) unless the test-only
 * `unsafeUncompressed` option is set.
 *
 * @throws {HM_ERR_UNKNOWN_MSG_TYPE} (HiveProtocolError) for INTERCOM, which has no type code (§4.3).
 * @throws {HM_ERR_BAD_ENVELOPE} (HiveProtocolError) for a `'json'` message of type BINARY, a binary payload type
 *   outside 0–6, or (wrapper types) a payload that is not a HiveMessage.
 * @throws {HM_ERR_METADATA_TOO_LARGE} (HiveProtocolError) when the (compressed) metadata exceeds 255 bytes: send
 *   the message as a JSON frame instead.
 * @throws {HM_ERR_FRAME_TOO_LARGE} (HiveProtocolError) when the frame would exceed `MAX_FRAME_BYTES`.
 * @throws {RangeError} for a non-finite number in the metadata or payload (not JSON).
 */
export function encodeWire1(input: Wire1Message, options: Wire1EncodeOptions = {}): Uint8Array {
  const compress = options.unsafeUncompressed !== true;
  const versioned = options.versioned === true;
  const parts = splitMessage(input, compress, options);

  const metaRaw = utf8.encode(pythonJsonDumps(parts.metadata));
  const meta = compress ? deflateSync(metaRaw) : metaRaw;
  if (meta.length > MAX_WIRE1_METADATA_BYTES) {
    throw new HiveProtocolError(
      'HM_ERR_METADATA_TOO_LARGE',
      `expected at most ${MAX_WIRE1_METADATA_BYTES} bytes of WIRE-1 metadata, got ${meta.length}`,
    );
  }

  const binTypeBits = parts.binaryType === undefined ? 0 : WIRE1_BIN_TYPE_BITS;
  const contentBits = wire1HeaderBits(versioned) + (meta.length + parts.payload.length) * BITS_PER_BYTE + binTypeBits;
  const padBits = (BITS_PER_BYTE - (contentBits % BITS_PER_BYTE)) % BITS_PER_BYTE;
  const totalBytes = (padBits + contentBits) / BITS_PER_BYTE;
  if (totalBytes > MAX_FRAME_BYTES) {
    throw new HiveProtocolError('HM_ERR_FRAME_TOO_LARGE', `expected a WIRE-1 frame of at most ${MAX_FRAME_BYTES} bytes, got ${totalBytes}`);
  }

  const out = new BitWriter(totalBytes);
  out.writeBits(0, padBits);
  out.writeBit(1);
  out.writeBit(versioned ? 1 : 0);
  if (versioned) out.writeBits(WIRE1_PROTOCOL_VERSION, WIRE1_VERSION_BITS);
  out.writeBits(parts.typeCode, WIRE1_TYPE_BITS);
  out.writeBit(compress ? 1 : 0);
  out.writeBits(meta.length, WIRE1_METALEN_BITS);
  out.writeBytes(meta);
  if (parts.binaryType !== undefined) out.writeBits(parts.binaryType, WIRE1_BIN_TYPE_BITS);
  out.writeBytes(parts.payload); // always byte-aligned here: the padding was prepended
  return out.finish();
}
