/**
 * Handshake costs (HIVEMIND.md §2.5.3, §2.9): the password handshake (client envelope + verify + PBKDF2, target
 * ≤ 60 ms), full in-process Noise handshakes with a pre-computed or argon2id-derived PSK, argon2id alone
 * (hash-wasm vs @noble/hashes), and Noise transport frames.
 */
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import type { JsonObject } from '../src/hivemind/json.js';
import {
  HiveNoiseClient,
  HiveNoiseServer,
  type NoisePatternName,
  type NoiseSuiteName,
  deriveHiveMindPsk,
  pskSalt,
  x25519PublicKey,
} from '../src/hivemind/noise/index.js';
import { PasswordHandshakeClient, PasswordHandshakeServer } from '../src/hivemind/password-handshake.js';
import { systemRandom } from '../src/hivemind/random.js';
import { type BenchRow, measure } from './harness.js';

const PASSWORD = 'bench-password-for-hivesat';
const HELLO: JsonObject = { pubkey: '', peer: 'tcp4:127.0.0.1:40000', node_id: 'hivemind-core@bench' };
const REQUEST: JsonObject = {
  handshake: true,
  min_protocol_version: 2,
  max_protocol_version: 3,
  password: true,
  encodings: ['JSON-B64', 'JSON-HEX'],
  noise: { patterns: ['KKpsk0', 'XXpsk2'], suites: ['25519_ChaChaPoly_SHA256', '25519_AESGCM_SHA256'] },
};
const CLIENT_KEY = systemRandom.bytes(32);
const HUB_KEY = systemRandom.bytes(32);

async function passwordHandshake(): Promise<void> {
  const client = new PasswordHandshakeClient(PASSWORD);
  const hub = new PasswordHandshakeServer(PASSWORD);
  client.generateEnvelope();
  await client.receiveAndVerify(hub.generateEnvelope());
}

function noiseHandshake(psk: Uint8Array, pattern: NoisePatternName, suite: NoiseSuiteName): void {
  const kk = pattern === 'KKpsk0';
  const client = new HiveNoiseClient({
    helloPayload: HELLO,
    requestPayload: REQUEST,
    psk,
    staticPrivateKey: CLIENT_KEY,
    ...(kk ? { pinnedServerKey: x25519PublicKey(HUB_KEY) } : {}),
    binarize: false,
    encodings: ['JSON-HEX'],
    suitePreference: [suite],
  });
  const hub = new HiveNoiseServer({
    helloPayload: HELLO,
    requestPayload: REQUEST,
    psk,
    staticPrivateKey: HUB_KEY,
    ...(kk ? { pinnedClientKey: x25519PublicKey(CLIENT_KEY) } : {}),
  });
  hub.readMsg1(client.writeMsg1());
  const result = client.readMsg2(hub.writeMsg2('JSON-HEX').payload);
  if (result.msg3Payload !== undefined) hub.readMsg3(result.msg3Payload);
}

/** The benchmark rows of this file. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const psk = await deriveHiveMindPsk(PASSWORD, String(HELLO['node_id']));
  rows.push(await measure('handshake', 'password: envelope + verify + PBKDF2 (async)', passwordHandshake));
  rows.push(await measure('handshake', 'noise XXpsk2 ChaChaPoly, both sides, PSK given', () => noiseHandshake(psk, 'XXpsk2', '25519_ChaChaPoly_SHA256')));
  rows.push(await measure('handshake', 'noise XXpsk2 AESGCM, both sides, PSK given', () => noiseHandshake(psk, 'XXpsk2', '25519_AESGCM_SHA256')));
  rows.push(await measure('handshake', 'noise KKpsk0 ChaChaPoly, both sides, PSK given', () => noiseHandshake(psk, 'KKpsk0', '25519_ChaChaPoly_SHA256')));
  rows.push(
    await measure(
      'handshake',
      'noise XXpsk2 + argon2id PSK (uncached)',
      async () => noiseHandshake(await deriveHiveMindPsk(PASSWORD, String(HELLO['node_id'])), 'XXpsk2', '25519_ChaChaPoly_SHA256'),
      { minMs: 1000 },
    ),
  );
  rows.push(await measure('argon2id', 'hash-wasm t=3 m=64MiB p=1', () => deriveHiveMindPsk(PASSWORD, 'hivemind-core@bench'), { minMs: 1000 }));
  const salt = pskSalt('hivemind-core@bench');
  const password = new TextEncoder().encode(PASSWORD);
  rows.push(
    await measure('argon2id', '@noble/hashes t=3 m=64MiB p=1', () => nobleArgon2id(password, salt, { t: 3, m: 65_536, p: 1, dkLen: 32 }), {
      minMs: 0,
      minRuns: 1,
    }),
  );

  const client = new HiveNoiseClient({ helloPayload: HELLO, requestPayload: REQUEST, psk, staticPrivateKey: CLIENT_KEY, binarize: false, encodings: ['JSON-HEX'] });
  const hub = new HiveNoiseServer({ helloPayload: HELLO, requestPayload: REQUEST, psk, staticPrivateKey: HUB_KEY });
  hub.readMsg1(client.writeMsg1());
  const result = client.readMsg2(hub.writeMsg2('JSON-HEX').payload);
  const hubTransport = hub.readMsg3(result.msg3Payload ?? {}).transport;
  const frame = { kind: 'binary', bytes: new Uint8Array(1024) } as const;
  rows.push(await measure('noise transport', 'seal + open 1 KiB (ChaChaPoly)', () => hubTransport.open(result.transport.seal(frame)), { bytes: 1024 }));
  return rows;
}
