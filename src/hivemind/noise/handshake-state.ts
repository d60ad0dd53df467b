/**
 * The Noise HandshakeState object for the psk patterns HiveMind uses, initiator and responder
 * (Noise Protocol Framework rev. 34 §5.3, §9; HIVEMIND.md §2.9).
 *
 * Ephemeral keys come from an injected {@link RandomSource}, so recorded handshakes can be replayed byte for byte.
 * Because both patterns carry a `psk` token, every `e` token also performs `MixKey(e.public)` (Noise §9.2).
 * Any failure while reading or writing a message aborts the handshake: the object refuses every later call.
 *
 * @module
 */
import { HiveCryptoError } from '../errors.js';
import { type RandomSource, systemRandom } from '../random.js';
import type { CipherState } from './cipher-state.js';
import { NOISE_DH_BYTES, NOISE_MAX_MESSAGE_BYTES, NOISE_PSK_BYTES, NOISE_TAG_BYTES } from './constants.js';
import {
  NOISE_PATTERNS,
  NOISE_SUITE_CIPHERS,
  type NoisePattern,
  type NoisePatternName,
  type NoiseSuiteName,
  type NoiseToken,
  noiseProtocolName,
} from './patterns.js';
import { SymmetricState } from './symmetric-state.js';
import { type X25519KeyPair, generateX25519KeyPair, x25519, x25519KeyPairFromPrivate } from './x25519.js';

const EMPTY = new Uint8Array(0);

/** Everything a HandshakeState needs (Noise `Initialize()`). */
export interface HandshakeOptions {
  readonly pattern: NoisePatternName;
  readonly suite: NoiseSuiteName;
  /** True for the initiator (the HiveMind client), false for the responder (the hub). */
  readonly initiator: boolean;
  /** Bytes both sides must agree on (HIVEMIND.md §2.9: HELLO ‖ HANDSHAKE request ‖ protocol name). */
  readonly prologue: Uint8Array;
  /** The 32-byte pre-shared key. */
  readonly psk: Uint8Array;
  /** Our 32-byte static X25519 private key. */
  readonly staticPrivateKey: Uint8Array;
  /** The peer's static public key: required when the pattern has it as a pre-message (KKpsk0), refused otherwise. */
  readonly remoteStaticPublicKey?: Uint8Array;
  /** Source of the ephemeral private key. Default {@link systemRandom}. */
  readonly random?: RandomSource;
}

/** The two transport CipherStates of one side after `Split()`. */
export interface NoiseSplit {
  /** Encrypts what this side sends. */
  readonly send: CipherState;
  /** Decrypts what this side receives. */
  readonly receive: CipherState;
}

function noiseError(message: string): HiveCryptoError {
  return new HiveCryptoError('HM_ERR_NOISE', message);
}

/** A Noise handshake in progress for one side. */
export class HandshakeState {
  /** The full protocol name, e.g. `Noise_XXpsk2_25519_ChaChaPoly_SHA256`. */
  readonly protocolName: string;
  /** True for the initiator. */
  readonly initiator: boolean;
  readonly #pattern: NoisePattern;
  readonly #symmetric: SymmetricState;
  readonly #static: X25519KeyPair;
  readonly #psk: Uint8Array;
  readonly #random: RandomSource;
  #ephemeral: X25519KeyPair | undefined;
  #remoteStatic: Uint8Array | undefined;
  #remoteEphemeral: Uint8Array | undefined;
  #messageIndex = 0;
  #failed = false;
  #splitDone = false;

