/**
 * The network fault suite: a spoken turn ("hey jarvis … what time is it", real espeak-ng audio through the real
 * listener models) from a real Satellite and HubConnection to the test hub, through the fault proxy. For every fault:
 *
 * - the turn in flight is answered — by the hub (after a reconnect when the fault hit before the turn) or by the
 *   local persona with the very utterance — and the answer was played (never silence);
 * - the link recovers with the backoff schedule (the proxy counts the attempts; 1011/1013 do not reset the backoff),
 *   except after 1008, which stops it for good and says why;
 * - file descriptors and active handles are back to their count before the rig once it is closed.
 *
 * Heap: a fault repeated on one rig, with `gc()` (enabled at run time, see net-helpers.ts) between rounds.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HiveAuthError } from '../../src/hivemind/index.js';
import { OUTAGE_ANNOUNCEMENT } from '../../src/satellite/constants.js';
import { EspeakNgTts } from '../../src/speech/index.js';
import { agents } from '../hub/index.js';
import { ensureModels, speak } from '../vad/fixtures.js';
import {
  HUB_ANSWER, LOCAL_ANSWER, type NetRig, type NetRigOptions, type ResourceSnapshot, audible, exposeGc, fdTargets, playedLocalAnswer, resources, settleLoop, startNetRig,
} from './net-helpers.js';
import type { FaultAction, FaultTrigger, ProxyFault } from './proxy.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);

const UTTERANCE_MIDDLE: FaultTrigger = { kind: 'message', direction: 'up', of: 'binary', index: 1, at: 'middle' };
const UTTERANCE_DELIVERED: FaultTrigger = { kind: 'message', direction: 'up', of: 'binary', index: 1, at: 'end' };
const TTS_MIDDLE: FaultTrigger = { kind: 'message', direction: 'down', of: 'binary', index: 1, at: 'middle' };
/** The hub's third message: its HANDSHAKE answer to ours (HELLO and its HANDSHAKE request come first, §2.5). */
const HUB_HANDSHAKE_ANSWER: FaultTrigger = { kind: 'message', direction: 'down', index: 3 };
/** Our second message: the encrypted HELLO that completes the session (§2.5.4). */
const CLIENT_HELLO_PASSED: FaultTrigger = { kind: 'message', direction: 'up', index: 2, at: 'end' };

const firstOnly = (when: FaultTrigger, action: FaultAction): ProxyFault => ({ when, action, connections: [1] });

let rig: NetRig | undefined;
let baseline: ResourceSnapshot | undefined;

async function setUp(options: NetRigOptions): Promise<NetRig> {
  await settleLoop(); // the previous rig's servers finish closing
  baseline = resources();
  rig = await startNetRig(options);
  return rig;
}

/** Close the rig and check that it left no file descriptor or handle behind. */
async function tearDownAndCheck(): Promise<void> {
  const r = rig;
  rig = undefined;
  if (r === undefined) return;
  await r.close();
  await settleLoop();
  const after = resources();
  const before = baseline as ResourceSnapshot;
  const timers = (s: ResourceSnapshot): number => s.handles.filter((h) => h === 'Timeout').length;
  const others = (s: ResourceSnapshot): readonly string[] => s.handles.filter((h) => h !== 'Timeout');
  expect(after.fds, `open files now: ${fdTargets().join(' ')}`).toBe(before.fds);
  expect(others(after)).toEqual(others(before));
  // A timer of the previous rig's teardown may still run at the baseline; none of this rig may outlive it.
  expect(timers(after)).toBeLessThanOrEqual(timers(before));
}

afterEach(async () => {
  if (rig !== undefined) await rig.close(); // a failed test: free the ports, no check
  rig = undefined;
});

function expectHubAnswered(r: NetRig, report: Awaited<ReturnType<NetRig['say']>>): void {
  expect(report).toMatchObject({ route: 'hub', outcome: 'answered', answers: [HUB_ANSWER] });
  expect(r.heard.at(-1)?.exact).toBe(true);
  const expected = speak(HUB_ANSWER).length;
  expect(r.sink.clips.some((c) => Math.abs(c.length - expected) < 400 && audible(c) > 2_000)).toBe(true);
}

function expectLocalAnswered(r: NetRig, report: Awaited<ReturnType<NetRig['say']>>, failover: RegExp): void {
  expect(report).toMatchObject({ route: 'local', outcome: 'answered' });
  expect(report.answers.at(-1)).toBe(LOCAL_ANSWER);
  expect(report.failover).toMatch(failover);
  expect(playedLocalAnswer(r.sink)).toBeDefined();
  expect(r.local).toHaveLength(1); // the very utterance, once
}

