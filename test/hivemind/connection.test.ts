/**
 * The connection state machine on a fake socket, with fake timers: readiness, the send queue, backoff and its
 * reset, keep-alive, handshake/open timeouts, terminal failures (1008, unknown access key, attempts), malformed
 * frames, `waitFor`, `hive.policy.denied` and the error/close events.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HiveConnectionError, HivePolicyDeniedError } from '../../src/hivemind/connection-errors.js';
import { type CloseInfo, HubConnection, type HubConnectionOptions, type StateChange } from '../../src/hivemind/connection.js';
import { HiveAuthError } from '../../src/hivemind/errors.js';
import { createHiveMessage } from '../../src/hivemind/message.js';
import { FakeSocket, PSK16, fakeFactory, greet, hubBus, hubHello, opened, presharedRequest, sealed } from './connection-helpers.js';

const code = (c: string): unknown => expect.objectContaining({ code: c });

/** Let the connection process what it was given (microtasks), without moving time. */
const flush = async (): Promise<void> => {
  await vi.advanceTimersByTimeAsync(0);
};

interface Harness {
  conn: HubConnection;
  sockets: FakeSocket[];
  states: StateChange[];
  closes: CloseInfo[];
  errors: Error[];
  last(): FakeSocket;
}

type HarnessOptions = { [K in keyof HubConnectionOptions]?: HubConnectionOptions[K] | undefined };

function harness(options: HarnessOptions = {}): Harness {
  const { factory, sockets } = fakeFactory();
  const merged = {
    host: 'hub.local',
    accessKey: 'access-key-0123456789',
    presharedKey: PSK16,
    siteId: 'kitchen',
    lang: 'en-GB',
    createWebSocket: factory,
    reconnect: { random: () => 0.5 },
    ...options,
  };
  // Drop keys a test set to undefined (e.g. no pre-shared key).
  const conn = new HubConnection(Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as unknown as HubConnectionOptions);
  const h: Harness = {
    conn,
    sockets,
    states: [],
    closes: [],
    errors: [],
    last: () => {
      const s = sockets[sockets.length - 1];
      if (s === undefined) throw new Error('no socket yet');
      return s;
    },
  };
  conn.on('state', (c) => h.states.push(c));
  conn.on('close', (c) => h.closes.push(c));
  conn.on('error', (e) => h.errors.push(e));
  return h;
}

