/**
 * WIRE-1 encode/decode against the reference vectors (HIVEMIND.md §4, vectors/README.md "binarization_vectors"),
 * the public HiveMind-js `bitstring` vector and the VERIFIED-EXEC worked examples of §4.7.
 *
 * - Uncompressed frames (C=0) must match byte for byte.
 * - Compressed frames (C=1): Node's zlib (the Chromium fork) emits different, equally valid deflate bytes than
 *   CPython's zlib 1.2.13, so they are compared field by field: the header bits through C are equal, and every
 *   compressed block inflates to the same bytes as the reference block (inflated with node:zlib directly).
 * - Every vector's `hex` is decoded and compared with `decode_bitstring_4_0_2.hive_message` (the correct decoder),
 *   including the C=0 frames the real bitstring-4.1.4 decoder fails on.
 */
import { inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/hivemind/json.js';
import { createHiveMessage, hiveMessageToJson } from '../../src/hivemind/message.js';
import { type BinaryPayloadType, type HiveMessageType, isBinaryPayloadType } from '../../src/hivemind/message-types.js';
import { type DecodedWire1, type Wire1Message, type Wire1PayloadStyle, decodeWire1, encodeWire1, payloadStyleOf } from '../../src/hivemind/wire1.js';
import { hex, loadPublicVectors, loadReferenceVectors, toHex } from '../helpers/vectors.js';
import { type SlicedFrame, sliceFrame, toBits } from './wire1-test-bits.js';

interface DecodeResult {
  readonly ok: boolean;
  readonly hive_message?: JsonObject;
  readonly error?: string;
}
interface BinarizationVector {
  readonly name: string;
  readonly hive_type: string;
  readonly compressed_arg: boolean | null;
  readonly versioned: boolean;
  readonly hivemeta: JsonObject | null;
  readonly payload_json_as_serialized?: string;
  readonly payload_serialized_by?: string;
  readonly binary_type?: number;
  readonly binary_type_name?: string;
  readonly payload_hex?: string;
  readonly bit_length: number;
  readonly hex: string;
  readonly bin_prefix: string;
  readonly decode_installed_bitstring_4_1_4: DecodeResult;
  readonly decode_bitstring_4_0_2: DecodeResult;
}
interface BinarizationFile {
  readonly vectors: readonly BinarizationVector[];
}

const file = loadReferenceVectors<BinarizationFile>('binarization_vectors.json');
const vectors = file.vectors.map((v, i) => ({ ...v, label: `${i} ${v.name} C=${String(v.compressed_arg)} V=${v.versioned}` }));

/** The payload style the vector's `payload_serialized_by` names. */
function styleOfVector(v: BinarizationVector): Wire1PayloadStyle {
  const by = v.payload_serialized_by ?? '';
  if (by.startsWith('ovos_bus_client.Message.serialize')) return 'ovos-message';
  if (by.startsWith('HiveMessage.serialize')) return 'hive-message';
  if (by.startsWith('json.dumps(dict)')) return 'python-dict';
  throw new Error(`unknown payload_serialized_by: ${by}`);
}

/** INTERCOM has no code: the 0.4.3 encoder wrote it as 11 (3rdparty), which is what we encode to compare. */
function wireType(v: BinarizationVector): HiveMessageType {
  return (v.hive_type === 'intercom' ? '3rdparty' : v.hive_type) as HiveMessageType;
}

function inputOf(v: BinarizationVector): Wire1Message {
  const metadata = v.hivemeta ?? {};
  if (v.hive_type === 'bin') {
    if (!isBinaryPayloadType(v.binary_type) || v.payload_hex === undefined) throw new Error(`bad vector ${v.name}`);
    return { kind: 'binary', binaryType: v.binary_type, payload: hex(v.payload_hex), metadata };
  }
  const payload = JSON.parse(v.payload_json_as_serialized ?? '') as JsonObject;
  return { kind: 'json', message: createHiveMessage(wireType(v), payload, { metadata }) };
}

function styleOverride(v: BinarizationVector): { payloadStyle?: Wire1PayloadStyle } {
  if (v.hive_type === 'bin') return {};
  const style = styleOfVector(v);
  return style === payloadStyleOf(wireType(v)) ? {} : { payloadStyle: style };
}

/** Decoded frame in the shape of the vectors' `hive_message`. */
function asReferenceShape(d: DecodedWire1): JsonObject {
  if (d.kind === 'binary') {
    return { msg_type: 'bin', bin_type: d.binaryType, metadata: d.metadata, payload_hex: toHex(d.payload) };
  }
  return { ...d.message, route: [...d.message.route] };
}

/** Compare our compressed frame with the reference field by field (see the module comment). */
function expectSameCompressedFrame(ours: SlicedFrame, ref: SlicedFrame): void {
  expect(ours.prefixThroughC).toBe(ref.prefixThroughC);
  expect(ours.compressed).toBe(true);
  expect(toHex(inflateSync(ours.meta))).toBe(toHex(inflateSync(ref.meta)));
  expect(ours.binType).toBe(ref.binType);
  if (ref.binType === undefined) expect(toHex(inflateSync(ours.payload))).toBe(toHex(inflateSync(ref.payload)));
  else expect(toHex(ours.payload)).toBe(toHex(ref.payload));
}

describe('binarization_vectors.json: decode (expected = decode_bitstring_4_0_2)', () => {
  it('has the 74 documented vectors, 37 of which the real 4.1.4 decoder fails on', () => {
    expect(vectors).toHaveLength(74);
    expect(vectors.filter((v) => !v.decode_installed_bitstring_4_1_4.ok)).toHaveLength(37);
  });

  it.each(vectors)('$label', (v) => {
    expect(v.decode_bitstring_4_0_2.ok).toBe(true);
    const bytes = hex(v.hex);
    expect(bytes.length * 8).toBe(v.bit_length);
    const decoded = decodeWire1(bytes);
    expect(asReferenceShape(decoded)).toEqual(v.decode_bitstring_4_0_2.hive_message);
    // Both flags as the vector's own bits say (independent slicer), so C=0 frames are decoded uncompressed.
    const ref = sliceFrame(bytes);
    expect(toBits(bytes).startsWith(v.bin_prefix)).toBe(true);
    expect(decoded.compressed).toBe(ref.compressed);
    expect(decoded.versioned).toBe(v.versioned);
    if (decoded.kind === 'binary') {
      // The payload is a view of the frame's last bytes, not a copy.
      expect(decoded.payload.buffer).toBe(bytes.buffer);
      expect(decoded.payload.byteOffset).toBe(bytes.byteOffset + bytes.length - decoded.payload.length);
    }
  });
});

describe('binarization_vectors.json: encode', () => {
  it('the type-keyed payload rule reproduces every vector but the BUS-with-a-plain-dict one', () => {
    const overridden = vectors.filter((v) => styleOverride(v).payloadStyle !== undefined).map((v) => v.name);
    expect([...new Set(overridden)]).toEqual(['bus_as_dict_payload']);
  });

  it.each(vectors)('$label', (v) => {
    const ref = sliceFrame(hex(v.hex));
    const input = inputOf(v);
    if (v.hive_type === 'intercom') {
      expect(() => encodeWire1({ kind: 'json', message: createHiveMessage('intercom', {}) })).toThrow(
        expect.objectContaining({ name: 'HiveProtocolError', code: 'HM_ERR_UNKNOWN_MSG_TYPE' }),
      );
    }
    if (!ref.compressed) {
      const ours = encodeWire1(input, { versioned: v.versioned, unsafeUncompressed: true, ...styleOverride(v) });
      expect(toHex(ours)).toBe(v.hex);
      return;
    }
    const ours = encodeWire1(input, { versioned: v.versioned, ...styleOverride(v) });
    expectSameCompressedFrame(sliceFrame(ours), ref);
    if (v.payload_json_as_serialized !== undefined) {
      expect(new TextDecoder().decode(inflateSync(sliceFrame(ours).payload))).toBe(v.payload_json_as_serialized);
    }
  });
});

describe('public HiveMind-js test/vectors.json: bitstring', () => {
  const pub = loadPublicVectors<{ bitstring: { msg_type: string; payload: string; metadata: JsonObject; compressed: boolean; versioned: boolean; expected_hex: string } }>(
    'hivemind-js_vectors.json',
  );
  it.skipIf(pub === undefined)('encodes and decodes BUS {"type":"test"}, C=0, unversioned', () => {
    const b = pub?.bitstring;
    if (b === undefined) return;
    expect(b.compressed).toBe(false);
    const message = createHiveMessage(b.msg_type as HiveMessageType, JSON.parse(b.payload) as JsonObject, { metadata: b.metadata });
    expect(toHex(encodeWire1({ kind: 'json', message }, { versioned: b.versioned, unsafeUncompressed: true }))).toBe(b.expected_hex);
    expect(decodeWire1(hex(b.expected_hex))).toEqual({ kind: 'json', message, compressed: false, versioned: false });
  });
});

describe('HIVEMIND.md §4.7 worked examples (VERIFIED-EXEC)', () => {
  const bus = createHiveMessage('bus', { type: 'test' });

  it('#1 BUS {"type":"test"}, meta {}, C=0, unversioned', () => {
    const frame = '82027b7d7b2274797065223a2274657374227d';
    expect(toHex(encodeWire1({ kind: 'json', message: bus }, { unsafeUncompressed: true }))).toBe(frame);
    expect(decodeWire1(hex(frame))).toEqual({ kind: 'json', message: bus, compressed: false, versioned: false });
  });

  it('#2 the same, versioned (bits 1 1 00000001 00001 0 00000010 …)', () => {
    const frame = 'c042027b7d7b2274797065223a2274657374227d';
    expect(toHex(encodeWire1({ kind: 'json', message: bus }, { versioned: true, unsafeUncompressed: true }))).toBe(frame);
    expect(decodeWire1(hex(frame))).toEqual({ kind: 'json', message: bus, compressed: false, versioned: true });
  });

  it('#3 BINARY RAW_AUDIO 00010203, meta {}, C=0', () => {
    const frame = '098027b7d100010203';
    const input: Wire1Message = { kind: 'binary', binaryType: 1, payload: hex('00010203'), metadata: {} };
    expect(toHex(encodeWire1(input, { unsafeUncompressed: true }))).toBe(frame);
    const decoded = decodeWire1(hex(frame));
    expect({ ...decoded, payload: toHex(decoded.kind === 'binary' ? decoded.payload : new Uint8Array()) }).toEqual({
      ...input, payload: '00010203', compressed: false, versioned: false,
    });
  });

  it('#4 BINARY RAW_AUDIO 00..07 with sample_rate/sample_width metadata, C=1 (the recommended form)', () => {
    const frame = hex('09929789cab562a4ecc2dc8498d2f4a2c4955b2523034333030d05180899667a6946400858d6a011c080d3810001020304050607');
    const metadata = { sample_rate: 16000, sample_width: 2 };
    const input: Wire1Message = { kind: 'binary', binaryType: 1, payload: hex('0001020304050607'), metadata };
    const ref = sliceFrame(frame);
    expect(ref.metaLength).toBe(0x29);
    expect(new TextDecoder().decode(inflateSync(ref.meta))).toBe('{"sample_rate": 16000, "sample_width": 2}');
    expectSameCompressedFrame(sliceFrame(encodeWire1(input)), ref);
    const decoded = decodeWire1(frame);
    expect(decoded).toMatchObject({ kind: 'binary', binaryType: 1, metadata, compressed: true, versioned: false });
    expect(decoded.kind === 'binary' && toHex(decoded.payload)).toBe('0001020304050607');
  });

  it('#5 BUS recognizer_loop:utterance, C=1 (payload written with json.dumps default separators)', () => {
    const frame = hex(
      '830a789cabae0500017500f9789c4d8ccd0ac2400c845f65c9d91cfcbbf435c4934809db5003355b762355cbbebba988f43bcd0c1f3383bd46862640e6987a9537e77648696c1e669c4923c3264047462ecdf05f8bd70b4c37b26072e7202588c1d5dd81b45f0e59f17c82ea4b4c6afcb4ef41e15224e93ab7d22dfef607ee1cdc3b7870f0b8026aad1fd14b36ea',
    );
    const payload = {
      type: 'recognizer_loop:utterance',
      data: { utterances: ['what time is it'], lang: 'en-US' },
      context: { session: { session_id: '11111111-2222-3333-4444-555555555555' } },
    };
    const message = createHiveMessage('bus', payload);
    expect(decodeWire1(frame)).toEqual({ kind: 'json', message, compressed: true, versioned: false });
    const ref = sliceFrame(frame);
    expect(toHex(ref.meta)).toBe('789cabae0500017500f9'); // zlib.compress(b"{}"), as the spec says
    expectSameCompressedFrame(sliceFrame(encodeWire1({ kind: 'json', message }, { payloadStyle: 'python-dict' })), ref);
  });
});

describe('payload and metadata text for non-ASCII (expected strings printed by CPython 3.11 json.dumps)', () => {
  const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
  const uncompressed = { unsafeUncompressed: true } as const;

  it('dict payloads and metadata use json.dumps defaults: ", " / ": " and \\uXXXX escapes', () => {
    const message = createHiveMessage('hello', { utterance: 'olá ✓', n: 1.5 }, { metadata: { lang: 'pt-PT', utterance: 'olá' } });
    const sliced = sliceFrame(encodeWire1({ kind: 'json', message }, uncompressed));
    expect(text(sliced.payload)).toBe('{"utterance": "ol\\u00e1 \\u2713", "n": 1.5}');
    expect(text(sliced.meta)).toBe('{"lang": "pt-PT", "utterance": "ol\\u00e1"}');
    expect(decodeWire1(encodeWire1({ kind: 'json', message }))).toMatchObject({ kind: 'json', message });
  });

  it('a nested HiveMessage uses HiveMessage.serialize(): default separators, raw UTF-8', () => {
    const inner = hiveMessageToJson(createHiveMessage('bus', { type: 'speak', data: { utterance: 'olá ✓' }, context: {} }));
    const message = createHiveMessage('propagate', inner);
    const sliced = sliceFrame(encodeWire1({ kind: 'json', message }, uncompressed));
    expect(text(sliced.payload)).toBe(
      '{"msg_type": "bus", "payload": {"type": "speak", "data": {"utterance": "olá ✓"}, "context": {}}, "metadata": {}, "route": [], "node": null, "target_site_id": null, "target_pubkey": null, "source_peer": null}',
    );
  });

  it('a wrapper payload given with missing keys is written with all eight, in reference order', () => {
    const message = createHiveMessage('escalate', { payload: { type: 'x' }, msg_type: 'bus' });
    const sliced = sliceFrame(encodeWire1({ kind: 'json', message }, uncompressed));
    expect(text(sliced.payload)).toBe(
      '{"msg_type": "bus", "payload": {"type": "x"}, "metadata": {}, "route": [], "node": null, "target_site_id": null, "target_pubkey": null, "source_peer": null}',
    );
  });
});

describe('the default encoder always sets C=1', () => {
  const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null)), {
    maxKeys: 5,
  }) as fc.Arbitrary<JsonObject>;
  const plainTypes: HiveMessageType[] = ['shake', 'bus', 'shared_bus', 'hello', 'ping', 'rendezvous', '3rdparty'];
  const wrapperTypes: HiveMessageType[] = ['broadcast', 'propagate', 'escalate', 'query', 'cascade'];
  const input: fc.Arbitrary<Wire1Message> = fc.oneof(
    fc.record({ type: fc.constantFrom(...plainTypes), payload: jsonObject, metadata: jsonObject }).map(
      ({ type, payload, metadata }): Wire1Message => ({ kind: 'json', message: createHiveMessage(type, payload, { metadata }) }),
    ),
    fc.record({ type: fc.constantFrom(...wrapperTypes), inner: jsonObject, metadata: jsonObject }).map(
      ({ type, inner, metadata }): Wire1Message => ({
        kind: 'json',
        message: createHiveMessage(type, hiveMessageToJson(createHiveMessage('bus', inner)), { metadata }),
      }),
    ),
    fc.record({ binaryType: fc.integer({ min: 0, max: 6 }), payload: fc.uint8Array({ maxLength: 64 }), metadata: jsonObject }).map(
      ({ binaryType, payload, metadata }): Wire1Message => ({ kind: 'binary', binaryType: binaryType as BinaryPayloadType, payload, metadata }),
    ),
  );

  it('for every message type with a code, and decodes back to the same message', () => {
    fc.assert(
      fc.property(input, fc.boolean(), (message, versioned) => {
        const frame = encodeWire1(message, { versioned });
        const sliced = sliceFrame(frame);
        expect(sliced.compressed).toBe(true);
        expect(sliced.versioned).toBe(versioned);
        const decoded = decodeWire1(frame);
        expect(decoded.compressed).toBe(true);
        if (message.kind === 'binary') {
          expect(decoded).toMatchObject({ kind: 'binary', binaryType: message.binaryType, metadata: message.metadata });
          expect(decoded.kind === 'binary' && toHex(decoded.payload)).toBe(toHex(message.payload));
        } else {
          expect(decoded).toEqual({ kind: 'json', message: message.message, compressed: true, versioned });
        }
      }),
      { numRuns: 400 },
    );
  });
});
