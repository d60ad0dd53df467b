/**
 * The JSON encrypted frame of legacy (v0–v2) sessions, sent as a WebSocket text frame: HIVEMIND.md §3.3.
 *
 * ```json
 * {"ciphertext": "<enc(ct)>", "tag": "<enc(tag)>", "nonce": "<enc(nonce)>"}
 * ```
 * `enc` is the negotiated encoding (encodings.ts) applied to each byte string separately; the ciphertext excludes
 * the tag. We write exactly what Python's `json.dumps` writes (that key order, `", "`/`": "` separators), and read
 * any key order and whitespace, plus the tag-less WebCrypto form (tag = last 16 bytes of the decoded ciphertext).
 *
 * JSON-Z85P is read but not written: its raw pad-count character makes every reference hub fail to decode the
 * frame and drop the connection (pitfall P10; `decrypt_from_json_roundtrip_ok: false` in the vectors). Producing it
 * needs the explicit `allowUndecodableByHubs` option, which exists only to reproduce the reference vectors.
 *
 * @module
 */
import { HiveCryptoError, HiveProtocolError } from './errors.js';
import { AEAD_TAG_BYTES, MAX_FRAME_BYTES } from './constants.js';
import { type JsonObject, isJsonObject, pythonJsonDumps } from './json.js';
import { type HiveEncoding, HIVE_ENCODINGS, assertHiveEncoding, decodeField, encodeField } from './encodings.js';
import { type HiveCipher, assertHiveCipher, assertKey, nonceLength, open, seal } from './aead.js';
import type { RandomSource } from './random.js';

/** The encoding a reference hub cannot decode (pitfall P10). */
const UNDECODABLE_BY_HUBS: HiveEncoding = 'JSON-Z85P';

/** Encodings we may send and offer in negotiation: every encoding but JSON-Z85P, in `SupportedEncodings` order. */
export const SENDABLE_ENCODINGS: readonly HiveEncoding[] = Object.freeze(HIVE_ENCODINGS.filter((e) => e !== UNDECODABLE_BY_HUBS));

/**
 * Encodings whose alphabet needs no JSON escaping (no `"`, `\`, control or non-ASCII characters), so the frame can
 * be assembled directly instead of going through the generic serialiser. B91 (`"`) and Z85P (U+0000–U+0003) cannot.
 */
const JSON_SAFE_ENCODINGS: ReadonlySet<HiveEncoding> = new Set<HiveEncoding>(['JSON-B64', 'JSON-URLSAFE-B64', 'JSON-B32', 'JSON-HEX', 'JSON-Z85B']);

/** Options of {@link encryptJsonFrame}. */
export interface EncryptJsonFrameOptions {
  /**
   * Allow JSON-Z85P, which reference hubs cannot decode (they drop the connection). Only for reproducing the
   * reference vectors; never set it on a live connection. Default false.
   */
  readonly allowUndecodableByHubs?: boolean;
}

function tooLarge(length: number): never {
  throw new HiveProtocolError('HM_ERR_FRAME_TOO_LARGE', `expected a JSON frame of at most ${MAX_FRAME_BYTES} bytes, got ${length}`);
}

/**
 * Encrypt a HiveMessage (its UTF-8 JSON, `message.serialize()`) into the exact JSON text the reference writes,
 * with a fresh nonce from `random`.
 *
 * @throws {HM_ERR_NEGOTIATION} ({@link HiveProtocolError}) for an unknown encoding, or for JSON-Z85P without
 *   `allowUndecodableByHubs`.
 * @throws {HM_ERR_FRAME_TOO_LARGE} ({@link HiveProtocolError}) when the frame would exceed `MAX_FRAME_BYTES`.
 * @throws {HM_ERR_UNKNOWN_CIPHER} ({@link HiveCryptoError}) for an unknown cipher.
 * @throws {HM_ERR_BAD_KEY} ({@link HiveCryptoError}) for a key of the wrong length.
 * @throws {HM_ERR_BAD_NONCE} ({@link HiveCryptoError}) when `random` returns the wrong number of bytes.
 */
