/**
 * The three server generations the test hub can impersonate (HIVEMIND.md §0.2), as data: how each admits a
 * connection, what HELLO and HANDSHAKE request it sends, how strict it is, and how it ends a connection on each kind
 * of failure (§7.1).
 *
 * - `core-4.0`: hivemind-core 4.0.0 + hivemind-websocket-plugin 0.0.3 (generation A), the server of the recorded
 *   sessions. Failures in `on_message` abort the socket (1006); deliberate disconnects send an empty close frame
 *   (the client sees 1005).
 * - `core-new`: the 4.13.x alphas (generation B): Noise v3 next to the password handshake, client envelope verified,
 *   1008 with a reason on every handshake-time rejection, `hive.policy.denied` for refused BUS messages.
 * - `core-5`: hivemind-core 5.x (generation C): Noise only.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { parseAuthorization as parseStrictAuthorization } from '../../src/hivemind/authorization.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import {
  CLOSE_CODES,
  CLOSE_REASONS,
  CORE_40_NODE_ID,
  CORE_NEW_MIN_PROTOCOL_VERSION,
  DEFAULT_SESSION_ID,
  NOISE_PROTOCOL_VERSION,
  PASSWORD_PROTOCOL_VERSION,
} from './constants.js';

/** Which server generation the hub behaves like. */
export type HubProfile = 'core-4.0' | 'core-new' | 'core-5';

/** How the hub ends a connection: abort (no close frame: 1006), close (no code = empty frame: 1005), or stall. */
export type DropAction =
  | { readonly kind: 'abort' }
  | { readonly kind: 'close'; readonly code?: number; readonly reason?: string }
  /** Stop reading and writing, leaving the socket open (a hung handler). */
  | { readonly kind: 'stall' };

/** Every reason the hub may give up on a connection. */
export type FailureKind =
  /** The `authorization` query could not be decoded. */
  | 'badAuthorization'
  /** The access key is not in the client DB. */
  | 'unknownKey'
  /** `min_protocol_version > max_protocol_version` for this client (checked before HELLO). */
  | 'protocolFloor'
  /** A frame that does not decrypt, decode or validate (garbage, extra envelope keys, unknown `msg_type`). */
  | 'decode'
  /** A cleartext frame other than HELLO/HANDSHAKE on a hub that requires crypto. */
  | 'cleartext'
  /** No cipher or encoding in common. */
  | 'negotiation'
  /** An unknown cipher or encoding name. */
  | 'badName'
  /** A HANDSHAKE with neither a usable `pubkey`, `envelope` nor `noise`. */
  | 'unrecognizedHandshake'
  /** The client's password envelope does not verify (or is malformed). */
  | 'passwordVerification'
  /** An RSA (`pubkey`) handshake: the test hub has no RSA implementation. */
  | 'rsa'
  /** A legacy handshake below the configured protocol floor; `detail` is `[attempted, minimum]`. */
  | 'legacyFloor'
  /** A Noise handshake message failed (wrong PSK, prologue mismatch, pattern not offered…). */
  | 'noise'
  /** The client's Noise static key differs from the pinned one. */
  | 'noisePin'
  /** A Noise transport message failed authentication. */
  | 'noiseTransport'
  /** A non-admin HELLO or BUS with session `"default"`. */
  | 'defaultSession'
  /** BROADCAST from a non-admin, PROPAGATE/ESCALATE without permission. */
  | 'illegalWrapper';

