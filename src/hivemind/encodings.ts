/**
 * The seven field encodings of encrypted JSON frames (HIVEMIND.md §3.3), by wire name.
 *
 * Each maps bytes to the text placed in the `ciphertext`, `tag` and `nonce` fields. Encoders reproduce the
 * reference (Python `hivemind_bus_client` 0.4.3) byte for byte. Decoders are the boundary where peer text becomes
 * bytes, so they accept exactly the canonical text the reference encoders write and reject everything else with
 * `HM_ERR_BAD_ENCODING`; none of them throws any other error or does more than linear work.
 *
 * Strictness of the base64 decoders (a policy choice, documented here):
 * - padding is **required**: Python's own `b64decode` raises "Incorrect padding" without it, so no peer that works
 *   with a Python hub omits it;
 * - whitespace and characters of the other base64 alphabet are **rejected**: Python discards them
 *   (`validate=False`), but no encoder emits them, and accepting them would let many texts decode to one value;
 * - the unused low bits of the last character must be **zero**, as every encoder writes them.
 * Hex accepts either case, like Python's `unhexlify` (the JSON encoder writes lower case).
 *
 * @module
 */
import { HiveProtocolError } from './errors.js';
import { decodeBase32, encodeBase32 } from './base32.js';
import { decodeBase91, encodeBase91 } from './base91.js';
import { decodeZ85B, decodeZ85P, encodeZ85B, encodeZ85P } from './z85.js';

/** Wire name of a JSON frame encoding. */
export type HiveEncoding =
  | 'JSON-B91'
  | 'JSON-Z85B'
  | 'JSON-Z85P'
  | 'JSON-B64'
  | 'JSON-URLSAFE-B64'
  | 'JSON-B32'
  | 'JSON-HEX';

/** Every encoding, in the order of the reference's `SupportedEncodings` enum (what its client offers). */
export const HIVE_ENCODINGS: readonly HiveEncoding[] = Object.freeze([
  'JSON-B91',
  'JSON-Z85B',
  'JSON-Z85P',
  'JSON-B64',
  'JSON-URLSAFE-B64',
  'JSON-B32',
  'JSON-HEX',
] as const);

/** The protocol default: hubs' connection default and the client fallback (HIVEMIND.md §2.8, §3.3). */
export const DEFAULT_ENCODING: HiveEncoding = 'JSON-HEX';

const ENCODING_SET: ReadonlySet<string> = new Set(HIVE_ENCODINGS);

/** True when `name` is one of the seven wire names (exact, case-sensitive). */
export function isHiveEncoding(name: unknown): name is HiveEncoding {
  return typeof name === 'string' && ENCODING_SET.has(name);
}

function unknownEncoding(name: unknown): never {
  const got = typeof name === 'string' ? `${name.length}-char name` : typeof name;
  throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected one of ${HIVE_ENCODINGS.join(', ')}, got an unknown ${got}`);
}

/**
 * Check a wire name received from a peer or read from config.
 *
 * @throws {HM_ERR_NEGOTIATION} ({@link HiveProtocolError}) when `name` is not a known encoding.
 */
export function assertHiveEncoding(name: unknown): HiveEncoding {
  return isHiveEncoding(name) ? name : unknownEncoding(name);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function badEncoding(what: string, text: string): never {
  throw new HiveProtocolError('HM_ERR_BAD_ENCODING', `expected canonical padded ${what} text, got ${text.length} chars that are not`);
}

const BASE64_GROUP_CHARS = 4;

function decodeBase64(text: string, alphabet: 'base64' | 'base64url'): Uint8Array {
  if (text.length % BASE64_GROUP_CHARS !== 0) badEncoding(alphabet, text);
  // Node's decoder is lenient (skips junk, accepts both alphabets, padding optional). Re-encoding and comparing is
  // a native-speed way to accept exactly the canonical text: any skipped, foreign or non-zero-bit character breaks
  // the equality.
  const bytes = Buffer.from(text, alphabet);
  let again = bytes.toString(alphabet);
  if (alphabet === 'base64url') again += '='.repeat((BASE64_GROUP_CHARS - (again.length % BASE64_GROUP_CHARS)) % BASE64_GROUP_CHARS);
  if (again !== text) badEncoding(alphabet, text);
  return bytes;
}

function encodeBase64Url(bytes: Uint8Array): string {
  const text = asBuffer(bytes).toString('base64url');
  return text + '='.repeat((BASE64_GROUP_CHARS - (text.length % BASE64_GROUP_CHARS)) % BASE64_GROUP_CHARS);
}

function decodeHex(text: string): Uint8Array {
  // Node stops at the first non-hex character, so a complete decode is exactly one byte per two characters.
  const bytes = Buffer.from(text, 'hex');
  if (bytes.length * 2 !== text.length) {
    throw new HiveProtocolError('HM_ERR_BAD_ENCODING', `expected an even number of hex digits only, got ${text.length} chars that are not`);
  }
  return bytes;
}

/**
 * Encode one frame field (`ciphertext`, `tag` or `nonce`) as the reference does.
 * JSON-Z85P output starts with a raw control character; JSON-B91 output may contain `"`.
 *
 * @throws {HM_ERR_NEGOTIATION} ({@link HiveProtocolError}) when `encoding` is not a known wire name.
 */
export function encodeField(encoding: HiveEncoding, bytes: Uint8Array): string {
  switch (encoding) {
    case 'JSON-B64':
      return asBuffer(bytes).toString('base64');
    case 'JSON-URLSAFE-B64':
      return encodeBase64Url(bytes);
    case 'JSON-HEX':
      return asBuffer(bytes).toString('hex');
    case 'JSON-B32':
      return encodeBase32(bytes);
    case 'JSON-Z85B':
      return encodeZ85B(bytes);
    case 'JSON-Z85P':
      return encodeZ85P(bytes);
    case 'JSON-B91':
      return encodeBase91(bytes);
    default:
      return unknownEncoding(encoding);
  }
}

/**
 * Decode one frame field received from a peer.
 *
 * @throws {HM_ERR_BAD_ENCODING} ({@link HiveProtocolError}) when `text` is not a string or not canonical text of
 *   `encoding` (bad character, impossible length, missing padding, non-zero trailing bits).
 * @throws {HM_ERR_NEGOTIATION} ({@link HiveProtocolError}) when `encoding` is not a known wire name.
 */
export function decodeField(encoding: HiveEncoding, text: string): Uint8Array {
  if (typeof text !== 'string') {
    throw new HiveProtocolError('HM_ERR_BAD_ENCODING', `expected a string field, got ${text === null ? 'null' : typeof text}`);
  }
  switch (encoding) {
    case 'JSON-B64':
      return decodeBase64(text, 'base64');
    case 'JSON-URLSAFE-B64':
      return decodeBase64(text, 'base64url');
    case 'JSON-HEX':
      return decodeHex(text);
    case 'JSON-B32':
      return decodeBase32(text);
    case 'JSON-Z85B':
      return decodeZ85B(text);
    case 'JSON-Z85P':
      return decodeZ85P(text);
    case 'JSON-B91':
      return decodeBase91(text);
    default:
      return unknownEncoding(encoding);
  }
}