export function encryptJsonFrame(
  cipher: HiveCipher,
  encoding: HiveEncoding,
  key: Uint8Array,
  plaintextUtf8: Uint8Array | string,
  random: RandomSource,
  options: EncryptJsonFrameOptions = {},
): string {
  assertHiveEncoding(encoding);
  if (encoding === UNDECODABLE_BY_HUBS && options.allowUndecodableByHubs !== true) {
    throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected one of ${SENDABLE_ENCODINGS.join(', ')} to send, got ${encoding}, which hubs cannot decode`);
  }
  assertKey(cipher, key);
  const plaintext = typeof plaintextUtf8 === 'string' ? Buffer.from(plaintextUtf8, 'utf8') : plaintextUtf8;
  // Every encoding is at least as long as its input, so this bound is safe and saves the work.
  if (plaintext.length > MAX_FRAME_BYTES) tooLarge(plaintext.length);
  const nonce = random.bytes(nonceLength(cipher));
  const box = seal(cipher, key, nonce, plaintext);
  const text = frameText(encoding, encodeField(encoding, box.ciphertext), encodeField(encoding, box.tag), encodeField(encoding, nonce));
  // The text is ASCII (every alphabet is; JSON escapes the rest), so its length is its size in bytes.
  if (text.length > MAX_FRAME_BYTES) tooLarge(text.length);
  return text;
}

function frameText(encoding: HiveEncoding, ciphertext: string, tag: string, nonce: string): string {
  if (JSON_SAFE_ENCODINGS.has(encoding)) return `{"ciphertext": "${ciphertext}", "tag": "${tag}", "nonce": "${nonce}"}`;
  return pythonJsonDumps({ ciphertext, tag, nonce });
}

function badFrame(message: string): never {
  throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', message);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Parse the text of a JSON frame. The frame size is checked first. `JSON.parse` is used directly rather than
 * `parseJson`: V8's parser is iterative (deep nesting cannot overflow the stack) and only three top-level strings
 * are read, so the depth pre-scan, which costs five times the parse on a 64 KiB frame, protects nothing here.
 */
function parseFrame(text: string): JsonObject {
  if (text.length > MAX_FRAME_BYTES) tooLarge(text.length);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new HiveProtocolError('HM_ERR_MALFORMED_JSON', `expected a JSON frame, got ${text.length} chars that do not parse`, undefined, { cause });
  }
  if (!isJsonObject(value)) badFrame(`expected a JSON object frame, got ${describe(value)}`);
  return value;
}

/**
 * True when a parsed text frame is an encrypted frame (it has a `ciphertext` key), as the newest reference client
 * decides. Never use a substring test on the raw text (pitfall P15).
 */
export function isEncryptedJsonFrame(value: unknown): value is JsonObject {
  return isJsonObject(value) && Object.hasOwn(value, 'ciphertext');
}

/**
 * Authenticate and decrypt a JSON frame; returns the plaintext (UTF-8 JSON of a HiveMessage). Accepts the frame
 * text, or the object when the caller has already parsed it. Keys may come in any order; extra keys are ignored
 * (as the reference does); a missing or `null` `tag` means the WebCrypto form.
 *
 * @throws {HM_ERR_FRAME_TOO_LARGE} ({@link HiveProtocolError}) when the text exceeds `MAX_FRAME_BYTES`.
 * @throws {HM_ERR_MALFORMED_JSON} ({@link HiveProtocolError}) when the text is not JSON.
 * @throws {HM_ERR_BAD_ENVELOPE} ({@link HiveProtocolError}) when it is not an object with string `ciphertext` and
 *   `nonce` (and a string, null or absent `tag`).
 * @throws {HM_ERR_NEGOTIATION} ({@link HiveProtocolError}) for an unknown encoding.
 * @throws {HM_ERR_BAD_ENCODING} ({@link HiveProtocolError}) when a field is not valid text of `encoding`.
 * @throws {HM_ERR_UNKNOWN_CIPHER} ({@link HiveCryptoError}) for an unknown cipher.
 * @throws {HM_ERR_BAD_KEY} ({@link HiveCryptoError}) for a key of the wrong length.
 * @throws {HM_ERR_BAD_NONCE} ({@link HiveCryptoError}) for a nonce of the wrong length, or a tag-less ciphertext
 *   shorter than a tag.
 * @throws {HM_ERR_BAD_TAG} ({@link HiveCryptoError}) for a tag of the wrong length or one that does not verify.
 */
export function decryptJsonFrame(cipher: HiveCipher, encoding: HiveEncoding, key: Uint8Array, frame: string | JsonObject): Uint8Array {
  assertHiveCipher(cipher);
  assertHiveEncoding(encoding);
  assertKey(cipher, key);
  const fields = typeof frame === 'string' ? parseFrame(frame) : frame;
  if (!isJsonObject(fields)) badFrame(`expected a JSON object frame, got ${describe(fields)}`);
  const { ciphertext: ctText, tag: tagText, nonce: nonceText } = fields;
  if (typeof ctText !== 'string') badFrame(`expected a string "ciphertext", got ${describe(ctText)}`);
  if (typeof nonceText !== 'string') badFrame(`expected a string "nonce", got ${describe(nonceText)}`);
  if (tagText !== undefined && tagText !== null && typeof tagText !== 'string') badFrame(`expected a string "tag", got ${describe(tagText)}`);
  let ciphertext = decodeField(encoding, ctText);
  let tag: Uint8Array;
  if (typeof tagText === 'string') {
    tag = decodeField(encoding, tagText);
  } else {
    // WebCrypto form: the tag is appended to the ciphertext.
    if (ciphertext.length < AEAD_TAG_BYTES) {
      throw new HiveCryptoError('HM_ERR_BAD_NONCE', `expected a tag-less ciphertext of at least ${AEAD_TAG_BYTES} bytes, got ${ciphertext.length}`);
    }
    tag = ciphertext.subarray(ciphertext.length - AEAD_TAG_BYTES);
    ciphertext = ciphertext.subarray(0, ciphertext.length - AEAD_TAG_BYTES);
  }
  return open(cipher, key, decodeField(encoding, nonceText), ciphertext, tag);
}
