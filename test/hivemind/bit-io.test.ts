/**
 * BitWriter / BitReader (HIVEMIND.md §4.2: MSB-first bit order). Expected bytes come from the spec's worked example
 * or from the naive '0'/'1' string oracle in wire1-test-bits.ts, never from the code under test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitReader } from '../../src/hivemind/bit-reader.js';
import { BitWriter } from '../../src/hivemind/bit-writer.js';
import { HiveProtocolError } from '../../src/hivemind/errors.js';
import { hex, toHex } from '../helpers/vectors.js';
import { bitsOf, fromBits, toBits } from './wire1-test-bits.js';

type Field = { readonly kind: 'bits'; readonly value: number; readonly width: number } | { readonly kind: 'bytes'; readonly data: Uint8Array };

const fieldArb: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: 0, max: 32 }).chain((width) =>
    fc.integer({ min: 0, max: width === 32 ? 0xffffffff : 2 ** width - 1 }).map((value): Field => ({ kind: 'bits', value, width })),
  ),
  fc.uint8Array({ maxLength: 12 }).map((data): Field => ({ kind: 'bytes', data })),
);

function oracleBits(fields: readonly Field[]): string {
  return fields.map((f) => (f.kind === 'bits' ? (f.width === 0 ? '' : bitsOf(f.value, f.width)) : toBits(f.data))).join('');
}

function fieldBits(f: Field): number {
  return f.kind === 'bits' ? f.width : f.data.length * 8;
}

describe('BitWriter', () => {
  it('writes §4.7 example 3 (BINARY RAW_AUDIO, C=0) field by field', () => {
    const w = new BitWriter(9);
    w.writeBits(0, 4); // padding
    w.writeBit(1); // start
    w.writeBit(0); // V
    w.writeBits(12, 5); // BINARY
    w.writeBit(0); // C
    w.writeBits(2, 8); // metalen
    w.writeBytes(hex('7b7d')); // {} at a 4-bit offset
    w.writeBits(1, 4); // RAW_AUDIO
    w.writeBytes(hex('00010203'));
    expect(w.bitsLeft).toBe(0);
    expect(toHex(w.finish())).toBe('098027b7d100010203');
  });

  it('writes 32-bit fields at every bit offset', () => {
    for (let offset = 0; offset < 8; offset++) {
      for (const value of [0xffffffff, 0x80000001, 0x12345678, 0]) {
        const w = new BitWriter(5);
        w.writeBits(0, offset);
        w.writeBits(value, 32);
        expect(toBits(w.finish()).slice(0, offset + 32)).toBe('0'.repeat(offset) + bitsOf(value, 32));
      }
    }
  });

  it('matches the string oracle for random field sequences', () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { maxLength: 20 }), (fields) => {
        const total = fields.reduce((n, f) => n + fieldBits(f), 0);
        const w = new BitWriter(Math.ceil(total / 8));
        for (const f of fields) {
          if (f.kind === 'bits') w.writeBits(f.value, f.width);
          else w.writeBytes(f.data);
        }
        const expected = oracleBits(fields);
        expect(w.bitPosition).toBe(total);
        expect(toBits(w.finish())).toBe(expected.padEnd(Math.ceil(total / 8) * 8, '0'));
      }),
      { numRuns: 500 },
    );
  });

  it('finish() returns a view of the written bytes', () => {
    const w = new BitWriter(4);
    w.writeBits(0b101, 3);
    expect(toHex(w.finish())).toBe('a0');
    expect(w.finish().length).toBe(1);
  });

  it('refuses bad counts, values that do not fit and overflow with RangeError', () => {
    const w = new BitWriter(1);
    expect(() => w.writeBits(0, 33)).toThrow(RangeError);
    expect(() => w.writeBits(0, -1)).toThrow(RangeError);
    expect(() => w.writeBits(4, 2)).toThrow(RangeError);
    expect(() => w.writeBits(-1, 4)).toThrow(RangeError);
    expect(() => w.writeBits(1.5, 4)).toThrow(RangeError);
    expect(() => w.writeBit(2)).toThrow(RangeError);
    w.writeBits(0, 7);
    expect(() => w.writeBits(0, 2)).toThrow(RangeError);
    expect(() => w.writeBytes(new Uint8Array(1))).toThrow(RangeError);
    w.writeBit(1);
    expect(toHex(w.finish())).toBe('01');
    expect(() => new BitWriter(-1)).toThrow(RangeError);
  });
});

describe('BitReader', () => {
  it('reads §4.7 example 3 field by field; the metadata is unaligned, the payload a view', () => {
    const frame = hex('098027b7d100010203');
    const r = new BitReader(frame);
    expect(r.readBits(4)).toBe(0);
    expect(r.readBit()).toBe(1);
    expect(r.readBit()).toBe(0);
    expect(r.readBits(5)).toBe(12);
    expect(r.readBit()).toBe(0);
    expect(r.readBits(8)).toBe(2);
    const meta = r.readBytes(2);
    expect(toHex(meta)).toBe('7b7d');
    expect(meta.buffer).not.toBe(frame.buffer);
    expect(r.readBits(4)).toBe(1);
    expect(r.isByteAligned).toBe(true);
    const payload = r.readBytes(4);
    expect(toHex(payload)).toBe('00010203');
    expect(payload.buffer).toBe(frame.buffer);
    expect(payload.byteOffset).toBe(frame.byteOffset + 5);
    expect(r.bitsLeft).toBe(0);
  });

  it('reads 32-bit unsigned values at every bit offset', () => {
    for (let offset = 0; offset < 8; offset++) {
      for (const value of [0xffffffff, 0x80000001, 0x12345678, 0]) {
        const bytes = fromBits('1'.repeat(offset) + bitsOf(value, 32) + '1'.repeat(8 - offset));
        const r = new BitReader(bytes, offset);
        expect(r.readBits(32)).toBe(value);
        expect(r.readBits(0)).toBe(0);
        expect(r.bitsLeft).toBe(8 - offset);
      }
    }
  });

  it('reads back what the oracle wrote, starting at any bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.array(fieldArb, { maxLength: 20 }), (start, fields) => {
        const body = '1'.repeat(start) + oracleBits(fields);
        const bytes = fromBits(body.padEnd(Math.ceil(body.length / 8) * 8, '0'));
        const r = new BitReader(bytes, start);
        for (const f of fields) {
          if (f.kind === 'bits') expect(r.readBits(f.width)).toBe(f.value);
          else expect(toHex(r.readBytes(f.data.length))).toBe(toHex(f.data));
        }
        expect(r.bitPosition).toBe(body.length);
      }),
      { numRuns: 500 },
    );
  });

  it('throws HM_ERR_BAD_BITSTRING when reading past the end, without moving', () => {
    const r = new BitReader(hex('ff'), 3);
    expect(() => r.readBits(6)).toThrow(expect.objectContaining({ code: 'HM_ERR_BAD_BITSTRING' }));
    expect(() => r.readBytes(1)).toThrow(HiveProtocolError);
    expect(() => r.skipBits(6)).toThrow(expect.objectContaining({ code: 'HM_ERR_BAD_BITSTRING' }));
    expect(r.bitPosition).toBe(3);
    expect(r.readBits(5)).toBe(31);
    expect(() => r.readBit()).toThrow(expect.objectContaining({ code: 'HM_ERR_BAD_BITSTRING', message: 'expected 1 more bits, got 0' }));
    expect(() => new BitReader(new Uint8Array(0)).readBit()).toThrow(expect.objectContaining({ code: 'HM_ERR_BAD_BITSTRING' }));
  });

  it('refuses bad counts and start positions with RangeError', () => {
    const r = new BitReader(hex('0000'));
    expect(() => r.readBits(33)).toThrow(RangeError);
    expect(() => r.readBits(-1)).toThrow(RangeError);
    expect(() => r.readBytes(-1)).toThrow(RangeError);
    expect(() => r.skipBits(0.5)).toThrow(RangeError);
    expect(() => new BitReader(hex('00'), 9)).toThrow(RangeError);
    expect(new BitReader(hex('00'), 8).bitsLeft).toBe(0);
  });
});
