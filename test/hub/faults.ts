/**
 * Misbehaviour on demand, for the fault suites: what the hub does wrong, and when.
 *
 * A {@link HubFault} pairs a stage of the connection with an action; `TestHub.fault()` runs an action at once.
 * Adding a fault is adding a case to {@link FaultAction} and to `HubConnection.runFault`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { nonceLength, seal } from '../../src/hivemind/aead.js';
import { MAX_FRAME_BYTES } from '../../src/hivemind/constants.js';
import { encodeField } from '../../src/hivemind/encodings.js';
import { type JsonObject, pythonJsonDumps } from '../../src/hivemind/json.js';
import { type HiveMessage, createHiveMessage, hiveMessageToJson, serializeHiveMessage } from '../../src/hivemind/message.js';
import { HiveMessageType } from '../../src/hivemind/message-types.js';
import type { NoiseTransport } from '../../src/hivemind/noise/index.js';
import type { RandomSource } from '../../src/hivemind/random.js';
import { AGENT_SOURCE } from './constants.js';
import type { HubConnection } from './connection.js';
import type { LegacyKeying } from './frames.js';
import type { TestHub } from './hub.js';

/** When a fault fires. */
export type FaultStage =
  /** Right after admission, before HELLO (`stall` here = never send HELLO). */
  | 'open'
  /** After sending HELLO, before the HANDSHAKE request. */
  | 'hello'
  /** After sending the HANDSHAKE request. */
  | 'handshakeRequest'
  /** After the handshake completed (password: response sent; Noise: transport established). */
  | 'handshake'
  /** After the client's HELLO was processed. */
  | 'clientHello'
  /** After the hub processed this many client messages other than HANDSHAKE (HELLO included). */
  | { readonly afterMessages: number }
  /**
   * After the hub received this many BINARY RAW_AUDIO messages on the connection. `{ rawAudio: 1 }` with `abort` is
   * hivemind-core 4.0.0 whose audio plugin has no wake-word plugin: it raises at the first chunk and drops the socket.
   */
  | { readonly rawAudio: number };

/** What the hub does. */
export type FaultAction =
  /** Close with `code` and `reason` (no code: an empty close frame, seen as 1005). */
  | { readonly kind: 'close'; readonly code?: number; readonly reason?: string }
  /** Drop the TCP connection without a close frame (seen as 1006). */
  | { readonly kind: 'abort' }
  /** Stop reading and writing; the socket stays open. */
  | { readonly kind: 'stall' }
  /** A text frame that is not JSON. */
  | { readonly kind: 'malformed' }
  /** A frame larger than the 10 MiB limit (text unless `binary`). */
  | { readonly kind: 'oversized'; readonly binary?: boolean }
  /** A cleartext BUS `speak` even though the session is keyed. */
  | { readonly kind: 'plaintext' }
  /** An encrypted BUS `speak` whose tag has one bit flipped. */
  | { readonly kind: 'badTag' }
  /** `count` PROPAGATE(PING) messages in a burst (§5.3). */
  | { readonly kind: 'pingFlood'; readonly count: number }
  /** Raw bytes or text, as they are. */
  | { readonly kind: 'raw'; readonly data: string | Uint8Array }
  /** Anything else. */
  | { readonly kind: 'custom'; readonly run: (connection: HubConnection, hub: TestHub) => void | Promise<void> };

/** A fault armed in the hub options. */
export interface HubFault {
  readonly stage: FaultStage;
  readonly action: FaultAction;
  /** 1-based connection numbers (`HubConnection.id`) it applies to; default every connection. */
  readonly connections?: readonly number[];
}

/** True when `fault` fires at `stage` on connection number `id`. */
export function faultMatches(fault: HubFault, stage: FaultStage, id: number): boolean {
  if (fault.connections !== undefined && !fault.connections.includes(id)) return false;
  const armed = fault.stage;
  if (typeof armed === 'string' || typeof stage === 'string') return armed === stage;
  if ('rawAudio' in armed || 'rawAudio' in stage) return 'rawAudio' in armed && 'rawAudio' in stage && armed.rawAudio === stage.rawAudio;
  return armed.afterMessages === stage.afterMessages;
}

/** The text of the `malformed` fault: a JSON document cut short. */
export const MALFORMED_FRAME = '{"msg_type": "bus", "payload": ';

/** The `oversized` fault's frame: one byte over the 10 MiB limit. */
export function oversizedFrame(binary: boolean): string | Uint8Array {
  return binary ? new Uint8Array(MAX_FRAME_BYTES + 1) : 'x'.repeat(MAX_FRAME_BYTES + 1);
}

/** A BUS `speak` addressed to `peer`, as the agent would send it. */
export function speakMessage(peer: string, utterance: string): HiveMessage {
  const context: JsonObject = { source: AGENT_SOURCE, destination: peer };
  return createHiveMessage(HiveMessageType.BUS, { type: 'speak', data: { utterance, expect_response: false }, context }, { source_peer: peer });
}

/** One PROPAGATE(PING) of a topology flood (HIVEMIND.md §5.3). */
export function pingMessage(): HiveMessage {
  const ping = createHiveMessage(HiveMessageType.PING, { flood_id: randomUUID(), peer: 'test-hub', site_id: 'test-hub', timestamp: Date.now() / 1000 });
  return createHiveMessage(HiveMessageType.PROPAGATE, hiveMessageToJson(ping));
}

function flipLastBit(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 1;
  return copy;
}

/** `message` encrypted for the connection's keying, with one tag bit flipped (unkeyed: its bytes, corrupted). */
export function tamperedFrame(message: HiveMessage, keying: LegacyKeying | undefined, transport: NoiseTransport | undefined, random: RandomSource): string | Uint8Array {
  const text = serializeHiveMessage(message);
  if (transport !== undefined) return flipLastBit(transport.seal({ kind: 'json', text }));
  const plaintext = new TextEncoder().encode(text);
  if (keying === undefined) return flipLastBit(plaintext);
  const nonce = random.bytes(nonceLength(keying.cipher));
  const box = seal(keying.cipher, keying.key, nonce, plaintext);
  const field = (bytes: Uint8Array): string => encodeField(keying.encoding, bytes);
  return pythonJsonDumps({ ciphertext: field(box.ciphertext), tag: field(flipLastBit(box.tag)), nonce: field(nonce) });
}

/** A BROADCAST wrapping a BUS `speak` (HIVEMIND.md §5.3): a satellite must not act on it, let alone forward it. */
export function broadcastSpeak(peer: string, utterance: string): HiveMessage {
  return createHiveMessage(HiveMessageType.BROADCAST, hiveMessageToJson(speakMessage(peer, utterance)));
}

/** A `custom` fault that sends `count` messages built by `build(i)` in one burst (floods of any type). */
export function floodFault(count: number, build: (index: number, connection: HubConnection) => HiveMessage): FaultAction {
  return {
    kind: 'custom',
    run: (connection) => {
      for (let i = 0; i < count; i++) connection.send(build(i, connection));
    },
  };
}
