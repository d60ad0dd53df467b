/**
 * HiveMind message types and their WIRE-1 codes (HIVEMIND.md §4.3, §4.4, §5.2).
 *
 * @module
 */

/** Every `msg_type` string a HiveMind peer may put on the wire. */
export const HiveMessageType = {
  HANDSHAKE: 'shake',
  BUS: 'bus',
  SHARED_BUS: 'shared_bus',
  BROADCAST: 'broadcast',
  PROPAGATE: 'propagate',
  ESCALATE: 'escalate',
  HELLO: 'hello',
  QUERY: 'query',
  CASCADE: 'cascade',
  PING: 'ping',
  RENDEZVOUS: 'rendezvous',
  THIRDPRTY: '3rdparty',
  BINARY: 'bin',
  INTERCOM: 'intercom',
} as const;

/** A `msg_type` string. */
export type HiveMessageType = (typeof HiveMessageType)[keyof typeof HiveMessageType];

const ALL_TYPES: ReadonlySet<string> = new Set(Object.values(HiveMessageType));

/** True if `value` is a `msg_type` HiveMind defines. */
export function isHiveMessageType(value: unknown): value is HiveMessageType {
  return typeof value === 'string' && ALL_TYPES.has(value);
}

/**
 * The 5-bit WIRE-1 type code of each message type (HIVEMIND.md §4.3). INTERCOM has no code: the 0.4.3 encoder
 * wrote unknown types as 11 (THIRDPRTY), newer ones refuse, and so do we.
 */
export const WIRE1_TYPE_CODES: Readonly<Record<Exclude<HiveMessageType, 'intercom'>, number>> = {
  shake: 0,
  bus: 1,
  shared_bus: 2,
  broadcast: 3,
  propagate: 4,
  escalate: 5,
  hello: 6,
  query: 7,
  cascade: 8,
  ping: 9,
  rendezvous: 10,
  '3rdparty': 11,
  bin: 12,
};

const TYPE_BY_CODE: ReadonlyMap<number, HiveMessageType> = new Map(
  Object.entries(WIRE1_TYPE_CODES).map(([type, code]) => [code, type as HiveMessageType]),
);

/** The message type of a WIRE-1 type code, or `undefined` for codes 13–31, which are unassigned. */
export function messageTypeOfCode(code: number): HiveMessageType | undefined {
  return TYPE_BY_CODE.get(code);
}

/** `HiveMindBinaryPayloadType`: the 4-bit kind of a BINARY message's payload (HIVEMIND.md §4.4). */
export const BinaryPayloadType = {
  UNDEFINED: 0,
  RAW_AUDIO: 1,
  NUMPY_IMAGE: 2,
  FILE: 3,
  STT_AUDIO_TRANSCRIBE: 4,
  STT_AUDIO_HANDLE: 5,
  TTS_AUDIO: 6,
} as const;

/** A `HiveMindBinaryPayloadType` value. */
export type BinaryPayloadType = (typeof BinaryPayloadType)[keyof typeof BinaryPayloadType];

/** True if `value` is a binary payload type HiveMind defines (0–6). */
export function isBinaryPayloadType(value: unknown): value is BinaryPayloadType {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 6;
}

/** Message types whose payload is itself a HiveMessage (HIVEMIND.md §4.5, §5.1). */
export const WRAPPER_MESSAGE_TYPES: ReadonlySet<HiveMessageType> = new Set<HiveMessageType>([
  HiveMessageType.BROADCAST,
  HiveMessageType.PROPAGATE,
  HiveMessageType.ESCALATE,
  HiveMessageType.QUERY,
  HiveMessageType.CASCADE,
]);