  /**
   * Noise `Initialize()`: `InitializeSymmetric(protocol_name)`, `MixHash(prologue)`, then the pre-message static
   * keys (the initiator's first).
   *
   * @throws {HM_ERR_BAD_KEY} if the PSK, static key or remote static key has the wrong length.
   * @throws {HM_ERR_NOISE} if the remote static key is missing for KKpsk0 or given for XXpsk2.
   */
  constructor(options: HandshakeOptions) {
    const pattern = NOISE_PATTERNS[options.pattern];
    this.#pattern = pattern;
    this.initiator = options.initiator;
    this.protocolName = noiseProtocolName(options.pattern, options.suite);
    if (!(options.psk instanceof Uint8Array) || options.psk.length !== NOISE_PSK_BYTES) {
      const got = options.psk instanceof Uint8Array ? `${options.psk.length} bytes` : typeof options.psk;
      throw new HiveCryptoError('HM_ERR_BAD_KEY', `expected a ${NOISE_PSK_BYTES}-byte Noise PSK, got ${got}`);
    }
    this.#psk = options.psk.slice();
    this.#static = x25519KeyPairFromPrivate(options.staticPrivateKey);
    this.#random = options.random ?? systemRandom;

    const remoteKnown = options.initiator ? pattern.responderStaticPremessage : pattern.initiatorStaticPremessage;
    const remote = options.remoteStaticPublicKey;
    if (remoteKnown && remote === undefined) {
      throw noiseError(`expected the peer's static public key for ${pattern.name}, got none`);
    }
    if (!remoteKnown && remote !== undefined) {
      throw noiseError(`expected no peer static key for ${pattern.name} (it is learned in the handshake), got one`);
    }
    if (remote !== undefined) {
      if (!(remote instanceof Uint8Array) || remote.length !== NOISE_DH_BYTES) {
        throw new HiveCryptoError('HM_ERR_BAD_KEY', `expected a ${NOISE_DH_BYTES}-byte peer static public key, got ${remote instanceof Uint8Array ? remote.length : typeof remote}`);
      }
      this.#remoteStatic = remote.slice();
    }

    this.#symmetric = new SymmetricState(this.protocolName, NOISE_SUITE_CIPHERS[options.suite]);
    this.#symmetric.mixHash(options.prologue);
    const ownPublic = this.#static.publicKey;
    if (pattern.initiatorStaticPremessage) this.#symmetric.mixHash(options.initiator ? ownPublic : (this.#remoteStatic ?? EMPTY));
    if (pattern.responderStaticPremessage) this.#symmetric.mixHash(options.initiator ? (this.#remoteStatic ?? EMPTY) : ownPublic);
  }

  /** True once every handshake message has been written or read. */
  get isComplete(): boolean {
    return this.#messageIndex === this.#pattern.messages.length;
  }

  /** True if the next step of this side is {@link writeMessage} (false: {@link readMessage}, or complete). */
  get isMyTurn(): boolean {
    return !this.isComplete && this.#messageIndex % 2 === (this.initiator ? 0 : 1);
  }

  /** The handshake hash `h` (Noise `GetHandshakeHash()`); final once {@link isComplete}. */
  get handshakeHash(): Uint8Array {
    return this.#symmetric.handshakeHash;
  }

  /** The peer's static public key: given in advance (KKpsk0) or learned from the handshake (XXpsk2). */
  get remoteStaticPublicKey(): Uint8Array | undefined {
    return this.#remoteStatic?.slice();
  }

  /** Our static public key. */
  get staticPublicKey(): Uint8Array {
    return this.#static.publicKey.slice();
  }

