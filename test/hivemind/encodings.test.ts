/**
 * HIVEMIND.md §3.3 encodings: every entry of test/vectors/encodings_vectors.json, plus strict-decoding and fuzz tests.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HiveProtocolError } from '../../src/hivemind/errors.js';
import {
  HIVE_ENCODINGS,
  type HiveEncoding,
  assertHiveEncoding,
  decodeField,
  encodeField,
  isHiveEncoding,
} from '../../src/hivemind/encodings.js';
import { decodeZ85B, decodeZ85P, encodeZ85B, encodeZ85P } from '../../src/hivemind/z85.js';
import { decodeBase91, encodeBase91 } from '../../src/hivemind/base91.js';
import { decodeBase32, encodeBase32 } from '../../src/hivemind/base32.js';
import { hex, loadReferenceVectors, toHex } from '../helpers/vectors.js';

interface CodecVector {
  input_hex: string;
  input_len: number;
  encoded_hex: string;
  encoded_str: string;
  c_and_py_agree: boolean;
  decode_bytes_ok: boolean;
  decode_str_ok: boolean;
  decode_str_error?: string;
  py_decode_ok: boolean;
}
interface StdlibVector {
  encoding: string;
  input_hex: string;
  encoded_str: string;
}
interface EncodingVectors {
  z85b: CodecVector[];
  z85p: CodecVector[];
  b91: CodecVector[];
  stdlib_encodings: StdlibVector[];
}

const vectors = loadReferenceVectors<EncodingVectors>('encodings_vectors.json');

const badEncoding = expect.objectContaining({ code: 'HM_ERR_BAD_ENCODING' });

/** The exact bytes a string puts on the wire (every encoder output is ASCII plus, for Z85P, U+0000–U+0003). */
function wireHex(text: string): string {
  return toHex(Buffer.from(text, 'utf8'));
}

const codecs = [
  { name: 'z85b', encoding: 'JSON-Z85B', encode: encodeZ85B, decode: decodeZ85B, rows: vectors.z85b },
  { name: 'z85p', encoding: 'JSON-Z85P', encode: encodeZ85P, decode: decodeZ85P, rows: vectors.z85p },
  { name: 'b91', encoding: 'JSON-B91', encode: encodeBase91, decode: decodeBase91, rows: vectors.b91 },
] as const;

describe.each(codecs)('$name vectors (z85base91 0.0.5)', ({ name, encoding, encode, decode, rows }) => {
  it('has the documented vector count', () => {
    expect(rows).toHaveLength(34);
  });

  it.each(rows.map((row, i) => ({ i, ...row })))('#$i: $input_hex', (row) => {
    const input = hex(row.input_hex);
    expect(input.length).toBe(row.input_len);
    // Every vector was produced by both reference implementations, and both could decode it from bytes.
    expect([row.c_and_py_agree, row.decode_bytes_ok, row.py_decode_ok]).toEqual([true, true, true]);
    // Z85P can only be decoded from bytes by the reference: its leading raw pad byte breaks decode(str) (P10).
    expect(row.decode_str_ok).toBe(name !== 'z85p');
    if (name === 'z85p') expect(row.decode_str_error).toContain('Invalid Z85 character');

    const text = encode(input);
    expect(text).toBe(row.encoded_str);
    expect(wireHex(text)).toBe(row.encoded_hex);
    expect(encodeField(encoding, input)).toBe(row.encoded_str);
    expect(toHex(decode(row.encoded_str))).toBe(row.input_hex);
    expect(toHex(decodeField(encoding, row.encoded_str))).toBe(row.input_hex);
  });
});

