/**
 * The hub's frame codec: client frames to messages with the strictness of the impersonated server, and messages to
 * frames exactly as hivemind-core's `HiveMindClientConnection.send` writes them (HIVEMIND.md §3, §4.1, §5.1).
 *
 * Decoding failures are {@link HubFailure}s whose kind the profile maps to a close action (§7.1).
 *
 * @module
 */
import { type HiveCipher, decryptBinFrame, encryptBinFrame } from '../../src/hivemind/aead.js';
import type { HiveEncoding } from '../../src/hivemind/encodings.js';
import { decryptJsonFrame, encryptJsonFrame, isEncryptedJsonFrame } from '../../src/hivemind/json-frame.js';
import { type JsonObject, type JsonValue, isJsonObject } from '../../src/hivemind/json.js';
import { type HiveMessage, serializeHiveMessage, toHiveMessage } from '../../src/hivemind/message.js';
import { HiveMessageType } from '../../src/hivemind/message-types.js';
import type { NoiseTransport } from '../../src/hivemind/noise/index.js';
import type { RandomSource } from '../../src/hivemind/random.js';
import { type Wire1BinaryMessage, type Wire1Message, decodeWire1, encodeWire1 } from '../../src/hivemind/wire1.js';
import type { FailureKind, ProfileRules } from './profiles.js';

/** Why the hub gives up on a connection; the profile decides how (`ProfileRules.failure`). */
export class HubFailure extends Error {
  override readonly name = 'HubFailure';
  readonly kind: FailureKind;
  readonly detail: readonly number[];

  constructor(kind: FailureKind, message: string, options?: ErrorOptions & { readonly detail?: readonly number[] }) {
    super(message, options);
    this.kind = kind;
    this.detail = options?.detail ?? [];
  }
}

/** The session key of a legacy (v0–v2) connection and what was negotiated. */
export interface LegacyKeying {
  readonly key: Uint8Array;
  readonly cipher: HiveCipher;
  readonly encoding: HiveEncoding;
}

/** A decoded client frame. */
export interface DecodedFrame {
  readonly message: HiveMessage;
  readonly binary: Wire1BinaryMessage | undefined;
  readonly encrypted: boolean;
  readonly frame: 'text' | 'binary';
}

/**
 * The keyword arguments `HiveMessage.__init__` accepts (§5.1): any other top-level key raises `TypeError`, which
 * kills the socket. `target_peers` and `bin_type` are accepted and not part of the wire envelope.
 */
const CONSTRUCTOR_KEYS: ReadonlySet<string> = new Set([
  'msg_type',
  'payload',
  'node',
  'source_peer',
  'route',
  'target_peers',
  'target_site_id',
  'target_pubkey',
  'bin_type',
  'metadata',
]);

function decodeFailure(message: string, cause?: unknown): HubFailure {
  return new HubFailure('decode', message, cause === undefined ? {} : { cause });
}

/** `HiveMessage(**json)` with the server's strictness. */
export function envelopeFromJson(value: JsonValue, rules: ProfileRules): HiveMessage {
  if (!isJsonObject(value)) throw decodeFailure('expected a JSON object envelope');
  const fields: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!CONSTRUCTOR_KEYS.has(key)) throw decodeFailure(`expected HiveMessage keyword arguments only, got an extra key of ${key.length} chars`);
    if (key !== 'target_peers' && key !== 'bin_type') fields[key] = item;
  }
  if (fields['msg_type'] === HiveMessageType.THIRDPRTY && !rules.knowsThirdParty) throw decodeFailure('expected a known msg_type, got 3rdparty');
  try {
    return toHiveMessage(fields);
  } catch (cause) {
    throw decodeFailure('expected a valid HiveMessage envelope', cause);
  }
}

