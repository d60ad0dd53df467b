/**
 * The hub side of the handshakes, per profile: `handle_handshake_message` (password branch, HIVEMIND.md §2.5) and
 * `handle_noise_handshake_message` (Noise v3, §2.9), with the protocol floor of generation B/C (§2.3, §7.1).
 *
 * @module
 */
import { isHiveCipher } from '../../src/hivemind/aead.js';
import { type HiveEncoding, isHiveEncoding } from '../../src/hivemind/encodings.js';
import { HiveAuthError } from '../../src/hivemind/errors.js';
import { type JsonObject, type JsonValue, isJsonObject } from '../../src/hivemind/json.js';
import { HiveNoiseServer, type NoisePatternName, type NoiseSuiteName, type NoiseTransport, getHiveMindPsk } from '../../src/hivemind/noise/index.js';
import { PasswordHandshakeServer } from '../../src/hivemind/password-handshake.js';
import { FALLBACK_CLIENT_CIPHERS, FALLBACK_CLIENT_ENCODINGS, PASSWORD_PROTOCOL_VERSION, RSA_PROTOCOL_VERSION } from './constants.js';
import type { HubClientRecord, ResolvedServerConfig } from './types.js';
import { HubFailure, type LegacyKeying } from './frames.js';
import type { ProfileRules } from './profiles.js';

/** A completed handshake. */
export type HandshakeDone =
  | { readonly protocol: 'password'; readonly keying: LegacyKeying; readonly binarize: boolean }
  | {
      readonly protocol: 'noise';
      readonly transport: NoiseTransport;
      readonly binarize: boolean;
      readonly encoding: HiveEncoding;
      readonly pattern: NoisePatternName;
      readonly suite: NoiseSuiteName;
    };

/** What to do after a client HANDSHAKE: send `reply` (a HANDSHAKE payload) if any, then apply `done` if any. */
export interface HandshakeStep {
  readonly reply: JsonObject | undefined;
  readonly done: HandshakeDone | undefined;
}

/** Python truthiness of a JSON value. */
export function truthy(value: JsonValue | undefined): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isJsonObject(value)) return Object.keys(value).length > 0;
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}

/**
 * `payload.get(name) or fallback`, each entry checked by `isKnown`, then filtered by the server's list in client
 * order (client preference wins, §2.5.1).
 */
function negotiate<T extends string>(given: JsonValue | undefined, fallback: readonly string[], allowed: readonly T[], isKnown: (v: unknown) => v is T): T {
  const list = truthy(given) ? given : fallback;
  if (!Array.isArray(list)) throw new HubFailure('badName', 'expected a list of names');
  const known: T[] = [];
  for (const item of list) {
    if (!isKnown(item)) throw new HubFailure('badName', 'expected known cipher/encoding names');
    known.push(item);
  }
  const chosen = known.find((name) => allowed.includes(name));
  if (chosen === undefined) throw new HubFailure('negotiation', 'expected a cipher/encoding in common');
  return chosen;
}

/** The handshake state of one connection. */
export class HubHandshake {
  readonly #client: HubClientRecord;
  readonly #rules: ProfileRules;
  readonly #config: ResolvedServerConfig;
  readonly #requestPayload: JsonObject;
  #password: PasswordHandshakeServer | undefined;
  #noise: HiveNoiseServer | undefined;
  #selection: { pattern: NoisePatternName; suite: NoiseSuiteName; encoding: HiveEncoding; binarize: boolean } | undefined;

  constructor(client: HubClientRecord, rules: ProfileRules, config: ResolvedServerConfig, requestPayload: JsonObject) {
    this.#client = client;
    this.#rules = rules;
    this.#config = config;
    this.#requestPayload = requestPayload;
  }

  /**
   * Handle one client HANDSHAKE payload; `helloPayload` is the HELLO the hub sent (Noise prologue, PSK salt).
   *
   * @throws {HubFailure} for every refusal; the profile maps its kind to the close.
   */
  async handle(payload: JsonObject, helloPayload: JsonObject): Promise<HandshakeStep> {
    const rules = this.#rules;
    if (isJsonObject(payload['noise']) && rules.noise) return this.#noiseStep(payload, helloPayload);
    const legacy = 'pubkey' in payload || 'envelope' in payload;
    const attempted = 'pubkey' in payload ? RSA_PROTOCOL_VERSION : PASSWORD_PROTOCOL_VERSION;
    const minimum = this.#config.minProtocolVersion;
    // Generation B enforces its floor on legacy handshakes (4.10.4a1); generation C has no legacy handshake at all.
    if (legacy && ((rules.name !== 'core-4.0' && attempted < minimum) || !rules.legacyHandshake)) {
      throw new HubFailure('legacyFloor', 'expected a handshake at the protocol floor', { detail: [attempted, Math.max(minimum, attempted + 1)] });
    }
    if (!rules.legacyHandshake) throw new HubFailure('unrecognizedHandshake', 'expected a noise message');
    if ('pubkey' in payload) throw new HubFailure('rsa', 'expected no RSA handshake: the test hub has no RSA key');
    const password = this.#client.password;
    if ('envelope' in payload && password !== undefined) return this.#passwordStep(payload, password);
    throw new HubFailure('unrecognizedHandshake', 'expected an envelope (with a password in the DB) or a noise message');
  }

