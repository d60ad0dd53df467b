/**
 * decodeWire1 is a trust boundary (HIVEMIND.md §4): for any input it returns a message or throws one of its coded
 * HiveProtocolErrors, and nothing else. ~20,000 inputs: random bytes, mutated reference frames, random headers over
 * random (optionally zlib-wrapped) bodies.
 */
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HiveProtocolError, type HiveProtocolErrorCode } from '../../src/hivemind/errors.js';
import { createHiveMessage, hiveMessageToJson } from '../../src/hivemind/message.js';
import { decodeWire1, encodeWire1 } from '../../src/hivemind/wire1.js';
import { hex, loadReferenceVectors } from '../helpers/vectors.js';
import { bitsOf, fromBits, padFront, toBits } from './wire1-test-bits.js';

const ALLOWED: ReadonlySet<HiveProtocolErrorCode> = new Set<HiveProtocolErrorCode>([
  'HM_ERR_BAD_BITSTRING',
  'HM_ERR_DECOMPRESS',
  'HM_ERR_MALFORMED_JSON',
  'HM_ERR_FRAME_TOO_LARGE',
  'HM_ERR_UNSUPPORTED_VERSION',
  'HM_ERR_UNKNOWN_MSG_TYPE',
  'HM_ERR_BAD_ENVELOPE',
]);

/** Small caps so the fuzzer also reaches the size checks. */
const LIMITS = { maxFrameBytes: 4096, maxDecompressedBytes: 2048 };

function decodesOrThrowsCoded(bytes: Uint8Array): void {
  try {
    const decoded = decodeWire1(bytes, LIMITS);
    expect(['json', 'binary']).toContain(decoded.kind);
  } catch (err) {
    if (!(err instanceof HiveProtocolError) || !ALLOWED.has(err.code)) throw err;
  }
}

const { vectors } = loadReferenceVectors<{ vectors: readonly { hex: string }[] }>('binarization_vectors.json');
const bases: Uint8Array[] = [
  ...vectors.map((v) => hex(v.hex)),
  encodeWire1({ kind: 'json', message: createHiveMessage('propagate', hiveMessageToJson(createHiveMessage('ping', { flood_id: 'x' }))) }),
  encodeWire1({ kind: 'binary', binaryType: 6, payload: new Uint8Array(64).fill(7), metadata: { lang: 'en-US' } }, { versioned: true }),
];

type Mutation =
  | { readonly op: 'flip'; readonly at: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'cut'; readonly at: number }
  | { readonly op: 'insert'; readonly at: number; readonly value: number }
  | { readonly op: 'delete'; readonly at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
);

function mutate(base: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = Array.from(base);
  for (const m of mutations) {
    if (bytes.length === 0) break;
    const at = m.at % (m.op === 'flip' ? bytes.length * 8 : bytes.length);
    switch (m.op) {
      case 'flip':
        bytes[at >> 3] = (bytes[at >> 3] ?? 0) ^ (0x80 >> (at & 7));
        break;
      case 'set':
        bytes[at] = m.value;
        break;
      case 'cut':
        bytes = bytes.slice(0, at);
        break;
      case 'insert':
        bytes.splice(at, 0, m.value);
        break;
      case 'delete':
        bytes.splice(at, 1);
        break;
    }
  }
  return Uint8Array.from(bytes);
}

describe('decodeWire1 never throws anything but its coded errors', () => {
  it('random bytes (6,000 inputs)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodesOrThrowsCoded), { numRuns: 6000 });
  });

  it('mutated reference and encoder frames (8,000 inputs)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...bases), fc.array(mutation, { minLength: 1, maxLength: 4 }), (base, ms) => {
        decodesOrThrowsCoded(mutate(base, ms));
      }),
      { numRuns: 8000 },
    );
  });

  it('well-formed headers over random metadata and payload bodies, raw or zlib-wrapped (6,000 inputs)', () => {
    const jsonish = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.json({ maxDepth: 3 }),
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    fc.assert(
      fc.property(
        fc.record({
          versioned: fc.boolean(),
          version: fc.integer({ min: 0, max: 255 }),
          type: fc.integer({ min: 0, max: 31 }),
          compressed: fc.boolean(),
          meta: jsonish,
          payload: jsonish,
          binType: fc.integer({ min: 0, max: 15 }),
          zlibMeta: fc.boolean(),
          zlibPayload: fc.boolean(),
        }),
        (f) => {
          const body = (text: string, zlib: boolean): Uint8Array => {
            const raw = new TextEncoder().encode(text);
            return zlib ? deflateSync(raw) : raw;
          };
          const meta = body(f.meta, f.zlibMeta).subarray(0, 255);
          const bits =
            '1' +
            (f.versioned ? '1' + bitsOf(f.version, 8) : '0') +
            bitsOf(f.type, 5) +
            (f.compressed ? '1' : '0') +
            bitsOf(meta.length, 8) +
            toBits(meta) +
            (f.type === 12 ? bitsOf(f.binType, 4) : '') +
            toBits(body(f.payload, f.zlibPayload));
          decodesOrThrowsCoded(fromBits(padFront(bits)));
        },
      ),
      { numRuns: 6000 },
    );
  });
});