  /**
   * Noise `WriteMessage(payload, message_buffer)`: the next handshake message carrying `payload`.
   *
   * @throws {HM_ERR_NOISE} if it is not this side's turn, the handshake is over or aborted, or the message would
   *   exceed 65535 bytes.
   */
  writeMessage(payload: Uint8Array = EMPTY): Uint8Array {
    this.#assertStep(true);
    const parts: Uint8Array[] = [];
    try {
      for (const token of this.#tokens()) {
        if (token === 'e') {
          const ephemeral = generateX25519KeyPair(this.#random);
          this.#ephemeral = ephemeral;
          parts.push(ephemeral.publicKey);
          this.#symmetric.mixHash(ephemeral.publicKey);
          this.#symmetric.mixKey(ephemeral.publicKey);
        } else if (token === 's') {
          parts.push(this.#symmetric.encryptAndHash(this.#static.publicKey));
        } else {
          this.#mixToken(token);
        }
      }
      parts.push(this.#symmetric.encryptAndHash(payload));
    } catch (error) {
      this.#failed = true;
      throw error;
    }
    const message = concat(parts);
    if (message.length > NOISE_MAX_MESSAGE_BYTES) {
      this.#failed = true;
      throw noiseError(`expected a handshake message of at most ${NOISE_MAX_MESSAGE_BYTES} bytes, got ${message.length}`);
    }
    this.#messageIndex++;
    return message;
  }

  /**
   * Noise `ReadMessage(message, payload_buffer)`: processes the peer's next handshake message, returns its payload.
   *
   * @throws {HM_ERR_NOISE} if it is not the peer's turn, the handshake is over or aborted, or the message is too
   *   long, too short, or carries an unusable public key.
   * @throws {HM_ERR_BAD_TAG} if an encrypted part fails authentication (wrong PSK, tampering, prologue mismatch).
   */
  readMessage(message: Uint8Array): Uint8Array {
    this.#assertStep(false);
    try {
      if (message.length > NOISE_MAX_MESSAGE_BYTES) {
        throw noiseError(`expected a handshake message of at most ${NOISE_MAX_MESSAGE_BYTES} bytes, got ${message.length}`);
      }
      let offset = 0;
      const take = (length: number, what: string): Uint8Array => {
        if (message.length - offset < length) {
          throw noiseError(`expected ${length} more bytes for ${what} in handshake message ${this.#messageIndex + 1}, got ${message.length - offset}`);
        }
        const part = message.subarray(offset, offset + length);
        offset += length;
        return part;
      };
      for (const token of this.#tokens()) {
        if (token === 'e') {
          const remoteEphemeral = take(NOISE_DH_BYTES, 'an ephemeral key').slice();
          this.#remoteEphemeral = remoteEphemeral;
          this.#symmetric.mixHash(remoteEphemeral);
          this.#symmetric.mixKey(remoteEphemeral);
        } else if (token === 's') {
          const length = NOISE_DH_BYTES + (this.#symmetric.hasKey() ? NOISE_TAG_BYTES : 0);
          this.#remoteStatic = this.#symmetric.decryptAndHash(take(length, 'a static key')).slice();
        } else {
          this.#mixToken(token);
        }
      }
      const payload = this.#symmetric.decryptAndHash(message.subarray(offset));
      this.#messageIndex++;
      return payload;
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }

  /**
   * Noise `Split()`, oriented for this side. Callable once, after the last handshake message.
   *
   * @throws {HM_ERR_NOISE} if the handshake is not complete, was aborted, or was already split.
   */
  split(): NoiseSplit {
    this.#assertSplittable();
    this.#splitDone = true;
    const [initiatorToResponder, responderToInitiator] = this.#symmetric.split();
    return this.initiator
      ? { send: initiatorToResponder, receive: responderToInitiator }
      : { send: responderToInitiator, receive: initiatorToResponder };
  }

  /**
   * The two `Split()` keys (initiator→responder, responder→initiator), for diagnostics and test vectors only.
   *
   * @throws {HM_ERR_NOISE} if the handshake is not complete or was aborted.
   */
  transportKeys(): { readonly initiatorToResponder: Uint8Array; readonly responderToInitiator: Uint8Array } {
    if (this.#failed || !this.isComplete) throw noiseError('expected a completed handshake, got one in progress or aborted');
    const [initiatorToResponder, responderToInitiator] = this.#symmetric.splitKeys();
    return { initiatorToResponder, responderToInitiator };
  }

  #tokens(): readonly NoiseToken[] {
    const tokens = this.#pattern.messages[this.#messageIndex];
    if (tokens === undefined) throw noiseError('expected a handshake message left to process, got none');
    return tokens;
  }

  #assertStep(writing: boolean): void {
    if (this.#failed) throw noiseError('expected a live handshake, got one aborted by an earlier failure');
    if (this.isComplete) throw noiseError(`expected a handshake in progress, got ${this.protocolName} already complete`);
    if (this.isMyTurn !== writing) {
      const step = `message ${this.#messageIndex + 1}`;
      throw noiseError(writing ? `expected to read ${step} from the peer, got a write` : `expected to write ${step}, got a read`);
    }
  }

  #assertSplittable(): void {
    if (this.#failed) throw noiseError('expected a completed handshake, got one aborted');
    if (!this.isComplete) throw noiseError(`expected a completed handshake, got message ${this.#messageIndex + 1} pending`);
    if (this.#splitDone) throw noiseError('expected a handshake not yet split, got a second Split() (nonce reuse)');
  }

  /** The DH tokens: `es` is always initiator-ephemeral × responder-static, and so on (Noise §5.3). */
  #mixToken(token: Exclude<NoiseToken, 'e' | 's'>): void {
    if (token === 'psk') {
      this.#symmetric.mixKeyAndHash(this.#psk);
      return;
    }
    // The first letter names the initiator's key, the second the responder's.
    const [mine, theirs] = this.initiator ? [token[0], token[1]] : [token[1], token[0]];
    const privateKey = mine === 'e' ? this.#ephemeral : this.#static;
    const publicKey = theirs === 'e' ? this.#remoteEphemeral : this.#remoteStatic;
    if (privateKey === undefined || publicKey === undefined) throw noiseError(`expected both keys for token ${token}, got one missing`);
    this.#symmetric.mixKey(x25519(privateKey, publicKey));
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