function parseText(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (cause) {
    throw decodeFailure(`expected JSON, got ${text.length} chars that do not parse`, cause);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decryptText(frame: string | JsonObject, keying: LegacyKeying, rules: ProfileRules): string {
  // hivemind-core 4.0 hands the str to Z85P.decode, which rejects the pad-count control character (P10).
  if (keying.encoding === 'JSON-Z85P' && !rules.decodesZ85P) throw decodeFailure('expected an encoding the server can decode, got JSON-Z85P');
  try {
    return utf8.decode(decryptJsonFrame(keying.cipher, keying.encoding, keying.key, frame));
  } catch (cause) {
    throw decodeFailure('expected an encrypted frame that decrypts with the session key', cause);
  }
}

function fromBitstring(bytes: Uint8Array, rules: ProfileRules, encrypted: boolean): DecodedFrame {
  let decoded;
  try {
    decoded = decodeWire1(bytes);
  } catch (cause) {
    throw decodeFailure('expected a WIRE-1 bitstring', cause);
  }
  // bitstring >= 4: bool(Bits) is length-based, so 4.0 always inflates and an uncompressed frame raises (§4.6).
  if (!decoded.compressed && !rules.honoursCompressionFlag) throw decodeFailure('expected a compressed WIRE-1 frame (C=1), got C=0');
  if (decoded.kind === 'binary') {
    const binary: Wire1BinaryMessage = { kind: 'binary', binaryType: decoded.binaryType, payload: decoded.payload, metadata: decoded.metadata };
    const message = envelopeFromJson({ msg_type: HiveMessageType.BINARY, payload: {}, metadata: decoded.metadata }, rules);
    return { message, binary, encrypted, frame: 'binary' };
  }
  if (decoded.message.msg_type === HiveMessageType.THIRDPRTY && !rules.knowsThirdParty) throw decodeFailure('expected a known type code, got 11');
  return { message: decoded.message, binary: undefined, encrypted, frame: 'binary' };
}

/**
 * Decode a client frame on a legacy (v0–v2) connection; `keying` is the session or pre-shared key, if any.
 *
 * @throws {HubFailure} `decode` for anything the server would choke on.
 */
export function decodeLegacyFrame(data: Uint8Array, isBinary: boolean, keying: LegacyKeying | undefined, rules: ProfileRules): DecodedFrame {
  if (isBinary) {
    if (keying === undefined) return fromBitstring(data, rules, false);
    let plaintext: Uint8Array;
    try {
      plaintext = decryptBinFrame(keying.cipher, keying.key, data);
    } catch (cause) {
      throw decodeFailure('expected a binary frame that decrypts with the session key', cause);
    }
    return fromBitstring(plaintext, rules, true);
  }
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (rules.encryptedDetection === 'substring') {
    // 4.0 decides with `"ciphertext" in raw_text` (P15); without a key the text goes straight to HiveMessage(**json).
    if (keying !== undefined && text.includes('ciphertext')) {
      return { message: envelopeFromJson(parseText(decryptText(text, keying, rules)), rules), binary: undefined, encrypted: true, frame: 'text' };
    }
    return { message: envelopeFromJson(parseText(text), rules), binary: undefined, encrypted: false, frame: 'text' };
  }
  const value = parseText(text);
  if (isEncryptedJsonFrame(value)) {
    if (keying === undefined) throw decodeFailure('expected a session key for an encrypted frame, got none');
    return { message: envelopeFromJson(parseText(decryptText(value, keying, rules)), rules), binary: undefined, encrypted: true, frame: 'text' };
  }
  return { message: envelopeFromJson(value, rules), binary: undefined, encrypted: false, frame: 'text' };
}

/**
 * Decode a Noise transport message (always a binary frame after the split, §2.9).
 *
 * @throws {HubFailure} `noiseTransport` when authentication fails, `decode` for a bad body.
 */
export function decodeNoiseFrame(data: Uint8Array, transport: NoiseTransport, rules: ProfileRules): DecodedFrame {
  let body;
  try {
    body = transport.open(data);
  } catch (cause) {
    throw new HubFailure('noiseTransport', 'expected an authentic Noise transport message', { cause });
  }
  if (body.kind === 'binary') return fromBitstring(body.bytes, rules, true);
  return { message: envelopeFromJson(parseText(body.text), rules), binary: undefined, encrypted: true, frame: 'binary' };
}

/**
 * The bitstring the server sends: `get_bitstring(compressed=None)` builds both variants and keeps the shorter,
 * uncompressed on a tie (§4.6). Either variant failing (metadata > 255 bytes) fails the send, as in Python.
 *
 * @throws {HiveProtocolError} `HM_ERR_METADATA_TOO_LARGE` and the other `encodeWire1` errors.
 */
export function serverBitstring(input: Wire1Message): Uint8Array {
  const plain = encodeWire1(input, { unsafeUncompressed: true });
  const packed = encodeWire1(input);
  return plain.length <= packed.length ? plain : packed;
}

/** How the connection is keyed when sending. */
export interface SendKeying {
  readonly legacy: LegacyKeying | undefined;
  readonly transport: NoiseTransport | undefined;
  /** Binarize non-BINARY messages (the client's HANDSHAKE choice). */
  readonly binarize: boolean;
  readonly random: RandomSource;
  readonly rules: ProfileRules;
}

/**
 * `HiveMindClientConnection.send`: HELLO/HANDSHAKE always plaintext JSON; others encrypted once a key is set,
 * as a bitstring if the client asked for binarize (or the message is BINARY), else as a JSON frame; on a Noise
 * connection every message is one transport message.
 *
 * @throws {HiveProtocolError} / {HiveCryptoError} when the message cannot be encoded (metadata too large, a Noise
 *   message over 65535 bytes, INTERCOM as a bitstring…).
 */
export function encodeForClient(message: HiveMessage, binary: Wire1BinaryMessage | undefined, keying: SendKeying): { data: string | Uint8Array; frame: 'text' | 'binary' } {
  const type = message.msg_type;
  const handshakeType = type === HiveMessageType.HELLO || type === HiveMessageType.HANDSHAKE;
  const intercomAsText = type === HiveMessageType.INTERCOM && keying.rules.intercomAsText;
  const asBitstring = binary !== undefined || (keying.binarize && !handshakeType && !intercomAsText);
  const wire = (): Uint8Array => serverBitstring(binary ?? { kind: 'json', message });
  if (keying.transport !== undefined) {
    const body = asBitstring ? { kind: 'binary' as const, bytes: wire() } : { kind: 'json' as const, text: serializeHiveMessage(message) };
    return { data: keying.transport.seal(body), frame: 'binary' };
  }
  const legacy = handshakeType ? undefined : keying.legacy;
  if (legacy === undefined) return asBitstring ? { data: wire(), frame: 'binary' } : { data: serializeHiveMessage(message), frame: 'text' };
  if (asBitstring) return { data: encryptBinFrame(legacy.cipher, legacy.key, wire(), keying.random), frame: 'binary' };
  const text = encryptJsonFrame(legacy.cipher, legacy.encoding, legacy.key, serializeHiveMessage(message), keying.random, {
    // A hub negotiated onto JSON-Z85P really sends it (its own decoder is the broken side).
    allowUndecodableByHubs: true,
  });
  return { data: text, frame: 'text' };
}
