/**
 * The client handshake of one socket (HIVEMIND.md §2.2–§2.9): reads the hub's HELLO and HANDSHAKE messages, takes
 * the branch {@link chooseBranch} picks, sends our HANDSHAKE messages through `send`, and yields the session keys.
 *
 * - Password (§2.5): our envelope with the preference lists; the hub's envelope is verified before the key is
 *   derived — a mismatch is `HiveAuthError('HM_ERR_WRONG_PASSWORD')` (a 4.0 hub never tells us, P2).
 * - Noise (§2.9): PSK pre-computed or derived in a worker (slow: the caller is told so it can pause its handshake
 *   timer), static key from the key store, KKpsk0 when the hub key is pinned and offered, TOFU pinning of the hub
 *   key per `host:port`; a msg2 that fails authentication means a wrong password (`HM_ERR_WRONG_PASSWORD`).
 * - Legacy pre-shared key (§2.8): no HANDSHAKE is sent; AES-GCM + JSON-HEX with the 16-character key.
 *
 * One object serves one socket: after the session is keyed, a further HANDSHAKE request is ignored (never a second
 * handshake on a live connection, P6).
 *
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import type { NoiseKeyStore } from './noise-key-store.js';
import { DEFAULT_CIPHER, type HiveCipher, presharedKeyBytes } from './aead.js';
import { DEFAULT_ENCODING } from './encodings.js';
import { HiveAuthError, HiveCryptoError, HiveProtocolError } from './errors.js';
import type { SessionKeys } from './frame-codec.js';
import { type JsonObject, isJsonObject } from './json.js';
import { type HiveMessage, createHiveMessage } from './message.js';
import { HiveMessageType } from './message-types.js';
import { type ClientPreferences, type HandshakeMode, chooseBranch, readNegotiated } from './negotiation.js';
import { HiveNoiseClient, NOISE_SUITE_PREFERENCE, type NoisePatternName, type NoiseSuiteName, toPsk } from './noise/index.js';
import { PasswordHandshakeClient } from './password-handshake.js';
import type { PskDeriver } from './psk-deriver.js';
import type { RandomSource } from './random.js';

/** Which handshake produced a session. */
export type SessionProtocol = 'password' | 'noise' | 'preshared';

/** What was negotiated, as reported by the connection's `ready` event. */
export interface HandshakeInfo {
  readonly protocol: SessionProtocol;
  /** The Noise pattern, for Noise sessions. */
  readonly noisePattern?: NoisePatternName;
  /** `AES-GCM` / `CHACHA20-POLY1305`, or the Noise suite (`25519_ChaChaPoly_SHA256` …). */
  readonly cipher: string;
  /** The JSON frame encoding the hub chose (Noise sessions carry JSON inside binary transport frames). */
  readonly encoding: string;
  /** Whether we binarize our non-BINARY messages (we asked and the hub offered). */
  readonly binarize: boolean;
  /** The hub's `max_protocol_version`. */
  readonly hubMaxProtocolVersion: number | undefined;
}

/** The result of a completed handshake. */
export interface HandshakeResult {
  readonly keys: SessionKeys;
  readonly info: HandshakeInfo;
}

/** Settings shared by every handshake of a connection. */
export interface HandshakeSettings {
  readonly mode: HandshakeMode;
  readonly preferences: ClientPreferences;
  readonly password: string | undefined;
  /** A legacy 16-character pre-shared key (HIVEMIND.md §2.8). */
  readonly presharedKey: string | undefined;
  /** A pre-computed Noise PSK (32 bytes or 64 hex characters). */
  readonly noisePsk: Uint8Array | string | undefined;
  readonly random: RandomSource;
  readonly keyStore: NoiseKeyStore;
  /** `host:port` under which the hub's Noise key is pinned. */
  readonly pinId: string;
  readonly derivePsk: PskDeriver;
}

/** What the handshake needs from its socket. */
export interface HandshakeIO {
  /** Send a plaintext HANDSHAKE message. */
  send(message: HiveMessage): void;
  /** A slow local step (PSK derivation) starts (`true`) or ends (`false`): pause the handshake timer meanwhile. */
  slowStep(active: boolean): void;
  /** Log a warning or a notice (no secrets are passed). */
  log(level: 'info' | 'warn', message: string): void;
}

type Step =
  | { readonly kind: 'await-request' }
  | { readonly kind: 'working' }
  | { readonly kind: 'await-password'; readonly client: PasswordHandshakeClient; readonly request: JsonObject }
  | { readonly kind: 'await-noise'; readonly client: HiveNoiseClient; readonly request: JsonObject; readonly checkPin: Uint8Array | undefined; readonly tofu: boolean }
  | { readonly kind: 'done' };

