import { describe, expect, it } from 'vitest';
import { canonicalJson, parseJson, pythonJsonDumps, pythonNumber } from '../../src/hivemind/json.js';

// Expected strings were printed by CPython 3.11's json.dumps / repr for the same values.
describe('Python-compatible JSON', () => {
  it.each([
    [0.1, '0.1'],
    [1.5, '1.5'],
    [-2.25, '-2.25'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [123456789.125, '123456789.125'],
    [1.5e-16, '1.5e-16'],
    [1.2345e-7, '1.2345e-07'],
    [1700000000.5, '1700000000.5'],
    [42, '42'],
    [-7, '-7'],
  ])('formats %d as Python repr %s', (value, expected) => {
    expect(pythonNumber(value)).toBe(expected);
  });

  it('writes json.dumps defaults: ", " / ": " separators and ASCII escapes', () => {
    expect(pythonJsonDumps({ a: [1, true, null], b: 'olá ✓ 😀', c: 'tab\t"q"\\' })).toBe(
      '{"a": [1, true, null], "b": "ol\\u00e1 \\u2713 \\ud83d\\ude00", "c": "tab\\t\\"q\\"\\\\"}',
    );
  });

  it('writes ensure_ascii=False as raw text', () => {
    expect(pythonJsonDumps({ b: 'olá\u0001' }, { ensureAscii: false })).toBe('{"b": "olá\\u0001"}');
    expect(pythonJsonDumps({ d: 'x\u007fy' })).toBe('{"d": "x\\u007fy"}');
    expect(pythonJsonDumps({ d: 'x\u007fy' }, { ensureAscii: false })).toBe('{"d": "x\u007fy"}');
  });

  it('sorts keys by code point for canonical JSON', () => {
    const text = new TextDecoder().decode(canonicalJson({ b: 1, a: { z: [], é: 'x' }, '\uffff': 0, '😀': 1, A: 2 }));
    expect(text).toBe('{"A":2,"a":{"z":[],"é":"x"},"b":1,"\uffff":0,"😀":1}');
  });

  it('writes integral values as Python ints (JavaScript cannot tell 1.0 from 1)', () => {
    expect(pythonNumber(1.5e16)).toBe('15000000000000000');
    expect(pythonNumber(2 ** 70)).toBe('1180591620717411303424');
  });

  it('refuses non-finite numbers', () => {
    expect(() => pythonNumber(Number.NaN)).toThrow(RangeError);
  });

  it('counts depth outside strings only', () => {
    expect(parseJson(JSON.stringify({ s: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["' }))).toEqual({
      s: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["',
    });
    expect(() => parseJson('[[[', 2)).toThrow(expect.objectContaining({ code: 'HM_ERR_MALFORMED_JSON' }));
  });
});
