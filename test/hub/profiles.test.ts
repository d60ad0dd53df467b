/**
 * How strict each server generation is, side by side (HIVEMIND.md §1.1, §2, §5.1, §5.8, §7.1): what closes with
 * 1005 (empty close frame), what aborts (1006), what gets 1008 with which reason, and what is silently accepted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BinaryPayloadType } from '../../src/hivemind/message-types.js';
import { CLOSE_REASONS, type HubProfile, type TestHub, type TestHubOptions, startTestHub } from './index.js';
import { BASE_SESSION, LegacySession, baseHubSetup, envelope } from './legacy-session.js';
import { RawClient } from './raw-client.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
});

const POLICY = 1008;
const NO_STATUS = 1005;
const ABNORMAL = 1006;
const recordedShake = (): Record<string, unknown> => {
  const frame = BASE_SESSION.frames.find((f) => f.dir === 'c2s' && f.hive_message?.['msg_type'] === 'shake');
  return JSON.parse(frame?.wire_text ?? '{}') as Record<string, unknown>;
};

async function start(profile: HubProfile, options: Partial<TestHubOptions> = {}): Promise<TestHub> {
  const base = baseHubSetup();
  hub = await startTestHub({ profile, ...base, ...options, serverConfig: { ...base.serverConfig, ...options.serverConfig } });
  return hub;
}

function auth(text: string): string {
  return `/?authorization=${Buffer.from(text).toString('base64')}`;
}

describe('admission', () => {
  it.each([
    ['core-4.0', 'not base64 at all!', ABNORMAL, ''],
    ['core-new', 'not base64 at all!', POLICY, CLOSE_REASONS.invalidAuthorization],
  ] as const)('%s: a malformed authorization (%s) closes %d', async (profile, value, code, reason) => {
    const target = await start(profile);
    const client = await RawClient.connect(`${target.url}/?authorization=${encodeURIComponent(value)}`);
    expect(await client.waitClosed()).toEqual({ code, reason });
  });

  it('core-new: "useragent" without ":" is an invalid authorization', async () => {
    const target = await start('core-new');
    const client = await RawClient.connect(`${target.url}${auth('no-colon-here')}`);
    expect(await client.waitClosed()).toEqual({ code: POLICY, reason: CLOSE_REASONS.invalidAuthorization });
  });

  it('a "+" in the base64 is kept by core-4.0 (raw URI) but becomes a space on core-new (P16)', async () => {
    const value = Buffer.from('>>>:key').toString('base64');
    expect(value).toContain('+');
    const old = await start('core-4.0', { clients: [{ accessKey: 'key', password: 'p' }] });
    const first = await RawClient.connect(`${old.url}/?authorization=${value}`);
    await first.nextText(); // admitted: HELLO arrives
    expect(old.counts.admitted).toBe(1);
    await old.stop();
    const fresh = await start('core-new', { clients: [{ accessKey: 'key', password: 'p' }] });
    const second = await RawClient.connect(`${fresh.url}/?authorization=${value}`);
    expect(await second.waitClosed()).toEqual({ code: POLICY, reason: CLOSE_REASONS.invalidAuthorization });
  });

  it.each(['core-4.0', 'core-new'] as const)('%s: an unknown access key gets an empty close frame (1005)', async (profile) => {
    const target = await start(profile);
    const client = await RawClient.connect(`${target.url}${auth('UA:unknown-key')}`);
    expect(await client.waitClosed()).toEqual({ code: NO_STATUS, reason: '' });
  });

  it('core-new: a client that can be offered no protocol >= the floor is refused before HELLO', async () => {
    const target = await start('core-new', { clients: [{ accessKey: 'psk-only', cryptoKey: 'abcdefghijklmnop' }] });
    const client = await RawClient.connect(`${target.url}${auth('UA:psk-only')}`);
    expect(await client.waitClosed()).toEqual({ code: POLICY, reason: CLOSE_REASONS.protocolFloor });
    expect(client.pending).toEqual([]);
  });

  it('HELLO and HANDSHAKE request differ by generation', async () => {
    const old = await start('core-4.0');
    const a = await LegacySession.open(old.url, { handshake: false });
    expect(a.hello['node_id']).toBe('master:0.0.0.0');
    expect(a.hello['peer']).toBe('RefpeerCaptureClient::1::satellite-test::default');
    expect(a.request).toEqual({
      handshake: false,
      min_protocol_version: 0,
      max_protocol_version: 1,
      binarize: false,
      preshared_key: true,
      password: true,
      crypto_required: true,
      encodings: ['JSON-B64', 'JSON-URLSAFE-B64', 'JSON-B91', 'JSON-Z85B', 'JSON-Z85P', 'JSON-B32', 'JSON-HEX'],
      ciphers: ['CHACHA20-POLY1305', 'AES-GCM'],
    });
    await old.stop();
    const fresh = await start('core-new', { clients: [{ accessKey: BASE_SESSION.session.access_key, password: 'pw' }] });
    const b = await LegacySession.open(fresh.url, { handshake: false });
    expect(b.hello['node_id']).toBe(b.hello['pubkey']);
    expect(b.hello['peer']).toMatch(/^RefpeerCaptureClient::1::client-1::[0-9a-f-]{36}$/);
    expect(b.request).toMatchObject({ handshake: true, min_protocol_version: 2, max_protocol_version: 3, preshared_key: false, noise: { patterns: ['XXpsk2'] } });
  });
});

describe('password handshake', () => {
  const shakeWith = (payload: Record<string, unknown>): string => JSON.stringify({ ...recordedShake(), payload });
  const envelopeHex = (): unknown => (recordedShake()['payload'] as Record<string, unknown>)['envelope'];

  it('core-new verifies the client envelope: a wrong password is refused with 1008', async () => {
    const target = await start('core-new', { clients: [{ accessKey: BASE_SESSION.session.access_key, password: 'another password' }] });
    const session = await LegacySession.open(target.url, { handshake: false });
    session.raw.send(JSON.stringify(recordedShake()));
    expect(await session.raw.waitClosed()).toEqual({ code: POLICY, reason: CLOSE_REASONS.passwordVerification });
  });

  it('core-new accepts the recorded handshake and answers the recorded utterance', async () => {
    const target = await start('core-new');
    const handshake = target.waitFor('handshake');
    const session = await LegacySession.open(target.url);
    expect(await handshake).toMatchObject({ protocol: 'password', cipher: 'AES-GCM', encoding: 'JSON-B64' });
    session.sendRecordedHello();
    session.sendRecordedUtterance();
    expect(await session.nextBus()).toMatchObject({ type: 'ovos.utterance.handled' });
    expect(await session.nextBus()).toMatchObject({ type: 'speak', data: { utterance: 'you said what time is it' } });
  });

  it.each([
    ['core-4.0', 'no encoding in common', { encodings: ['JSON-B91'] }, { code: NO_STATUS, reason: '' }],
    ['core-new', 'no encoding in common', { encodings: ['JSON-B91'] }, { code: POLICY, reason: CLOSE_REASONS.negotiation }],
    ['core-4.0', 'an unknown encoding name', { encodings: ['JSON-NOPE'] }, { code: ABNORMAL, reason: '' }],
    ['core-new', 'an unknown encoding name', { encodings: ['JSON-NOPE'] }, { code: POLICY, reason: CLOSE_REASONS.negotiation }],
    ['core-4.0', 'no envelope', { envelope: undefined }, { code: NO_STATUS, reason: '' }],
    ['core-new', 'no envelope', { envelope: undefined }, { code: POLICY, reason: CLOSE_REASONS.unrecognizedHandshake }],
    ['core-4.0', 'an RSA pubkey (not implemented by the test hub)', { pubkey: 'PEM' }, { code: ABNORMAL, reason: '' }],
    ['core-new', 'an RSA pubkey', { pubkey: 'PEM' }, { code: POLICY, reason: CLOSE_REASONS.legacyFloor(1, 2) }],
    ['core-4.0', 'a malformed envelope', { envelope: 'zz' }, { code: ABNORMAL, reason: '' }],
    ['core-new', 'a malformed envelope', { envelope: 'zz' }, { code: POLICY, reason: CLOSE_REASONS.passwordVerification }],
  ] as const)('%s: a HANDSHAKE with %s closes as the server does', async (profile, _what, change, expected) => {
    const target = await start(profile, { serverConfig: { allowedEncodings: ['JSON-HEX'] } });
    const session = await LegacySession.open(target.url, { handshake: false });
    const payload: Record<string, unknown> = { binarize: false, encodings: ['JSON-HEX'], ciphers: ['AES-GCM'], envelope: envelopeHex(), ...change };
    if (payload['envelope'] === undefined) delete payload['envelope'];
    session.raw.send(shakeWith(payload));
    expect(await session.raw.waitClosed()).toEqual(expected);
  });

  it('missing encodings/ciphers fall back to JSON-HEX / AES-GCM', async () => {
    const target = await start('core-4.0');
    const handshake = target.waitFor('handshake');
    const session = await LegacySession.open(target.url, { handshake: false });
    session.raw.send(shakeWith({ envelope: envelopeHex() }));
    expect(await handshake).toMatchObject({ cipher: 'AES-GCM', encoding: 'JSON-HEX', binarize: false });
  });
});

describe('after the handshake', () => {
  it.each([
    ['core-4.0', { code: ABNORMAL, reason: '' }],
    ['core-new', { code: ABNORMAL, reason: '' }],
  ] as const)('%s: an extra top-level envelope key aborts the socket', async (profile, expected) => {
    const target = await start(profile);
    const session = await LegacySession.open(target.url);
    session.sendJson(envelope('hello', { session: { session_id: session.sessionId } }, { extra: 1 }));
    expect(await session.raw.waitClosed()).toEqual(expected);
  });

  it('core-new with decodeFailure "stall": an undecodable frame stops the hub reading, the socket stays open', async () => {
    const target = await start('core-new', { serverConfig: { decodeFailure: 'stall' } });
    const session = await LegacySession.open(target.url);
    const dropped = target.waitFor('serverClose');
    session.sendJson(envelope('nope', {}));
    expect((await dropped).action).toEqual({ kind: 'stall' });
    session.sendRecordedHello();
    await target.settled();
    await session.raw.barrier();
    expect(target.connections[0]?.stalled).toBe(true);
    expect(target.connections[0]?.registered).toBe(false);
  });

  it.each(['core-4.0', 'core-new'] as const)('%s: an unknown msg_type aborts the socket', async (profile) => {
    const target = await start(profile);
    const session = await LegacySession.open(target.url);
    session.sendJson(envelope('pong', {}));
    expect((await session.raw.waitClosed()).code).toBe(ABNORMAL);
  });

  it('"3rdparty" is known to core-4.0 (ignored) and unknown to core-new (abort)', async () => {
    const old = await start('core-4.0');
    const a = await LegacySession.open(old.url);
    const seen = old.waitFor('message', (e) => e.message.msg_type === '3rdparty');
    a.sendJson(envelope('3rdparty', {}));
    await seen;
    await old.stop();
    const fresh = await start('core-new');
    const b = await LegacySession.open(fresh.url);
    b.sendJson(envelope('3rdparty', {}));
    expect((await b.raw.waitClosed()).code).toBe(ABNORMAL);
  });

  it('a cleartext BUS after keying: core-4.0 accepts it, core-new closes 1008', async () => {
    const old = await start('core-4.0');
    const a = await LegacySession.open(old.url);
    a.sendRecordedHello();
    const bus = { type: 'recognizer_loop:utterance', data: { utterances: ['hi'], lang: 'en-US' }, context: { session: { session_id: a.sessionId } } };
    a.raw.send(JSON.stringify(envelope('bus', bus)));
    expect(await a.nextBus()).toMatchObject({ type: 'ovos.utterance.handled' });
    expect(old.connections[0]?.received.at(-1)?.encrypted).toBe(false);
    await old.stop();
    const fresh = await start('core-new');
    const b = await LegacySession.open(fresh.url);
    b.sendRecordedHello();
    b.raw.send(JSON.stringify(envelope('bus', bus)));
    expect(await b.raw.waitClosed()).toEqual({ code: POLICY, reason: CLOSE_REASONS.cleartext });
  });

  it('a BUS type outside allowed_types: silently dropped by core-4.0', async () => {
    const target = await start('core-4.0');
    const session = await LegacySession.open(target.url);
    session.sendRecordedHello();
    const denied = target.waitFor('denied');
    session.sendBus('speak:synth', { utterance: 'hello' });
    expect(await denied).toMatchObject({ type: 'speak:synth', code: 'acl_disallowed_type' });
    await target.settled();
    await session.raw.barrier();
    expect(session.raw.pending).toEqual([]);
  });

  it('a BUS type outside allowed_types: core-new answers hive.policy.denied', async () => {
    const target = await start('core-new');
    const session = await LegacySession.open(target.url);
    session.sendRecordedHello();
    session.sendBus('mycroft.stop', { reason: 'test' });
    const denied = await session.nextBus();
    expect(denied).toMatchObject({
      type: 'hive.policy.denied',
      data: { denied_type: 'mycroft.stop', code: 'acl_disallowed_type', data: { reason: 'test' } },
      context: { source: 'hivemind-core', destination: target.connections[0]?.peer },
    });
  });

  it('a non-admin BUS with session "default": core-4.0 closes (1005), core-new answers', async () => {
    const bus = { utterances: ['hi'], lang: 'en-US' };
    const old = await start('core-4.0');
    const a = await LegacySession.open(old.url);
    a.sendRecordedHello();
    a.sendBus('recognizer_loop:utterance', bus, {});
    expect(await a.raw.waitClosed()).toEqual({ code: NO_STATUS, reason: '' });
    await old.stop();
    const fresh = await start('core-new');
    const b = await LegacySession.open(fresh.url);
    b.sendRecordedHello();
    b.sendBus('recognizer_loop:utterance', bus, { session: { session_id: 'default' } });
    expect(await b.nextBus()).toMatchObject({ type: 'ovos.utterance.handled' });
  });

  it('a non-admin HELLO with session "default": core-4.0 closes (1005), an admin is accepted', async () => {
    const old = await start('core-4.0');
    const a = await LegacySession.open(old.url);
    a.sendJson(envelope('hello', { session: { session_id: 'default' } }));
    expect(await a.raw.waitClosed()).toEqual({ code: NO_STATUS, reason: '' });
    await old.stop();
    const admin = await start('core-4.0', baseHubSetup({ isAdmin: true }));
    const b = await LegacySession.open(admin.url);
    const hello = admin.waitFor('hello');
    b.sendJson(envelope('hello', { session: { session_id: 'default' } }));
    expect((await hello).session['session_id']).toBe('default');
  });

  it('BROADCAST from a non-admin: ignored by core-4.0, closed by core-new', async () => {
    const inner = { msg_type: 'bus', payload: { type: 'x', data: {}, context: {} }, metadata: {}, route: [], node: null, target_site_id: null, target_pubkey: null, source_peer: null };
    const old = await start('core-4.0');
    const a = await LegacySession.open(old.url);
    const seen = old.waitFor('message', (e) => e.message.msg_type === 'broadcast');
    a.sendJson(envelope('broadcast', inner));
    await seen;
    await old.settled();
    expect(old.connections[0]?.state).not.toBe('closed');
    await old.stop();
    const fresh = await start('core-new');
    const b = await LegacySession.open(fresh.url);
    b.sendJson(envelope('broadcast', inner));
    expect(await b.raw.waitClosed()).toEqual({ code: NO_STATUS, reason: '' });
  });

  it('a bitstring with C=0: core-4.0 aborts (bitstring >= 4 decoder bug), core-new decodes it', async () => {
    const message = { kind: 'binary' as const, binaryType: BinaryPayloadType.RAW_AUDIO, payload: new Uint8Array([1, 2, 3, 4]), metadata: {} };
    const old = await start('core-4.0');
    const a = await LegacySession.open(old.url);
    a.sendBitstring(message, { uncompressed: true });
    expect((await a.raw.waitClosed()).code).toBe(ABNORMAL);
    await old.stop();
    const fresh = await start('core-new');
    const b = await LegacySession.open(fresh.url);
    const seen = fresh.waitFor('message', (e) => e.binary !== undefined);
    b.sendBitstring(message, { uncompressed: true });
    expect((await seen).binary).toMatchObject({ binaryType: BinaryPayloadType.RAW_AUDIO, payload: new Uint8Array([1, 2, 3, 4]) });
  });
});