async function readyHarness(options: HarnessOptions = {}): Promise<Harness> {
  const h = harness(options);
  const ready = h.conn.connect();
  greet(h.last());
  await flush();
  await ready;
  return h;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('connecting and readiness', () => {
  it('goes idle → connecting → handshaking → ready and sends an encrypted HELLO with its session', async () => {
    const h = harness();
    expect(h.conn.state).toBe('idle');
    const ready = h.conn.connect();
    expect(h.conn.connect()).toBe(ready);
    const socket = h.last();
    expect(socket.url).toBe('ws://hub.local:5678?authorization=SGl2ZXNhdFYwLjEuMDphY2Nlc3Mta2V5LTAxMjM0NTY3ODk=');
    expect(socket.options).toMatchObject({ maxPayload: 10 * 1024 * 1024, perMessageDeflate: false });
    // Handlers are on before the socket opens: the hub speaks first.
    expect(socket.listenerCount('message')).toBe(1);
    greet(socket);
    await flush();
    const info = await ready;
    expect(h.states.map((s) => s.to)).toEqual(['connecting', 'handshaking', 'ready']);
    expect(info).toMatchObject({ protocol: 'preshared', cipher: 'AES-GCM', encoding: 'JSON-HEX', binarize: false, sessionId: h.conn.sessionId });
    expect(h.conn.info).toEqual(info);
    expect(socket.sent).toHaveLength(1); // no HANDSHAKE on the pre-shared key path, just our HELLO
    const hello = opened(socket.sent[0] ?? '');
    expect(hello.msg_type).toBe('hello');
    expect(hello.payload).toEqual({ session: { session_id: h.conn.sessionId, site_id: 'kitchen', lang: 'en-GB' }, site_id: 'kitchen' });
    expect(h.conn.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the session, source and destination into every BUS context, never "default" or a pipeline', async () => {
    const h = await readyHarness();
    await h.conn.sendBus('recognizer_loop:utterance', { utterances: ['hi'], lang: 'en-GB' }, { session: { session_id: 'default', pipeline: ['x'], extra: 1 }, destination: 'skills' });
    const bus = opened(h.last().sent[1] ?? '');
    expect(bus.payload).toEqual({
      type: 'recognizer_loop:utterance',
      data: { utterances: ['hi'], lang: 'en-GB' },
      context: { session: { extra: 1, session_id: h.conn.sessionId, site_id: 'kitchen', lang: 'en-GB' }, destination: 'skills', source: 'HivesatV0.1.0', platform: 'HivesatV0.1.0' },
    });
  });

  it('ignores a second HANDSHAKE request on a live session (never handshakes twice)', async () => {
    const h = await readyHarness();
    h.last().serverSend(presharedRequest());
    await flush();
    expect(h.conn.state).toBe('ready');
    expect(h.last().sent).toHaveLength(1);
  });

  it('emits bus, hive and binary messages', async () => {
    const h = await readyHarness();
    const bus = vi.fn();
    const hive = vi.fn();
    h.conn.on('bus', bus);
    h.conn.on('hive', hive);
    h.last().serverSend(hubBus('speak', { utterance: 'hello there' }));
    h.last().serverSend(sealed(createHiveMessage('propagate', { msg_type: 'ping', payload: { flood_id: 'x' } })));
    await flush();
    expect(bus).toHaveBeenCalledWith({ type: 'speak', data: { utterance: 'hello there' }, context: { source: 'hive', destination: 'peer' } }, expect.objectContaining({ msg_type: 'bus' }));
    expect(hive).toHaveBeenCalledWith(expect.objectContaining({ msg_type: 'propagate' }));
  });
});

describe('sends while not ready', () => {
  it('queues them and flushes them in order once ready', async () => {
    const h = harness();
    void h.conn.connect();
    const a = h.conn.sendBus('a');
    const b = h.conn.sendBus('b');
    expect(h.conn.queuedMessages).toBe(2);
    greet(h.last());
    await flush();
    await Promise.all([a, b]);
    const sent = h.last().sent.map((f) => opened(f));
    expect(sent.map((m) => (m.msg_type === 'bus' ? m.payload['type'] : m.msg_type))).toEqual(['hello', 'a', 'b']);
  });

  it('keeps the queue across a reconnect', async () => {
    const h = harness();
    void h.conn.connect();
    const sent = h.conn.sendBus('later');
    h.last().failToConnect();
    await flush();
    expect(h.conn.state).toBe('backing-off');
    await vi.advanceTimersByTimeAsync(2_000);
    greet(h.last());
    await flush();
    await sent;
    expect(opened(h.last().sent[1] ?? '').payload['type']).toBe('later');
  });

  it('refuses a message when the queue is full, and with mode "reject" refuses at once', async () => {
    const h = harness({ sendQueue: { maxMessages: 1 } });
    void h.conn.connect();
    const first = h.conn.sendBus('one');
    await expect(h.conn.sendBus('two')).rejects.toThrow(code('HM_ERR_QUEUE_FULL'));
    const r = harness({ sendQueue: { mode: 'reject' } });
    await expect(r.conn.sendBus('x')).rejects.toThrow(code('HM_ERR_NOT_READY'));
    await h.conn.close();
    await expect(first).rejects.toThrow(code('HM_ERR_CLOSED'));
    await expect(h.conn.sendBus('after')).rejects.toThrow(code('HM_ERR_CLOSED'));
  });
});

describe('reconnect with backoff', () => {
  it('waits 2, 4, 8 … s (capped at 60 s, ±50 % jitter) between attempts, and no longer', async () => {
    let r = 0.5;
    const h = harness({ reconnect: { random: () => r } });
    void h.conn.connect();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = h.sockets.length;
      h.last().failToConnect();
      await flush();
      const change = h.states[h.states.length - 1];
      expect(change?.to).toBe('backing-off');
      const delay = Number(/retry in (\d+) ms/.exec(change?.reason ?? '')?.[1]);
      delays.push(delay);
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(h.sockets.length).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(h.sockets.length).toBe(before + 1);
    }
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(h.closes.every((c) => c.willReconnect && c.code === 1006)).toBe(true);
    expect(h.errors[0]).toEqual(code('HM_ERR_UNREACHABLE'));
    expect(h.errors[0]?.message).toContain('ECONNREFUSED');
    r = 0; // jitter bounds
    h.last().failToConnect();
    await flush();
    expect(h.states[h.states.length - 1]?.reason).toContain('retry in 30000 ms');
    await h.conn.close();
  });

  it('resets the backoff after a session became ready, and keeps the session id', async () => {
    const h = await readyHarness();
    const helloOf = (s: FakeSocket): unknown => opened(s.sent[0] ?? '').payload;
    const firstHello = helloOf(h.last());
    h.last().serverClose(1006);
    await flush();
    expect(h.closes[0]).toMatchObject({ code: 1006, willReconnect: true });
    expect(h.errors[0]).toEqual(code('HM_ERR_CONNECTION_LOST'));
    await vi.advanceTimersByTimeAsync(2_000);
    h.last().failToConnect();
    await flush();
    await vi.advanceTimersByTimeAsync(4_000);
    greet(h.last());
    await flush();
    expect(h.conn.state).toBe('ready');
    expect(helloOf(h.last())).toEqual(firstHello);
    h.last().serverClose(1001, 'going away');
    await flush();
    expect(h.states[h.states.length - 1]?.reason).toContain('retry in 2000 ms');
    await h.conn.close();
    expect(h.conn.state).toBe('closed');
  });

  it('gives up with HM_ERR_UNREACHABLE after maxAttempts in a row', async () => {
    const h = harness({ reconnect: { random: () => 0.5, maxAttempts: 2 } });
    const ready = h.conn.connect();
    h.last().failToConnect();
    await flush();
    await vi.advanceTimersByTimeAsync(2_000);
    h.last().failToConnect();
    await flush();
    await expect(ready).rejects.toThrow(code('HM_ERR_UNREACHABLE'));
    expect(h.conn.state).toBe('closed');
    expect(h.closes.map((c) => c.willReconnect)).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(h.sockets).toHaveLength(2);
  });
});

describe('terminal failures', () => {
  it('stops for good on close 1008 and says why', async () => {
    const h = await readyHarness();
    h.last().serverClose(1008, 'unencrypted message rejected: crypto is required');
    await flush();
    expect(h.conn.state).toBe('closed');
    expect(h.conn.closeError).toBeInstanceOf(HiveAuthError);
    expect(h.conn.closeError).toEqual(code('HM_ERR_DENIED'));
    expect(h.conn.closeError?.message).toContain('unencrypted message rejected');
    expect(h.closes).toEqual([expect.objectContaining({ code: 1008, willReconnect: false })]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(h.sockets).toHaveLength(1);
  });

  it('reads a 1008 during the password handshake as a wrong password', async () => {
    const h = harness({ presharedKey: undefined, password: 'secret' });
    const ready = h.conn.connect();
    const socket = h.last();
    socket.open();
    socket.serverSend(hubHello());
    socket.serverSend(presharedRequest({ password: true, preshared_key: false }));
    await flush();
    expect(socket.sent).toHaveLength(1); // our HANDSHAKE
    socket.serverClose(1008, 'password handshake verification failed');
    await flush();
    await expect(ready).rejects.toThrow(code('HM_ERR_WRONG_PASSWORD'));
  });

  it('reports an unknown access key after repeated 1005 closes before HELLO, retrying once', async () => {
    const h = harness();
    const ready = h.conn.connect();
    h.last().open();
    h.last().serverClose(1005);
    await flush();
    expect(h.conn.state).toBe('backing-off');
    await vi.advanceTimersByTimeAsync(2_000);
    h.last().open();
    h.last().serverClose(1005);
    await flush();
    await expect(ready).rejects.toThrow(code('HM_ERR_UNKNOWN_ACCESS_KEY'));
    expect(h.sockets).toHaveLength(2);
    const once = harness({ unknownKeyCloses: 1 });
    const r = once.conn.connect();
    once.last().open();
    once.last().serverClose(1005);
    await flush();
    await expect(r).rejects.toThrow(code('HM_ERR_UNKNOWN_ACCESS_KEY'));
  });

  it('does not mistake a 1005 after HELLO for an unknown key', async () => {
    const h = harness();
    void h.conn.connect();
    for (let i = 0; i < 3; i++) {
      h.last().open();
      h.last().serverSend(hubHello());
      h.last().serverClose(1005);
      await flush();
      expect(h.conn.state).toBe('backing-off');
      await vi.advanceTimersByTimeAsync(60_000);
    }
    await h.conn.close();
  });

  it('fails fast when no handshake branch fits (no retry)', async () => {
    const h = harness();
    const ready = h.conn.connect();
    h.last().open();
    h.last().serverSend(hubHello());
    h.last().serverSend(presharedRequest({ preshared_key: false, password: true }));
    await flush();
    await expect(ready).rejects.toThrow(code('HM_ERR_NEGOTIATION'));
    expect(h.last().closedByClient?.code).toBe(1008);
  });
});

describe('timeouts and keep-alive', () => {
  it('closes and reconnects when the handshake does not complete within 10 s', async () => {
    const h = harness();
    void h.conn.connect();
    h.last().open();
    h.last().serverSend(hubHello());
    await vi.advanceTimersByTimeAsync(9_999);
    expect(h.conn.state).toBe('handshaking');
    await vi.advanceTimersByTimeAsync(1);
    expect(h.errors[0]).toEqual(code('HM_ERR_HANDSHAKE_TIMEOUT'));
    expect(h.sockets[0]?.closedByClient?.code).toBe(1001);
    expect(h.conn.state).toBe('backing-off');
    await h.conn.close();
  });

  it('gives up on an upgrade that does not complete within 10 s', async () => {
    const h = harness();
    void h.conn.connect();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.errors[0]).toEqual(code('HM_ERR_UNREACHABLE'));
    expect(h.sockets[0]?.closedByClient?.terminated).toBe(true);
    await h.conn.close();
  });

  it('pings every 25 s and stays up while pongs come back', async () => {
    const h = await readyHarness();
    await vi.advanceTimersByTimeAsync(25_000 * 8);
    expect(h.last().pings).toBe(8);
    expect(h.conn.state).toBe('ready');
    await h.conn.close();
  });

  it('detects a dead hub: no pong within 10 s of a ping → terminate and reconnect (≤ 35 s)', async () => {
    const h = await readyHarness();
    h.last().autoPong = false;
    await vi.advanceTimersByTimeAsync(25_000);
    expect(h.last().pings).toBe(1);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(h.conn.state).toBe('ready');
    await vi.advanceTimersByTimeAsync(1);
    expect(h.errors[0]).toEqual(code('HM_ERR_PONG_TIMEOUT'));
    expect(h.sockets[0]?.closedByClient?.terminated).toBe(true);
    expect(h.conn.state).toBe('backing-off');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.sockets).toHaveLength(2);
    await h.conn.close();
  });
});

