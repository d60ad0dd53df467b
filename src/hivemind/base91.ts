/**
 * basE91 (Joachim Henke's algorithm), the `JSON-B91` encoding of HIVEMIND.md §3.3 (`z85base91.B91`).
 *
 * Bits are taken little-endian from the input, 13 at a time, or 14 when the 13-bit value would be at most 88
 * (such values leave room for a 14th bit in two base-91 digits); each group is written as two characters, low digit
 * first. The alphabet is `A`–`Z`, `a`–`z`, `0`–`9` and 29 punctuation characters ending in `"`, so the JSON form
 * escapes `"` as `\"`. Discouraged on the wire (pitfall P9); supported because the reference client prefers it.
 *
 * Henke's reference decoder silently skips characters outside the alphabet and ignores left-over bits. Ours
 * rejects both: it accepts a text only if re-encoding the decoded bytes gives that exact text back, which makes the
 * accepted text for a byte string unique.
 *
 * @module
 */
import { HiveProtocolError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,./:;<=>?@[]^_`{|}~"';
const ENCODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const BASE = 91;
/** A 13-bit group whose value is at most this is widened to 14 bits. */
const MAX_NARROW_13 = 88;
const MASK_13 = 0x1fff;
const MASK_14 = 0x3fff;

/** Encode `bytes` as basE91, exactly as `z85base91.B91.encode`. */
export function encodeBase91(bytes: Uint8Array): string {
  // Each 13+ bits become 2 chars, so the output is at most ceil(8n / 13) * 2 + 2 chars.
  const out = Buffer.allocUnsafe(Math.ceil((bytes.length * 16) / 13) + 2);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc |= (bytes[i] ?? 0) << bits;
    bits += 8;
    if (bits > 13) {
      let value = acc & MASK_13;
      if (value > MAX_NARROW_13) {
        acc >>>= 13;
        bits -= 13;
      } else {
        value = acc & MASK_14;
        acc >>>= 14;
        bits -= 14;
      }
      out[o++] = ENCODE[value % BASE] ?? 0;
      out[o++] = ENCODE[Math.floor(value / BASE)] ?? 0;
    }
  }
  if (bits > 0) {
    out[o++] = ENCODE[acc % BASE] ?? 0;
    if (bits > 7 || acc > BASE - 1) out[o++] = ENCODE[Math.floor(acc / BASE)] ?? 0;
  }
  return out.toString('latin1', 0, o);
}

/**
 * Decode basE91 text.
 *
 * @throws {HM_ERR_BAD_ENCODING} ({@link HiveProtocolError}) for a character outside the alphabet, or a text that is
 *   not the exact encoding of any byte string (left-over bits, over-long digit pairs).
 */
export function decodeBase91(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 14) / 16) + 1);
  let o = 0;
  let acc = 0;
  let bits = 0;
  let pending = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? (DECODE[code] ?? -1) : -1;
    if (digit < 0) throw new HiveProtocolError('HM_ERR_BAD_ENCODING', `expected only basE91 characters, got an invalid one at offset ${i}`);
    if (pending < 0) {
      pending = digit;
      continue;
    }
    const value = pending + digit * BASE;
    pending = -1;
    acc |= value << bits;
    bits += (value & MASK_13) > MAX_NARROW_13 ? 13 : 14;
    while (bits > 7) {
      out[o++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (pending >= 0) out[o++] = (acc | (pending << bits)) & 0xff;
  const bytes = out.subarray(0, o);
  if (encodeBase91(bytes) !== text) {
    throw new HiveProtocolError('HM_ERR_BAD_ENCODING', `expected canonical basE91 text, got ${text.length} chars that do not re-encode to themselves`);
  }
  return bytes;
}