  /** Password branch (§2.5.1–§2.5.3): negotiate, draw a fresh IV, derive the key (verifying on newer hubs). */
  async #passwordStep(payload: JsonObject, password: string): Promise<HandshakeStep> {
    const config = this.#config;
    const binarize = truthy(payload['binarize']); // honoured whatever the server offered (§2.5.1)
    const encoding = negotiate(payload['encodings'], FALLBACK_CLIENT_ENCODINGS, config.allowedEncodings, isHiveEncoding);
    const cipher = negotiate(payload['ciphers'], FALLBACK_CLIENT_CIPHERS, config.allowedCiphers, isHiveCipher);
    // hivemind-core draws a new IV for every HANDSHAKE it receives.
    this.#password ??= new PasswordHandshakeServer(password, config.random, { verifyClient: this.#rules.verifiesClientEnvelope });
    const envelope = this.#password.generateEnvelope();
    let key: Uint8Array;
    try {
      key = await this.#password.receive(payload['envelope']);
    } catch (cause) {
      const what = cause instanceof HiveAuthError ? 'a client envelope made with the password' : 'a well-formed client envelope';
      throw new HubFailure('passwordVerification', `expected ${what}`, { cause });
    }
    return { reply: { envelope, encoding, cipher }, done: { protocol: 'password', keying: { key, cipher, encoding }, binarize } };
  }

  /** Noise (§2.9): msg1 → msg2, then msg3 for XXpsk2 (the client key is pinned on first use). */
  async #noiseStep(payload: JsonObject, helloPayload: JsonObject): Promise<HandshakeStep> {
    if (this.#noise === undefined) return this.#noiseMsg1(payload, helloPayload);
    const selection = this.#selection;
    if (selection === undefined) return { reply: undefined, done: undefined };
    let result;
    try {
      result = this.#noise.readMsg3(payload);
    } catch (cause) {
      const pin = cause instanceof HiveAuthError && cause.code === 'HM_ERR_PIN_MISMATCH';
      throw new HubFailure(pin ? 'noisePin' : 'noise', 'expected a valid Noise msg3 from the pinned key', { cause });
    }
    this.#client.noisePin ??= result.clientStaticKey; // TOFU
    return { reply: undefined, done: { protocol: 'noise', transport: result.transport, ...selection } };
  }

  async #noiseMsg1(payload: JsonObject, helloPayload: JsonObject): Promise<HandshakeStep> {
    const config = this.#config;
    const password = this.#client.password;
    if (password === undefined) throw new HubFailure('noise', 'expected a password in the DB for Noise');
    // The PSK salt is the node_id the hub actually sent (a rewritten HELLO included).
    const nodeId = typeof helloPayload['node_id'] === 'string' ? helloPayload['node_id'] : config.nodeId;
    const psk = this.#client.noisePsk ?? (await getHiveMindPsk(password, nodeId));
    const server = new HiveNoiseServer({
      helloPayload,
      requestPayload: this.#requestPayload,
      psk,
      staticPrivateKey: config.noiseStaticPrivateKey,
      random: config.random,
      ...(this.#client.noisePin === undefined ? {} : { pinnedClientKey: this.#client.noisePin }),
    });
    this.#noise = server;
    let msg1;
    try {
      msg1 = server.readMsg1(payload);
    } catch (cause) {
      throw new HubFailure('noise', 'expected a valid Noise msg1', { cause });
    }
    const encoding = msg1.encodings.find((e): e is HiveEncoding => isHiveEncoding(e) && config.allowedEncodings.includes(e));
    if (encoding === undefined) throw new HubFailure('negotiation', 'expected an encoding in common');
    const selection = { pattern: msg1.pattern, suite: msg1.suite, encoding, binarize: msg1.binarize };
    this.#selection = selection;
    const { payload: reply, transport } = server.writeMsg2(encoding);
    return { reply, done: transport === undefined ? undefined : { protocol: 'noise', transport, ...selection } };
  }
}
