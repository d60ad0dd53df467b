/**
 * The connection client against the TypeScript test hub on loopback (real sockets, real timers with short
 * backoffs): every cipher × sendable encoding, binarize, Noise XXpsk2/KKpsk0 (pre-computed PSK; one real argon2id
 * derivation in the worker), pinning, wrong passwords (no retries), unknown access keys, 1008, hub restarts,
 * silent hubs, malformed/oversized frames, queued sends and policy denials.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memoryNoiseKeyStore } from '../../src/config/noise-keys.js';
import type { HiveCipher } from '../../src/hivemind/aead.js';
import { HubConnection, type HubConnectionOptions, type ReadyInfo } from '../../src/hivemind/connection.js';
import { HiveAuthError } from '../../src/hivemind/errors.js';
import { SENDABLE_ENCODINGS } from '../../src/hivemind/json-frame.js';
import { deriveHiveMindPsk, x25519PublicKey } from '../../src/hivemind/noise/index.js';
import { derivePskInWorker } from '../../src/hivemind/psk-deriver.js';
import { type HubProfile, type TestHub, type TestHubOptions, agents, startTestHub } from '../hub/index.js';

const code = (c: string): unknown => expect.objectContaining({ code: c });
const ACCESS_KEY = 'hivesat-test-access-key';
const PASSWORD = 'correct horse battery staple 42';
const PSK = new Uint8Array(32).map((_, i) => i + 1);

const hubs: TestHub[] = [];
const conns: HubConnection[] = [];
afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.close()));
  await Promise.all(hubs.splice(0).map((h) => h.stop()));
});

async function hub(options: Partial<TestHubOptions> & { profile?: HubProfile } = {}): Promise<TestHub> {
  const h = await startTestHub({ clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, noisePsk: PSK }], ...options });
  hubs.push(h);
  return h;
}

function client(h: TestHub, options: Partial<HubConnectionOptions> = {}): HubConnection {
  const conn = new HubConnection({
    host: '127.0.0.1',
    port: h.port,
    accessKey: ACCESS_KEY,
    password: PASSWORD,
    noisePsk: PSK,
    siteId: 'kitchen',
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    ...options,
  });
  conn.on('error', () => undefined);
  conns.push(conn);
  return conn;
}

describe('password handshake, every cipher × sendable encoding (core-4.0)', () => {
  const cases = (['AES-GCM', 'CHACHA20-POLY1305'] as HiveCipher[]).flatMap((cipher) => SENDABLE_ENCODINGS.map((encoding) => [cipher, encoding] as const));
  it.each(cases)('%s + %s: handshakes, sends HELLO and gets an answer', async (cipher, encoding) => {
    const h = await hub();
    const conn = client(h, { ciphers: [cipher], encodings: [encoding], handshake: 'password' });
    const handshake = h.waitFor('handshake');
    const info = await conn.connect();
    expect(info).toMatchObject({ protocol: 'password', cipher, encoding, binarize: false });
    expect(await handshake).toMatchObject({ protocol: 'password', cipher, encoding });
    const hello = await h.waitFor('hello');
    expect(hello.session['session_id']).toBe(conn.sessionId);
    const result = await conn.ask('what time is it', { settleMs: 50 });
    expect(result).toMatchObject({ utterances: ['you said what time is it'], end: 'handled' });
  });
});

describe('binarize', () => {
  it.each([
    [true, true, 'binary'],
    [true, false, 'text'],
    [false, true, 'text'],
  ] as const)('client %s, hub offers %s → utterances travel as %s frames', async (asked, offered, frame) => {
    const h = await hub({ serverConfig: { binarize: offered } });
    const conn = client(h, { binarize: asked, handshake: 'password' });
    const info = await conn.connect();
    expect(info.binarize).toBe(asked && offered);
    const received = h.waitFor('message', (e) => e.message.msg_type === 'bus');
    const result = await conn.ask('hello', { settleMs: 50 });
    expect((await received).frame).toBe(frame);
    expect(result.utterances).toEqual(['you said hello']);
  });

  it('always binarizes BINARY messages', async () => {
    const h = await hub();
    const conn = client(h, { handshake: 'password' });
    await conn.connect();
    const got = h.waitFor('message', (e) => e.binary !== undefined);
    await conn.sendBinary(1, new Uint8Array([1, 2, 3, 4]), { sample_rate: 16000, sample_width: 2 });
    const event = await got;
    expect(event.frame).toBe('binary');
    expect(event.binary?.payload).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(event.binary?.metadata).toEqual({ sample_rate: 16000, sample_width: 2 });
  });

  it('receives BINARY messages from the hub (TTS_AUDIO)', async () => {
    const h = await hub();
    const conn = client(h, { handshake: 'password' });
    await conn.connect();
    const { connection } = await h.waitFor('hello');
    const got = new Promise((resolve) => conn.once('binary', resolve));
    h.sendTtsAudio(connection, new Uint8Array([82, 73, 70, 70]), { lang: 'en-US', utterance: 'hi' });
    expect(await got).toMatchObject({ binaryType: 6, payload: new Uint8Array([82, 73, 70, 70]), metadata: { lang: 'en-US', utterance: 'hi' } });
  });
});

describe('Noise (protocol v3)', () => {
  it('XXpsk2 first (TOFU pin on both sides), then KKpsk0 with the same key store', async () => {
    const h = await hub({ profile: 'core-new' });
    const keyStore = memoryNoiseKeyStore();
    const first = client(h, { keyStore });
    const info = await first.connect();
    expect(info).toMatchObject({ protocol: 'noise', noisePattern: 'XXpsk2', binarize: false });
    expect(keyStore.pins.get(`127.0.0.1:${h.port}`)).toEqual(h.noiseStaticPublicKey);
    expect((await first.ask('one', { settleMs: 50 })).utterances).toEqual(['you said one']);
    await first.close();
    const second = client(h, { keyStore });
    const handshake = h.waitFor('handshake');
    expect(await second.connect()).toMatchObject({ protocol: 'noise', noisePattern: 'KKpsk0' });
    expect((await handshake).noise?.pattern).toBe('KKpsk0');
    expect((await second.ask('two', { settleMs: 50 })).utterances).toEqual(['you said two']);
  });

  it.each(['25519_ChaChaPoly_SHA256', '25519_AESGCM_SHA256'] as const)('uses suite %s when it is the only one offered', async (suite) => {
    const h = await hub({ profile: 'core-5', serverConfig: { noiseSuites: [suite] } });
    const conn = client(h);
    expect(await conn.connect()).toMatchObject({ protocol: 'noise', cipher: suite });
    expect((await conn.ask('x', { settleMs: 50 })).utterances).toEqual(['you said x']);
  });

  it('binarizes inside the Noise transport when asked and offered', async () => {
    const h = await hub({ profile: 'core-new', serverConfig: { binarize: true } });
    const conn = client(h, { binarize: true });
    expect((await conn.connect()).binarize).toBe(true);
    expect((await conn.ask('bin', { settleMs: 50 })).utterances).toEqual(['you said bin']);
  });

  it('derives the PSK with real argon2id in a worker thread, without blocking the event loop', async () => {
    let ticked = false;
    setImmediate(() => {
      ticked = true;
    });
    const psk = await derivePskInWorker(PASSWORD, 'node-id-for-the-test');
    expect(ticked).toBe(true);
    expect(psk).toEqual(await deriveHiveMindPsk(PASSWORD, 'node-id-for-the-test'));
  });

  it('connects with a password only (argon2id PSK derived by both sides)', async () => {
    const h = await startTestHub({ profile: 'core-new', clients: [{ accessKey: ACCESS_KEY, password: PASSWORD }] });
    hubs.push(h);
    const conn = new HubConnection({ host: '127.0.0.1', port: h.port, accessKey: ACCESS_KEY, password: PASSWORD });
    conns.push(conn);
    expect(await conn.connect()).toMatchObject({ protocol: 'noise', noisePattern: 'XXpsk2' });
  });

  it('refuses a hub whose static key differs from the pinned one, and does not retry', async () => {
    const h = await hub({ profile: 'core-new' });
    const keyStore = memoryNoiseKeyStore({ pins: { [`127.0.0.1:${h.port}`]: new Uint8Array(32).fill(9) } });
    const conn = client(h, { keyStore });
    await expect(conn.connect()).rejects.toThrow(code('HM_ERR_PIN_MISMATCH'));
    expect(conn.state).toBe('closed');
    expect(h.counts.attempts).toBe(1);
  });

  it('maps a wrong PSK to HM_ERR_WRONG_PASSWORD without retrying', async () => {
    const h = await hub({ profile: 'core-new' });
    const conn = client(h, { noisePsk: new Uint8Array(32).fill(3) });
    await expect(conn.connect()).rejects.toThrow(code('HM_ERR_WRONG_PASSWORD'));
    expect(h.counts.attempts).toBe(1);
  });

  it('falls back to XXpsk2 once when the hub refuses KKpsk0 (stale pin on the hub, P19)', async () => {
    const h = await hub({ profile: 'core-new' });
    const keyStore = memoryNoiseKeyStore();
    await client(h, { keyStore }).connect();
    // The satellite got a new static key; the hub still pins the old one and offers KKpsk0.
    const fresh = memoryNoiseKeyStore({ pins: Object.fromEntries(keyStore.pins) });
    const conn = client(h, { keyStore: fresh });
    const closed = new Promise((resolve) => conn.on('state', (s) => s.to === 'closed' && resolve(s)));
    // KKpsk0 is refused (1008); XXpsk2 completes on our side, then the hub refuses our unpinned key (1008): terminal.
    await conn.connect();
    await closed;
    expect(conn.closeError).toBeInstanceOf(HiveAuthError);
    expect(h.counts.attempts).toBe(3);
  });

  it("a hub that pinned another device's key closes bare after our msg3 (real 4.0.0 + Noise): HM_ERR_NOISE_REJECTED, no retry", async () => {
    const otherDevice = x25519PublicKey(new Uint8Array(32).fill(7));
    const h = await startTestHub({
      profile: 'core-new',
      serverConfig: { noiseRefusal: 'bare' },
      clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, noisePsk: PSK, noisePinnedKey: otherDevice }],
    });
    hubs.push(h);
    const conn = client(h, { keyStore: memoryNoiseKeyStore() });
    const closed = new Promise((resolve) => conn.on('state', (s) => s.to === 'closed' && resolve(s)));
    const closes: number[] = [];
    conn.on('close', (c) => closes.push(c.code));
    await conn.connect().catch(() => undefined); // XXpsk2 completes on our side before the hub reads msg3
    await closed;
    expect(closes).toEqual([1005]);
    expect(conn.closeError).toBeInstanceOf(HiveAuthError);
    expect(conn.closeError).toEqual(code('HM_ERR_NOISE_REJECTED'));
    expect(conn.closeError?.message).toMatch(/password is wrong.*another device's Noise key.*hivemind-core reset-noise-pin/);
    expect(h.counts.attempts).toBe(1);
  });

  it('a bare close after our KKpsk0 msg1 (wrong password on a pinned pair) gets one XXpsk2 retry, then the password is blamed', async () => {
    const h = await hub({ profile: 'core-new', serverConfig: { noiseRefusal: 'bare' } });
    const keyStore = memoryNoiseKeyStore();
    await client(h, { keyStore }).connect(); // both sides pin each other: the next connection uses KKpsk0
    const conn = client(h, { keyStore, noisePsk: new Uint8Array(32).fill(3) });
    const error = await conn.connect().catch((e: unknown) => e);
    expect(error).toEqual(code('HM_ERR_WRONG_PASSWORD')); // XXpsk2's msg2 does not authenticate: told client-side
    expect(conn.state).toBe('closed');
    expect(h.counts.attempts).toBe(3); // the first client, KKpsk0 (closed bare), XXpsk2
  });

  it('with handshake "password" refuses a hub whose min_protocol_version is 3 before sending an envelope', async () => {
    const h = await hub({ profile: 'core-new', serverConfig: { minProtocolVersion: 3 } });
    const error = await client(h, { handshake: 'password' }).connect().catch((e: unknown) => e);
    expect(error).toEqual(code('HM_ERR_NEGOTIATION'));
    expect((error as Error).message).toMatch(/password handshake \(protocol v2\), got min_protocol_version 3: use handshake "noise" or "auto"/);
    expect(h.counts.attempts).toBe(1);
    expect(h.counts.handshakes).toBe(0);
  });

  it('with handshake "password" refuses a Noise-only hub (core-5) at once', async () => {
    const h = await hub({ profile: 'core-5' });
    await expect(client(h, { handshake: 'password' }).connect()).rejects.toThrow(code('HM_ERR_NEGOTIATION'));
  });
});

describe('authentication failures do not reconnect', () => {
  it.each(['core-4.0', 'core-new'] as const)('wrong password on %s → HM_ERR_WRONG_PASSWORD, one connection', async (profile) => {
    const h = await hub({ profile });
    const conn = client(h, { password: 'wrong password entirely', handshake: 'password' });
    const error = await conn.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HiveAuthError);
    expect(error).toEqual(code('HM_ERR_WRONG_PASSWORD'));
    expect(conn.closeError).toBe(error);
    expect(conn.state).toBe('closed');
    expect(h.counts.attempts).toBe(1);
  });

  it('unknown access key (4.0: close 1005 before HELLO) → HM_ERR_UNKNOWN_ACCESS_KEY after 2 attempts', async () => {
    const h = await hub();
    const conn = client(h, { accessKey: 'nobody-knows-me' });
    await expect(conn.connect()).rejects.toThrow(code('HM_ERR_UNKNOWN_ACCESS_KEY'));
    expect(h.counts.attempts).toBe(2);
    expect(h.counts.rejected).toBe(2);
  });

  it('close 1008 from the hub stops the client for good', async () => {
    const h = await hub({ faults: [{ stage: 'clientHello', action: { kind: 'close', code: 1008, reason: 'go away' } }] });
    const conn = client(h, { handshake: 'password' });
    const closed = new Promise((resolve) => conn.on('state', (s) => s.to === 'closed' && resolve(s)));
    await conn.connect();
    await closed;
    expect(conn.closeError).toEqual(code('HM_ERR_DENIED'));
    expect(conn.closeError?.message).toContain('go away');
    expect(h.counts.attempts).toBe(1);
  });

  it('hub protocol floor (1008 before HELLO) is terminal', async () => {
    const h = await startTestHub({ profile: 'core-new', clients: [{ accessKey: ACCESS_KEY, cryptoKey: '0123456789abcdef' }] });
    hubs.push(h);
    const conn = new HubConnection({ host: '127.0.0.1', port: h.port, accessKey: ACCESS_KEY, presharedKey: '0123456789abcdef' });
    conns.push(conn);
    await expect(conn.connect()).rejects.toThrow(code('HM_ERR_DENIED'));
  });
});

describe('resilience', () => {
  it('reconnects after a hub restart with the same session id', async () => {
    const h = await hub();
    const conn = client(h, { handshake: 'password' });
    const readies: ReadyInfo[] = [];
    conn.on('ready', (i) => readies.push(i));
    const firstHello = h.waitFor('hello');
    await conn.connect();
    expect((await firstHello).session['session_id']).toBe(conn.sessionId);
    const secondHello = h.waitFor('hello', () => true, 5_000);
    await h.restart();
    expect((await secondHello).session['session_id']).toBe(conn.sessionId);
    expect(h.counts.hellos).toBe(2);
    expect((await conn.ask('still there', { settleMs: 50 })).utterances).toEqual(['you said still there']);
    expect(readies).toHaveLength(2);
  });

  it('a hub that never answers: ask() rejects with HM_ERR_NO_ANSWER', async () => {
    const h = await hub({ agent: agents.silent() });
    const conn = client(h, { handshake: 'password' });
    await conn.connect();
    await expect(conn.ask('anyone?', { timeoutMs: 300 })).rejects.toThrow(code('HM_ERR_NO_ANSWER'));
    expect(conn.state).toBe('ready');
  });

  it('collects several speaks and reports an intent failure', async () => {
    const h = await hub({ agent: agents.speakAll(['one', 'two', 'three']) });
    const conn = client(h, { handshake: 'password' });
    await conn.connect();
    expect((await conn.ask('count', { settleMs: 50 })).utterances).toEqual(['one', 'two', 'three']);
    const f = await hub({ agent: agents.intentFailure() });
    const c2 = client(f, { handshake: 'password' });
    await c2.connect();
    expect(await c2.ask('gibberish', { settleMs: 50 })).toEqual({ utterances: [], answers: [], end: 'intent-failure' });
  });

  it.each([
    ['malformed', { kind: 'malformed' }],
    ['oversized text', { kind: 'oversized' }],
    ['oversized binary', { kind: 'oversized', binary: true }],
    ['plaintext after keying', { kind: 'plaintext' }],
    ['bad tag', { kind: 'badTag' }],
  ] as const)('survives a %s frame: error event, reconnect, works again', async (_name, action) => {
    const h = await hub({ faults: [{ stage: 'clientHello', action, connections: [1] }] });
    const conn = client(h, { handshake: 'password' });
    const errors: Error[] = [];
    conn.on('error', (e) => errors.push(e));
    const second = h.waitFor('hello', (e) => e.connection.id === 2, 10_000);
    await conn.connect();
    await second;
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect((await conn.ask('again', { settleMs: 50 })).utterances).toEqual(['you said again']);
  });

  it('survives a PING flood', async () => {
    const h = await hub({ faults: [{ stage: 'clientHello', action: { kind: 'pingFlood', count: 200 } }] });
    const conn = client(h, { handshake: 'password' });
    let hive = 0;
    conn.on('hive', () => hive++);
    await conn.connect();
    expect((await conn.ask('ping?', { settleMs: 50 })).utterances).toEqual(['you said ping?']);
    expect(hive).toBe(200);
  });

  it('queues sends made before the session is ready and delivers them after our HELLO', async () => {
    const h = await hub();
    const conn = client(h, { handshake: 'password' });
    const queued = conn.sendBus('recognizer_loop:record_begin', {});
    expect(conn.queuedMessages).toBe(1);
    const got = h.waitFor('message', (e) => e.message.msg_type === 'bus');
    void conn.connect();
    await queued;
    const event = await got;
    expect(event.message.payload['type']).toBe('recognizer_loop:record_begin');
    expect(event.connection.received.map((m) => m.message.msg_type)).toEqual(['shake', 'hello', 'bus']);
  });

  it('surfaces hive.policy.denied (core-new) as a typed error; ask() rejects on a denied utterance', async () => {
    const h = await hub({ profile: 'core-new' });
    const conn = client(h);
    await conn.connect();
    const denied = new Promise((resolve) => conn.once('denied', resolve));
    await conn.sendBus('speak:synth', { utterance: 'hi' });
    expect(await denied).toMatchObject({ code: 'HM_ERR_DENIED', denial: { deniedType: 'speak:synth', denyCode: 'acl_disallowed_type' } });
  });
});
