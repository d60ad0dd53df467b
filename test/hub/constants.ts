/**
 * Defaults and wire constants of the TypeScript test hub, each with its source in HIVEMIND.md.
 *
 * @module
 */
import type { HiveCipher } from '../../src/hivemind/aead.js';
import type { HiveEncoding } from '../../src/hivemind/encodings.js';
import type { JsonObject } from '../../src/hivemind/json.js';

/**
 * `allowed_types` a client gets when its DB row has none (plugin-manager `Client.__post_init__`, HIVEMIND.md §5.8,
 * Appendix A). `recognizer_loop:utterance` is appended to every list that lacks it.
 */
export const DEFAULT_ALLOWED_TYPES: readonly string[] = Object.freeze([
  'recognizer_loop:utterance',
  'recognizer_loop:record_begin',
  'recognizer_loop:record_end',
  'recognizer_loop:audio_output_start',
  'recognizer_loop:audio_output_end',
  'recognizer_loop:b64_transcribe',
  'speak:b64_audio',
  'ovos.common_play.SEI.get.response',
]);

/** The type every client may send, whatever its DB row says. */
export const ALWAYS_ALLOWED_TYPE = 'recognizer_loop:utterance';

/** Server `allowed_encodings` default, in the order hivemind-core 4.0.0 offers them (recorded HANDSHAKE request). */
export const DEFAULT_SERVER_ENCODINGS: readonly HiveEncoding[] = Object.freeze([
  'JSON-B64',
  'JSON-URLSAFE-B64',
  'JSON-B91',
  'JSON-Z85B',
  'JSON-Z85P',
  'JSON-B32',
  'JSON-HEX',
]);

/** Server `allowed_ciphers` default, in the order hivemind-core 4.0.0 offers them. */
export const DEFAULT_SERVER_CIPHERS: readonly HiveCipher[] = Object.freeze(['CHACHA20-POLY1305', 'AES-GCM']);

/** What a 4.0.x hub uses when the client's HANDSHAKE has no `encodings` (§2.5.1). */
export const FALLBACK_CLIENT_ENCODINGS: readonly string[] = Object.freeze(['JSON-HEX']);

/** What a 4.0.x hub uses when the client's HANDSHAKE has no `ciphers` (§2.5.1). */
export const FALLBACK_CLIENT_CIPHERS: readonly string[] = Object.freeze(['AES-GCM']);

/** Cipher and encoding of a connection before any handshake (pre-shared key path, §2.8). */
export const CONNECTION_DEFAULT_CIPHER: HiveCipher = 'AES-GCM';
/** See {@link CONNECTION_DEFAULT_CIPHER}. */
export const CONNECTION_DEFAULT_ENCODING: HiveEncoding = 'JSON-HEX';

/** HELLO `node_id` of a 4.0.x hub (§2.2). */
export const CORE_40_NODE_ID = 'master:0.0.0.0';

/** Session id a 4.0.x hub gives a connection before the client's HELLO (§2.1). */
export const DEFAULT_SESSION_ID = 'default';

/** `min_protocol_version` floor of generation-B hubs (config default, from 4.10.4a1, §2.3). */
export const CORE_NEW_MIN_PROTOCOL_VERSION = 2;

/** Protocol version of the legacy password handshake on generation-B hubs (§2.5). */
export const PASSWORD_PROTOCOL_VERSION = 2;
/** Protocol version of the RSA handshake (§2.7). */
export const RSA_PROTOCOL_VERSION = 1;
/** Protocol version of Noise (§2.9). */
export const NOISE_PROTOCOL_VERSION = 3;

/** Noise patterns and suites a generation-B/C hub offers (§2.3); `KKpsk0` is prepended for a pinned client. */
export const NOISE_OFFER_SUITES: readonly string[] = Object.freeze(['25519_ChaChaPoly_SHA256', '25519_AESGCM_SHA256']);

/**
 * A fixed PEM-looking RSA public key for the HELLO `pubkey` (the hub never uses it: RSA handshakes and INTERCOM are
 * not implemented). Tests that compare HELLO bytes pass the recorded key instead.
 */
export const TEST_HUB_PUBKEY = [
  '-----BEGIN PUBLIC KEY-----',
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAdGVzdC1odWItbm90LWEt',
  'cmVhbC1rZXktdGVzdC1odWItbm90LWEtcmVhbC1rZXktdGVzdC1odWItbm90LWEt',
  'cmVhbC1rZXktdGVzdC1odWItbm90LWEtcmVhbC1rZXktdGVzdC1odWItbm90LWEt',
  'cmVhbC1rZXktdGVzdC1odWItbm90LWEtcmVhbC1rZXktdGVzdC1odWItbm90LWEt',
  'cmVhbC1rZXktdGVzdC1odWItbm90LWEtcmVhbC1rZXktdGVzdC1odWItbm90LWEt',
  'cmVhbC1rZXktdGVzdC1odWItbm90LWEtcmVhbC1rZXktdGVzdC1odWItbm90LWEt',
  'MwIDAQAB',
  '-----END PUBLIC KEY-----',
].join('\n');