describe('hostile or broken hub frames', () => {
  it.each([
    ['invalid JSON', 'not json {'],
    ['an unknown msg_type', JSON.stringify({ msg_type: 'boom', payload: {} })],
    ['an extra envelope key', JSON.stringify({ msg_type: 'bus', payload: {}, evil: 1 })],
    ['a bad ciphertext', JSON.stringify({ ciphertext: 'zz', tag: '00', nonce: '00' })],
    ['a plaintext BUS after keying', JSON.stringify({ msg_type: 'bus', payload: { type: 'speak', data: {}, context: {} } })],
    ['binary garbage', new Uint8Array([1, 2, 3, 4, 5])],
    ['a BUS without type', 'bus-without-type'],
  ])('survives %s: logs, reports, closes and reconnects', async (_what, frame) => {
    const h = await readyHarness();
    const data = frame === 'bus-without-type' ? sealed(createHiveMessage('bus', { data: {} })) : frame;
    h.last().serverSend(data);
    await flush();
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]?.message).not.toContain('speak');
    expect(h.conn.state).toBe('backing-off');
    expect(h.sockets[0]?.closedByClient).toBeDefined();
    await vi.advanceTimersByTimeAsync(2_000);
    greet(h.last());
    await flush();
    expect(h.conn.state).toBe('ready');
    await h.conn.close();
  });

  it('does not emit "error" without listeners (no crash), but still reconnects', async () => {
    const { factory, sockets } = fakeFactory();
    const conn = new HubConnection({ host: 'h', accessKey: 'k', presharedKey: PSK16, createWebSocket: factory });
    void conn.connect();
    greet(sockets[0] as FakeSocket);
    await flush();
    (sockets[0] as FakeSocket).serverSend('garbage');
    await flush();
    expect(conn.state).toBe('backing-off');
    await conn.close();
  });
});

