/**
 * The HiveMind protocol v3 handshake, client (Noise initiator) and hub (Noise responder) (HIVEMIND.md §2.9).
 *
 * Client: `writeMsg1()` → HANDSHAKE `{"noise": {pattern, suite, msg}}`; `readMsg2(payload)` → the selected
 * encoding, the msg3 HANDSHAKE payload (XXpsk2 only) and the {@link NoiseTransport}. The hub's static key is checked
 * against the pinned one (if any) before the client reveals its own static key in msg3.
 * Hub (for a test hub): `readMsg1(payload)` → `writeMsg2(encoding)` → (XXpsk2) `readMsg3(payload)`.
 *
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import { HiveAuthError, HiveProtocolError } from '../errors.js';
import type { JsonObject } from '../json.js';
import type { RandomSource } from '../random.js';
import { HandshakeState } from './handshake-state.js';
import {
  type NoiseMsg1Payload,
  type NoiseSelection,
  NOISE_SUITE_PREFERENCE,
  buildNoisePrologue,
  decodeNoiseHandshakePayload,
  decodeNoiseMsg1Payload,
  decodeNoiseMsg2Payload,
  encodeNoiseHandshakePayload,
  encodeNoiseMsg1Payload,
  encodeNoiseMsg2Payload,
  parseNoiseOffer,
  selectNoiseOptions,
} from './negotiation.js';
import { type NoiseSuiteName, isNoisePatternName, isNoiseSuiteName, noiseProtocolName } from './patterns.js';
import { getHiveMindPsk, toPsk } from './psk.js';
import { NoiseTransport } from './transport.js';

/** How the PSK is obtained: pre-computed, or derived from the password and the HELLO `node_id` (cached). */
export type NoiseCredentials = { readonly psk: Uint8Array | string } | { readonly password: string };

/**
 * The 32-byte PSK for a hub: the pre-computed one, or argon2id(password, SHA-256(node_id)).
 *
 * @throws {HM_ERR_BAD_KEY} for a malformed pre-computed PSK; {HM_ERR_HANDSHAKE} if HELLO has no string `node_id`;
 *   {HM_ERR_NOISE} if argon2id fails.
 */
