/**
 * The HiveMind side of protocol v3 (HIVEMIND.md §2.9): what the hub offers, which pattern and suite the client picks,
 * the prologue, the Noise payloads of messages 1 and 2, and the `noise` object of the HANDSHAKE messages.
 *
 * - Prologue = `canonical_json(HELLO.payload) ‖ canonical_json(HANDSHAKE-request.payload) ‖ UTF-8(protocol name)`.
 * - msg1 payload = `canonical_json({"binarize": b, "encodings": [...]})`; msg2 payload = `{"encoding": e}`; msg3 is empty.
 * - HANDSHAKE payloads: msg1 `{"noise": {"pattern", "suite", "msg": hex}}`; msg2 and msg3 `{"noise": {"msg": hex}}`.
 *
 * @module
 */
import { HiveProtocolError } from '../errors.js';
import { type JsonObject, canonicalJson, isJsonObject, parseJson } from '../json.js';
import {
  type NoisePatternName,
  type NoiseSuiteName,
  isNoisePatternName,
  isNoiseSuiteName,
} from './patterns.js';

/** The client's suite preference (HIVEMIND.md §2.9: ChaChaPoly is the MUST, AESGCM the MAY). */
export const NOISE_SUITE_PREFERENCE: readonly NoiseSuiteName[] = ['25519_ChaChaPoly_SHA256', '25519_AESGCM_SHA256'];

/** What a hub's HANDSHAKE request offers under `noise` (names hivesat does not know are dropped). */
export interface NoiseOffer {
  readonly patterns: readonly NoisePatternName[];
  readonly suites: readonly NoiseSuiteName[];
}

/** The pattern and suite a client chose. */
export interface NoiseSelection {
  readonly pattern: NoisePatternName;
  readonly suite: NoiseSuiteName;
}

/** The decrypted payload of Noise message 1. */
export interface NoiseMsg1Payload {
  readonly binarize: boolean;
  readonly encodings: readonly string[];
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function handshakeError(message: string): HiveProtocolError {
  return new HiveProtocolError('HM_ERR_HANDSHAKE', message);
}

function stringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw handshakeError(`expected ${what} to be a list of strings, got ${Array.isArray(value) ? 'other items' : typeof value}`);
  }
  return value as string[];
}

/**
 * The `noise` offer of a HANDSHAKE request, or `undefined` if the hub offers no Noise (generation A servers).
 *
 * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) if `noise` is present but malformed.
 */
export function parseNoiseOffer(requestPayload: JsonObject): NoiseOffer | undefined {
  const noise = requestPayload['noise'];
  if (noise === undefined || noise === null) return undefined;
  if (!isJsonObject(noise)) throw handshakeError(`expected "noise" to be an object, got ${Array.isArray(noise) ? 'array' : typeof noise}`);
  return {
    patterns: stringList(noise['patterns'] ?? [], 'noise.patterns').filter(isNoisePatternName),
    suites: stringList(noise['suites'] ?? [], 'noise.suites').filter(isNoiseSuiteName),
  };
}

/**
 * The client's choice (bus client `select_noise_options`): the first suite of `suitePreference` the hub offers, and
 * `KKpsk0` if the hub's static key is pinned and the hub offers it, else `XXpsk2`.
 *
 * @throws {HM_ERR_NEGOTIATION} (HiveProtocolError) if no suite or no usable pattern is in common.
 */
export function selectNoiseOptions(
  offer: NoiseOffer,
  options: { readonly serverKeyPinned: boolean; readonly suitePreference?: readonly NoiseSuiteName[] },
): NoiseSelection {
  const suite = (options.suitePreference ?? NOISE_SUITE_PREFERENCE).find((s) => offer.suites.includes(s));
  if (suite === undefined) {
    throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected a Noise suite in common, got hub suites [${offer.suites.join(', ')}]`);
  }
  if (options.serverKeyPinned && offer.patterns.includes('KKpsk0')) return { pattern: 'KKpsk0', suite };
  if (offer.patterns.includes('XXpsk2')) return { pattern: 'XXpsk2', suite };
  throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected XXpsk2 (or KKpsk0 with a pinned hub key) offered, got [${offer.patterns.join(', ')}]`);
}