/** The behaviour of one server generation. */
export interface ProfileRules {
  readonly name: HubProfile;
  /** Decode the request target's `authorization`; `undefined` when it cannot be decoded. */
  parseAuthorization(requestTarget: string): { readonly useragent: string; readonly accessKey: string } | undefined;
  /** HELLO `node_id` for a hub whose RSA public key is `pubkey`. */
  nodeId(pubkey: string): string;
  /** Session id of a connection before the client's HELLO. */
  initialSessionId(): string;
  /** The HANDSHAKE request payload, or `undefined` when this client can be offered no protocol at all. */
  handshakeRequest(input: HandshakeRequestInput): JsonObject | undefined;
  /** Password handshake (and RSA) accepted at all. */
  readonly legacyHandshake: boolean;
  /** Noise v3 implemented. */
  readonly noise: boolean;
  /** Verify the client's password envelope. */
  readonly verifiesClientEnvelope: boolean;
  /** 4.0: a text frame is encrypted if it contains the substring `ciphertext` (P15); newer: if it has the key. */
  readonly encryptedDetection: 'substring' | 'key';
  /** Cleartext frames other than HELLO/HANDSHAKE are refused (1008). */
  readonly requiresCrypto: boolean;
  /** WIRE-1 `C` flag honoured; 4.0 always decompresses (bitstring >= 4 bug, §4.6), so `C=0` frames fail. */
  readonly honoursCompressionFlag: boolean;
  /** JSON-Z85P frames decode; 4.0's `Z85P.decode(str)` rejects every one (P10). */
  readonly decodesZ85P: boolean;
  /** `"3rdparty"` is a known message type (removed in newer libraries). */
  readonly knowsThirdParty: boolean;
  /** The per-message session is merged over the HELLO baseline (§5.7) instead of replacing it (4.0). */
  readonly mergesSessions: boolean;
  /** Refused BUS types get a `hive.policy.denied` reply instead of a silent drop (§5.8). */
  readonly policyDenied: boolean;
  /** Peer ids get a random `::xxxxxxxx` suffix when another live connection has the same one (§2.5.4). */
  readonly uniquePeers: boolean;
  /** INTERCOM is sent as text even on binarized connections (4.12.4a1, §4.1). */
  readonly intercomAsText: boolean;
  /** A non-admin HELLO or BUS with session `"default"` ends the connection (4.0, P3); newer hubs NAT it (§5.7). */
  readonly defaultSessionFatal: boolean;
  /** Illegal BROADCAST/PROPAGATE/ESCALATE ends the connection (newer) instead of being ignored (4.0). */
  readonly illegalWrapperCloses: boolean;
  /** How the connection ends on `kind`. */
  failure(kind: FailureKind, detail?: readonly number[]): DropAction;
}

/** What {@link ProfileRules.handshakeRequest} needs to know. */
export interface HandshakeRequestInput {
  readonly hasPassword: boolean;
  readonly hasCryptoKey: boolean;
  /** The client's Noise static key is pinned (then `KKpsk0` is offered first). */
  readonly noisePinned: boolean;
  readonly binarize: boolean;
  readonly encodings: readonly string[];
  readonly ciphers: readonly string[];
  /** Generation B: the configured `min_protocol_version` floor. */
  readonly minProtocolVersion: number;
  /** Generation B: the Noise module is importable. */
  readonly noiseAvailable: boolean;
  readonly noiseSuites: readonly string[];
}

const ABORT: DropAction = { kind: 'abort' };
const PLAIN_CLOSE: DropAction = { kind: 'close' };
const policy = (reason: string): DropAction => ({ kind: 'close', code: CLOSE_CODES.policyViolation, reason });

/**
 * `auth = uri.split("/?authorization=")[-1]`, `pybase64.b64decode(auth)` (non-validating: characters outside the
 * alphabet are dropped, wrong padding raises), UTF-8, then `name, key = decoded.split(":")` (exactly two parts).
 */
function parseLegacyAuthorization(requestTarget: string): { useragent: string; accessKey: string } | undefined {
  const marker = '/?authorization=';
  const parts = requestTarget.split(marker);
  const cleaned = (parts[parts.length - 1] ?? '').replace(/[^A-Za-z0-9+/=]/g, '');
  if (cleaned.length % 4 !== 0) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(cleaned, 'base64'));
  } catch {
    // Not UTF-8: Python's .decode() raises inside open(), which aborts the socket.
    return undefined;
  }
  const fields = decoded.split(':');
  if (fields.length !== 2) return undefined;
  const [useragent = '', accessKey = ''] = fields;
  return { useragent, accessKey };
}

/** `get_query_argument("authorization")` (percent-decoding, `+` → space), strict base64, `split(":", 1)`. */
function parseQueryAuthorization(requestTarget: string): { useragent: string; accessKey: string } | undefined {
  const value = new URL(requestTarget, 'http://hub.invalid').searchParams.get('authorization');
  if (value === null) return undefined;
  try {
    return parseStrictAuthorization(value);
  } catch {
    // Every decoding failure has one outcome: close 1008 "invalid authorization".
    return undefined;
  }
}

function legacyRequest(input: HandshakeRequestInput): JsonObject {
  return {
    handshake: !input.hasCryptoKey,
    min_protocol_version: !input.hasCryptoKey ? 1 : 0,
    max_protocol_version: 1,
    binarize: input.binarize,
    preshared_key: input.hasCryptoKey,
    password: input.hasPassword,
    crypto_required: true,
    encodings: [...input.encodings],
    ciphers: [...input.ciphers],
  };
}

function noiseOffer(input: HandshakeRequestInput): JsonObject {
  return { patterns: input.noisePinned ? ['KKpsk0', 'XXpsk2'] : ['XXpsk2'], suites: [...input.noiseSuites] };
}

