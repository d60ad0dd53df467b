/**
 * The keep-alive's pong deadline against a real `ws` pair on loopback, and `attentiveDeadline` on a scripted clock.
 *
 * The race this guards against: after the event loop stalls past the pong deadline, Node runs the expired timer
 * before it polls the socket that already holds the pong (or, for a hub in the same process, before the hub could
 * read the ping). A plain timer then calls a live hub dead; under CPU load that made the fault suite reconnect
 * once more than expected.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { KeepAlive } from '../../src/hivemind/keepalive.js';
import { type TimerHandle, type Timers, attentiveDeadline, systemTimers } from '../../src/timers.js';

/** Block this thread for `ms` (what a starved or busy process looks like to its timers). */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else may run
  }
}

const servers: WebSocketServer[] = [];
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

async function pair(autoPong: boolean): Promise<WebSocket> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong });
  servers.push(server);
  await once(server, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  clients.push(client);
  await once(client, 'open');
  return client;
}

describe('KeepAlive on a real socket', () => {
  it('a stall of this process past the deadline does not make a live peer dead: the waiting pong is read first', async () => {
    const client = await pair(true);
    let dead = false;
    let pings = 0;
    const keepAlive = new KeepAlive({
      timers: systemTimers,
      intervalMs: 1,
      timeoutMs: 100,
      ping: () => {
        pings++;
        client.ping();
        if (pings === 1) stall(400); // four deadlines long, right after the first ping left
      },
      onDead: () => (dead = true),
    });
    const ponged = once(client, 'pong').then(() => keepAlive.pong());
    keepAlive.start();
    await ponged;
    keepAlive.stop();
    expect(pings).toBeGreaterThanOrEqual(1);
    expect(dead).toBe(false);
  });

  it('a peer that never answers is still presumed dead', async () => {
    const client = await pair(false);
    const started = performance.now();
    const dead = new Promise<number>((resolve) => {
      const keepAlive = new KeepAlive({ timers: systemTimers, intervalMs: 1, timeoutMs: 100, ping: () => client.ping(), onDead: () => resolve(performance.now() - started) });
      keepAlive.start();
    });
    expect(await dead).toBeGreaterThanOrEqual(100);
  });
});

/** Timers on a clock the test moves: `fire(lateBy)` runs the pending timer `lateBy` ms after it was due. */
function scriptedTimers(): Timers & { fire(lateBy?: number): void; pending(): number | undefined } {
  let now = 0;
  let timer: { due: number; callback: () => void } | undefined;
  return {
    setTimeout(callback, ms): TimerHandle {
      timer = { due: now + ms, callback };
      return timer;
    },
    clearTimeout(handle) {
      if (handle === timer) timer = undefined;
    },
    now: () => now,
    fire(lateBy = 0) {
      const t = timer;
      if (t === undefined) throw new Error('no timer pending');
      timer = undefined;
      now = t.due + lateBy;
      t.callback();
    },
    pending: () => (timer === undefined ? undefined : timer.due - now),
  };
}

describe('attentiveDeadline', () => {
  it('expires after exactly ms when every slice is on time (10 slices)', () => {
    const timers = scriptedTimers();
    let expired = 0;
    attentiveDeadline(timers, 1_000, () => expired++);
    for (let i = 0; i < 9; i++) timers.fire(i % 2); // 0–1 ms of ordinary jitter
    expect(expired).toBe(0);
    timers.fire();
    expect(expired).toBe(1);
    expect(timers.pending()).toBeUndefined();
  });

  it('does not count a stall: a slice that fires 5 s late counts nothing, the loop must run on time for the rest', () => {
    const timers = scriptedTimers();
    let expired = 0;
    attentiveDeadline(timers, 1_000, () => expired++);
    for (let i = 0; i < 9; i++) timers.fire();
    timers.fire(5_000); // the process was not running
    expect(expired).toBe(0);
    expect(timers.pending()).toBe(100); // one more slice of working loop
    timers.fire();
    expect(expired).toBe(1);
  });

  it('a late slice counts what was not stolen', () => {
    const timers = scriptedTimers();
    let expired = 0;
    attentiveDeadline(timers, 100, () => expired++, 1);
    timers.fire(60); // 60 ms late on a 100 ms slice: 40 ms counted
    expect(expired).toBe(0);
    expect(timers.pending()).toBe(60);
    timers.fire();
    expect(expired).toBe(1);
  });

  it('cancels', () => {
    const timers = scriptedTimers();
    let expired = 0;
    const cancel = attentiveDeadline(timers, 100, () => expired++);
    timers.fire();
    cancel();
    expect(timers.pending()).toBeUndefined();
    expect(expired).toBe(0);
  });
});
