/**
 * Options and events of the test hub.
 *
 * @module
 */
import type { HiveCipher } from '../../src/hivemind/aead.js';
import type { HiveEncoding } from '../../src/hivemind/encodings.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import type { HiveMessage } from '../../src/hivemind/message.js';
import type { BinaryPayloadType } from '../../src/hivemind/message-types.js';
import type { NoisePatternName, NoiseSuiteName } from '../../src/hivemind/noise/index.js';
import type { RandomSource } from '../../src/hivemind/random.js';
import type { HubAgent } from './agent.js';
import type { HubConnection } from './connection.js';
import type { FaultAction, HubFault } from './faults.js';
import type { TestHub } from './hub.js';
import type { DropAction, HubProfile } from './profiles.js';
import type { HubStreamOptions } from './stream.js';

/** One row of the hub's client DB (plugin-manager `Client`, HIVEMIND.md §5.8). */
export interface HubClientOptions {
  readonly accessKey: string;
  /** Password for the password handshake and the Noise PSK. */
  readonly password?: string;
  /** Legacy 16-character pre-shared key (§2.8). */
  readonly cryptoKey?: string;
  /** DB `name` (third part of the peer id). Default `client-<clientId>`. */
  readonly name?: string;
  /** DB `client_id` (second part of the peer id). Default: its 1-based position in `clients`. */
  readonly clientId?: number;
  readonly isAdmin?: boolean;
  /** BUS types the client may send. Default (and when empty) {@link DEFAULT_ALLOWED_TYPES}; the utterance type is always added. */
  readonly allowedTypes?: readonly string[];
  /** DB `message_blacklist`: server→client BUS types never sent to it. */
  readonly messageBlacklist?: readonly string[];
  readonly skillBlacklist?: readonly string[];
  readonly intentBlacklist?: readonly string[];
  /** Default true. */
  readonly canBroadcast?: boolean;
  /** Default true. */
  readonly canEscalate?: boolean;
  /** Default true. */
  readonly canPropagate?: boolean;
  /** The client's Noise static public key, already pinned (TOFU; `KKpsk0` is then offered). */
  readonly noisePinnedKey?: Uint8Array;
  /** Pre-computed Noise PSK (skips argon2id). */
  readonly noisePsk?: Uint8Array;
}

/** Server configuration (server.json and the connection defaults). */
export interface HubServerConfig {
  /** `allowed_encodings`, default all seven in the recorded order (empty = all). */
  readonly allowedEncodings?: readonly HiveEncoding[];
  /** `allowed_ciphers`, default `["CHACHA20-POLY1305", "AES-GCM"]` (empty = `["AES-GCM"]`). */
  readonly allowedCiphers?: readonly HiveCipher[];
  /** Offer `binarize` in the HANDSHAKE request (default false). The client's own choice is honoured either way. */
  readonly binarize?: boolean;
  /** Source of handshake IVs, AEAD nonces and Noise ephemeral keys (default the system CSPRNG). */
  readonly random?: RandomSource;
  /** RSA public key PEM for HELLO (default a fixed fake one). */
  readonly pubkey?: string;
  /** HELLO `node_id` (default `master:0.0.0.0` for core-4.0, the pubkey for newer profiles). */
  readonly nodeId?: string;
  /** Generation B/C `min_protocol_version` floor (default 2; 3 for core-5). */
  readonly minProtocolVersion?: number;
  /** Generation B: the Noise module is available (default true). */
  readonly noise?: boolean;
  /** Noise suites offered (default both). */
  readonly noiseSuites?: readonly NoiseSuiteName[];
  /** The hub's static X25519 private key (default: random, kept across restarts). */
  readonly noiseStaticPrivateKey?: Uint8Array;
  /** Generation B/C: what an undecodable frame does (UNVERIFIED in the spec; default abort). */
  readonly decodeFailure?: 'abort' | 'stall';
  /**
   * How a failed Noise handshake (bad msg1, a msg3 from another key than the pinned one) ends: `policy` (default,
   * close 1008 with a reason, as the spec says) or `bare` — a close frame without a status code, as the real
   * hivemind-core 4.0.0 with the Python Noise code does for a wrong password or another device's key (PLATFORM.md
   * "Real hubs").
   */
  readonly noiseRefusal?: 'policy' | 'bare';
  /** `Session.deserialize` defaults (default: the recorded server's OVOS config). */
  readonly sessionDefaults?: JsonObject;
  /** Replace the HELLO payload the hub sends (e.g. with a Noise vector's). */
  readonly rewriteHello?: (payload: JsonObject) => JsonObject;
  /** Replace the HANDSHAKE request payload the hub sends. */
  readonly rewriteHandshakeRequest?: (payload: JsonObject) => JsonObject;
}

/** The server-side audio plugin (hivemind-audio-binary-protocol, §6.1). Without it, audio is ignored. */
export interface HubAudioOptions {
  /** TTS: the file bytes for `speak:synth` (BINARY TTS_AUDIO) and `speak:b64_audio` (base64). */
  readonly synth?: (utterance: string, lang: string) => Uint8Array | Promise<Uint8Array>;
  /** `file_name` in TTS_AUDIO metadata (default `tts.wav`). */
  readonly fileName?: string;
  /** STT for STT_AUDIO_HANDLE / STT_AUDIO_TRANSCRIBE / `recognizer_loop:b64_transcribe`; `""` = no speech. */
  readonly transcribe?: (pcm: Uint8Array, info: TranscribeInfo) => string | Promise<string>;
}

/** Audio parameters from BINARY metadata or b64 data. */
export interface TranscribeInfo {
  readonly lang: string;
  readonly sampleRate: number;
  readonly sampleWidth: number;
}