describe('stdlib_encodings vectors (get_encoder of hivemind_bus_client 0.4.3)', () => {
  it('covers all seven encodings, 15 inputs each', () => {
    for (const encoding of HIVE_ENCODINGS) {
      expect(vectors.stdlib_encodings.filter((v) => v.encoding === encoding)).toHaveLength(15);
    }
    expect(vectors.stdlib_encodings).toHaveLength(105);
  });

  it.each(vectors.stdlib_encodings.map((row, i) => ({ i, ...row })))('#$i $encoding: $input_hex', (row) => {
    const encoding = assertHiveEncoding(row.encoding);
    expect(encodeField(encoding, hex(row.input_hex))).toBe(row.encoded_str);
    expect(toHex(decodeField(encoding, row.encoded_str))).toBe(row.input_hex);
  });
});

describe('encoding registry', () => {
  it('lists the wire names in SupportedEncodings order (HIVEMIND.md §2.5.1)', () => {
    expect(HIVE_ENCODINGS).toEqual(['JSON-B91', 'JSON-Z85B', 'JSON-Z85P', 'JSON-B64', 'JSON-URLSAFE-B64', 'JSON-B32', 'JSON-HEX']);
  });

  it('recognises exact wire names only', () => {
    for (const name of HIVE_ENCODINGS) expect(isHiveEncoding(name)).toBe(true);
    for (const name of ['json-b64', 'JSON-B64 ', 'B64', '', 'JSON-Z85', 42, null, undefined]) {
      expect(isHiveEncoding(name)).toBe(false);
      expect(() => assertHiveEncoding(name)).toThrow(expect.objectContaining({ code: 'HM_ERR_NEGOTIATION' }));
    }
  });

  it('rejects an unknown encoding in encodeField/decodeField with HM_ERR_NEGOTIATION', () => {
    const bogus = 'JSON-B85' as HiveEncoding;
    expect(() => encodeField(bogus, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'HM_ERR_NEGOTIATION' }));
    expect(() => decodeField(bogus, 'AA')).toThrow(expect.objectContaining({ code: 'HM_ERR_NEGOTIATION' }));
  });

  it('rejects a non-string field with HM_ERR_BAD_ENCODING', () => {
    for (const encoding of HIVE_ENCODINGS) {
      expect(() => decodeField(encoding, 12 as unknown as string)).toThrow(badEncoding);
      expect(() => decodeField(encoding, null as unknown as string)).toThrow(badEncoding);
    }
  });

  it('decoders return plain Uint8Arrays, not Buffers', () => {
    for (const encoding of HIVE_ENCODINGS) {
      const out = decodeField(encoding, encodeField(encoding, hex('00010203')));
      expect(out).toBeInstanceOf(Uint8Array);
    }
  });
});

describe('lenient inputs we accept on purpose', () => {
  it('JSON-HEX accepts upper case, as Python unhexlify does', () => {
    expect(toHex(decodeField('JSON-HEX', 'DEADbeef'))).toBe('deadbeef');
  });

  it('empty input decodes to empty bytes where the reference encodes it so', () => {
    for (const encoding of ['JSON-B64', 'JSON-URLSAFE-B64', 'JSON-B32', 'JSON-HEX', 'JSON-Z85B', 'JSON-B91'] as const) {
      expect(decodeField(encoding, '')).toHaveLength(0);
    }
    expect(decodeField('JSON-Z85P', '\u0000')).toHaveLength(0);
  });
});

