/**
 * Options and events of {@link HubConnection}, and their validation into the settings a connection runs with.
 *
 * @module
 */
import { ConfigError } from '../errors.js';
import { type NoiseKeyStore, memoryNoiseKeyStore } from './noise-key-store.js';
import { buildAuthorization, buildHubUrl, DEFAULT_HUB_PORT } from './authorization.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import {
  DEFAULT_USERAGENT,
  HANDSHAKE_TIMEOUT_MS,
  OPEN_TIMEOUT_MS,
  SEND_QUEUE_MAX_MESSAGES,
  UNKNOWN_KEY_CLOSES,
} from './connection-constants.js';
import type { HivePolicyDeniedError } from './connection-errors.js';
import { type HubSocketOptions, type Timers, type WebSocketFactory, systemTimers, wsFactory } from './connection-io.js';
import type { ConnectionState } from './connection-state.js';
import type { HubConnection } from './connection.js';
import { MAX_DECOMPRESSED_BYTES, MAX_FRAME_BYTES, MIN_INBOUND_LIMIT_BYTES } from './constants.js';
import type { BinaryMessage, InboundLimits } from './frame-codec.js';
import type { HandshakeInfo, HandshakeSettings } from './handshake.js';
import { type HiveLogger, silentLogger } from './log.js';
import type { HiveMessage } from './message.js';
import { type HandshakeMode, resolvePreferences } from './negotiation.js';
import { type PskDeriver, workerPskDeriver } from './psk-deriver.js';
import { type RandomSource, systemRandom } from './random.js';
import { type OvosMessage, type SessionIdentity, sessionIdOrNew } from './session.js';
import { tlsCreateConnection } from './tls.js';

/** Options of {@link HubConnection}. Only `host` and `accessKey` are required (plus a password or key). */
export interface HubConnectionOptions {
  /** Hub host: `ws://host`, `wss://host` or a bare host name (then `ws`, unless `tls`). */
  readonly host: string;
  /** Default {@link DEFAULT_HUB_PORT} (5678). */
  readonly port?: number;
  /** Force `wss` (true) or `ws` (false); default from the `host` prefix. */
  readonly tls?: boolean;
  readonly accessKey: string;
  /** Password of the password handshake and input of the Noise PSK. */
  readonly password?: string;
  /** Legacy 16-character pre-shared key (HIVEMIND.md §2.8), used only when no password handshake is possible. */
  readonly presharedKey?: string;
  /** Pre-computed Noise PSK (32 bytes or 64 hex characters), skipping argon2id. */
  readonly noisePsk?: Uint8Array | string;
  /** Default {@link DEFAULT_USERAGENT}; adjusted so the authorization base64 holds no `+` (P16). */
  readonly useragent?: string;
  /** Default `'unknown'` (the reference's default). */
  readonly siteId?: string;
  /** BCP-47 language. Default `'en-US'`. */
  readonly lang?: string;
  /** Session id; default a random UUID per connection object (kept across reconnects). Never `"default"`. */
  readonly sessionId?: string;
  /** Default `'auto'`. */
  readonly handshake?: HandshakeMode;
  /** Cipher preference list (one entry = offer only that). Default by CPU. */
  readonly ciphers?: readonly string[];
  /** Encoding preference list (one entry = offer only that). Default `['JSON-B64', 'JSON-HEX']`. */
  readonly encodings?: readonly string[];
  /** Ask for binarized frames (effective only if the hub offers it). Default false. */
  readonly binarize?: boolean;
  /** Override the CPU AES detection (cipher order). */
  readonly cpuHasAes?: boolean;
  /** Accept a self-signed TLS certificate. Default false (verify). */
  readonly selfSigned?: boolean;
  /** Pin the hub's TLS certificate by SHA-256 fingerprint. */
  readonly certFingerprint256?: string;
  /** Noise static key and hub pins. Default: in memory (the CLI passes the identity-file store). */
  readonly keyStore?: NoiseKeyStore;
  /** Noise PSK derivation. Default: argon2id in a worker thread, cached. */
  readonly derivePsk?: PskDeriver;
  /** Reconnect policy: backoff, `enabled` (default true), `maxAttempts` in a row without reaching ready (default ∞). */
  readonly reconnect?: BackoffOptions & { readonly enabled?: boolean; readonly maxAttempts?: number };
  /** 1005 closes before HELLO, in a row, that mean "unknown access key". Default {@link UNKNOWN_KEY_CLOSES}. */
  readonly unknownKeyCloses?: number;
  /** Sends while not ready: `'queue'` (default, bounded) or `'reject'`. */
  readonly sendQueue?: { readonly mode?: 'queue' | 'reject'; readonly maxMessages?: number };
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  readonly handshakeTimeoutMs?: number;
  readonly openTimeoutMs?: number;
  readonly timers?: Timers;
  /** Randomness of handshake IVs, AEAD nonces and Noise ephemerals. */
  readonly random?: RandomSource;
  readonly createWebSocket?: WebSocketFactory;
  readonly logger?: HiveLogger;
  /**
   * Caps on what the hub may send (hostile-hub guard): `maxFrameBytes` (default and ceiling 10 MiB, also the socket's
   * `maxPayload`, so a larger frame is refused from its header, never buffered) and `maxInflatedBytes` (WIRE-1 zlib,
   * default 16 MiB).
   */
  readonly limits?: InboundLimits;
}

