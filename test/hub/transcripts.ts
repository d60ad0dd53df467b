/**
 * Typed access to `test/vectors/session_transcripts.json`: real sessions between the Python client
 * (hivemind_bus_client 0.4.3) and hivemind-core 4.0.0, and the hub setup that reproduces each one.
 *
 * @module
 */
import type { HiveCipher } from '../../src/hivemind/aead.js';
import type { HiveEncoding } from '../../src/hivemind/encodings.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import { recordedRandom } from '../../src/hivemind/random.js';
import { hex, loadReferenceVectors } from '../helpers/vectors.js';
import type { HubClientOptions, HubServerConfig } from './types.js';

/** One recorded WebSocket frame (or the HTTP upgrade). */
export interface TranscriptFrame {
  readonly dir: 'c2s' | 's2c';
  readonly kind?: 'http';
  readonly text?: string;
  readonly frame_type?: 'text' | 'binary' | 'close';
  readonly wire_text?: string;
  readonly wire_hex?: string;
  readonly encrypted?: boolean;
  readonly json_fields_decoded_hex?: { readonly ciphertext: string; readonly tag: string; readonly nonce: string };
  readonly plaintext?: string;
  readonly hive_message?: JsonObject;
}

/** One recorded session. */
export interface TranscriptSession {
  readonly name: string;
  readonly label: string;
  readonly expected_failure: boolean;
  readonly session: {
    readonly access_key: string;
    readonly password: string;
    readonly useragent: string;
    readonly session_id: string;
    readonly negotiated_cipher: HiveCipher;
    readonly negotiated_encoding: HiveEncoding;
    readonly session_key_hex: string;
  };
  readonly password_handshake: { readonly server_iv_hex: string; readonly server_envelope: string };
  readonly frames: readonly TranscriptFrame[];
}

/** All recorded sessions. */
export const SESSIONS: readonly TranscriptSession[] = loadReferenceVectors<{ sessions: TranscriptSession[] }>('session_transcripts.json').sessions;

/** The DB name and client id of the recorded client (its peer is `useragent::1::satellite-test::…`). */
const RECORDED_DB_NAME = 'satellite-test';
const RECORDED_CLIENT_ID = 1;
/** The recorded DB row had a pre-shared key (`preshared_key: true`); its value never appears on the wire. */
const RECORDED_CRYPTO_KEY = '0123456789abcdef';

/** The request target of the recorded upgrade (`/?authorization=…`). */
export function requestTarget(session: TranscriptSession): string {
  const upgrade = session.frames[0]?.text ?? '';
  const match = /^GET (\S+) HTTP\/1\.1/.exec(upgrade);
  if (match?.[1] === undefined) throw new Error(`expected an HTTP upgrade first in ${session.name}`);
  return match[1];
}

/** The client DB row of the recorded server. */
export function recordedClient(session: TranscriptSession, overrides: Partial<HubClientOptions> = {}): HubClientOptions {
  return {
    accessKey: session.session.access_key,
    password: session.session.password,
    cryptoKey: RECORDED_CRYPTO_KEY,
    name: RECORDED_DB_NAME,
    clientId: RECORDED_CLIENT_ID,
    ...overrides,
  };
}

/**
 * The recorded server's configuration, with the hub's randomness pinned to what the server drew: its handshake IV,
 * then the nonce of each encrypted frame it sent.
 */
export function recordedServerConfig(session: TranscriptSession): HubServerConfig {
  const hello = session.frames.find((f) => f.dir === 's2c' && f.hive_message?.['msg_type'] === 'hello');
  const payload = hello?.hive_message?.['payload'] as JsonObject | undefined;
  const pubkey = payload?.['pubkey'];
  if (typeof pubkey !== 'string') throw new Error(`expected a recorded HELLO pubkey in ${session.name}`);
  // Read from the wire: the session summary's `server_offered_binarize` says false for s12, whose request has true.
  const request = session.frames.find((f) => f.dir === 's2c' && f.hive_message?.['msg_type'] === 'shake');
  const binarize = (request?.hive_message?.['payload'] as JsonObject | undefined)?.['binarize'] === true;
  const nonces = session.frames.filter((f) => f.dir === 's2c' && f.encrypted === true).map((f) => hex(f.json_fields_decoded_hex?.nonce ?? ''));
  return {
    pubkey,
    binarize,
    random: recordedRandom([hex(session.password_handshake.server_iv_hex), ...nonces]),
  };
}
