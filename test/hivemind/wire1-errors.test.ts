/**
 * WIRE-1 refusals (HIVEMIND.md §4.2–§4.6): every coded error of encodeWire1/decodeWire1, with hand-built frames.
 * Frames are assembled with the '0'/'1' string helpers, never with the encoder under test.
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_DECOMPRESSED_BYTES, MAX_FRAME_BYTES } from '../../src/hivemind/constants.js';
import { HiveProtocolError, type HiveProtocolErrorCode } from '../../src/hivemind/errors.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import { createHiveMessage } from '../../src/hivemind/message.js';
import type { BinaryPayloadType } from '../../src/hivemind/message-types.js';
import { type Wire1Limits, type Wire1Message, decodeWire1, encodeWire1 } from '../../src/hivemind/wire1.js';
import { hex, loadReferenceVectors, toHex } from '../helpers/vectors.js';
import { bitsOf, fromBits, padFront, sliceFrame, textBits, toBits } from './wire1-test-bits.js';

function expectCode(fn: () => unknown, code: HiveProtocolErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(HiveProtocolError);
  expect(thrown).toMatchObject({ code, closeCode: 1008 });
  expect((thrown as Error).message).toMatch(/^expected /);
}

/** A frame from raw fields: start, V, [ver], type, C, metalen, meta, [bin_type], payload (all given as bits). */
function frame(fields: { v?: number; type: number; c?: number; meta: Uint8Array; binType?: number; payload: Uint8Array }): Uint8Array {
  const bits =
    '1' +
    (fields.v === undefined ? '0' : '1' + bitsOf(fields.v, 8)) +
    bitsOf(fields.type, 5) +
    String(fields.c ?? 0) +
    bitsOf(fields.meta.length, 8) +
    toBits(fields.meta) +
    (fields.binType === undefined ? '' : bitsOf(fields.binType, 4)) +
    toBits(fields.payload);
  return fromBits(padFront(bits));
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const EMPTY_META = utf8('{}');
const BUS_PAYLOAD = utf8('{"type":"test"}');

describe('encodeWire1 refusals', () => {
  it('INTERCOM has no type code: HM_ERR_UNKNOWN_MSG_TYPE (0.4.3 silently wrote 11)', () => {
    const message = createHiveMessage('intercom', { ciphertext: 'AAAA', signature: 'BBBB' });
    expectCode(() => encodeWire1({ kind: 'json', message }), 'HM_ERR_UNKNOWN_MSG_TYPE');
    expectCode(() => encodeWire1({ kind: 'json', message }, { unsafeUncompressed: true }), 'HM_ERR_UNKNOWN_MSG_TYPE');
  });

  it('BINARY must use kind "binary", with a payload type 0–6 and bytes', () => {
    expectCode(() => encodeWire1({ kind: 'json', message: createHiveMessage('bin', {}) }), 'HM_ERR_BAD_ENVELOPE');
    const bad = { kind: 'binary', binaryType: 7 as BinaryPayloadType, payload: new Uint8Array(1), metadata: {} } as const;
    expectCode(() => encodeWire1(bad), 'HM_ERR_BAD_ENVELOPE');
    const notBytes = { ...bad, binaryType: 1, payload: [1, 2] as unknown as Uint8Array } as const;
    expectCode(() => encodeWire1(notBytes), 'HM_ERR_BAD_ENVELOPE');
  });

  it('a wrapper payload must be a HiveMessage', () => {
    expectCode(() => encodeWire1({ kind: 'json', message: createHiveMessage('propagate', { type: 'speak' }) }), 'HM_ERR_BAD_ENVELOPE');
    expectCode(() => encodeWire1({ kind: 'json', message: createHiveMessage('escalate', { msg_type: 'nope' }) }), 'HM_ERR_UNKNOWN_MSG_TYPE');
  });

  it('metadata over 255 bytes after compression: HM_ERR_METADATA_TOO_LARGE (callers fall back to JSON frames)', () => {
    // 255 bytes of JSON fit exactly; 256 do not (uncompressed, so the sizes are exact).
    const fits = { k: 'x'.repeat(255 - '{"k": ""}'.length) };
    const tooBig = { k: 'x'.repeat(256 - '{"k": ""}'.length) };
    const binary = (metadata: JsonObject): Wire1Message => ({ kind: 'binary', binaryType: 1, payload: new Uint8Array(2), metadata });
    expect(sliceFrame(encodeWire1(binary(fits), { unsafeUncompressed: true })).metaLength).toBe(255);
    expectCode(() => encodeWire1(binary(tooBig), { unsafeUncompressed: true }), 'HM_ERR_METADATA_TOO_LARGE');
    // Compression helps repetitive metadata …
    expect(sliceFrame(encodeWire1(binary({ utterance: 'a'.repeat(2000) }))).metaLength).toBeLessThan(40);
    // … but not an utterance of distinct words (TTS_AUDIO metadata, pitfall P11).
    const words = Array.from({ length: 120 }, (_, i) => `w${(i * 7919) % 10007}x${i}`).join(' ');
    expectCode(() => encodeWire1(binary({ lang: 'en-US', utterance: words })), 'HM_ERR_METADATA_TOO_LARGE');
    const bus = createHiveMessage('bus', { type: 'speak' }, { metadata: { utterance: words } });
    expectCode(() => encodeWire1({ kind: 'json', message: bus }), 'HM_ERR_METADATA_TOO_LARGE');
  });

  it('a frame over MAX_FRAME_BYTES: HM_ERR_FRAME_TOO_LARGE', () => {
    const payload = new Uint8Array(MAX_FRAME_BYTES);
    expectCode(() => encodeWire1({ kind: 'binary', binaryType: 1, payload, metadata: {} }), 'HM_ERR_FRAME_TOO_LARGE');
  });
});

describe('decodeWire1 refusals', () => {
  it('empty input, or no start marker in the first byte: HM_ERR_BAD_BITSTRING', () => {
    expectCode(() => decodeWire1(new Uint8Array(0)), 'HM_ERR_BAD_BITSTRING');
    expectCode(() => decodeWire1(hex('00')), 'HM_ERR_BAD_BITSTRING');
    expectCode(() => decodeWire1(hex('0082027b7d7b2274797065223a2274657374227d')), 'HM_ERR_BAD_BITSTRING');
  });

  it('padding that does not leave the payload whole bytes: HM_ERR_BAD_BITSTRING', () => {
    // §4.7 #1 shifted right by one bit: one pad bit too many for a non-BINARY frame.
    const shifted = fromBits('0' + toBits(hex('82027b7d7b2274797065223a2274657374227d')) + '0000000');
    expectCode(() => decodeWire1(shifted), 'HM_ERR_BAD_BITSTRING');
    // A BINARY frame without its 4 pad bits.
    const unpadded = fromBits(toBits(hex('098027b7d100010203')).slice(4) + '0000');
    expectCode(() => decodeWire1(unpadded), 'HM_ERR_BAD_BITSTRING');
  });

  it('every truncation inside the header, metadata or bin_type of every vector: HM_ERR_BAD_BITSTRING', () => {
    const { vectors } = loadReferenceVectors<{ vectors: readonly { hex: string }[] }>('binarization_vectors.json');
    for (const v of vectors) {
      const bytes = hex(v.hex);
      const { bytesBeforePayload } = sliceFrame(bytes);
      for (let cut = 1; cut < bytesBeforePayload; cut++) expectCode(() => decodeWire1(bytes.subarray(0, cut)), 'HM_ERR_BAD_BITSTRING');
    }
  });

  it('versioned frames: version 0 and 1 accepted, 2–255 HM_ERR_UNSUPPORTED_VERSION', () => {
    for (const v of [0, 1]) {
      expect(decodeWire1(frame({ v, type: 1, meta: EMPTY_META, payload: BUS_PAYLOAD }))).toMatchObject({ kind: 'json', versioned: true });
    }
    for (const v of [2, 3, 128, 255]) {
      expectCode(() => decodeWire1(frame({ v, type: 1, meta: EMPTY_META, payload: BUS_PAYLOAD })), 'HM_ERR_UNSUPPORTED_VERSION');
    }
  });

  it('type codes 13–31: HM_ERR_UNKNOWN_MSG_TYPE; 11 decodes as 3rdparty', () => {
    for (let type = 13; type <= 31; type++) {
      expectCode(() => decodeWire1(frame({ type, meta: EMPTY_META, payload: BUS_PAYLOAD })), 'HM_ERR_UNKNOWN_MSG_TYPE');
    }
    const decoded = decodeWire1(frame({ type: 11, meta: EMPTY_META, payload: BUS_PAYLOAD }));
    expect(decoded).toMatchObject({ kind: 'json', message: { msg_type: '3rdparty', payload: { type: 'test' } } });
  });

  it('BINARY payload types 7–15: HM_ERR_BAD_BITSTRING', () => {
    for (let binType = 7; binType <= 15; binType++) {
      expectCode(() => decodeWire1(frame({ type: 12, meta: EMPTY_META, binType, payload: hex('0001') })), 'HM_ERR_BAD_BITSTRING');
    }
  });

  it('the C flag is honoured: C=1 with plain JSON is HM_ERR_DECOMPRESS, C=0 with zlib is HM_ERR_MALFORMED_JSON', () => {
    expectCode(() => decodeWire1(frame({ type: 1, c: 1, meta: EMPTY_META, payload: BUS_PAYLOAD })), 'HM_ERR_DECOMPRESS');
    expectCode(() => decodeWire1(frame({ type: 1, c: 1, meta: deflateSync(EMPTY_META), payload: BUS_PAYLOAD })), 'HM_ERR_DECOMPRESS');
    const truncatedZlib = deflateSync(BUS_PAYLOAD).subarray(0, 6);
    expectCode(() => decodeWire1(frame({ type: 1, c: 1, meta: deflateSync(EMPTY_META), payload: truncatedZlib })), 'HM_ERR_DECOMPRESS');
    expectCode(() => decodeWire1(frame({ type: 1, c: 0, meta: EMPTY_META, payload: deflateSync(BUS_PAYLOAD) })), 'HM_ERR_MALFORMED_JSON');
    // BINARY payloads are never decompressed, even with C=1.
    const bin = decodeWire1(frame({ type: 12, c: 1, meta: deflateSync(EMPTY_META), binType: 1, payload: hex('789c') }));
    expect(bin.kind === 'binary' && toHex(bin.payload)).toBe('789c');
  });

  it('invalid UTF-8, invalid JSON, empty JSON: HM_ERR_MALFORMED_JSON', () => {
    expectCode(() => decodeWire1(frame({ type: 1, meta: EMPTY_META, payload: hex('7bff7d') })), 'HM_ERR_MALFORMED_JSON');
    expectCode(() => decodeWire1(frame({ type: 1, meta: utf8('{'), payload: BUS_PAYLOAD })), 'HM_ERR_MALFORMED_JSON');
    expectCode(() => decodeWire1(frame({ type: 1, meta: new Uint8Array(0), payload: BUS_PAYLOAD })), 'HM_ERR_MALFORMED_JSON');
    expectCode(() => decodeWire1(frame({ type: 1, meta: EMPTY_META, payload: new Uint8Array(0) })), 'HM_ERR_MALFORMED_JSON');
    expectCode(() => decodeWire1(frame({ type: 1, meta: EMPTY_META, payload: utf8('\ufeff{}') })), 'HM_ERR_MALFORMED_JSON');
    expectCode(() => decodeWire1(frame({ type: 1, meta: EMPTY_META, payload: utf8('['.repeat(100)) })), 'HM_ERR_MALFORMED_JSON');
  });

  it('metadata or payload that is not an object, or a wrapper payload that is not a HiveMessage: HM_ERR_BAD_ENVELOPE', () => {
    expectCode(() => decodeWire1(frame({ type: 1, meta: utf8('[]'), payload: BUS_PAYLOAD })), 'HM_ERR_BAD_ENVELOPE');
    expectCode(() => decodeWire1(frame({ type: 12, meta: utf8('null'), binType: 1, payload: hex('00') })), 'HM_ERR_BAD_ENVELOPE');
    expectCode(() => decodeWire1(frame({ type: 1, meta: EMPTY_META, payload: utf8('"{\\"type\\":\\"test\\"}"') })), 'HM_ERR_BAD_ENVELOPE');
    expectCode(() => decodeWire1(frame({ type: 4, meta: EMPTY_META, payload: BUS_PAYLOAD })), 'HM_ERR_BAD_ENVELOPE');
    expectCode(() => decodeWire1(frame({ type: 4, meta: EMPTY_META, payload: utf8('{"msg_type": "nope"}') })), 'HM_ERR_UNKNOWN_MSG_TYPE');
  });

  it('a frame over the size cap: HM_ERR_FRAME_TOO_LARGE, checked before anything is read', () => {
    expectCode(() => decodeWire1(new Uint8Array(MAX_FRAME_BYTES + 1)), 'HM_ERR_FRAME_TOO_LARGE');
    const ok = hex('82027b7d7b2274797065223a2274657374227d');
    expectCode(() => decodeWire1(ok, { maxFrameBytes: ok.length - 1 }), 'HM_ERR_FRAME_TOO_LARGE');
    expect(decodeWire1(ok, { maxFrameBytes: ok.length }).kind).toBe('json');
  });

  it('zlib bombs in the payload or the metadata: HM_ERR_FRAME_TOO_LARGE', () => {
    const bomb = deflateSync(utf8(`{"type": "${'a'.repeat(MAX_DECOMPRESSED_BYTES)}"}`));
    expect(bomb.length).toBeLessThan(MAX_FRAME_BYTES);
    expectCode(() => decodeWire1(frame({ type: 1, c: 1, meta: deflateSync(EMPTY_META), payload: bomb })), 'HM_ERR_FRAME_TOO_LARGE');
    const small: Wire1Limits = { maxDecompressedBytes: 1024 };
    const metaBomb = deflateSync(utf8(`{"k": "${' '.repeat(100_000)}"}`));
    expect(metaBomb.length).toBeLessThan(256);
    expectCode(() => decodeWire1(frame({ type: 1, c: 1, meta: metaBomb, payload: deflateSync(BUS_PAYLOAD) }), small), 'HM_ERR_FRAME_TOO_LARGE');
    const payload = deflateSync(utf8(`{"type": "${'b'.repeat(2000)}"}`));
    expectCode(() => decodeWire1(frame({ type: 1, c: 1, meta: deflateSync(EMPTY_META), payload }), small), 'HM_ERR_FRAME_TOO_LARGE');
    expect(decodeWire1(frame({ type: 1, c: 1, meta: deflateSync(EMPTY_META), payload }), { maxDecompressedBytes: 2012 }).kind).toBe('json');
  });

  it('limits that are not positive integers are a RangeError', () => {
    const ok = hex('82027b7d7b2274797065223a2274657374227d');
    expect(() => decodeWire1(ok, { maxFrameBytes: 0 })).toThrow(RangeError);
    expect(() => decodeWire1(ok, { maxDecompressedBytes: 1.5 })).toThrow(RangeError);
  });

  it('error messages never contain the payload or metadata text', () => {
    const secret = 'hunter2-secret-utterance';
    const attempts = [
      () => decodeWire1(frame({ type: 1, meta: utf8(`{"k": "${secret}"`), payload: BUS_PAYLOAD })),
      () => decodeWire1(frame({ type: 1, meta: EMPTY_META, payload: utf8(`["${secret}"]`) })),
      () => encodeWire1({ kind: 'json', message: createHiveMessage('bus', {}, { metadata: { k: secret.repeat(20) } }) }, { unsafeUncompressed: true }),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(HiveProtocolError);
      try {
        attempt();
      } catch (err) {
        expect((err as Error).message).not.toContain('hunter2');
      }
    }
  });
});
