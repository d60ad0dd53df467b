/**
 * The OVOS side of the hub (agents, reply routing, registration), the audio plugin (§6.1), binarized replies and the
 * pre-shared-key path.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { presharedKeyBytes } from '../../src/hivemind/aead.js';
import { decryptJsonFrame, encryptJsonFrame } from '../../src/hivemind/json-frame.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import { BinaryPayloadType } from '../../src/hivemind/message-types.js';
import { systemRandom } from '../../src/hivemind/random.js';
import { DEFAULT_ALLOWED_TYPES, type HubAgent, type OvosMessage, type TestHub, type TestHubOptions, agents, startTestHub } from './index.js';
import { BASE_SESSION, LegacySession, baseHubSetup, envelope } from './legacy-session.js';
import { RawClient } from './raw-client.js';
import { requestTarget } from './transcripts.js';

let hub: TestHub | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await hub?.stop();
  hub = undefined;
});

async function start(options: Partial<TestHubOptions> = {}, client: Parameters<typeof baseHubSetup>[0] = {}): Promise<TestHub> {
  hub = await startTestHub({ ...baseHubSetup(client), ...options });
  return hub;
}

/** A keyed and registered session. */
async function registered(target: TestHub, options: { binarize?: boolean } = {}): Promise<LegacySession> {
  const session = await LegacySession.open(target.url, options);
  const hello = target.waitFor('hello');
  session.sendRecordedHello();
  await hello;
  return session;
}

async function assertNothingSent(target: TestHub, session: LegacySession): Promise<void> {
  await target.settled();
  await session.raw.barrier();
  expect(session.raw.pending).toEqual([]);
}

const utterance = (text: string): JsonObject => ({ utterances: [text], lang: 'en-US' });