export async function resolveNoisePsk(credentials: NoiseCredentials, helloPayload: JsonObject): Promise<Uint8Array> {
  if ('psk' in credentials) return toPsk(credentials.psk);
  const nodeId = helloPayload['node_id'];
  if (typeof nodeId !== 'string') {
    throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected HELLO "node_id" to be a string, got ${nodeId === null ? 'null' : typeof nodeId}`);
  }
  return getHiveMindPsk(credentials.password, nodeId);
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Options of {@link HiveNoiseClient}. */
export interface HiveNoiseClientOptions {
  /** The hub's HELLO payload, exactly as received. */
  readonly helloPayload: JsonObject;
  /** The hub's HANDSHAKE request payload, exactly as received. */
  readonly requestPayload: JsonObject;
  /** The 32-byte PSK (see {@link resolveNoisePsk}). */
  readonly psk: Uint8Array;
  /** Our persisted static X25519 private key. */
  readonly staticPrivateKey: Uint8Array;
  /** The hub's static key pinned for this host:port, if any (enables KKpsk0 and is checked in XXpsk2). */
  readonly pinnedServerKey?: Uint8Array;
  readonly binarize: boolean;
  /** Encodings we accept, sent in msg1. */
  readonly encodings: readonly string[];
  readonly suitePreference?: readonly NoiseSuiteName[];
  /** Source of the ephemeral key. */
  readonly random?: RandomSource;
}

/** What the client knows once it has read msg2. */
export interface HiveNoiseClientResult {
  /** The encoding the hub selected. */
  readonly encoding: string;
  /** The HANDSHAKE payload of msg3 to send (XXpsk2), or undefined (KKpsk0 is complete after msg2). */
  readonly msg3Payload: JsonObject | undefined;
  readonly transport: NoiseTransport;
  readonly handshakeHash: Uint8Array;
  /** The hub's static public key (pin it on first use). */
  readonly serverStaticKey: Uint8Array;
}

/** The client (initiator) side of a HiveMind v3 handshake. */
export class HiveNoiseClient {
  readonly selection: NoiseSelection;
  readonly #handshake: HandshakeState;
  readonly #options: HiveNoiseClientOptions;

  /**
   * @throws {HM_ERR_NEGOTIATION} if the hub offers no usable pattern/suite; {HM_ERR_HANDSHAKE} if it offers no
   *   `noise` at all; {HM_ERR_BAD_KEY} for malformed keys.
   */
  constructor(options: HiveNoiseClientOptions) {
    const offer = parseNoiseOffer(options.requestPayload);
    if (offer === undefined) throw new HiveProtocolError('HM_ERR_HANDSHAKE', 'expected a HANDSHAKE request with a "noise" offer, got none');
    const pinned = options.pinnedServerKey;
    this.selection = selectNoiseOptions(offer, {
      serverKeyPinned: pinned !== undefined,
      suitePreference: options.suitePreference ?? NOISE_SUITE_PREFERENCE,
    });
    const { pattern, suite } = this.selection;
    this.#options = options;
    this.#handshake = new HandshakeState({
      pattern,
      suite,
      initiator: true,
      prologue: buildNoisePrologue(options.helloPayload, options.requestPayload, noiseProtocolName(pattern, suite)),
      psk: options.psk,
      staticPrivateKey: options.staticPrivateKey,
      ...(pattern === 'KKpsk0' && pinned !== undefined ? { remoteStaticPublicKey: pinned } : {}),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  /**
   * The HANDSHAKE payload of message 1.
   *
   * @throws {HM_ERR_NOISE} if called twice.
   */
  writeMsg1(): JsonObject {
    const payload = encodeNoiseMsg1Payload({ binarize: this.#options.binarize, encodings: this.#options.encodings });
    const msg = this.#handshake.writeMessage(payload);
    return encodeNoiseHandshakePayload({ pattern: this.selection.pattern, suite: this.selection.suite, msg });
  }

  /**
   * Process the hub's message 2.
   *
   * @throws {HM_ERR_BAD_TAG} (wrong password/PSK, tampering, prologue mismatch); {HM_ERR_NOISE};
   *   {HM_ERR_HANDSHAKE} for a malformed payload; {HM_ERR_NEGOTIATION} if the hub picked an encoding we did not
   *   offer; {HM_ERR_PIN_MISMATCH} (HiveAuthError) if the hub's static key differs from the pinned one.
   */
  readMsg2(handshakePayload: JsonObject): HiveNoiseClientResult {
    const { msg } = decodeNoiseHandshakePayload(handshakePayload);
    const encoding = decodeNoiseMsg2Payload(this.#handshake.readMessage(msg));
    if (!this.#options.encodings.includes(encoding)) {
      throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected one of the offered encodings, got "${encoding.slice(0, 40)}"`);
    }
    const serverStaticKey = this.#handshake.remoteStaticPublicKey;
    if (serverStaticKey === undefined) throw new HiveProtocolError('HM_ERR_HANDSHAKE', 'expected the hub static key after msg2, got none');
    const pinned = this.#options.pinnedServerKey;
    if (pinned !== undefined && !sameKey(pinned, serverStaticKey)) {
      throw new HiveAuthError('HM_ERR_PIN_MISMATCH', 'expected the pinned hub Noise key, got a different one (possible MITM)');
    }
    const msg3Payload = this.#handshake.isComplete ? undefined : encodeNoiseHandshakePayload({ msg: this.#handshake.writeMessage() });
    return {
      encoding,
      msg3Payload,
      transport: new NoiseTransport(this.#handshake.split()),
      handshakeHash: this.#handshake.handshakeHash,
      serverStaticKey,
    };
  }
}

/** Options of {@link HiveNoiseServer}. */
export interface HiveNoiseServerOptions {
  /** The HELLO payload we sent. */
  readonly helloPayload: JsonObject;
  /** The HANDSHAKE request payload we sent (its `noise` offer bounds what the client may pick). */
  readonly requestPayload: JsonObject;
  readonly psk: Uint8Array;
  readonly staticPrivateKey: Uint8Array;
  /** The client's static key pinned for this access key (required for KKpsk0, checked after XXpsk2). */
  readonly pinnedClientKey?: Uint8Array;
  readonly random?: RandomSource;
}

/** The hub (responder) side of a HiveMind v3 handshake: for a TypeScript test hub. */
export class HiveNoiseServer {
  readonly #options: HiveNoiseServerOptions;
  #handshake: HandshakeState | undefined;