describe.skipIf(!models.ok)('network faults between the satellite and the hub', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    // Warm-up: models, espeak, sounds and sockets load once, so the per-test resource counts compare like with like.
    const warm = await startNetRig();
    await warm.say();
    await warm.close();
  }, 60_000);

  describe('drops', () => {
    it('before the handshake (at TCP accept): reconnects, then the hub answers', async () => {
      const r = await setUp({ faults: [firstOnly({ kind: 'accept' }, { kind: 'drop', how: 'reset' })] });
      expect(r.proxy.attempts).toBe(2);
      expect(r.closes[0]).toMatchObject({ code: 1006, willReconnect: true });
      expect(r.errors[0]).toMatchObject({ code: 'HM_ERR_UNREACHABLE' });
      expectHubAnswered(r, await r.say());
      expect(r.delays()).toEqual([50]);
      expect(r.proxy.attempts).toBe(2);
      await tearDownAndCheck();
    });

    it('within the handshake (before the hub answers our HANDSHAKE): reconnects with a fresh handshake', async () => {
      const r = await setUp({ faults: [firstOnly(HUB_HANDSHAKE_ANSWER, { kind: 'drop' })] });
      const path = r.states.map((s) => s.to);
      expect(path.slice(0, 4)).toEqual(['connecting', 'handshaking', 'backing-off', 'connecting']);
      expect(r.closes[0]).toMatchObject({ code: 1006, willReconnect: true });
      expect(r.states.filter((s) => s.to === 'ready')).toHaveLength(1); // only the second connection got a session
      expect(r.hub.counts.handshakes).toBe(2); // the hub finished its side of the first one: its answer was lost
      expectHubAnswered(r, await r.say());
      expect(r.proxy.attempts).toBe(2);
      await tearDownAndCheck();
    });

    it('after the handshake, idle: the link comes back, then the hub answers', async () => {
      const r = await setUp({});
      (await r.proxy.opened(1)).inject({ kind: 'drop' });
      await r.proxy.ended(1);
      await r.ready();
      expect(r.closes).toEqual([expect.objectContaining({ code: 1006, willReconnect: true })]);
      expect(r.errors[0]).toMatchObject({ code: 'HM_ERR_CONNECTION_LOST' });
      expectHubAnswered(r, await r.say());
      expect(r.proxy.attempts).toBe(2);
      await tearDownAndCheck();
    });

    it('mid-utterance upload: the local persona answers the very utterance, the link comes back', async () => {
      const r = await setUp({ faults: [firstOnly(UTTERANCE_MIDDLE, { kind: 'drop' })] });
      const report = await r.say();
      expectLocalAnswered(r, report, /link dropped \(1006\)|send failed/);
      expect(r.heard).toHaveLength(0); // the hub never got a partial utterance
      await r.ready();
      expect(r.proxy.attempts).toBe(2);
      await tearDownAndCheck();
    });

    it('mid-TTS download: the hub answered but its audio was lost, so the persona answers (no silence)', async () => {
      const r = await setUp({ faults: [firstOnly(TTS_MIDDLE, { kind: 'drop' })] });
      const report = await r.say();
      expect(report.answers[0]).toBe(HUB_ANSWER);
      expectLocalAnswered(r, report, /the hub's answer could not be played/);
      await r.ready();
      expect(r.proxy.attempts).toBe(2);
      await tearDownAndCheck();
    });

    it('mid-utterance upload without a persona but with a local TTS: the user hears why', async () => {
      const tts = new EspeakNgTts();
      const r = await setUp({ faults: [firstOnly(UTTERANCE_MIDDLE, { kind: 'drop' })], persona: false, tts });
      const report = await r.say();
      expect(report).toMatchObject({ route: 'local', outcome: 'answered' });
      const announcement = (await tts.synthesize(OUTAGE_ANNOUNCEMENT, { lang: 'en-US' })).pcm;
      expect(r.sink.clips.some((c) => c.length === announcement.length && audible(c) > 2_000)).toBe(true);
      await r.ready();
      await tearDownAndCheck();
    });
  });

  describe('degraded links', () => {
    it('a fixed latency (150 ms each way): the hub answers, no reconnect', async () => {
      // The pong deadline must exceed the round trip (300 ms here): a shorter one would call a slow hub dead.
      const r = await setUp({ faults: [{ when: { kind: 'accept' }, action: { kind: 'delay', ms: 150 } }], link: { pongTimeoutMs: 2_000 } });
      expectHubAnswered(r, await r.say());
      expect(r.proxy.attempts).toBe(1);
      expect(r.closes).toEqual([]);
      await tearDownAndCheck();
    });

    it('a throttled link (200 kB/s each way): the hub answers, no reconnect', async () => {
      // Pings queue behind the utterance upload (≈ 200 ms at this rate): a pong deadline above that.
      const r = await setUp({ faults: [{ when: { kind: 'accept' }, action: { kind: 'throttle', bytesPerSecond: 200_000 } }], link: { pongTimeoutMs: 2_000 } });
      expectHubAnswered(r, await r.say());
      expect(r.proxy.attempts).toBe(1);
      expect(r.closes).toEqual([]);
      await tearDownAndCheck();
    });

    it('a corrupted utterance (one byte flipped on the way up): the hub drops us, the persona answers', async () => {
      const r = await setUp({ faults: [firstOnly(UTTERANCE_MIDDLE, { kind: 'corrupt' })] });
      const report = await r.say();
      expectLocalAnswered(r, report, /link dropped/);
      expect(r.heard).toHaveLength(0);
      await r.ready();
      expect(r.proxy.attempts).toBe(2);
      await tearDownAndCheck();
    });

    it('corrupted TTS audio (one byte flipped on the way down): refused as a bad frame, the persona answers', async () => {
      const r = await setUp({ faults: [firstOnly(TTS_MIDDLE, { kind: 'corrupt' })] });
      const report = await r.say();
      expect(r.errors[0]).toMatchObject({ code: expect.stringMatching(/^HM_ERR_(BAD_TAG|BAD_BITSTRING|DECOMPRESS)$/) });
      expectLocalAnswered(r, report, /the hub's answer could not be played/);
      await r.ready();
      expect(r.proxy.attempts).toBe(2);
      await tearDownAndCheck();
    });

    it('half-open (stalled, never closed): the keep-alive detects it, the persona answers, the link comes back', async () => {
      const r = await setUp({ faults: [firstOnly({ kind: 'message', direction: 'up', of: 'binary', index: 1 }, { kind: 'stall' })] });
      const report = await r.say();
      expectLocalAnswered(r, report, /link dropped/);
      expect(r.errors[0]).toMatchObject({ code: 'HM_ERR_PONG_TIMEOUT' });
      expect(r.proxy.connections[0]?.state).not.toBe('open');
      await r.ready();
      await r.proxy.ended(1);
      expect(r.proxy.attempts).toBe(2);
      await tearDownAndCheck();
    });

    it('not a WebSocket server (garbage instead of the upgrade): unreachable, retried, then the hub answers', async () => {
      const r = await setUp({ faults: [firstOnly({ kind: 'accept' }, { kind: 'notWebSocket', reply: 'SSH-2.0-OpenSSH_9.6\r\n', end: true })] });
      expect(r.errors[0]).toMatchObject({ code: 'HM_ERR_UNREACHABLE' });
      expect(r.proxy.attempts).toBe(2);
      expectHubAnswered(r, await r.say());
      await tearDownAndCheck();
    });

    it('a TCP server that never answers the upgrade: the open timeout gives up on it, retried', async () => {
      const r = await setUp({ faults: [firstOnly({ kind: 'accept' }, { kind: 'notWebSocket' })] });
      expect(r.errors[0]).toMatchObject({ code: 'HM_ERR_UNREACHABLE' });
      expect(r.errors[0]?.message).toMatch(/upgrade within 500 ms/);
      await r.proxy.ended(1);
      expectHubAnswered(r, await r.say());
      expect(r.proxy.attempts).toBe(2);
      await tearDownAndCheck();
    });
  });

  describe('close codes mid-turn (the hub has the whole utterance)', () => {
    it.each([
      [1000, 'bye'],
      [1005, ''],
      [1006, ''],
      [1011, 'client database unavailable'],
      [1013, 'inbound processing overloaded'],
    ] as const)('%s: the persona answers the turn, the link comes back once', async (code, reason) => {
      const action: FaultAction = code === 1006 ? { kind: 'drop' } : code === 1005 ? { kind: 'close' } : { kind: 'close', code, reason };
      const r = await setUp({ faults: [firstOnly(UTTERANCE_DELIVERED, action)], agent: agents.silent() });
      const report = await r.say();
      expectLocalAnswered(r, report, new RegExp(`link dropped \\(${code}\\)`));
      expect(r.closes[0]).toMatchObject({ code, willReconnect: true });
      await r.ready();
      expect(r.proxy.attempts).toBe(2);
      await tearDownAndCheck();
    });

    it('1008: the persona answers, reconnecting stops for good and the link says why', async () => {
      const r = await setUp({ faults: [firstOnly(UTTERANCE_DELIVERED, { kind: 'close', code: 1008, reason: 'policy violation' })], agent: agents.silent() });
      const report = await r.say();
      expectLocalAnswered(r, report, /link dropped \(1008\)/);
      expect(r.closes).toEqual([expect.objectContaining({ code: 1008, willReconnect: false })]);
      expect(r.link.state).toBe('closed'); // final: no timer is left that could reconnect
      expect(r.link.closeError).toBeInstanceOf(HiveAuthError);
      expect(r.link.closeError).toMatchObject({ code: 'HM_ERR_DENIED' });
      expect(r.link.closeError?.message).toContain('policy violation');
      expect(r.proxy.attempts).toBe(1);
      // The next turn goes straight to the persona.
      const next = await r.say();
      expect(next).toMatchObject({ route: 'local', outcome: 'answered', failover: 'hub not ready' });
      expect(r.proxy.attempts).toBe(1);
      await tearDownAndCheck();
    });
  });

  describe('no reconnect storm', () => {
    it.each([1011, 1013] as const)('a hub that closes every fresh session with %s is retried on the growing schedule', async (code) => {
      const r = await setUp({
        faults: [{ when: CLIENT_HELLO_PASSED, action: { kind: 'close', code, reason: 'overloaded' } }],
        link: { reconnect: { initialDelayMs: 20, maxDelayMs: 320, jitter: 0 } },
        waitReady: false,
      });
      const t1 = performance.now();
      await r.proxy.opened(6);
      const elapsed = performance.now() - t1;
      // Each session reached ready, yet the delay kept doubling: 20, 40, 80, 160, 320 ms (no jitter).
      expect(r.delays().slice(0, 5)).toEqual([20, 40, 80, 160, 320]);
      expect(r.states.filter((s) => s.to === 'ready').length).toBeGreaterThanOrEqual(5);
      // Attempts over the window: six connections cannot come sooner than the sum of five delays (620 ms).
      expect(elapsed).toBeGreaterThanOrEqual(600);
      // A turn during the outage is answered locally.
      const report = await r.say();
      expect(report.route).toBe('local');
      expect(playedLocalAnswer(r.sink)).toBeDefined();
      await tearDownAndCheck();
    });

    it('a normal close (1000) after a session starts the schedule afresh', async () => {
      const r = await setUp({
        faults: [{ when: CLIENT_HELLO_PASSED, action: { kind: 'close', code: 1000 }, connections: [1, 2, 3] }],
        link: { reconnect: { initialDelayMs: 20, maxDelayMs: 320, jitter: 0 } },
        waitReady: false,
      });
      await r.proxy.opened(4);
      await r.ready();
      expect(r.delays()).toEqual([20, 20, 20]);
      expectHubAnswered(r, await r.say());
      expect(r.proxy.attempts).toBe(4);
      await tearDownAndCheck();
    });
  });

  describe('memory', () => {
    it('the heap does not grow over repeated mid-upload drops (gc between rounds)', async () => {
      const gc = exposeGc();
      const r = await setUp({ faults: [{ when: UTTERANCE_MIDDLE, action: { kind: 'drop' } }] });
      const heap: number[] = [];
      for (let round = 0; round < 5; round++) {
        const report = await r.say();
        expect(report.route).toBe('local');
        await r.ready();
        r.sink.clips.length = 0;
        gc();
        heap.push(process.memoryUsage().heapUsed);
      }
      if (process.env["HIVESAT_PRINT_HEAP"] === "1") console.log("HEAP MiB", heap.map((h) => (h / 1048576).toFixed(1)).join(" "));
      expect(r.proxy.attempts).toBe(6);
      // After the first round (caches warm), five more turns and reconnects add less than 8 MiB.
      expect((heap.at(-1) as number) - (heap[1] as number)).toBeLessThan(8 * 1024 * 1024);
      await tearDownAndCheck();
    });
  });
});