/** Invalid text per encoding, each with the reason it must fail. */
const invalid: ReadonlyArray<readonly [HiveEncoding, string, string]> = [
  ['JSON-B64', 'AQ', 'missing padding'],
  ['JSON-B64', 'AQI', 'missing padding'],
  ['JSON-B64', 'AQ==\n', 'trailing newline'],
  ['JSON-B64', ' AQ==', 'leading space'],
  ['JSON-B64', 'AQ =', 'space inside'],
  ['JSON-B64', 'AR==', 'non-zero trailing bits'],
  ['JSON-B64', 'AQJ=', 'non-zero trailing bits'],
  ['JSON-B64', 'nfIkn-6gyOXurV7fK63rKA==', 'URL-safe character in standard base64'],
  ['JSON-B64', 'A===', 'impossible padding'],
  ['JSON-B64', '====', 'padding only'],
  ['JSON-B64', 'AQ==AQ==', 'padding in the middle'],
  ['JSON-B64', 'AQ=A', 'character after padding'],
  ['JSON-B64', 'AQ\u00e9=', 'non-ASCII character'],
  ['JSON-B64', 'AQ\u0000=', 'control character'],
  ['JSON-URLSAFE-B64', 'nfIkn+6gyOXurV7fK63rKA==', 'standard-alphabet character in URL-safe base64'],
  ['JSON-URLSAFE-B64', 'oKGio6SlpqeoqaqrrK2urw', 'missing padding'],
  ['JSON-URLSAFE-B64', 'AR==', 'non-zero trailing bits'],
  ['JSON-B32', 'AE', 'missing padding'],
  ['JSON-B32', 'ae======', 'lower case (Python b32decode is strict)'],
  ['JSON-B32', 'AF======', 'non-zero trailing bits'],
  ['JSON-B32', 'AAAAAB==', 'non-zero trailing bits'],
  ['JSON-B32', 'A=======', '7 padding characters'],
  ['JSON-B32', 'AAAAAA==', '2 padding characters'],
  ['JSON-B32', '========', 'padding only'],
  ['JSON-B32', 'A1======', 'character outside the alphabet'],
  ['JSON-B32', 'AE=====', 'length not a multiple of 8'],
  ['JSON-B32', 'AE==A===', 'data after padding'],
  ['JSON-HEX', 'abc', 'odd length'],
  ['JSON-HEX', '0g', 'non-hex character'],
  ['JSON-HEX', 'ab cd', 'space'],
  ['JSON-HEX', '\u00e9\u00e9', 'non-ASCII'],
  ['JSON-HEX', '0x00', 'prefix'],
  ['JSON-Z85B', '1', 'a final group of one character'],
  ['JSON-Z85B', 'aYOo1a', 'a final group of one character'],
  ['JSON-Z85B', '%%', 'truncated group larger than one byte'],
  ['JSON-Z85B', '00#', 'truncated group larger than two bytes'],
  ['JSON-Z85B', '000#', 'truncated group larger than three bytes'],
  ['JSON-Z85B', '#####', 'group above 2^32 - 1'],
  ['JSON-Z85B', 'aY Oo1', 'whitespace'],
  ['JSON-Z85B', 'aYOo"', 'character outside the alphabet'],
  ['JSON-Z85B', 'aYOo\\', 'backslash'],
  ['JSON-Z85B', 'aYOo\u00e9', 'non-ASCII'],
  ['JSON-Z85P', '', 'no pad-count character'],
  ['JSON-Z85P', '0rr91', 'no pad-count character (starts with a digit)'],
  ['JSON-Z85P', '30rr91', 'pad count written as an ASCII digit'],
  ['JSON-Z85P', '\u00040rr91', 'pad count above 3'],
  ['JSON-Z85P', '\u0003', 'pad count larger than the data'],
  ['JSON-Z85P', '\u00010rr9', 'body length not a multiple of 5'],
  ['JSON-Z85P', '\u0000#####', 'group above 2^32 - 1'],
  ['JSON-Z85P', '\u00030rr92', 'non-zero padding bytes'],
  ['JSON-Z85P', '\u00020rJl4', 'non-zero padding bytes'],
  ['JSON-Z85P', '\u00000rr 91', 'whitespace'],
  ['JSON-B91', 'A', 'a lone final character that is not canonical'],
  ['JSON-B91', 'B', 'a lone final character that is not canonical'],
  ['JSON-B91', '~~', 'left-over bits'],
  ['JSON-B91', 'BA~', 'a final character whose bits overflow the last byte'],
  ['JSON-B91', 'A"', 'a final pair that encodes a different value'],
  ['JSON-B91', 'B A', 'space'],
  ['JSON-B91', "6F'", 'apostrophe is not in the alphabet'],
  ['JSON-B91', '6F-', 'dash is not in the alphabet'],
  ['JSON-B91', '6F\\', 'backslash is not in the alphabet'],
  ['JSON-B91', '6F\u00e9', 'non-ASCII'],
];