const SUITE_OF_CIPHER: Readonly<Record<HiveCipher, NoiseSuiteName>> = {
  'AES-GCM': '25519_AESGCM_SHA256',
  'CHACHA20-POLY1305': '25519_ChaChaPoly_SHA256',
};

function shake(payload: JsonObject): HiveMessage {
  return createHiveMessage(HiveMessageType.HANDSHAKE, payload);
}

function hasNoiseMsg(payload: JsonObject): boolean {
  const noise = payload['noise'];
  return isJsonObject(noise) && noise['msg'] !== undefined;
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The handshake of one socket. */
export class ClientHandshake {
  readonly #settings: HandshakeSettings;
  readonly #io: HandshakeIO;
  readonly #forceXX: boolean;
  #hello: JsonObject | undefined;
  #step: Step = { kind: 'await-request' };
  #pattern: NoisePatternName | undefined;

  /** @param forceXX - use XXpsk2 even when the hub key is pinned (after a failed KKpsk0 attempt, pitfall P19). */
  constructor(settings: HandshakeSettings, io: HandshakeIO, forceXX = false) {
    this.#settings = settings;
    this.#io = io;
    this.#forceXX = forceXX;
  }

  /** True once a HANDSHAKE was sent and the hub's answer is awaited (or being processed). */
  get awaitingHub(): boolean {
    return this.#step.kind === 'await-password' || this.#step.kind === 'await-noise';
  }

  /** The Noise pattern in use, once chosen. */
  get noisePattern(): NoisePatternName | undefined {
    return this.#pattern;
  }

  /** The hub's HELLO payload (kept verbatim: the Noise prologue binds it). Only the first HELLO counts. */
  onHello(payload: JsonObject): void {
    this.#hello ??= payload;
  }

  /**
   * Process a HANDSHAKE from the hub. Resolves with the result when the session is keyed, else `undefined`.
   *
   * @throws {HM_ERR_WRONG_PASSWORD} (HiveAuthError) when the hub's envelope or Noise msg2 does not verify.
   * @throws {HM_ERR_PIN_MISMATCH} (HiveAuthError) when the hub's Noise key differs from the pinned one.
   * @throws {HM_ERR_NEGOTIATION} (HiveProtocolError) when no handshake branch fits, or the hub chose unknown names.
   * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) for a malformed or out-of-order HANDSHAKE.
   * @throws {HiveCryptoError} / {ConfigError} from the PSK derivation or the key store.
   */
  async onShake(payload: JsonObject): Promise<HandshakeResult | undefined> {
    const step = this.#step;
    const isResponse = payload['envelope'] !== undefined || hasNoiseMsg(payload);
    if (!isResponse) {
      if (step.kind !== 'await-request') {
        this.#io.log('warn', `ignoring a HANDSHAKE request in step ${step.kind}: a live session never handshakes twice`);
        return undefined;
      }
      return this.#onRequest(payload);
    }
    if (step.kind === 'await-password' && payload['envelope'] !== undefined) return this.#onPasswordResponse(step, payload);
    if (step.kind === 'await-noise' && hasNoiseMsg(payload)) return this.#onNoiseResponse(step, payload);
    throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected a HANDSHAKE ${step.kind === 'await-request' ? 'request' : 'response of our branch'}, got an unexpected response`);
  }

  async #onRequest(request: JsonObject): Promise<HandshakeResult | undefined> {
    const s = this.#settings;
    const branch = chooseBranch(
      request,
      { hasPassword: s.password !== undefined, hasNoisePsk: s.noisePsk !== undefined, hasPresharedKey: s.presharedKey !== undefined },
      s.mode,
    );
    const hubMax = typeof request['max_protocol_version'] === 'number' ? request['max_protocol_version'] : undefined;
    const binarize = s.preferences.binarize && request['binarize'] === true;
    if (branch === 'preshared') {
      this.#step = { kind: 'done' };
      const key = presharedKeyBytes(s.presharedKey ?? '');
      return {
        keys: { kind: 'legacy', cipher: DEFAULT_CIPHER, encoding: DEFAULT_ENCODING, key, allowZ85P: false },
        info: { protocol: 'preshared', cipher: DEFAULT_CIPHER, encoding: DEFAULT_ENCODING, binarize, hubMaxProtocolVersion: hubMax },
      };
    }
    if (branch === 'password') {
      const client = new PasswordHandshakeClient(s.password ?? '', s.random);
      const envelope = client.generateEnvelope();
      this.#step = { kind: 'await-password', client, request };
      // Key order as the reference writes it (binarize, encodings, ciphers, envelope); never `pubkey` (§2.5.1).
      this.#io.send(shake({ binarize, encodings: [...s.preferences.encodings], ciphers: [...s.preferences.ciphers], envelope }));
      return undefined;
    }
    this.#step = { kind: 'working' };
    const psk = await this.#resolvePsk();
    const staticPrivateKey = await s.keyStore.staticPrivateKey();
    const pinned = await s.keyStore.pinnedKey(s.pinId);
    const client = new HiveNoiseClient({
      helloPayload: this.#hello ?? {},
      requestPayload: request,
      psk,
      staticPrivateKey,
      ...(pinned !== undefined && !this.#forceXX ? { pinnedServerKey: pinned } : {}),
      binarize,
      encodings: s.preferences.encodings,
      suitePreference: this.#suitePreference(),
      random: s.random,
    });
    this.#pattern = client.selection.pattern;
    this.#step = { kind: 'await-noise', client, request, checkPin: this.#forceXX ? pinned : undefined, tofu: pinned === undefined };
    this.#io.send(shake(client.writeMsg1()));
    return undefined;
  }

  #suitePreference(): NoiseSuiteName[] {
    const fromCiphers = this.#settings.preferences.ciphers.map((c) => SUITE_OF_CIPHER[c]);
    return fromCiphers.length > 0 ? fromCiphers : [...NOISE_SUITE_PREFERENCE];
  }

  async #resolvePsk(): Promise<Uint8Array> {
    const s = this.#settings;
    if (s.noisePsk !== undefined) return toPsk(s.noisePsk);
    const nodeId = this.#hello?.['node_id'];
    if (typeof nodeId !== 'string') {
      throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected the hub HELLO with a string "node_id" before its Noise offer, got ${nodeId === undefined ? 'none' : typeof nodeId}`);
    }
    this.#io.slowStep(true);
    try {
      return await s.derivePsk(s.password ?? '', nodeId);
    } finally {
      this.#io.slowStep(false);
    }
  }

  async #onPasswordResponse(step: Extract<Step, { kind: 'await-password' }>, response: JsonObject): Promise<HandshakeResult> {
    this.#step = { kind: 'working' };
    const key = await step.client.receiveAndVerify(response['envelope']);
    const negotiated = readNegotiated(response, this.#settings.preferences);
    for (const warning of negotiated.warnings) this.#io.log('warn', warning);
    this.#step = { kind: 'done' };
    const hubMax = step.request['max_protocol_version'];
    return {
      keys: { kind: 'legacy', cipher: negotiated.cipher, encoding: negotiated.encoding, key, allowZ85P: this.#settings.preferences.allowZ85P },
      info: {
        protocol: 'password',
        cipher: negotiated.cipher,
        encoding: negotiated.encoding,
        binarize: this.#settings.preferences.binarize && step.request['binarize'] === true,
        hubMaxProtocolVersion: typeof hubMax === 'number' ? hubMax : undefined,
      },
    };
  }

  async #onNoiseResponse(step: Extract<Step, { kind: 'await-noise' }>, response: JsonObject): Promise<HandshakeResult> {
    this.#step = { kind: 'working' };
    let result;
    try {
      result = step.client.readMsg2(response);
    } catch (error) {
      // The PSK is mixed in before msg2's payload is authenticated: a bad tag here means the PSK (password) differs.
      if (error instanceof HiveCryptoError && error.code === 'HM_ERR_BAD_TAG') {
        throw new HiveAuthError('HM_ERR_WRONG_PASSWORD', 'expected a Noise msg2 that authenticates with our PSK, got one that does not (wrong password or PSK)', { cause: error });
      }
      throw error;
    }
    if (step.checkPin !== undefined && !sameKey(step.checkPin, result.serverStaticKey)) {
      throw new HiveAuthError('HM_ERR_PIN_MISMATCH', 'expected the pinned hub Noise key, got a different one (possible MITM)');
    }
    if (step.tofu) {
      await this.#settings.keyStore.pin(this.#settings.pinId, result.serverStaticKey);
      this.#io.log('info', `pinned the hub's Noise key for ${this.#settings.pinId} (trust on first use)`);
    }
    if (result.msg3Payload !== undefined) this.#io.send(shake(result.msg3Payload));
    this.#step = { kind: 'done' };
    const hubMax = step.request['max_protocol_version'];
    const { pattern, suite } = step.client.selection;
    return {
      keys: { kind: 'noise', transport: result.transport },
      info: {
        protocol: 'noise',
        noisePattern: pattern,
        cipher: suite,
        encoding: result.encoding,
        binarize: this.#settings.preferences.binarize && step.request['binarize'] === true,
        hubMaxProtocolVersion: typeof hubMax === 'number' ? hubMax : undefined,
      },
    };
  }
}