describe('agent', () => {
  it('sees the message as hivemind-core injects it, and its replies come back to the peer', async () => {
    const seen: OvosMessage[] = [];
    const agent: HubAgent = (message, api) => {
      seen.push(message);
      api.reply('custom.reply', { ok: true });
    };
    const target = await start({ agent });
    const session = await registered(target);
    session.sendRecordedUtterance();
    const reply = await session.nextBus();
    const peer = target.connections[0]?.peer;
    expect(peer).toBe(`RefpeerCaptureClient::1::satellite-test::${session.sessionId}`);
    expect(seen[0]?.context).toMatchObject({ source: peer, peer, destination: 'HiveMind', session: { session_id: session.sessionId, lang: 'en' } });
    expect(reply).toEqual({ type: 'custom.reply', data: { ok: true }, context: expect.objectContaining({ source: 'hive', destination: peer }) as unknown });
  });

  it('silent: nothing is sent back', async () => {
    const target = await start({ agent: agents.silent() });
    const session = await registered(target);
    session.sendRecordedUtterance();
    await target.waitFor('message', (e) => e.message.msg_type === 'bus');
    await assertNothingSent(target, session);
  });

  it('delayed: the answer comes after the delay (fake timers)', async () => {
    const target = await start({ agent: agents.delayed(1_000) });
    const session = await registered(target);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    session.sendRecordedUtterance();
    await target.waitFor('message', (e) => e.message.msg_type === 'bus');
    await vi.advanceTimersByTimeAsync(999);
    await assertNothingSent(target, session);
    await vi.advanceTimersByTimeAsync(1);
    expect(await session.nextBus()).toMatchObject({ type: 'ovos.utterance.handled' });
    expect(await session.nextBus()).toMatchObject({ type: 'speak', data: { utterance: 'you said what time is it' } });
  });

  it('speakAll: several speaks, the last one expecting a response, then handled', async () => {
    const target = await start({ agent: agents.speakAll(['one', 'two'], { expectResponse: true }) });
    const session = await registered(target);
    session.sendRecordedUtterance();
    expect(await session.nextBus()).toMatchObject({ type: 'speak', data: { utterance: 'one', expect_response: false, lang: 'en-US' } });
    expect(await session.nextBus()).toMatchObject({ type: 'speak', data: { utterance: 'two', expect_response: true } });
    expect(await session.nextBus()).toMatchObject({ type: 'ovos.utterance.handled' });
  });

  it('intentFailure: complete_intent_failure then ovos.utterance.handled', async () => {
    const target = await start({ agent: agents.intentFailure() });
    const session = await registered(target);
    session.sendRecordedUtterance();
    expect(await session.nextBus()).toMatchObject({ type: 'complete_intent_failure' });
    expect(await session.nextBus()).toMatchObject({ type: 'ovos.utterance.handled' });
  });

  it('without a client HELLO the agent runs but no reply is delivered (P4)', async () => {
    const calls: string[] = [];
    const inner = agents.responder();
    const target = await start({ agent: (message, api) => (calls.push(message.type), inner(message, api)) });
    const session = await LegacySession.open(target.url);
    session.sendBus('recognizer_loop:utterance', utterance('hello'));
    await target.waitFor('message', (e) => e.message.msg_type === 'bus');
    await assertNothingSent(target, session);
    expect(calls).toEqual(['recognizer_loop:utterance']);
    expect(target.connections[0]?.registered).toBe(false);
  });

  it('message_blacklist: blacklisted types are never sent to the client', async () => {
    const target = await start({}, { messageBlacklist: ['speak'] });
    const session = await registered(target);
    const dropped = target.waitFor('dropped');
    session.sendRecordedUtterance();
    expect(await session.nextBus()).toMatchObject({ type: 'ovos.utterance.handled' });
    expect(await dropped).toMatchObject({ reason: 'message_blacklist', message: { payload: { type: 'speak' } } });
    await assertNothingSent(target, session);
  });

  it('an agent that throws is reported as agentError; the connection keeps working', async () => {
    let fail = true;
    const inner = agents.responder();
    const target = await start({
      agent: (message, api) => {
        if (fail) throw new Error('agent bug');
        return inner(message, api);
      },
    });
    const session = await registered(target);
    const error = target.waitFor('agentError');
    session.sendRecordedUtterance();
    expect(((await error).error as Error).message).toBe('agent bug');
    fail = false;
    session.sendRecordedUtterance();
    expect(await session.nextBus()).toMatchObject({ type: 'ovos.utterance.handled' });
  });

  it('binarize: a client that asked for it gets its replies as encrypted bitstrings', async () => {
    const target = await start();
    const handshake = target.waitFor('handshake');
    const session = await registered(target, { binarize: true });
    expect((await handshake).binarize).toBe(true);
    session.sendRecordedUtterance();
    const frame = await session.next();
    expect(frame).toMatchObject({ kind: 'bitstring', frame: { kind: 'json', message: { msg_type: 'bus', payload: { type: 'ovos.utterance.handled' } } } });
  });

  it('pre-shared key (v0): encrypted frames without any handshake', async () => {
    const cryptoKey = 'fedcba9876543210';
    const target = await start({}, { cryptoKey });
    const handshake = target.waitFor('handshake');
    const raw = await RawClient.connect(`${target.url}${requestTarget(BASE_SESSION)}`);
    await raw.nextText();
    await raw.nextText();
    const key = presharedKeyBytes(cryptoKey);
    const send = (message: JsonObject): void => raw.send(encryptJsonFrame('AES-GCM', 'JSON-HEX', key, JSON.stringify(message), systemRandom));
    send(envelope('hello', { session: { session_id: 'psk-session' } }));
    expect(await handshake).toMatchObject({ protocol: 'preshared', cipher: 'AES-GCM', encoding: 'JSON-HEX' });
    send(envelope('bus', { type: 'recognizer_loop:utterance', data: utterance('hi'), context: { session: { session_id: 'psk-session' } } }));
    const reply = JSON.parse(Buffer.from(decryptJsonFrame('AES-GCM', 'JSON-HEX', key, await raw.nextText())).toString('utf8')) as JsonObject;
    expect(reply).toMatchObject({ msg_type: 'bus', payload: { type: 'ovos.utterance.handled' } });
  });
});

