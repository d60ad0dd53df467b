/**
 * JSON as the Python reference writes it, and bounded JSON parsing.
 *
 * The reference peers serialise with Python's `json.dumps`. Where bytes matter (the Noise prologue, frames
 * compared with recorded sessions) we must reproduce it exactly:
 * - `json.dumps(x)`: separators `", "` and `": "`, `ensure_ascii=True` (non-ASCII as `\uXXXX`, lowercase hex);
 * - `json.dumps(x, ensure_ascii=False)` (HiveMessage.serialize): raw UTF-8 text;
 * - `canonical_json(x)` (HIVEMIND.md §2.9): `sort_keys=True, separators=(",",":"), ensure_ascii=False`.
 * Keys are sorted by code point, as Python sorts `str`. Numbers follow Python's `repr`; JavaScript cannot tell the
 * float `1.0` from the int `1`, so integral values are written as ints (the protocol never sends integral floats).
 *
 * @module
 */
import { HiveProtocolError } from './errors.js';
import { MAX_JSON_DEPTH } from './constants.js';

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** How {@link pythonJsonDumps} writes its output. */
export interface PythonJsonOptions {
  /** `'default'` = `", "`/`": "` (Python's default); `'compact'` = `","`/`":"`. Default `'default'`. */
  readonly separators?: 'default' | 'compact';
  /** Sort object keys by code point. Default false (insertion order, as Python dicts keep it). */
  readonly sortKeys?: boolean;
  /** Escape every non-ASCII character as `\uXXXX`. Default true, as Python's `json.dumps`. */
  readonly ensureAscii?: boolean;
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** Python's `repr(float)` / `repr(int)` for a JSON number. */
export function pythonNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`expected a finite number, got ${value}`);
  if (Number.isInteger(value)) return Object.is(value, -0) ? '0' : BigInt(value).toString();
  // toExponential() with no argument gives the shortest round-trip digits, the same digits Python's repr picks.
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const frac = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${frac}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fracPart = digits.slice(exponent + 1);
  return `${sign}${intPart}.${fracPart === '' ? '0' : fracPart}`;
}

function escapeNonAscii(quoted: string): string {
  let out = '';
  for (let i = 0; i < quoted.length; i++) {
    const unit = quoted.charCodeAt(i);
    // Python's ensure_ascii escapes everything outside ' '..'~', so DEL (0x7f) too.
    out += unit < 0x7f ? quoted[i] : `\\u${unit.toString(16).padStart(4, '0')}`;
  }
  return out;
}

function pythonString(value: string, ensureAscii: boolean): string {
  // JSON.stringify escapes exactly what Python escapes (", \, \b \f \n \r \t, other C0 controls as \u00xx).
  const quoted = JSON.stringify(value);
  // eslint-disable-next-line no-control-regex
  return ensureAscii && /[^\x00-\x7e]/.test(quoted) ? escapeNonAscii(quoted) : quoted;
}

function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done === true || cb.done === true) return ca.done === true ? (cb.done === true ? 0 : -1) : 1;
    const diff = (ca.value.codePointAt(0) ?? 0) - (cb.value.codePointAt(0) ?? 0);
    if (diff !== 0) return diff;
  }
}

/**
 * Serialise `value` exactly as Python's `json.dumps` would with the given options.
 *
 * @throws {RangeError} for non-finite numbers or values that are not JSON.
 */
export function pythonJsonDumps(value: JsonValue, options: PythonJsonOptions = {}): string {
  const compact = options.separators === 'compact';
  const itemSep = compact ? ',' : ', ';
  const keySep = compact ? ':' : ': ';
  const sortKeys = options.sortKeys ?? false;
  const ensureAscii = options.ensureAscii ?? true;

  const write = (v: JsonValue): string => {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'boolean':
        return v ? 'true' : 'false';
      case 'number':
        return pythonNumber(v);
      case 'string':
        return pythonString(v, ensureAscii);
      case 'object':
        if (Array.isArray(v)) return `[${v.map(write).join(itemSep)}]`;
        break;
      default:
        throw new RangeError(`expected a JSON value, got ${typeof v}`);
    }
    const keys = Object.keys(v);
    if (sortKeys) keys.sort(compareCodePoints);
    const parts: string[] = [];
    for (const key of keys) {
      const item = v[key];
      if (item === undefined) continue;
      parts.push(`${pythonString(key, ensureAscii)}${keySep}${write(item)}`);
    }
    return `{${parts.join(itemSep)}}`;
  };
  return write(value);
}

const utf8 = new TextEncoder();

/** `canonical_json(x)` of HIVEMIND.md §2.9 as UTF-8 bytes: sorted keys, no spaces, raw non-ASCII. */
export function canonicalJson(value: JsonValue): Uint8Array {
  return utf8.encode(pythonJsonDumps(value, { separators: 'compact', sortKeys: true, ensureAscii: false }));
}

/**
 * Parse JSON text, refusing nesting deeper than `maxDepth` before `JSON.parse` runs (deeply nested input would
 * otherwise overflow the stack of every recursive consumer downstream).
 *
 * @throws {HiveProtocolError} `HM_ERR_MALFORMED_JSON` for invalid or too deeply nested JSON.
 */
export function parseJson(text: string, maxDepth: number = MAX_JSON_DEPTH): JsonValue {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) {
        throw new HiveProtocolError('HM_ERR_MALFORMED_JSON', `expected JSON nested at most ${maxDepth} deep, got deeper`);
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (cause) {
    throw new HiveProtocolError('HM_ERR_MALFORMED_JSON', `expected valid JSON, got ${text.length} chars that do not parse`, undefined, { cause });
  }
}