/** What the `ready` event reports. */
export interface ReadyInfo extends HandshakeInfo {
  readonly sessionId: string;
  /** Our peer id as the hub's HELLO named it (before our HELLO renames it). */
  readonly hubPeer: string | undefined;
  /** The useragent actually sent. */
  readonly useragent: string;
}

/** A state change. */
export interface StateChange {
  readonly from: ConnectionState;
  readonly to: ConnectionState;
  readonly reason: string;
}

/** A socket ended. */
export interface CloseInfo {
  /** The WebSocket close code (1006 when the socket died without one; ours when we closed it). */
  readonly code: number;
  readonly reason: string;
  /** A new socket will be opened after a backoff. */
  readonly willReconnect: boolean;
  /** Why, when it was a failure. */
  readonly error?: Error;
}

/** Events of a {@link HubConnection}. `error` is emitted only when someone listens (it is always logged). */
export type HubConnectionEvents = {
  state: [change: StateChange];
  ready: [info: ReadyInfo];
  bus: [message: OvosMessage, envelope: HiveMessage];
  binary: [message: BinaryMessage];
  hive: [message: HiveMessage];
  denied: [error: HivePolicyDeniedError];
  close: [info: CloseInfo];
  error: [error: Error];
};

/** Validated options: what a connection runs with. */
export interface ResolvedConnectionOptions {
  readonly url: string;
  readonly identity: SessionIdentity;
  readonly handshake: HandshakeSettings;
  readonly socketOptions: HubSocketOptions;
  readonly timers: Timers;
  readonly random: RandomSource;
  readonly createSocket: WebSocketFactory;
  readonly logger: HiveLogger;
  readonly backoff: Backoff;
  readonly reconnect: boolean;
  readonly maxAttempts: number;
  readonly unknownKeyCloses: number;
  readonly queueMode: 'queue' | 'reject';
  readonly queueMaxMessages: number;
  readonly timeouts: { readonly ping: number | undefined; readonly pong: number | undefined; readonly handshake: number; readonly open: number };
  /** Inbound caps, every one set. */
  readonly limits: Required<InboundLimits>;
  /** Configuration warnings to log (JSON-Z85P offered, TLS unverified). */
  readonly warnings: readonly string[];
}

function byteLimit(value: number | undefined, fallback: number, max: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < MIN_INBOUND_LIMIT_BYTES || value > max) {
    throw new RangeError(`${what}: expected an integer number of bytes in ${MIN_INBOUND_LIMIT_BYTES}–${max}, got ${value}`);
  }
  return value;
}

function positive(value: number | undefined, what: string): number | undefined {
  if (value !== undefined && !(value > 0)) throw new RangeError(`${what}: expected a positive number of ms, got ${value}`);
  return value;
}

/**
 * Validate {@link HubConnectionOptions} and fill in the defaults.
 *
 * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) for an empty access key or a useragent containing `:`.
 * @throws {HM_ERR_NEGOTIATION} (HiveProtocolError) for unknown cipher/encoding names.
 * @throws {RangeError} for a bad port, host, session id, fingerprint, attempt count, timing option or limit.
 * @throws {ConfigError} `CFG_ERR_MISSING` when there is neither a password, a PSK nor a pre-shared key.
 */