describe('waitFor and hive.policy.denied', () => {
  it('resolves on a matching message, rejects on timeout and on close', async () => {
    const h = await readyHarness();
    const speak = h.conn.waitFor((m) => m.type === 'speak', 1_000);
    h.last().serverSend(hubBus('other'));
    h.last().serverSend(hubBus('speak', { utterance: 'x' }));
    await flush();
    await expect(speak).resolves.toMatchObject({ type: 'speak' });
    const timeout = h.conn.waitFor(() => false, 1_000);
    const timedOut = expect(timeout).rejects.toThrow(code('HM_ERR_TIMEOUT'));
    await vi.advanceTimersByTimeAsync(1_000);
    await timedOut;
    const closed = h.conn.waitFor(() => false, 60_000);
    await h.conn.close();
    await expect(closed).rejects.toThrow(code('HM_ERR_CLOSED'));
  });

  it('surfaces hive.policy.denied as a typed error and event', async () => {
    const h = await readyHarness();
    const denied = vi.fn();
    h.conn.on('denied', denied);
    h.last().serverSend(hubBus('hive.policy.denied', { denied_type: 'speak:synth', code: 'acl_disallowed_type', reason: 'not allowed' }));
    await flush();
    const error = denied.mock.calls[0]?.[0] as HivePolicyDeniedError;
    expect(error).toBeInstanceOf(HivePolicyDeniedError);
    expect(error).toBeInstanceOf(HiveAuthError);
    expect(error.code).toBe('HM_ERR_DENIED');
    expect(error.denial).toEqual({ deniedType: 'speak:synth', denyCode: 'acl_disallowed_type', reason: 'not allowed' });
    expect(h.errors).toEqual([error]);
    expect(h.conn.state).toBe('ready');
  });
});

