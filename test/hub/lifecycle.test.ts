/**
 * Hub lifecycle (stop, restart on the same port, counters, waitFor) and the faults it can inject.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decryptJsonFrame } from '../../src/hivemind/json-frame.js';
import { MAX_FRAME_BYTES } from '../../src/hivemind/constants.js';
import { type HubFault, type TestHub, TestHubError, startTestHub } from './index.js';
import { BASE_SESSION, LegacySession, baseHubSetup } from './legacy-session.js';
import { RawClient } from './raw-client.js';
import { requestTarget } from './transcripts.js';

let hub: TestHub | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await hub?.stop();
  hub = undefined;
});

async function start(faults: readonly HubFault[] = []): Promise<TestHub> {
  hub = await startTestHub({ ...baseHubSetup(), faults });
  return hub;
}

const target = requestTarget(BASE_SESSION);

describe('lifecycle', () => {
  it('listens on 127.0.0.1 on a free port and reports its URL', async () => {
    const h = await start();
    expect(h.port).toBeGreaterThan(0);
    expect(h.url).toBe(`ws://127.0.0.1:${h.port}`);
    expect(h.listening).toBe(true);
  });

  it('restart drops live connections (1006), keeps the port and the counters, resets the connections', async () => {
    const h = await start();
    const port = h.port;
    const first = await LegacySession.open(h.url);
    first.sendRecordedHello();
    await h.waitFor('hello');
    await h.restart();
    expect((await first.raw.waitClosed()).code).toBe(1006);
    expect(h.port).toBe(port);
    expect(h.connections).toEqual([]);
    const second = await LegacySession.open(h.url);
    second.sendRecordedHello();
    await h.waitFor('hello');
    expect(h.connections).toHaveLength(1);
    expect(h.connections[0]?.id).toBe(2);
    expect(h.counts).toMatchObject({ attempts: 2, admitted: 2, rejected: 0, handshakes: 2, hellos: 2 });
  });

  it('stop frees the port: connecting fails until start() listens again on the same port', async () => {
    const h = await start();
    await h.stop();
    expect(h.listening).toBe(false);
    await expect(RawClient.connect(`${h.url}${target}`)).rejects.toThrow(/ECONNREFUSED/);
    await h.start();
    const client = await RawClient.connect(`${h.url}${target}`);
    expect(JSON.parse(await client.nextText())).toMatchObject({ msg_type: 'hello' });
  });

  it('stop with a code closes every connection with it (a going-away shutdown)', async () => {
    const h = await start();
    const client = await RawClient.connect(`${h.url}${target}`);
    await client.nextText();
    await h.stop({ code: 1001, reason: 'shutting down' });
    expect(await client.waitClosed()).toEqual({ code: 1001, reason: 'shutting down' });
  });

  it('start() twice is refused', async () => {
    const h = await start();
    await expect(h.start()).rejects.toMatchObject({ code: 'HUB_ERR_STATE' });
  });

  it('waitFor rejects with HUB_ERR_TIMEOUT when the event does not come', async () => {
    const h = await start();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const waiting = h.waitFor('hello', () => true, 50);
    const assertion = expect(waiting).rejects.toThrow(TestHubError);
    await vi.advanceTimersByTimeAsync(50);
    await assertion;
    await expect(waiting).rejects.toMatchObject({ code: 'HUB_ERR_TIMEOUT' });
  });

  it('refuses duplicate access keys and malformed pre-shared keys', async () => {
    await expect(startTestHub({ clients: [{ accessKey: 'a' }, { accessKey: 'a' }] })).rejects.toMatchObject({ code: 'HUB_ERR_OPTIONS' });
    await expect(startTestHub({ clients: [{ accessKey: 'a', cryptoKey: 'short' }] })).rejects.toMatchObject({ code: 'HM_ERR_BAD_KEY' });
  });
});

describe('faults', () => {
  it('open + stall: HELLO is never sent', async () => {
    const h = await start([{ stage: 'open', action: { kind: 'stall' } }]);
    const fault = h.waitFor('fault');
    const client = await RawClient.connect(`${h.url}${target}`);
    await fault;
    await h.settled();
    await client.barrier();
    expect(client.pending).toEqual([]);
    expect(h.connections[0]?.sent).toEqual([]);
  });

  it('hello + close with a code: HELLO, then the close', async () => {
    const h = await start([{ stage: 'hello', action: { kind: 'close', code: 4001, reason: 'bye' } }]);
    const client = await RawClient.connect(`${h.url}${target}`);
    expect(JSON.parse(await client.nextText())).toMatchObject({ msg_type: 'hello' });
    expect(await client.waitClosed()).toEqual({ code: 4001, reason: 'bye' });
  });

  it('handshakeRequest + abort: HELLO and the request, then 1006', async () => {
    const h = await start([{ stage: 'handshakeRequest', action: { kind: 'abort' } }]);
    const client = await RawClient.connect(`${h.url}${target}`);
    await client.nextText();
    expect(JSON.parse(await client.nextText())).toMatchObject({ msg_type: 'shake' });
    expect((await client.waitClosed()).code).toBe(1006);
  });

  it('handshake + close without a code: the response, then an empty close frame (1005)', async () => {
    const h = await start([{ stage: 'handshake', action: { kind: 'close' } }]);
    const session = await LegacySession.open(h.url);
    expect((await session.raw.waitClosed()).code).toBe(1005);
  });

  it('afterMessages on connection 1 only: the first connection dies after its HELLO, the second works', async () => {
    const h = await start([{ stage: { afterMessages: 1 }, action: { kind: 'abort' }, connections: [1] }]);
    const first = await LegacySession.open(h.url);
    first.sendRecordedHello();
    expect((await first.raw.waitClosed()).code).toBe(1006);
    const second = await LegacySession.open(h.url);
    second.sendRecordedHello();
    second.sendRecordedUtterance();
    expect(await second.nextBus()).toMatchObject({ type: 'ovos.utterance.handled' });
  });

  it('clientHello + custom: runs arbitrary code once the client is registered', async () => {
    const h = await start([{ stage: 'clientHello', action: { kind: 'custom', run: (connection) => void connection.sendBus('mycroft.mic.listen', {}) } }]);
    const session = await LegacySession.open(h.url);
    session.sendRecordedHello();
    expect(await session.nextBus()).toMatchObject({ type: 'mycroft.mic.listen', context: { source: 'hive' } });
  });

  it('malformed, plaintext, badTag and pingFlood frames reach the client as described', async () => {
    const h = await start();
    const session = await LegacySession.open(h.url);
    session.sendRecordedHello();
    const { connection } = await h.waitFor('hello');
    await h.fault(connection, { kind: 'malformed' });
    const malformed = await session.raw.nextText();
    expect(() => JSON.parse(malformed) as unknown).toThrow();
    await h.fault(connection, { kind: 'plaintext' });
    expect(JSON.parse(await session.raw.nextText())).toMatchObject({ msg_type: 'bus', payload: { type: 'speak' } });
    await h.fault(connection, { kind: 'badTag' });
    const tampered = await session.raw.nextText();
    expect(() => decryptJsonFrame(session.cipher, session.encoding, session.key, tampered)).toThrow(expect.objectContaining({ code: 'HM_ERR_BAD_TAG' }));
    await h.fault(connection, { kind: 'pingFlood', count: 3 });
    for (let i = 0; i < 3; i++) {
      const frame = await session.next();
      expect(frame).toMatchObject({ kind: 'json', message: { msg_type: 'propagate', payload: { msg_type: 'ping' } } });
    }
  });

  it('oversized: a frame over 10 MiB, which a client limited to 10 MiB refuses with 1009', async () => {
    const h = await start([{ stage: 'hello', action: { kind: 'oversized', binary: true } }]);
    const closed = h.waitFor('clientClose');
    const client = await RawClient.connect(`${h.url}${target}`, { maxPayload: MAX_FRAME_BYTES });
    await client.nextText();
    // ws sends 1009 and then stops reading, so it reports 1006 itself; the hub saw the 1009.
    expect(await closed).toMatchObject({ code: 1009, byHub: false });
    await client.waitClosed();
  });

  it('the hub refuses client frames over 10 MiB with 1009', async () => {
    const h = await start();
    const client = await RawClient.connect(`${h.url}${target}`);
    await client.nextText();
    client.send(new Uint8Array(MAX_FRAME_BYTES + 1));
    expect((await client.waitClosed()).code).toBe(1009);
    void h;
  });
});
