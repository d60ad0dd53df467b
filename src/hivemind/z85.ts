/**
 * The two Z85 variants of the `z85base91` package: `JSON-Z85B` and `JSON-Z85P` (HIVEMIND.md §3.3).
 *
 * Both use the ZeroMQ Z85 alphabet, but neither is RFC 32 Z85 for inputs whose length is not a multiple of 4:
 * - **Z85B** zero-pads the input to a multiple of 4 and writes each 4-byte group as a **little-endian** 32-bit
 *   value, **least-significant base-85 digit first**, then drops as many trailing characters as bytes were
 *   padded. The dropped characters are always `0` (the padding bytes are the high bytes of the last group), so a
 *   final group of `k + 1` characters (k = 1..3) carries `k` bytes. A final group of 1 character is impossible.
 * - **Z85P** writes one raw byte, the pad count 0–3 (a control character), then standard big-endian Z85 of the
 *   zero-padded input. The reference hubs cannot decode it from JSON (pitfall P10), so we only ever read it; see
 *   `SENDABLE_ENCODINGS` in json-frame.ts.
 *
 * Decoders accept exactly what the reference encoders write and nothing else: no whitespace (the reference decoder
 * skips it, but no encoder emits it), no group value above 2^32 − 1, and no non-zero padding bytes (a truncated
 * Z85B group or the padded tail of Z85P must decode to zeros). The accepted text for a byte string is thus unique.
 *
 * @module
 */
import { HiveProtocolError } from './errors.js';

/** ZeroMQ RFC 32 alphabet: digit value = index. */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const ENCODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const BASE = 85;
const WORD_BYTES = 4;
const WORD_CHARS = 5;
const MAX_WORD = 0xffff_ffff;
/** Largest Z85P pad count: inputs are padded to a multiple of {@link WORD_BYTES}. */
const MAX_PAD = WORD_BYTES - 1;

function fail(message: string): never {
  throw new HiveProtocolError('HM_ERR_BAD_ENCODING', message);
}

function digitAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const value = code < 128 ? (DECODE[code] ?? -1) : -1;
  if (value < 0) fail(`expected only Z85 characters, got an invalid one at offset ${i}`);
  return value;
}

/** The `n` (1–4) bytes at `i` as an unsigned little-endian word, missing high bytes zero. */
function wordLE(bytes: Uint8Array, i: number, n: number): number {
  if (n === WORD_BYTES) return ((bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16) | ((bytes[i + 3] ?? 0) << 24)) >>> 0;
  let value = 0;
  for (let k = n - 1; k >= 0; k--) value = value * 256 + (bytes[i + k] ?? 0);
  return value;
}

/** The `n` (1–4) bytes at `i` as an unsigned big-endian word, missing low bytes zero. */
function wordBE(bytes: Uint8Array, i: number, n: number): number {
  return (((bytes[i] ?? 0) << 24) | (n > 1 ? (bytes[i + 1] ?? 0) << 16 : 0) | (n > 2 ? (bytes[i + 2] ?? 0) << 8 : 0) | (n > 3 ? (bytes[i + 3] ?? 0) : 0)) >>> 0;
}

/** Encode as Z85B (little-endian words, least-significant digit first, truncated by the pad count). */
export function encodeZ85B(bytes: Uint8Array): string {
  const full = Math.floor(bytes.length / WORD_BYTES);
  const rest = bytes.length % WORD_BYTES;
  const out = Buffer.allocUnsafe(full * WORD_CHARS + (rest === 0 ? 0 : rest + 1));
  let o = 0;
  for (let i = 0; i < bytes.length; i += WORD_BYTES) {
    const n = Math.min(WORD_BYTES, bytes.length - i);
    let value = wordLE(bytes, i, n);
    const chars = n === WORD_BYTES ? WORD_CHARS : n + 1;
    for (let k = 0; k < chars; k++) {
      const q = (value / BASE) >>> 0; // value < 2^32, so >>> 0 is an exact floor
      out[o++] = ENCODE[value - q * BASE] ?? 0;
      value = q;
    }
  }
  return out.toString('latin1');
}