describe('strict decoders reject invalid text with HM_ERR_BAD_ENCODING', () => {
  it.each(invalid)('%s %j (%s)', (encoding, text) => {
    expect(() => decodeField(encoding, text)).toThrow(HiveProtocolError);
    expect(() => decodeField(encoding, text)).toThrow(badEncoding);
  });

  it('accepts every valid base32 padding amount', () => {
    expect(toHex(decodeBase32('AE======'))).toBe('01');
    expect(toHex(decodeBase32('AEBA===='))).toBe('0102');
    expect(toHex(decodeBase32('AEBAG==='))).toBe('010203');
    expect(toHex(decodeBase32('AEBAGBA='))).toBe('01020304');
    expect(encodeBase32(hex('0102030405'))).toBe('AEBAGBAF');
  });

  it('never leaks the input into the error message', () => {
    const secretish = 'SECRETSECRETSECRET~';
    for (const encoding of HIVE_ENCODINGS) {
      try {
        decodeField(encoding, secretish);
      } catch (error) {
        expect((error as Error).message).not.toContain('SECRET');
      }
    }
  });
});

describe('properties (fast-check)', () => {
  const anyEncoding = fc.constantFrom(...HIVE_ENCODINGS);

  it('decode(encode(bytes)) = bytes for every encoding', () => {
    fc.assert(
      fc.property(anyEncoding, fc.uint8Array({ maxLength: 300 }), (encoding, bytes) => {
        expect(toHex(decodeField(encoding, encodeField(encoding, bytes)))).toBe(toHex(bytes));
      }),
      { numRuns: 700 },
    );
  });

  it('garbage text either decodes to bytes that re-encode to the same text, or throws HM_ERR_BAD_ENCODING', () => {
    // Characters from every alphabet plus junk, so that a good share of strings are valid.
    const chars = 'ABCDEFabcdef0123456789+/-_=:.^!#"~ \n\u0000\u0001\u0003\u00e9';
    const text = fc.array(fc.constantFrom(...chars), { maxLength: 40 }).map((a) => a.join(''));
    fc.assert(
      fc.property(anyEncoding, text, (encoding, input) => {
        let bytes: Uint8Array;
        try {
          bytes = decodeField(encoding, input);
        } catch (error) {
          expect(error).toBeInstanceOf(HiveProtocolError);
          expect(error).toMatchObject({ code: 'HM_ERR_BAD_ENCODING' });
          return;
        }
        const again = encodeField(encoding, bytes);
        expect(again).toBe(encoding === 'JSON-HEX' ? input.toLowerCase() : input);
      }),
      { numRuns: 4000 },
    );
  });

  it('short strings over each alphabet: every accepted text is canonical', () => {
    const alphabets: Record<HiveEncoding, string> = {
      'JSON-B64': 'AQRw+/=',
      'JSON-URLSAFE-B64': 'AQRw-_=',
      'JSON-B32': 'AEQ27=',
      'JSON-HEX': '0fF',
      'JSON-Z85B': '01%#.',
      'JSON-Z85P': '\u0000\u0003\u0004' + '0r%#',
      'JSON-B91': 'AB~"/C',
    };
    for (const encoding of HIVE_ENCODINGS) {
      const text = fc.array(fc.constantFrom(...alphabets[encoding]), { maxLength: 12 }).map((a) => a.join(''));
      fc.assert(
        fc.property(text, (input) => {
          try {
            const bytes = decodeField(encoding, input);
            expect(encodeField(encoding, bytes)).toBe(encoding === 'JSON-HEX' ? input.toLowerCase() : input);
          } catch (error) {
            expect(error).toMatchObject({ code: 'HM_ERR_BAD_ENCODING' });
          }
        }),
        { numRuns: 1500 },
      );
    }
  });
});