/** The Noise prologue: `canonical_json(hello) ‖ canonical_json(request) ‖ UTF-8(protocolName)`. */
export function buildNoisePrologue(helloPayload: JsonObject, requestPayload: JsonObject, protocolName: string): Uint8Array {
  const parts = [canonicalJson(helloPayload), canonicalJson(requestPayload), utf8Encoder.encode(protocolName)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The msg1 payload: `canonical_json({"binarize": b, "encodings": [...]})`. */
export function encodeNoiseMsg1Payload(payload: NoiseMsg1Payload): Uint8Array {
  return canonicalJson({ binarize: payload.binarize, encodings: [...payload.encodings] });
}

function parsePayloadObject(bytes: Uint8Array, what: string): JsonObject {
  let value: unknown;
  try {
    value = parseJson(utf8Decoder.decode(bytes));
  } catch (cause) {
    throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected ${what} to be UTF-8 JSON, got ${bytes.length} bytes that are not`, undefined, { cause });
  }
  if (!isJsonObject(value)) throw handshakeError(`expected ${what} to be a JSON object, got ${Array.isArray(value) ? 'array' : typeof value}`);
  return value;
}

/**
 * Parse a decrypted msg1 payload (hub side). A missing `binarize` means false.
 *
 * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) if it is not `{"binarize": bool, "encodings": [str]}`.
 */
export function decodeNoiseMsg1Payload(bytes: Uint8Array): NoiseMsg1Payload {
  const value = parsePayloadObject(bytes, 'the Noise msg1 payload');
  const binarize = value['binarize'] ?? false;
  if (typeof binarize !== 'boolean') throw handshakeError(`expected "binarize" to be a boolean, got ${typeof binarize}`);
  return { binarize, encodings: stringList(value['encodings'] ?? [], 'encodings') };
}

/** The msg2 payload: `canonical_json({"encoding": e})`. */
export function encodeNoiseMsg2Payload(encoding: string): Uint8Array {
  return canonicalJson({ encoding });
}

/**
 * Parse a decrypted msg2 payload (client side) and return the selected encoding.
 *
 * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) if it is not `{"encoding": str}`.
 */
export function decodeNoiseMsg2Payload(bytes: Uint8Array): string {
  const encoding = parsePayloadObject(bytes, 'the Noise msg2 payload')['encoding'];
  if (typeof encoding !== 'string') throw handshakeError(`expected "encoding" to be a string, got ${typeof encoding}`);
  return encoding;
}

/** The `noise` object of a HiveMind HANDSHAKE message (pattern and suite only in message 1). */
export interface NoiseHandshakeFields {
  readonly pattern?: string;
  readonly suite?: string;
  readonly msg: Uint8Array;
}

/** The HANDSHAKE payload carrying a Noise message: `{"noise": {["pattern", "suite",] "msg": hex}}`. */
export function encodeNoiseHandshakePayload(fields: NoiseHandshakeFields): JsonObject {
  const noise: JsonObject = {};
  if (fields.pattern !== undefined) noise['pattern'] = fields.pattern;
  if (fields.suite !== undefined) noise['suite'] = fields.suite;
  noise['msg'] = Buffer.from(fields.msg.buffer, fields.msg.byteOffset, fields.msg.byteLength).toString('hex');
  return { noise };
}

/**
 * Read the `noise` object of a HANDSHAKE message.
 *
 * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) if `noise.msg` is missing or not hex, or pattern/suite are not strings.
 */
export function decodeNoiseHandshakePayload(payload: JsonObject): NoiseHandshakeFields {
  // Validated here, at the boundary: the payload comes straight from the hub.
  if (!isJsonObject(payload)) throw handshakeError(`expected the HANDSHAKE payload to be an object, got ${payload === null ? 'null' : typeof payload}`);
  const noise = payload['noise'];
  if (!isJsonObject(noise)) throw handshakeError(`expected a "noise" object in the HANDSHAKE, got ${noise === undefined ? 'none' : typeof noise}`);
  const msg = noise['msg'];
  if (typeof msg !== 'string' || msg.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(msg)) {
    throw handshakeError(`expected "noise.msg" to be an even-length hex string, got ${typeof msg === 'string' ? `${msg.length} chars` : typeof msg}`);
  }
  const { pattern, suite } = noise;
  if (pattern !== undefined && typeof pattern !== 'string') throw handshakeError(`expected "noise.pattern" to be a string, got ${typeof pattern}`);
  if (suite !== undefined && typeof suite !== 'string') throw handshakeError(`expected "noise.suite" to be a string, got ${typeof suite}`);
  return {
    ...(pattern === undefined ? {} : { pattern }),
    ...(suite === undefined ? {} : { suite }),
    msg: new Uint8Array(Buffer.from(msg, 'hex')),
  };
}
