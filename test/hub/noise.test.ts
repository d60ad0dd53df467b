/**
 * The hub's Noise v3 responder (core-new / core-5 profiles) against test/vectors/noise_vectors.json: the recorded
 * msg1/msg3 go in, msg2 must come out byte for byte, the vector's transport HELLO must decode, and the hub's own
 * transport frames must open with the vector's responder→initiator key. Then a full exchange with the client side
 * of src/hivemind/noise, TOFU pinning, and the 1008 failures.
 */
import { createDecipheriv } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/hivemind/json.js';
import { HiveNoiseClient, type NoiseTransport, generateX25519KeyPair, x25519PublicKey } from '../../src/hivemind/noise/index.js';
import { recordedRandom, systemRandom } from '../../src/hivemind/random.js';
import { decodeWire1 } from '../../src/hivemind/wire1.js';
import { hex, loadReferenceVectors, toHex } from '../helpers/vectors.js';
import { CLOSE_REASONS, type HubClientOptions, type HubServerConfig, type TestHub, startTestHub } from './index.js';
import { RawClient } from './raw-client.js';

interface TransportFrame {
  n: number;
  ciphertext_hex: string;
  json_text?: string;
}
interface HandshakeCase {
  id: string;
  pattern: 'XXpsk2' | 'KKpsk0';
  suite: '25519_ChaChaPoly_SHA256' | '25519_AESGCM_SHA256';
  hello_payload: JsonObject;
  handshake_request_payload: JsonObject;
  psk_hex: string;
  psk_derivation: { password: string } | null;
  initiator_static_public_hex: string;
  responder_static_private_hex: string;
  responder_ephemeral_private_hex: string;
  msg1_payload: string;
  msg1_hex: string;
  msg2_hex: string;
  msg3_hex?: string;
  transport_keys: { responder_to_initiator_key_hex: string };
  transport: { initiator_to_responder: TransportFrame[] };
}
interface NegativeCase {
  id: string;
  base_case: string;
  stage: 'msg1' | 'msg2' | 'transport';
  receiver: 'initiator' | 'responder';
  n?: number;
  input_hex: string;
}

const vectors = loadReferenceVectors<{ handshake_cases: HandshakeCase[]; negative_cases: NegativeCase[] }>('noise_vectors.json');
const ACCESS_KEY = 'noise-vector-key';
const AUTH = `/?authorization=${Buffer.from(`NoiseVectorClient:${ACCESS_KEY}`).toString('base64')}`;
const POLICY = 1008;

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
});

function envelope(msgType: string, payload: JsonObject): string {
  return JSON.stringify({ msg_type: msgType, payload, metadata: {}, route: [], node: null, target_site_id: null, target_pubkey: null, source_peer: null });
}

