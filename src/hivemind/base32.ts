/**
 * RFC 4648 §6 base32 (upper-case alphabet `A`–`Z2`–`7`, `=` padding): the `JSON-B32` encoding of HIVEMIND.md §3.3.
 *
 * The reference writes it with Python's `base64.b32encode` and reads it with `base64.b32decode`, which is strict
 * about case and padding. Our decoder is stricter still in one respect: the unused low bits of the last character
 * must be zero (every encoder writes them as zero; Python ignores them). That makes the accepted text for a byte
 * string unique, so a tampered field can never decode to the same bytes as the original.
 *
 * @module
 */
import { HiveProtocolError } from './errors.js';

/** RFC 4648 §6 Table 3. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Characters per 40-bit group, and bytes per group. */
const GROUP_CHARS = 8;
const GROUP_BYTES = 5;
const BITS_PER_CHAR = 5;
const PAD = 0x3d; // '='

/** Character code → 5-bit value, or -1. Only ASCII codes are in the table; anything else is invalid. */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const ENCODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));

/** Data characters in a final group → the bytes they carry; other counts are impossible in RFC 4648 base32. */
const BYTES_FOR_TAIL_CHARS: ReadonlyMap<number, number> = new Map([
  [2, 1],
  [4, 2],
  [5, 3],
  [7, 4],
  [8, 5],
]);

function fail(message: string): never {
  throw new HiveProtocolError('HM_ERR_BAD_ENCODING', message);
}

/** Encode `bytes` as RFC 4648 base32 with `=` padding, exactly as Python's `base64.b32encode`. */
export function encodeBase32(bytes: Uint8Array): string {
  const groups = Math.ceil(bytes.length / GROUP_BYTES);
  const out = Buffer.allocUnsafe(groups * GROUP_CHARS);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = (acc << 8) | (bytes[i] ?? 0);
    bits += 8;
    while (bits >= BITS_PER_CHAR) {
      bits -= BITS_PER_CHAR;
      out[o++] = ENCODE[(acc >>> bits) & 31] ?? 0;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out[o++] = ENCODE[(acc << (BITS_PER_CHAR - bits)) & 31] ?? 0;
  out.fill(PAD, o);
  return out.toString('latin1');
}

/**
 * Decode RFC 4648 base32: upper-case only, `=` padding required, zero trailing bits.
 *
 * @throws {HM_ERR_BAD_ENCODING} ({@link HiveProtocolError}) for a length that is not a multiple of 8, a character
 *   outside the alphabet, misplaced or impossible padding, or non-zero trailing bits.
 */
export function decodeBase32(text: string): Uint8Array {
  if (text.length % GROUP_CHARS !== 0) {
    fail(`expected base32 text whose length is a multiple of ${GROUP_CHARS}, got length ${text.length}`);
  }
  let dataChars = text.length;
  while (dataChars > 0 && text.charCodeAt(dataChars - 1) === PAD) dataChars--;
  const tail = text.length === 0 ? GROUP_CHARS : GROUP_CHARS - (text.length - dataChars);
  const tailBytes = BYTES_FOR_TAIL_CHARS.get(tail);
  if (tailBytes === undefined) fail(`expected 0, 1, 3, 4 or 6 base32 padding characters, got ${GROUP_CHARS - tail}`);
  const outLength = text.length === 0 ? 0 : (text.length / GROUP_CHARS - 1) * GROUP_BYTES + tailBytes;
  const out = new Uint8Array(outLength);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < dataChars; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (DECODE[code] ?? -1) : -1;
    if (value < 0) fail(`expected only base32 characters before the padding, got an invalid one at offset ${i}`);
    acc = ((acc << BITS_PER_CHAR) | value) & 0xfff;
    bits += BITS_PER_CHAR;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) fail('expected zero trailing bits in the last base32 character, got non-zero bits');
  return out;
}