  constructor(options: HiveNoiseServerOptions) {
    this.#options = options;
  }

  /**
   * Process the client's message 1 and return its pattern, suite and payload.
   *
   * @throws {HM_ERR_NEGOTIATION} if the pattern/suite was not offered, or KKpsk0 without a pinned client key;
   *   {HM_ERR_HANDSHAKE} for a malformed payload or a second msg1; {HM_ERR_BAD_TAG} / {HM_ERR_NOISE} from Noise.
   */
  readMsg1(handshakePayload: JsonObject): NoiseSelection & NoiseMsg1Payload {
    if (this.#handshake !== undefined) throw new HiveProtocolError('HM_ERR_HANDSHAKE', 'expected one Noise msg1, got a second');
    const { pattern, suite, msg } = decodeNoiseHandshakePayload(handshakePayload);
    const offer = parseNoiseOffer(this.#options.requestPayload);
    if (!isNoisePatternName(pattern) || !isNoiseSuiteName(suite) || offer === undefined || !offer.patterns.includes(pattern) || !offer.suites.includes(suite)) {
      throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected an offered pattern and suite, got "${String(pattern).slice(0, 20)}" / "${String(suite).slice(0, 40)}"`);
    }
    const pinned = this.#options.pinnedClientKey;
    if (pattern === 'KKpsk0' && pinned === undefined) {
      throw new HiveProtocolError('HM_ERR_NEGOTIATION', 'expected XXpsk2 from a client with no pinned key, got KKpsk0');
    }
    this.#handshake = new HandshakeState({
      pattern,
      suite,
      initiator: false,
      prologue: buildNoisePrologue(this.#options.helloPayload, this.#options.requestPayload, noiseProtocolName(pattern, suite)),
      psk: this.#options.psk,
      staticPrivateKey: this.#options.staticPrivateKey,
      ...(pattern === 'KKpsk0' && pinned !== undefined ? { remoteStaticPublicKey: pinned } : {}),
      ...(this.#options.random === undefined ? {} : { random: this.#options.random }),
    });
    return { pattern, suite, ...decodeNoiseMsg1Payload(this.#handshake.readMessage(msg)) };
  }

  /**
   * Message 2 carrying the selected encoding. For KKpsk0 the handshake is then complete and `transport` is set.
   *
   * @throws {HM_ERR_NOISE} if called out of order.
   */
  writeMsg2(encoding: string): { readonly payload: JsonObject; readonly transport: NoiseTransport | undefined } {
    const handshake = this.#requireHandshake();
    const payload = encodeNoiseHandshakePayload({ msg: handshake.writeMessage(encodeNoiseMsg2Payload(encoding)) });
    return { payload, transport: handshake.isComplete ? new NoiseTransport(handshake.split()) : undefined };
  }

  /**
   * Process XXpsk2 message 3 and return the transport and the client's static key (to pin on first use).
   *
   * @throws {HM_ERR_BAD_TAG} / {HM_ERR_NOISE} from Noise; {HM_ERR_PIN_MISMATCH} (HiveAuthError) if the client's static key
   *   differs from the pinned one.
   */
  readMsg3(handshakePayload: JsonObject): { readonly transport: NoiseTransport; readonly clientStaticKey: Uint8Array } {
    const handshake = this.#requireHandshake();
    const { msg } = decodeNoiseHandshakePayload(handshakePayload);
    handshake.readMessage(msg);
    const clientStaticKey = handshake.remoteStaticPublicKey;
    if (clientStaticKey === undefined) throw new HiveProtocolError('HM_ERR_HANDSHAKE', 'expected the client static key after msg3, got none');
    const pinned = this.#options.pinnedClientKey;
    if (pinned !== undefined && !sameKey(pinned, clientStaticKey)) {
      throw new HiveAuthError('HM_ERR_PIN_MISMATCH', 'expected the pinned client Noise key, got a different one');
    }
    return { transport: new NoiseTransport(handshake.split()), clientStaticKey };
  }

  /** The handshake hash so far (final after the last message). */
  get handshakeHash(): Uint8Array | undefined {
    return this.#handshake?.handshakeHash;
  }

  #requireHandshake(): HandshakeState {
    if (this.#handshake === undefined) throw new HiveProtocolError('HM_ERR_HANDSHAKE', 'expected Noise msg1 first, got a later step');
    return this.#handshake;
  }
}