/** Keys of `Session.serialize()` in the order ovos-bus-client writes them (§5.5). */
export const SESSION_KEYS = [
  'active_skills',
  'utterance_states',
  'session_id',
  'lang',
  'context',
  'site_id',
  'pipeline',
  'location',
  'system_unit',
  'time_format',
  'date_format',
  'is_speaking',
  'is_recording',
  'blacklisted_skills',
  'blacklisted_intents',
] as const;

/**
 * What `Session.deserialize` fills missing keys with: the OVOS configuration of the hivemind-core 4.0.0 that
 * produced `test/vectors/session_transcripts.json` (every recorded reply carries exactly these values).
 * `session_id` is absent: a missing one becomes a random UUID.
 */
export const RECORDED_SESSION_DEFAULTS: JsonObject = Object.freeze({
  active_skills: [],
  utterance_states: {},
  lang: 'en',
  context: { timeout: 120, frame_stack: [] },
  site_id: 'unknown',
  pipeline: [
    'stop_high',
    'converse',
    'ocp_high',
    'padatious_high',
    'adapt_high',
    'ocp_medium',
    'fallback_high',
    'stop_medium',
    'adapt_medium',
    'adapt_low',
    'common_qa',
    'fallback_medium',
    'fallback_low',
  ],
  location: {
    city: {
      code: 'Lawrence',
      name: 'Lawrence',
      state: { code: 'KS', name: 'Kansas', country: { code: 'US', name: 'United States' } },
    },
    coordinate: { latitude: 38.971669, longitude: -95.23525 },
    timezone: { code: 'America/Chicago', name: 'Central Standard Time', dstOffset: 3600000, offset: -21600000 },
  },
  system_unit: 'metric',
  time_format: 'half',
  date_format: 'MDY',
  is_speaking: false,
  is_recording: false,
  blacklisted_skills: ['skill-ovos-stop.openvoiceos'],
  blacklisted_intents: [],
}) as JsonObject;

/** The name the recorded OVOS responder put in its replies (`ovos.utterance.handled` data, `speak` meta.skill). */
export const RECORDED_RESPONDER_NAME = 'refpeer-responder';

/** `context.source` the OVOS agent plugin writes on everything it forwards to a client (§5.6). */
export const AGENT_SOURCE = 'hive';

/** `context.source` of the hub's own `hive.policy.denied` messages (§5.8). */
export const POLICY_SOURCE = 'hivemind-core';

/** Deny code of a BUS type missing from `allowed_types` (§5.8, docs security.md). */
export const DENY_CODE_ACL = 'acl_disallowed_type';

/**
 * Deny code of a malformed BUS payload on generation-B hubs. The spec leaves the string value UNVERIFIED
 * (`MALFORMED_PAYLOAD`); this lower-case form follows the documented codes.
 */
export const DENY_CODE_MALFORMED = 'malformed_payload';

/** Close reasons of generation-B hubs, verbatim from §7.1 / §2 (the texts the real servers send). */
export const CLOSE_REASONS = Object.freeze({
  invalidAuthorization: 'invalid authorization',
  protocolFloor: 'server requires a protocol version this connection cannot offer',
  passwordVerification: 'password handshake verification failed',
  negotiation: 'invalid cipher/encoding negotiation',
  unrecognizedHandshake: 'invalid or unrecognized handshake',
  cleartext: 'unencrypted message rejected: crypto is required',
  legacyFloor: (attempted: number, minimum: number): string =>
    `legacy handshake at protocol v${attempted} is below the configured minimum v${minimum}`,
  /** UNVERIFIED text: the spec only says "1008 with the reason". */
  noiseFailure: 'noise handshake failed',
  /** UNVERIFIED text. */
  noisePin: 'noise static key does not match the pinned key',
  /** UNVERIFIED text: any AEAD failure on the v3 transport is fatal (§2.9). */
  noiseTransport: 'noise transport authentication failed',
});

/** RFC 6455 close codes the hub uses. */
export const CLOSE_CODES = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  /** Never sent: what a peer reports for an empty close frame. */
  noStatus: 1005,
  /** Never sent: what a peer reports when the socket dies without a close frame. */
  abnormal: 1006,
  policyViolation: 1008,
  messageTooBig: 1009,
});

/** Default bound of `TestHub.waitFor`, milliseconds. */
export const DEFAULT_WAIT_MS = 5_000;

/** Default `file_name` of TTS_AUDIO messages (§6.1: the basename of the synthesized file). */
export const DEFAULT_TTS_FILE_NAME = 'tts.wav';

/** Confidence reported with every transcription (the hub's fake STT is always sure). */
export const TRANSCRIPTION_CONFIDENCE = 1;