describe('close()', () => {
  it('closes with 1000, rejects further sends, and a closed connection cannot connect again', async () => {
    const h = await readyHarness();
    const closing = h.conn.close();
    expect(h.conn.state).toBe('closing');
    await closing;
    expect(h.conn.state).toBe('closed');
    expect(h.sockets[0]?.closedByClient?.code).toBe(1000);
    await expect(h.conn.connect()).resolves.toBeDefined(); // the first ready promise stays resolved
    const fresh = harness();
    await fresh.conn.close();
    await expect(fresh.conn.connect()).rejects.toThrow(code('HM_ERR_CLOSED'));
  });

  it('terminates a hub that never answers the close frame', async () => {
    const h = await readyHarness();
    h.last().close = () => undefined; // swallow our close frame
    const closing = h.conn.close();
    await vi.advanceTimersByTimeAsync(10_000);
    await closing;
    expect(h.sockets[0]?.closedByClient?.terminated).toBe(true);
  });

  it('rejects bad options synchronously', () => {
    const { factory } = fakeFactory();
    expect(() => new HubConnection({ host: 'h', accessKey: 'k', createWebSocket: factory })).toThrow(code('CFG_ERR_MISSING'));
    expect(() => new HubConnection({ host: 'h', accessKey: '', password: 'p' })).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => new HubConnection({ host: 'h', accessKey: 'k', password: 'p', ciphers: ['ROT13'] })).toThrow(code('HM_ERR_NEGOTIATION'));
    expect(() => new HubConnection({ host: 'h', accessKey: 'k', password: 'p', sessionId: 'default' })).toThrow(RangeError);
    expect(() => new HubConnection({ host: 'h', port: 0, accessKey: 'k', password: 'p' })).toThrow(RangeError);
    expect(() => new HubConnection({ host: 'wss://h', accessKey: 'k', password: 'p', certFingerprint256: 'abc' })).toThrow(RangeError);
  });

  it('is a HiveConnectionError hierarchy', () => {
    const e = new HiveConnectionError('HM_ERR_CLOSED', 'x');
    expect(e.name).toBe('HiveConnectionError');
    expect(e.code).toBe('HM_ERR_CLOSED');
  });
});