/** Hook for every BINARY message a client sends. */
export type HubBinaryHook = (event: HubBinaryMessage, hub: TestHub) => void | Promise<void>;

/** Options of `startTestHub`. */
export interface TestHubOptions {
  readonly clients: readonly HubClientOptions[];
  /** Default `core-4.0`. */
  readonly profile?: HubProfile;
  readonly serverConfig?: HubServerConfig;
  /** The OVOS side (default `agents.responder()`). */
  readonly agent?: HubAgent;
  readonly binary?: HubBinaryHook;
  readonly audio?: HubAudioOptions;
  /** The audio plugin's listener for RAW_AUDIO streams (stream.ts). Without it, streams are left to `binary`. */
  readonly stream?: HubStreamOptions;
  readonly faults?: readonly HubFault[];
  /** Port to listen on (default 0: any free port, kept across restarts). */
  readonly port?: number;
}

/** How a connection is keyed. */
export type HubProtocol = 'password' | 'noise' | 'preshared';

/** A BINARY message from a client. */
export interface HubBinaryMessage {
  readonly connection: HubConnection;
  readonly binaryType: BinaryPayloadType;
  readonly payload: Uint8Array;
  readonly metadata: JsonObject;
}

/** A decoded client message. `binary` is set for BINARY messages (then `message.msg_type` is `bin`). */
export interface HubMessageEvent {
  readonly connection: HubConnection;
  readonly message: HiveMessage;
  readonly binary: HubBinaryMessage | undefined;
  /** The frame was encrypted (legacy AEAD or Noise transport). */
  readonly encrypted: boolean;
  readonly frame: 'text' | 'binary';
}

/** The connection is keyed. */
export interface HubHandshakeEvent {
  readonly connection: HubConnection;
  readonly protocol: HubProtocol;
  /** Legacy cipher, or the Noise suite. */
  readonly cipher: string;
  readonly encoding: string;
  readonly binarize: boolean;
  readonly noise: { readonly pattern: NoisePatternName; readonly suite: NoiseSuiteName } | undefined;
}

/** Something the hub sent. */
export interface HubSentEvent {
  readonly connection: HubConnection;
  readonly message: HiveMessage;
  readonly frame: 'text' | 'binary';
  /** The frame as it went on the wire. */
  readonly data: string | Uint8Array;
}

/** Events of a {@link TestHub}, for `on()` and `waitFor()`. */
export interface HubEvents {
  /** A WebSocket passed admission (before HELLO). */
  connection: [{ readonly connection: HubConnection }];
  /** An upgrade was refused at admission (unknown key, bad authorization, protocol floor). */
  rejected: [{ readonly reason: 'badAuthorization' | 'unknownKey' | 'protocolFloor'; readonly accessKey: string | undefined }];
  handshake: [HubHandshakeEvent];
  /** The client's HELLO was processed: the connection is registered for replies. */
  hello: [{ readonly connection: HubConnection; readonly session: JsonObject }];
  message: [HubMessageEvent];
  /** A BUS message refused by `allowed_types` (4.0: silently; newer: with `hive.policy.denied`). */
  denied: [{ readonly connection: HubConnection; readonly type: string; readonly code: string }];
  sent: [HubSentEvent];
  /** A message the hub could not or would not send (blacklisted, metadata > 255 bytes, Noise size, closed). */
  dropped: [{ readonly connection: HubConnection; readonly message: HiveMessage; readonly reason: string }];
  /** The hub ended a connection: `action` says how, `cause` why. */
  serverClose: [{ readonly connection: HubConnection; readonly action: DropAction; readonly cause: string }];
  /** A socket closed (either side). `code` as the hub's end saw it (1005 empty frame, 1006 no frame). */
  clientClose: [{ readonly connection: HubConnection; readonly code: number; readonly reason: string; readonly byHub: boolean }];
  fault: [{ readonly connection: HubConnection; readonly action: FaultAction }];
  /** The agent, binary hook or audio plugin threw. */
  agentError: [{ readonly connection: HubConnection; readonly error: unknown }];
}

/** A client DB row with its defaults applied. `noisePin` changes when the hub pins a key on first use. */
export interface HubClientRecord {
  readonly accessKey: string;
  readonly password: string | undefined;
  readonly cryptoKey: string | undefined;
  readonly name: string;
  readonly clientId: number;
  readonly isAdmin: boolean;
  readonly allowedTypes: readonly string[];
  readonly messageBlacklist: readonly string[];
  readonly skillBlacklist: readonly string[];
  readonly intentBlacklist: readonly string[];
  readonly canBroadcast: boolean;
  readonly canEscalate: boolean;
  readonly canPropagate: boolean;
  readonly noisePsk: Uint8Array | undefined;
  noisePin: Uint8Array | undefined;
}

/** Server configuration with every default applied. */
export interface ResolvedServerConfig {
  readonly allowedEncodings: readonly HiveEncoding[];
  readonly allowedCiphers: readonly HiveCipher[];
  readonly binarize: boolean;
  readonly random: RandomSource;
  readonly pubkey: string;
  readonly nodeId: string;
  readonly minProtocolVersion: number;
  readonly noise: boolean;
  readonly noiseSuites: readonly NoiseSuiteName[];
  readonly noiseStaticPrivateKey: Uint8Array;
  readonly decodeFailure: 'abort' | 'stall';
  readonly noiseRefusal: 'policy' | 'bare';
  readonly sessionDefaults: JsonObject;
  readonly rewriteHello: (payload: JsonObject) => JsonObject;
  readonly rewriteHandshakeRequest: (payload: JsonObject) => JsonObject;
}