function generationBRequest(input: HandshakeRequestInput): JsonObject | undefined {
  const base = legacyRequest(input);
  const minimum = Math.max(input.minProtocolVersion, Number(base['min_protocol_version']));
  const noise = input.noiseAvailable && input.hasPassword;
  const maximum = noise ? NOISE_PROTOCOL_VERSION : input.binarize ? PASSWORD_PROTOCOL_VERSION : 1;
  if (minimum > maximum) return undefined;
  return { ...base, min_protocol_version: minimum, max_protocol_version: maximum, ...(noise ? { noise: noiseOffer(input) } : {}) };
}

function generation5Request(input: HandshakeRequestInput): JsonObject | undefined {
  if (!input.hasPassword || !input.noiseAvailable) return undefined;
  return {
    max_protocol_version: NOISE_PROTOCOL_VERSION,
    binarize: input.binarize,
    encodings: [...input.encodings],
    ciphers: [...input.ciphers],
    noise: noiseOffer(input),
  };
}

function newFailure(kind: FailureKind, detail: readonly number[] = []): DropAction {
  switch (kind) {
    case 'badAuthorization':
      return policy(CLOSE_REASONS.invalidAuthorization);
    case 'unknownKey':
    case 'defaultSession':
    case 'illegalWrapper':
      return PLAIN_CLOSE;
    case 'protocolFloor':
      return policy(CLOSE_REASONS.protocolFloor);
    case 'decode':
      // UNVERIFIED (§7.1): the coroutine's exception stops the read loop; abort is the default, 'stall' an option.
      return ABORT;
    case 'cleartext':
      return policy(CLOSE_REASONS.cleartext);
    case 'negotiation':
    case 'badName':
      return policy(CLOSE_REASONS.negotiation);
    case 'unrecognizedHandshake':
    case 'rsa':
      return policy(CLOSE_REASONS.unrecognizedHandshake);
    case 'passwordVerification':
      return policy(CLOSE_REASONS.passwordVerification);
    case 'legacyFloor':
      return policy(CLOSE_REASONS.legacyFloor(detail[0] ?? 0, detail[1] ?? 0));
    case 'noise':
      return policy(CLOSE_REASONS.noiseFailure);
    case 'noisePin':
      return policy(CLOSE_REASONS.noisePin);
    case 'noiseTransport':
      return policy(CLOSE_REASONS.noiseTransport);
  }
}

function legacyFailure(kind: FailureKind): DropAction {
  switch (kind) {
    case 'unknownKey':
    case 'negotiation':
    case 'unrecognizedHandshake':
    case 'defaultSession':
    case 'illegalWrapper':
      return PLAIN_CLOSE;
    default:
      // Exceptions in open()/on_message: Tornado logs them and aborts the socket.
      return ABORT;
  }
}

const CORE_40: ProfileRules = {
  name: 'core-4.0',
  parseAuthorization: parseLegacyAuthorization,
  nodeId: () => CORE_40_NODE_ID,
  initialSessionId: () => DEFAULT_SESSION_ID,
  handshakeRequest: legacyRequest,
  legacyHandshake: true,
  noise: false,
  verifiesClientEnvelope: false,
  encryptedDetection: 'substring',
  requiresCrypto: false,
  honoursCompressionFlag: false,
  decodesZ85P: false,
  knowsThirdParty: true,
  mergesSessions: false,
  policyDenied: false,
  uniquePeers: false,
  intercomAsText: false,
  defaultSessionFatal: true,
  illegalWrapperCloses: false,
  failure: legacyFailure,
};

const CORE_NEW: ProfileRules = {
  name: 'core-new',
  parseAuthorization: parseQueryAuthorization,
  nodeId: (pubkey) => pubkey,
  initialSessionId: () => randomUUID(),
  handshakeRequest: generationBRequest,
  legacyHandshake: true,
  noise: true,
  verifiesClientEnvelope: true,
  encryptedDetection: 'key',
  requiresCrypto: true,
  honoursCompressionFlag: true,
  decodesZ85P: true,
  knowsThirdParty: false,
  mergesSessions: true,
  policyDenied: true,
  uniquePeers: true,
  intercomAsText: true,
  defaultSessionFatal: false,
  illegalWrapperCloses: true,
  failure: newFailure,
};

const CORE_5: ProfileRules = { ...CORE_NEW, name: 'core-5', handshakeRequest: generation5Request, legacyHandshake: false };

/** The rules of `profile`. */
export function profileRules(profile: HubProfile): ProfileRules {
  switch (profile) {
    case 'core-4.0':
      return CORE_40;
    case 'core-new':
      return CORE_NEW;
    case 'core-5':
      return CORE_5;
  }
}

/** The default `min_protocol_version` floor of a profile (generation B/C; 4.0 has none). */
export function defaultMinProtocolVersion(profile: HubProfile): number {
  return profile === 'core-5' ? NOISE_PROTOCOL_VERSION : CORE_NEW_MIN_PROTOCOL_VERSION;
}