export function resolveConnectionOptions(options: HubConnectionOptions): ResolvedConnectionOptions {
  if (options.password === undefined && options.noisePsk === undefined && options.presharedKey === undefined) {
    throw new ConfigError('CFG_ERR_MISSING', 'expected a password (or a Noise PSK or pre-shared key) for the hub, got none');
  }
  const warnings: string[] = [];
  const port = options.port ?? DEFAULT_HUB_PORT;
  const auth = buildAuthorization(options.useragent ?? DEFAULT_USERAGENT, options.accessKey);
  const tls = options.tls ?? /^wss:\/\//i.test(options.host);
  const url = buildHubUrl(options.host, port, auth.authorization, { tls });
  const identity: SessionIdentity = { sessionId: sessionIdOrNew(options.sessionId), siteId: options.siteId ?? 'unknown', lang: options.lang ?? 'en-US', useragent: auth.useragent };
  const random = options.random ?? systemRandom;
  const preferences = resolvePreferences({
    ...(options.ciphers === undefined ? {} : { ciphers: options.ciphers }),
    ...(options.encodings === undefined ? {} : { encodings: options.encodings }),
    ...(options.binarize === undefined ? {} : { binarize: options.binarize }),
    ...(options.cpuHasAes === undefined ? {} : { cpuHasAes: options.cpuHasAes }),
  });
  warnings.push(...preferences.warnings);
  const bareHost = options.host.replace(/^wss?:\/\//i, '').replace(/\/+$/, '');
  const handshake: HandshakeSettings = {
    mode: options.handshake ?? 'auto',
    preferences,
    password: options.password,
    presharedKey: options.presharedKey,
    noisePsk: options.noisePsk,
    random,
    keyStore: options.keyStore ?? memoryNoiseKeyStore(),
    pinId: `${bareHost}:${port}`,
    derivePsk: options.derivePsk ?? workerPskDeriver,
  };
  const fingerprint = options.certFingerprint256 === undefined ? {} : { certFingerprint256: options.certFingerprint256 };
  const createConnection = tls ? tlsCreateConnection({ selfSigned: options.selfSigned ?? false, ...fingerprint }) : undefined;
  if (tls && options.selfSigned === true && options.certFingerprint256 === undefined) {
    warnings.push('TLS certificate not verified (self-signed accepted without a pinned fingerprint)');
  }
  const maxAttempts = options.reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY;
  if (!(maxAttempts >= 1)) throw new RangeError(`reconnect.maxAttempts: expected ≥ 1, got ${maxAttempts}`);
  const unknownKeyCloses = options.unknownKeyCloses ?? UNKNOWN_KEY_CLOSES;
  if (!Number.isInteger(unknownKeyCloses) || unknownKeyCloses < 1) throw new RangeError(`unknownKeyCloses: expected a positive integer, got ${unknownKeyCloses}`);
  // The AEAD layer refuses frames over MAX_FRAME_BYTES whatever is configured, so that is also the ceiling here.
  const limits = {
    maxFrameBytes: byteLimit(options.limits?.maxFrameBytes, MAX_FRAME_BYTES, MAX_FRAME_BYTES, 'limits.maxFrameBytes'),
    maxInflatedBytes: byteLimit(options.limits?.maxInflatedBytes, MAX_DECOMPRESSED_BYTES, 1024 * 1024 * 1024, 'limits.maxInflatedBytes'),
  };
  return {
    url,
    identity,
    handshake,
    socketOptions: { maxPayload: limits.maxFrameBytes, perMessageDeflate: false, ...(createConnection === undefined ? {} : { createConnection }) },
    timers: options.timers ?? systemTimers,
    random,
    createSocket: options.createWebSocket ?? wsFactory,
    logger: options.logger ?? silentLogger,
    backoff: new Backoff(options.reconnect ?? {}),
    reconnect: options.reconnect?.enabled ?? true,
    maxAttempts,
    unknownKeyCloses,
    queueMode: options.sendQueue?.mode ?? 'queue',
    queueMaxMessages: options.sendQueue?.maxMessages ?? SEND_QUEUE_MAX_MESSAGES,
    timeouts: {
      ping: positive(options.pingIntervalMs, 'pingIntervalMs'),
      pong: positive(options.pongTimeoutMs, 'pongTimeoutMs'),
      handshake: positive(options.handshakeTimeoutMs, 'handshakeTimeoutMs') ?? HANDSHAKE_TIMEOUT_MS,
      open: positive(options.openTimeoutMs, 'openTimeoutMs') ?? OPEN_TIMEOUT_MS,
    },
    limits,
    warnings,
  };
}