function caseById(id: string): HandshakeCase {
  const found = vectors.handshake_cases.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no handshake case ${id}`);
  return found;
}

/** A core-new hub that says exactly what the vector's hub said, with the vector's keys. */
async function vectorHub(c: HandshakeCase, options: { derivePsk?: boolean } = {}): Promise<TestHub> {
  const client: HubClientOptions = {
    accessKey: ACCESS_KEY,
    password: c.psk_derivation?.password ?? 'vector-password-unused',
    ...(options.derivePsk === true ? {} : { noisePsk: hex(c.psk_hex) }),
    ...(c.pattern === 'KKpsk0' ? { noisePinnedKey: hex(c.initiator_static_public_hex) } : {}),
  };
  const serverConfig: HubServerConfig = {
    noiseStaticPrivateKey: hex(c.responder_static_private_hex),
    random: recordedRandom([hex(c.responder_ephemeral_private_hex)]),
    rewriteHello: () => c.hello_payload,
    rewriteHandshakeRequest: () => c.handshake_request_payload,
  };
  hub = await startTestHub({ profile: 'core-new', clients: [client], serverConfig });
  return hub;
}

/** Open a Noise transport message with a raw Split() key (Noise §5.1 nonce: 4 zero bytes ‖ 64-bit counter). */
function openWithKey(suite: HandshakeCase['suite'], keyHex: string, n: number, message: Uint8Array): Uint8Array {
  const nonce = Buffer.alloc(12);
  if (suite === '25519_AESGCM_SHA256') nonce.writeBigUInt64BE(BigInt(n), 4);
  else nonce.writeBigUInt64LE(BigInt(n), 4);
  const options = { authTagLength: 16 };
  const decipher =
    suite === '25519_AESGCM_SHA256' ? createDecipheriv('aes-256-gcm', hex(keyHex), nonce, options) : createDecipheriv('chacha20-poly1305', hex(keyHex), nonce, options);
  decipher.setAuthTag(message.subarray(message.length - 16));
  return new Uint8Array(Buffer.concat([decipher.update(message.subarray(0, message.length - 16)), decipher.final()]));
}

function decodeWire1Or(binarize: boolean, body: Uint8Array): unknown {
  if (!binarize) return JSON.parse(Buffer.from(body).toString('utf8'));
  const frame = decodeWire1(body);
  return frame.kind === 'json' ? frame.message : frame;
}

/** Connect and run msg1 (→ msg2) and msg3 with the vector's bytes. */
async function vectorHandshake(c: HandshakeCase, target: TestHub): Promise<RawClient> {
  const client = await RawClient.connect(`${target.url}${AUTH}`);
  expect((JSON.parse(await client.nextText()) as { payload: JsonObject }).payload).toEqual(c.hello_payload);
  expect((JSON.parse(await client.nextText()) as { payload: JsonObject }).payload).toEqual(c.handshake_request_payload);
  client.send(envelope('shake', { noise: { pattern: c.pattern, suite: c.suite, msg: c.msg1_hex } }));
  expect(JSON.parse(await client.nextText())).toEqual(JSON.parse(envelope('shake', { noise: { msg: c.msg2_hex } })));
  if (c.msg3_hex !== undefined) client.send(envelope('shake', { noise: { msg: c.msg3_hex } }));
  return client;
}

describe('Noise responder against the vectors', () => {
  it.each(vectors.handshake_cases.map((c) => [c.id, c] as const))('%s: msg2 is byte-identical, the transport decodes both ways', async (_id, c) => {
    const target = await vectorHub(c);
    const handshake = target.waitFor('handshake');
    const hello = target.waitFor('hello');
    const client = await vectorHandshake(c, target);
    expect(await handshake).toMatchObject({ protocol: 'noise', cipher: c.suite, noise: { pattern: c.pattern, suite: c.suite } });

    const first = c.transport.initiator_to_responder[0];
    client.send(hex(first?.ciphertext_hex ?? ''));
    const helloJson = JSON.parse(first?.json_text ?? '{}') as { payload: { session: JsonObject } };
    expect((await hello).session['session_id']).toBe(helloJson.payload.session['session_id']);
    expect(target.connections[0]?.received.at(-1)).toMatchObject({ encrypted: true, frame: 'binary', message: { msg_type: 'hello' } });

    const connection = target.connections[0];
    if (connection === undefined) throw new Error('no connection');
    target.sendBus(connection, 'speak', { utterance: 'from the hub' });
    const plaintext = openWithKey(c.suite, c.transport_keys.responder_to_initiator_key_hex, 0, await client.nextBinary());
    // The client asked for binarize in msg1: the hub then sends WIRE-1 bodies (marker 0x01), else JSON (0x00).
    const binarize = (JSON.parse(c.msg1_payload) as { binarize: boolean }).binarize;
    expect(plaintext[0]).toBe(binarize ? 0x01 : 0x00);
    const body = plaintext.subarray(1);
    const decoded = decodeWire1Or(binarize, body);
    expect(decoded).toMatchObject({ msg_type: 'bus', payload: { type: 'speak', data: { utterance: 'from the hub' } } });
  });

  it('derives the PSK with argon2id from the password and the HELLO node_id it sent', async () => {
    const c = caseById('xxpsk2-chachapoly-1-pem-node-id');
    expect(c.psk_derivation).not.toBeNull();
    const target = await vectorHub(c, { derivePsk: true });
    const handshake = target.waitFor('handshake');
    await vectorHandshake(c, target);
    expect((await handshake).protocol).toBe('noise');
  });

  const responderNegatives = vectors.negative_cases.filter((n) => n.receiver === 'responder');
  it.each(responderNegatives.map((n) => [n.id, n] as const))('%s: the hub closes 1008', async (_id, negative) => {
    const c = caseById(negative.base_case);
    const target = await vectorHub(c);
    const client = await RawClient.connect(`${target.url}${AUTH}`);
    await client.nextText();
    await client.nextText();
    if (negative.stage === 'msg1') {
      client.send(envelope('shake', { noise: { pattern: c.pattern, suite: c.suite, msg: negative.input_hex } }));
      expect(await client.waitClosed()).toEqual({ code: POLICY, reason: CLOSE_REASONS.noiseFailure });
      return;
    }
    client.send(envelope('shake', { noise: { pattern: c.pattern, suite: c.suite, msg: c.msg1_hex } }));
    await client.nextText();
    if (c.msg3_hex !== undefined) client.send(envelope('shake', { noise: { msg: c.msg3_hex } }));
    for (const frame of c.transport.initiator_to_responder.slice(0, negative.n ?? 0)) client.send(hex(frame.ciphertext_hex));
    client.send(hex(negative.input_hex));
    expect(await client.waitClosed()).toEqual({ code: POLICY, reason: CLOSE_REASONS.noiseTransport });
    expect(target.connections[0]?.received.map((e) => e.message.msg_type)).toEqual(['shake', ...(c.msg3_hex === undefined ? [] : ['shake']), 'hello']);
  });
});

/** The client side of src/hivemind/noise over a raw socket, against the hub's own HELLO and request. */
async function noiseClient(target: TestHub, staticPrivateKey: Uint8Array, psk: Uint8Array, pinned?: Uint8Array): Promise<{ raw: RawClient; transport: NoiseTransport; request: JsonObject }> {
  const raw = await RawClient.connect(`${target.url}${AUTH}`);
  const hello = (JSON.parse(await raw.nextText()) as { payload: JsonObject }).payload;
  const request = (JSON.parse(await raw.nextText()) as { payload: JsonObject }).payload;
  const client = new HiveNoiseClient({
    helloPayload: hello,
    requestPayload: request,
    psk,
    staticPrivateKey,
    binarize: false,
    encodings: ['JSON-B64', 'JSON-HEX'],
    ...(pinned === undefined ? {} : { pinnedServerKey: pinned }),
  });
  raw.send(envelope('shake', client.writeMsg1()));
  const result = client.readMsg2((JSON.parse(await raw.nextText()) as { payload: JsonObject }).payload);
  if (result.msg3Payload !== undefined) raw.send(envelope('shake', result.msg3Payload));
  return { raw, transport: result.transport, request };
}

async function nextBus(raw: RawClient, transport: NoiseTransport): Promise<JsonObject> {
  const body = transport.open(await raw.nextBinary());
  if (body.kind !== 'json') throw new Error('expected a JSON transport body');
  return (JSON.parse(body.text) as { payload: JsonObject }).payload;
}

describe('Noise on the hub with its own HELLO and request', () => {
  const psk = new Uint8Array(32).fill(9);
  const clients = [{ accessKey: ACCESS_KEY, password: 'correct horse battery staple', noisePsk: psk }];

  it('core-new offers Noise, answers an utterance over the transport, and pins the client key (then offers KKpsk0)', async () => {
    const target = (hub = await startTestHub({ profile: 'core-new', clients }));
    const clientKey = generateX25519KeyPair(systemRandom).privateKey;
    const first = await noiseClient(target, clientKey, psk);
    expect(first.request).toMatchObject({ handshake: true, min_protocol_version: 2, max_protocol_version: 3, noise: { patterns: ['XXpsk2'] } });
    const session = { session_id: 'noise-session-1', lang: 'en-US' };
    first.raw.send(first.transport.seal({ kind: 'json', text: envelope('hello', { session, site_id: 'kitchen' }) }));
    const bus = { type: 'recognizer_loop:utterance', data: { utterances: ['what time is it'], lang: 'en-US' }, context: { session } };
    first.raw.send(first.transport.seal({ kind: 'json', text: envelope('bus', bus) }));
    expect(await nextBus(first.raw, first.transport)).toMatchObject({ type: 'ovos.utterance.handled' });
    expect(await nextBus(first.raw, first.transport)).toMatchObject({ type: 'speak', data: { utterance: 'you said what time is it' } });
    expect(toHex(target.noisePin(ACCESS_KEY) ?? new Uint8Array())).toBe(toHex(x25519PublicKey(clientKey)));

    const second = await noiseClient(target, clientKey, psk, target.noiseStaticPublicKey);
    expect(second.request['noise']).toEqual({ patterns: ['KKpsk0', 'XXpsk2'], suites: ['25519_ChaChaPoly_SHA256', '25519_AESGCM_SHA256'] });
    const hello = target.waitFor('hello');
    second.raw.send(second.transport.seal({ kind: 'json', text: envelope('hello', { session: { session_id: 'noise-session-2' } }) }));
    expect((await hello).connection.protocol).toBe('noise');
  });

  it('a different client static key than the pinned one is refused with 1008', async () => {
    const target = (hub = await startTestHub({ profile: 'core-new', clients: [{ ...clients[0], noisePinnedKey: x25519PublicKey(new Uint8Array(32).fill(1)) } as HubClientOptions] }));
    // Pinned: the hub offers KKpsk0 too, but a client without the hub's key pinned uses XXpsk2 and reveals another key.
    const { raw } = await noiseClient(target, new Uint8Array(32).fill(2), psk);
    expect(await raw.waitClosed()).toEqual({ code: POLICY, reason: CLOSE_REASONS.noisePin });
  });

  it('a cleartext BUS frame after the Noise split is refused with 1008', async () => {
    const target = (hub = await startTestHub({ profile: 'core-new', clients }));
    const { raw } = await noiseClient(target, generateX25519KeyPair(systemRandom).privateKey, psk);
    raw.send(envelope('bus', { type: 'speak', data: {}, context: {} }));
    expect(await raw.waitClosed()).toEqual({ code: POLICY, reason: CLOSE_REASONS.cleartext });
  });

  it('core-5 offers Noise only and refuses the password handshake with 1008', async () => {
    const target = (hub = await startTestHub({ profile: 'core-5', clients }));
    const raw = await RawClient.connect(`${target.url}${AUTH}`);
    await raw.nextText();
    const request = (JSON.parse(await raw.nextText()) as { payload: JsonObject }).payload;
    expect(request).toEqual({
      max_protocol_version: 3,
      binarize: false,
      encodings: ['JSON-B64', 'JSON-URLSAFE-B64', 'JSON-B91', 'JSON-Z85B', 'JSON-Z85P', 'JSON-B32', 'JSON-HEX'],
      ciphers: ['CHACHA20-POLY1305', 'AES-GCM'],
      noise: { patterns: ['XXpsk2'], suites: ['25519_ChaChaPoly_SHA256', '25519_AESGCM_SHA256'] },
    });
    raw.send(envelope('shake', { binarize: false, encodings: ['JSON-HEX'], ciphers: ['AES-GCM'], envelope: 'deadbeefcafebabe47f0753a5a76dd104638641f6f108805' }));
    expect(await raw.waitClosed()).toEqual({ code: POLICY, reason: CLOSE_REASONS.legacyFloor(2, 3) });
  });

  it('core-5 with a Noise client works end to end', async () => {
    const target = (hub = await startTestHub({ profile: 'core-5', clients }));
    const handshake = target.waitFor('handshake');
    await noiseClient(target, generateX25519KeyPair(systemRandom).privateKey, psk);
    expect(await handshake).toMatchObject({ protocol: 'noise', noise: { pattern: 'XXpsk2', suite: '25519_ChaChaPoly_SHA256' } });
  });
});
