/**
 * `ask()` with fake timers on a fake socket: when an answer is complete (end marker + settle, quiet period,
 * timeout), what it rejects with (no answer, connection lost, denied), serialisation of asks, and the standalone
 * `ask(options, text)` helper.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ask } from '../../src/hivemind/ask.js';
import { HubConnection } from '../../src/hivemind/connection.js';
import { FakeSocket, PSK16, fakeFactory, greet, hubBus, opened } from './connection-helpers.js';

const code = (c: string): unknown => expect.objectContaining({ code: c });
const flush = async (): Promise<void> => {
  await vi.advanceTimersByTimeAsync(0);
};

async function ready(): Promise<{ conn: HubConnection; socket: () => FakeSocket }> {
  const { factory, sockets } = fakeFactory();
  const conn = new HubConnection({ host: 'h', accessKey: 'k', presharedKey: PSK16, lang: 'en-GB', createWebSocket: factory, reconnect: { random: () => 0.5 } });
  conn.on('error', () => undefined);
  const r = conn.connect();
  greet(sockets[0] as FakeSocket);
  await flush();
  await r;
  return { conn, socket: () => sockets[sockets.length - 1] as FakeSocket };
}

const speak = (utterance: string): string => hubBus('speak', { utterance, lang: 'en-GB', expect_response: false, meta: { skill: 's' } });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('HubConnection.ask', () => {
  it('sends recognizer_loop:utterance with the connection language', async () => {
    const { conn, socket } = await ready();
    const asked = conn.ask('what time is it');
    await flush();
    const message = opened(socket().sent[1] ?? '');
    expect(message.payload).toMatchObject({ type: 'recognizer_loop:utterance', data: { utterances: ['what time is it'], lang: 'en-GB' } });
    socket().serverSend(hubBus('ovos.utterance.handled'));
    await vi.advanceTimersByTimeAsync(500);
    await expect(asked).resolves.toEqual({ utterances: [], answers: [], end: 'handled' });
  });

  it('keeps listening for 500 ms after ovos.utterance.handled (speak may come after it)', async () => {
    const { conn, socket } = await ready();
    const asked = conn.ask('q');
    await flush();
    socket().serverSend(hubBus('ovos.utterance.handled'));
    await vi.advanceTimersByTimeAsync(400);
    socket().serverSend(speak('late answer'));
    await vi.advanceTimersByTimeAsync(499);
    let done = false;
    void asked.then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(asked).resolves.toMatchObject({
      utterances: ['late answer'],
      answers: [{ utterance: 'late answer', lang: 'en-GB', expectResponse: false, meta: { skill: 's' } }],
      end: 'handled',
    });
  });

  it('ends after a quiet period of 2 s when no end marker comes', async () => {
    const { conn, socket } = await ready();
    const asked = conn.ask('q');
    await flush();
    socket().serverSend(speak('one'));
    await vi.advanceTimersByTimeAsync(1_500);
    socket().serverSend(speak('two'));
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(asked).resolves.toMatchObject({ utterances: ['one', 'two'], end: 'quiet' });
  });

  it('reports an intent failure', async () => {
    const { conn, socket } = await ready();
    const asked = conn.ask('q');
    await flush();
    socket().serverSend(hubBus('complete_intent_failure'));
    await vi.advanceTimersByTimeAsync(500);
    await expect(asked).resolves.toMatchObject({ end: 'intent-failure' });
  });

  it('rejects with HM_ERR_NO_ANSWER at the timeout when nothing was said, resolves with what was said otherwise', async () => {
    const { conn, socket } = await ready();
    const silent = conn.ask('q', { timeoutMs: 5_000 });
    const rejected = expect(silent).rejects.toThrow(code('HM_ERR_NO_ANSWER'));
    await vi.advanceTimersByTimeAsync(5_000);
    await rejected;
    const partial = conn.ask('q', { timeoutMs: 3_000, quietMs: 10_000 });
    await flush();
    socket().serverSend(speak('half'));
    await vi.advanceTimersByTimeAsync(3_000);
    await expect(partial).resolves.toMatchObject({ utterances: ['half'], end: 'timeout' });
  });

  it('rejects with HM_ERR_CONNECTION_LOST when the link drops after sending', async () => {
    const { conn, socket } = await ready();
    const asked = conn.ask('q');
    await flush();
    socket().serverClose(1006);
    await expect(asked).rejects.toThrow(code('HM_ERR_CONNECTION_LOST'));
  });

  it('waits in the queue while reconnecting, then asks on the new session', async () => {
    const { conn, socket } = await ready();
    socket().serverClose(1006);
    await flush();
    const asked = conn.ask('q');
    await vi.advanceTimersByTimeAsync(2_000);
    greet(socket());
    await flush();
    expect(opened(socket().sent[1] ?? '').payload['type']).toBe('recognizer_loop:utterance');
    socket().serverSend(speak('answer'));
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(asked).resolves.toMatchObject({ utterances: ['answer'] });
  });

  it('rejects with the typed denial when the hub refuses the utterance', async () => {
    const { conn, socket } = await ready();
    const asked = conn.ask('q');
    await flush();
    socket().serverSend(hubBus('hive.policy.denied', { denied_type: 'recognizer_loop:utterance', code: 'acl_disallowed_type', reason: 'nope' }));
    await expect(asked).rejects.toThrow(code('HM_ERR_DENIED'));
  });

  it('runs asks one at a time', async () => {
    const { conn, socket } = await ready();
    const first = conn.ask('one');
    const second = conn.ask('two');
    await flush();
    expect(socket().sent).toHaveLength(2); // HELLO + the first utterance only
    socket().serverSend(speak('a1'));
    socket().serverSend(hubBus('ovos.utterance.handled'));
    await vi.advanceTimersByTimeAsync(500);
    await expect(first).resolves.toMatchObject({ utterances: ['a1'] });
    await flush();
    expect(socket().sent).toHaveLength(3);
    socket().serverSend(speak('a2'));
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(second).resolves.toMatchObject({ utterances: ['a2'] });
  });

  it('refuses an empty utterance', async () => {
    const { conn } = await ready();
    await expect(conn.ask('  ')).rejects.toThrow(RangeError);
  });
});

describe('ask(options, text)', () => {
  it('connects, asks, closes', async () => {
    const { factory, sockets } = fakeFactory((s) => {
      s.on('client-frame', (frame: string) => {
        const message = opened(frame);
        if (message.msg_type === 'bus') queueMicrotask(() => s.serverSend(speak('standalone')));
      });
    });
    const result = ask({ host: 'h', accessKey: 'k', presharedKey: PSK16, createWebSocket: factory }, 'q');
    greet(sockets[0] as FakeSocket);
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(result).resolves.toMatchObject({ utterances: ['standalone'], end: 'quiet' });
    expect(sockets[0]?.closedByClient?.code).toBe(1000);
  });

  it('rejects with HM_ERR_UNREACHABLE when no session comes within the timeout, naming the last failure', async () => {
    const { factory, sockets } = fakeFactory((s) => queueMicrotask(() => s.failToConnect('connect ECONNREFUSED 10.0.0.1:5678')));
    const result = ask({ host: 'h', accessKey: 'k', presharedKey: PSK16, createWebSocket: factory, timeoutMs: 5_000 }, 'q');
    const rejected = expect(result).rejects.toThrow(expect.objectContaining({ code: 'HM_ERR_UNREACHABLE', message: expect.stringContaining('ECONNREFUSED') as unknown }));
    await vi.advanceTimersByTimeAsync(5_000);
    await rejected;
    expect(sockets.length).toBeGreaterThan(1);
  });

  it('rejects at once with a terminal failure', async () => {
    const { factory, sockets } = fakeFactory();
    const result = ask({ host: 'h', accessKey: 'k', presharedKey: PSK16, createWebSocket: factory, unknownKeyCloses: 1 }, 'q');
    const rejected = expect(result).rejects.toThrow(code('HM_ERR_UNKNOWN_ACCESS_KEY'));
    (sockets[0] as FakeSocket).open();
    (sockets[0] as FakeSocket).serverClose(1005);
    await flush();
    await rejected;
  });
});
