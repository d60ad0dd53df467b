/**
 * WIRE-1 "binarized" frames: the bitstring form of a HiveMessage (HIVEMIND.md §4, all of it).
 *
 * ```
 * [P zero bits][1][V][ver:8 if V=1][type:5][C][metalen:8][meta: metalen*8 bits][bin_type:4 if type==12][payload]
 * ```
 * - §4.2 layout, MSB first; the zero padding is prepended, so the payload is always the last N bytes of the frame
 *   and, for BINARY, the metadata is shifted by 4 bits.
 * - §4.3 type codes (INTERCOM has none and is refused; code 11 decodes as `3rdparty`; 13–31 are refused).
 * - §4.4 BINARY payload types; §4.5 payload bytes per type (BINARY payloads are raw and never compressed).
 * - §4.6 compression: we always **send** `C=1` (bitstring >= 4.1 decoders read the flag as 1 whatever it is, so an
 *   uncompressed frame crashes old hubs, pitfall P1) and **honour** the flag on receive.
 * - §4.2 / P11: metadata longer than 255 bytes after compression is refused with `HM_ERR_METADATA_TOO_LARGE`, so the
 *   caller can fall back to a JSON frame.
 *
 * Encode and decode live in `wire1-encode.ts` and `wire1-decode.ts`; this module holds the shared types and is the
 * import surface.
 *
 * @module
 */
import type { HiveMessage } from './message.js';
import type { JsonObject } from './json.js';
import type { BinaryPayloadType } from './message-types.js';

/** A JSON HiveMessage carried in a WIRE-1 frame (any type with a code, except BINARY). */
export interface Wire1JsonMessage {
  readonly kind: 'json';
  /** Envelope fields other than `msg_type`, `payload` and `metadata` are not carried by WIRE-1 (§4.5). */
  readonly message: HiveMessage;
}

/** A BINARY message (type code 12): a 4-bit payload type, raw bytes and JSON metadata (§4.4). */
export interface Wire1BinaryMessage {
  readonly kind: 'binary';
  readonly binaryType: BinaryPayloadType;
  /** Raw bytes, never compressed. On decode: a view of the frame, not a copy. */
  readonly payload: Uint8Array;
  /** e.g. `{"sample_rate": 16000, "sample_width": 2}`; `{}` when there is none. */
  readonly metadata: JsonObject;
}

/** What a WIRE-1 frame carries. */
export type Wire1Message = Wire1JsonMessage | Wire1BinaryMessage;

/** A decoded frame: the message plus the two header flags it arrived with. */
export type DecodedWire1 = Wire1Message & {
  /** The `C` bit: metadata and (non-BINARY) payload were zlib-compressed. */
  readonly compressed: boolean;
  /** The `V` bit: an 8-bit framing version was present. */
  readonly versioned: boolean;
};

/**
 * How a non-BINARY payload becomes JSON text, as the reference `get_bitstring` does it (§4.5):
 * - `'ovos-message'`: `Message.serialize()` (orjson): compact separators, raw UTF-8. BUS and SHARED_BUS.
 * - `'hive-message'`: `HiveMessage.serialize()` = `json.dumps(as_dict, ensure_ascii=False)`, default separators;
 *   the payload is first validated as a HiveMessage and written with its eight keys in reference order. Wrapper
 *   types (BROADCAST, PROPAGATE, ESCALATE, QUERY, CASCADE).
 * - `'python-dict'`: `json.dumps(dict)`: default separators, non-ASCII as `\uXXXX`. Every other type.
 */
export type Wire1PayloadStyle = 'ovos-message' | 'hive-message' | 'python-dict';

/** Options of {@link encodeWire1}. */
export interface Wire1EncodeOptions {
  /** Write `V=1` and the 8-bit framing version (1). Default false, as the reference encoder. */
  readonly versioned?: boolean;
  /**
   * Override the payload serialisation chosen from the message type (see {@link Wire1PayloadStyle}); e.g.
   * `'python-dict'` reproduces a reference BUS message whose payload was a plain dict instead of an OVOS Message.
   */
  readonly payloadStyle?: Wire1PayloadStyle;
  /**
   * **Tests only.** Write `C=0` and leave metadata and payload uncompressed, to reproduce the reference vectors.
   * Never use it on a connection: hubs whose decoder runs on bitstring >= 4.1 (every 4.0.x hub) read the flag as 1
   * and drop the client (HIVEMIND.md §4.6, pitfall P1).
   */
  readonly unsafeUncompressed?: boolean;
}

/** Size limits of {@link decodeWire1}, in bytes. Defaults: `MAX_FRAME_BYTES`, `MAX_DECOMPRESSED_BYTES`. */
export interface Wire1Limits {
  /** Largest frame accepted. */
  readonly maxFrameBytes?: number;
  /** Largest result of decompressing one block (metadata or payload): the zlib-bomb guard. */
  readonly maxDecompressedBytes?: number;
}

export { encodeWire1, payloadStyleOf } from './wire1-encode.js';
export { decodeWire1 } from './wire1-decode.js';
