/**
 * The HiveMessage JSON envelope (HIVEMIND.md §5.1).
 *
 * A hub builds `HiveMessage(**json)`: any key beyond the eight below raises on the server and kills the socket, so
 * we never send one, and we refuse one on receive (it means the peer is not a HiveMind peer we understand).
 *
 * @module
 */
import { HiveProtocolError } from './errors.js';
import { type JsonObject, type JsonValue, isJsonObject, parseJson, pythonJsonDumps } from './json.js';
import { type HiveMessageType, isHiveMessageType } from './message-types.js';

/** The eight keys of a HiveMessage, in the order Python's `as_dict` writes them. */
export const HIVE_MESSAGE_KEYS = [
  'msg_type',
  'payload',
  'metadata',
  'route',
  'node',
  'target_site_id',
  'target_pubkey',
  'source_peer',
] as const;

const KEY_SET: ReadonlySet<string> = new Set(HIVE_MESSAGE_KEYS);

/** A HiveMessage as it travels in JSON. */
export interface HiveMessage {
  readonly msg_type: HiveMessageType;
  /** BUS: an OVOS message `{type, data, context}`; wrapper types: a nested HiveMessage; others: a plain object. */
  readonly payload: JsonObject;
  readonly metadata: JsonObject;
  /** Hops appended by hubs (`{source, targets}`); clients send `[]`. */
  readonly route: readonly JsonValue[];
  readonly node: string | null;
  readonly target_site_id: string | null;
  readonly target_pubkey: string | null;
  readonly source_peer: string | null;
}

/** Optional envelope fields for {@link createHiveMessage}. */
export interface HiveMessageFields {
  readonly metadata?: JsonObject;
  readonly route?: readonly JsonValue[];
  readonly node?: string | null;
  readonly target_site_id?: string | null;
  readonly target_pubkey?: string | null;
  readonly source_peer?: string | null;
}

/** Build a HiveMessage with the reference's defaults for every field not given. */
export function createHiveMessage(msgType: HiveMessageType, payload: JsonObject, fields: HiveMessageFields = {}): HiveMessage {
  return {
    msg_type: msgType,
    payload,
    metadata: fields.metadata ?? {},
    route: fields.route ?? [],
    node: fields.node ?? null,
    target_site_id: fields.target_site_id ?? null,
    target_pubkey: fields.target_pubkey ?? null,
    source_peer: fields.source_peer ?? null,
  };
}

/** The envelope as a plain JSON object with the eight keys in reference order. */
export function hiveMessageToJson(message: HiveMessage): JsonObject {
  return {
    msg_type: message.msg_type,
    payload: message.payload,
    metadata: message.metadata,
    route: [...message.route],
    node: message.node,
    target_site_id: message.target_site_id,
    target_pubkey: message.target_pubkey,
    source_peer: message.source_peer,
  };
}

/**
 * `HiveMessage.serialize()`: `json.dumps(as_dict, ensure_ascii=False)` with Python's default separators.
 * This is the plaintext of every JSON frame, encrypted or not.
 */
export function serializeHiveMessage(message: HiveMessage): string {
  return pythonJsonDumps(hiveMessageToJson(message), { ensureAscii: false });
}

function nullableString(value: JsonValue | undefined, key: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected "${key}" to be a string or null, got ${typeof value}`);
  }
  return value;
}

/**
 * Validate a parsed JSON value as a HiveMessage envelope. Missing optional keys take the reference defaults;
 * unknown keys, unknown `msg_type`s and wrongly typed fields are refused.
 *
 * @throws {HiveProtocolError} `HM_ERR_BAD_ENVELOPE` or `HM_ERR_UNKNOWN_MSG_TYPE`.
 */
export function toHiveMessage(value: JsonValue): HiveMessage {
  if (!isJsonObject(value)) {
    throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected a HiveMessage object, got ${Array.isArray(value) ? 'array' : typeof value}`);
  }
  for (const key of Object.keys(value)) {
    if (!KEY_SET.has(key)) {
      throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected only the eight HiveMessage keys, got an extra key of ${key.length} chars`);
    }
  }
  const msgType = value['msg_type'];
  if (!isHiveMessageType(msgType)) {
    // The value came out of (possibly decrypted) peer text: describe it, never echo it.
    const shown = typeof msgType === 'string' ? `an unknown string of ${msgType.length} chars` : typeof msgType;
    throw new HiveProtocolError('HM_ERR_UNKNOWN_MSG_TYPE', `expected a known msg_type, got ${shown}`);
  }
  const payload = value['payload'] ?? {};
  if (!isJsonObject(payload)) {
    throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected "payload" to be an object, got ${Array.isArray(payload) ? 'array' : typeof payload}`);
  }
  const metadata = value['metadata'] ?? {};
  if (!isJsonObject(metadata)) {
    throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected "metadata" to be an object, got ${Array.isArray(metadata) ? 'array' : typeof metadata}`);
  }
  const route = value['route'] ?? [];
  if (!Array.isArray(route)) {
    throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected "route" to be an array, got ${typeof route}`);
  }
  return {
    msg_type: msgType,
    payload,
    metadata,
    route,
    node: nullableString(value['node'], 'node'),
    target_site_id: nullableString(value['target_site_id'], 'target_site_id'),
    target_pubkey: nullableString(value['target_pubkey'], 'target_pubkey'),
    source_peer: nullableString(value['source_peer'], 'source_peer'),
  };
}

/**
 * Parse the JSON text of a HiveMessage (a plaintext frame or a decrypted one).
 *
 * @throws {HiveProtocolError} `HM_ERR_MALFORMED_JSON`, `HM_ERR_BAD_ENVELOPE` or `HM_ERR_UNKNOWN_MSG_TYPE`.
 */
export function parseHiveMessage(text: string): HiveMessage {
  return toHiveMessage(parseJson(text));
}