/**
 * Decode Z85B text.
 *
 * @throws {HM_ERR_BAD_ENCODING} ({@link HiveProtocolError}) for a character outside the alphabet, a length ≡ 1
 *   (mod 5), a group above 2^32 − 1, or a truncated final group whose value does not fit its bytes.
 */
export function decodeZ85B(text: string): Uint8Array {
  const rest = text.length % WORD_CHARS;
  if (rest === 1) fail(`expected Z85B text whose length is not 1 more than a multiple of ${WORD_CHARS}, got length ${text.length}`);
  const out = new Uint8Array(Math.floor(text.length / WORD_CHARS) * WORD_BYTES + (rest === 0 ? 0 : rest - 1));
  let o = 0;
  for (let i = 0; i < text.length; i += WORD_CHARS) {
    const chars = Math.min(WORD_CHARS, text.length - i);
    const n = chars === WORD_CHARS ? WORD_BYTES : chars - 1;
    let value = 0;
    for (let k = chars - 1; k >= 0; k--) value = value * BASE + digitAt(text, i + k);
    if (value > (n === WORD_BYTES ? MAX_WORD : 256 ** n - 1)) {
      fail(`expected a Z85B group of at most ${n} bytes at offset ${i}, got a larger value`);
    }
    for (let k = 0; k < n; k++) out[o++] = value >>> (8 * k); // Uint8Array stores the low 8 bits
  }
  return out;
}

/** Encode as Z85P: a raw pad-count character (U+0000–U+0003), then big-endian Z85 of the zero-padded input. */
export function encodeZ85P(bytes: Uint8Array): string {
  const words = Math.ceil(bytes.length / WORD_BYTES);
  const out = Buffer.allocUnsafe(1 + words * WORD_CHARS);
  out[0] = words * WORD_BYTES - bytes.length;
  for (let w = 0; w < words; w++) {
    const i = w * WORD_BYTES;
    let value = wordBE(bytes, i, Math.min(WORD_BYTES, bytes.length - i));
    for (let k = WORD_CHARS; k >= 1; k--) {
      const q = (value / BASE) >>> 0; // value < 2^32, so >>> 0 is an exact floor
      out[w * WORD_CHARS + k] = ENCODE[value - q * BASE] ?? 0;
      value = q;
    }
  }
  return out.toString('latin1');
}

/**
 * Decode Z85P text, including its leading raw pad-count character (what the reference encoder writes, although
 * the reference hubs cannot read it back).
 *
 * @throws {HM_ERR_BAD_ENCODING} ({@link HiveProtocolError}) for empty text, a pad count outside 0–3 or larger than
 *   the data, a body length not a multiple of 5, a character outside the alphabet, a group above 2^32 − 1, or
 *   padding bytes that are not zero.
 */
export function decodeZ85P(text: string): Uint8Array {
  if (text.length === 0) fail('expected a Z85P pad-count character, got empty text');
  const pad = text.charCodeAt(0);
  if (pad > MAX_PAD) fail(`expected a Z85P pad count of 0 to ${MAX_PAD}, got character code ${pad}`);
  const bodyLength = text.length - 1;
  if (bodyLength % WORD_CHARS !== 0) {
    fail(`expected a Z85P body whose length is a multiple of ${WORD_CHARS}, got length ${bodyLength}`);
  }
  const padded = (bodyLength / WORD_CHARS) * WORD_BYTES;
  if (pad > padded) fail(`expected a Z85P pad count of at most ${padded}, got ${pad}`);
  const out = new Uint8Array(padded - pad);
  let o = 0;
  for (let i = 1; i < text.length; i += WORD_CHARS) {
    let value = 0;
    for (let k = 0; k < WORD_CHARS; k++) value = value * BASE + digitAt(text, i + k);
    if (value > MAX_WORD) fail(`expected a Z85P group of at most 4 bytes at offset ${i}, got a larger value`);
    const keep = i + WORD_CHARS < text.length ? WORD_BYTES : WORD_BYTES - pad;
    if (keep < WORD_BYTES && value % 2 ** (8 * (WORD_BYTES - keep)) !== 0) fail('expected zero Z85P padding bytes, got non-zero ones');
    for (let k = 0; k < keep; k++) out[o++] = value >>> (24 - 8 * k); // Uint8Array stores the low 8 bits
  }
  return out;
}
