/**
 * A legacy (password-handshake) session with the hub for its own tests, built from a recorded session: the
 * recorded client HANDSHAKE frame goes in, the hub's IV is pinned to the recorded one, so the session key is the
 * recorded key. Frames after the handshake are encrypted/decrypted with the protocol layer's codecs, which are proven
 * against the reference vectors elsewhere.
 *
 * @module
 */
import { type HiveCipher, decryptBinFrame, encryptBinFrame } from '../../src/hivemind/aead.js';
import type { HiveEncoding } from '../../src/hivemind/encodings.js';
import { decryptJsonFrame, encryptJsonFrame } from '../../src/hivemind/json-frame.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import { type RandomSource, systemRandom } from '../../src/hivemind/random.js';
import { type DecodedWire1, type Wire1Message, decodeWire1, encodeWire1 } from '../../src/hivemind/wire1.js';
import { hex } from '../helpers/vectors.js';
import { RawClient } from './raw-client.js';
import { SESSIONS, type TranscriptSession, recordedClient, requestTarget } from './transcripts.js';
import type { HubClientOptions } from './types.js';

/** The recorded session the helpers use: AES-GCM + JSON-B64. */
export const BASE_SESSION: TranscriptSession = SESSIONS.find((s) => s.name === 's03_aes_b64') as TranscriptSession;

/**
 * Randomness that returns `iv` for every 8-byte request (handshake IVs) and system randomness for the rest (AEAD
 * nonces, 12 or 16 bytes), so that every connection gets the recorded session key. Tests only.
 */
export function pinnedIv(iv: Uint8Array): RandomSource {
  return { bytes: (length) => (length === iv.length ? iv.slice() : systemRandom.bytes(length)) };
}

/** Hub options reproducing the recorded server for {@link BASE_SESSION}'s client. */
export function baseHubSetup(overrides: Partial<HubClientOptions> = {}): { clients: HubClientOptions[]; serverConfig: { random: RandomSource } } {
  return {
    clients: [recordedClient(BASE_SESSION, overrides)],
    serverConfig: { random: pinnedIv(hex(BASE_SESSION.password_handshake.server_iv_hex)) },
  };
}

/** A decoded frame from the hub. */
export type HubFrame = { readonly kind: 'json'; readonly message: JsonObject } | { readonly kind: 'bitstring'; readonly frame: DecodedWire1 };

const c2s = BASE_SESSION.frames.filter((f) => f.dir === 'c2s' && f.kind !== 'http');

/** A client mid-session with the hub. */
export class LegacySession {
  readonly raw: RawClient;
  readonly key: Uint8Array = hex(BASE_SESSION.session.session_key_hex);
  readonly cipher: HiveCipher = BASE_SESSION.session.negotiated_cipher;
  readonly encoding: HiveEncoding = BASE_SESSION.session.negotiated_encoding;
  readonly sessionId: string = BASE_SESSION.session.session_id;
  /** The hub's HELLO and HANDSHAKE request payloads. */
  readonly hello: JsonObject;
  readonly request: JsonObject;

  private constructor(raw: RawClient, hello: JsonObject, request: JsonObject) {
    this.raw = raw;
    this.hello = hello;
    this.request = request;
  }

  /**
   * Connect and complete the recorded handshake (`handshake` false: stop after the hub's request). With `binarize`,
   * the recorded HANDSHAKE is sent with `binarize: true` instead.
   */
  static async open(url: string, options: { readonly handshake?: boolean; readonly binarize?: boolean } = {}): Promise<LegacySession> {
    const raw = await RawClient.connect(`${url}${requestTarget(BASE_SESSION)}`);
    const hello = (JSON.parse(await raw.nextText()) as { payload: JsonObject }).payload;
    const request = (JSON.parse(await raw.nextText()) as { payload: JsonObject }).payload;
    const session = new LegacySession(raw, hello, request);
    if (options.handshake === false) return session;
    const shake = c2s[0]?.wire_text ?? '';
    raw.send(options.binarize === true ? shake.replace('"binarize": false', '"binarize": true') : shake);
    const response = (JSON.parse(await raw.nextText()) as { payload: JsonObject }).payload;
    if (response['envelope'] !== BASE_SESSION.password_handshake.server_envelope) throw new Error('expected the recorded server envelope (is the IV pinned?)');
    return session;
  }

  /** The recorded encrypted HELLO (session id {@link sessionId}). */
  sendRecordedHello(): void {
    this.raw.send(c2s[1]?.wire_text ?? '');
  }

  /** The recorded encrypted utterance "what time is it". */
  sendRecordedUtterance(): void {
    this.raw.send(c2s[2]?.wire_text ?? '');
  }

  /** Encrypt any envelope object as a JSON frame. */
  sendJson(envelope: JsonObject): void {
    this.raw.send(encryptJsonFrame(this.cipher, this.encoding, this.key, JSON.stringify(envelope), systemRandom));
  }

  /** An encrypted BUS message with the recorded session id (unless `context` says otherwise). */
  sendBus(type: string, data: JsonObject, context: JsonObject = { session: { session_id: BASE_SESSION.session.session_id } }): void {
    this.sendJson(envelope('bus', { type, data, context }));
  }

  /** An encrypted bitstring frame (`C=0` with `uncompressed`). */
  sendBitstring(message: Wire1Message, options: { readonly uncompressed?: boolean } = {}): void {
    this.raw.send(encryptBinFrame(this.cipher, this.key, encodeWire1(message, { unsafeUncompressed: options.uncompressed === true }), systemRandom));
  }

  /** The next frame from the hub, decrypted and decoded. */
  async next(): Promise<HubFrame> {
    const frame = await this.raw.next();
    if (frame.kind === 'text') {
      const text = frame.text.includes('"ciphertext"') ? Buffer.from(decryptJsonFrame(this.cipher, this.encoding, this.key, frame.text)).toString('utf8') : frame.text;
      return { kind: 'json', message: JSON.parse(text) as JsonObject };
    }
    return { kind: 'bitstring', frame: decodeWire1(decryptBinFrame(this.cipher, this.key, frame.bytes)) };
  }

  /** The next frame, which must be a JSON BUS message: its OVOS payload. */
  async nextBus(): Promise<JsonObject> {
    const frame = await this.next();
    if (frame.kind === 'json' && frame.message['msg_type'] === 'bus') return frame.message['payload'] as JsonObject;
    if (frame.kind === 'bitstring' && frame.frame.kind === 'json' && frame.frame.message.msg_type === 'bus') return frame.frame.message.payload;
    throw new Error(`expected a BUS message, got ${JSON.stringify(frame).slice(0, 200)}`);
  }
}

/** A HiveMessage envelope with the eight keys. */
export function envelope(msgType: string, payload: JsonObject, extra: JsonObject = {}): JsonObject {
  return { msg_type: msgType, payload, metadata: {}, route: [], node: null, target_site_id: null, target_pubkey: null, source_peer: null, ...extra };
}