describe('audio plugin', () => {
  const wav = new Uint8Array([0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4]);
  const audio = {
    synth: (text: string): Uint8Array => (text === '' ? new Uint8Array() : wav),
    transcribe: (pcm: Uint8Array): string => (pcm.length === 0 ? '' : `heard ${pcm.length} bytes`),
    fileName: 'answer.wav',
  };
  const withSynth = { allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] };

  it('speak:synth (when allowed) → BINARY TTS_AUDIO with {lang, file_name, utterance}', async () => {
    const target = await start({ audio }, withSynth);
    const session = await registered(target);
    session.sendBus('speak:synth', { utterance: 'it is noon', lang: 'en-US' });
    const frame = await session.next();
    expect(frame).toEqual({
      kind: 'bitstring',
      frame: expect.objectContaining({
        kind: 'binary',
        binaryType: BinaryPayloadType.TTS_AUDIO,
        metadata: { lang: 'en-US', file_name: 'answer.wav', utterance: 'it is noon' },
        payload: wav,
      }) as unknown,
    });
  });

  it('speak:synth is not in the default allowed_types (P12): dropped', async () => {
    const target = await start({ audio });
    const session = await registered(target);
    const denied = target.waitFor('denied');
    session.sendBus('speak:synth', { utterance: 'it is noon', lang: 'en-US' });
    expect((await denied).type).toBe('speak:synth');
    await assertNothingSent(target, session);
  });

  it('speak:b64_audio → speak:b64_audio.response with the audio in base64', async () => {
    const target = await start({ audio });
    const session = await registered(target);
    session.sendBus('speak:b64_audio', { utterance: 'it is noon', lang: 'en-US', listen: false });
    expect(await session.nextBus()).toMatchObject({
      type: 'speak:b64_audio.response',
      data: { utterance: 'it is noon', lang: 'en-US', listen: false, audio: Buffer.from(wav).toString('base64') },
    });
  });

  it('recognizer_loop:b64_transcribe → its .response', async () => {
    const target = await start({ audio });
    const session = await registered(target);
    session.sendBus('recognizer_loop:b64_transcribe', { audio: Buffer.from([1, 2, 3]).toString('base64'), lang: 'en-US' });
    expect(await session.nextBus()).toMatchObject({
      type: 'recognizer_loop:b64_transcribe.response',
      data: { lang: 'en-US', transcriptions: [['heard 3 bytes', 1]] },
    });
  });

  it('BINARY STT_AUDIO_HANDLE → transcribed, injected as an utterance, answered', async () => {
    const target = await start({ audio });
    const session = await registered(target);
    const metadata = { lang: 'en-US', sample_rate: 16000, sample_width: 2 };
    session.sendBitstring({ kind: 'binary', binaryType: BinaryPayloadType.STT_AUDIO_HANDLE, payload: new Uint8Array(320), metadata });
    expect(await session.nextBus()).toMatchObject({ type: 'ovos.utterance.handled' });
    expect(await session.nextBus()).toMatchObject({ type: 'speak', data: { utterance: 'you said heard 320 bytes' } });
  });

  it('BINARY STT_AUDIO_HANDLE with no speech → recognizer_loop:speech.recognition.unknown', async () => {
    const target = await start({ audio });
    const session = await registered(target);
    session.sendBitstring({ kind: 'binary', binaryType: BinaryPayloadType.STT_AUDIO_HANDLE, payload: new Uint8Array(), metadata: { lang: 'en-US' } });
    expect(await session.nextBus()).toMatchObject({ type: 'recognizer_loop:speech.recognition.unknown' });
  });

  it('BINARY STT_AUDIO_TRANSCRIBE → recognizer_loop:transcribe.response', async () => {
    const target = await start({ audio });
    const session = await registered(target);
    session.sendBitstring({ kind: 'binary', binaryType: BinaryPayloadType.STT_AUDIO_TRANSCRIBE, payload: new Uint8Array(64), metadata: { lang: 'pt-PT' } });
    expect(await session.nextBus()).toMatchObject({ type: 'recognizer_loop:transcribe.response', data: { transcriptions: [['heard 64 bytes', 1]], lang: 'pt-PT' } });
  });

  it('the binary hook sees RAW_AUDIO with its metadata', async () => {
    const chunks: number[] = [];
    const target = await start({ binary: (event) => void chunks.push(event.payload.length) });
    const session = await registered(target);
    const seen = target.waitFor('message', (e) => e.binary?.binaryType === BinaryPayloadType.RAW_AUDIO);
    session.sendBitstring({ kind: 'binary', binaryType: BinaryPayloadType.RAW_AUDIO, payload: new Uint8Array(2048), metadata: { sample_rate: 16000, sample_width: 2 } });
    expect((await seen).binary?.metadata).toEqual({ sample_rate: 16000, sample_width: 2 });
    await target.settled();
    expect(chunks).toEqual([2048]);
  });

  it('sendTtsAudio: a long utterance whose metadata exceeds 255 bytes never arrives (P11)', async () => {
    const target = await start();
    const session = await registered(target);
    const connection = target.connections[0];
    if (connection === undefined) throw new Error('no connection');
    const dropped = target.waitFor('dropped');
    const long = Array.from({ length: 40 }, (_, i) => `word${i * 7919}`).join(' ');
    expect(target.sendTtsAudio(connection, wav, { lang: 'en-US', utterance: long })).toBe(false);
    expect((await dropped).reason).toMatch(/metadata/);
    expect(target.sendTtsAudio(connection, wav, { lang: 'en-US', utterance: 'short' })).toBe(true);
    expect(await session.next()).toMatchObject({ kind: 'bitstring', frame: { kind: 'binary', binaryType: BinaryPayloadType.TTS_AUDIO } });
  });
});
