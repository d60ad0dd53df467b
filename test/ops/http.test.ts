import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthState, type OpsServer, createMetrics, createOpsEvents, startOpsServer, turnStages } from '../../src/ops/index.js';

const servers: OpsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: Parameters<typeof startOpsServer>[0]): Promise<OpsServer> {
  const server = await startOpsServer(options);
  servers.push(server);
  return server;
}

describe('turnStages', () => {
  it('measures each stage between the moments that happened', () => {
    expect(turnStages({ wake: 1000, speechEnd: 3000, sent: 3010, firstSpeak: 3400, ttsRequested: 3405, ttsReceived: 3600, playbackStart: 3620, playbackEnd: 5620 })).toEqual({
      capture: 2000,
      upload: 10,
      hub: 390,
      tts: 195,
      response: 620,
      playback: 2000,
      total: 4620,
    });
    expect(turnStages({ speechEnd: 10, playbackStart: 5, playbackEnd: 20 })).toEqual({ playback: 15, total: 10 }); // response is out of order: left out
  });
});

describe('health and metrics over HTTP', () => {
  it('serves /healthz as JSON: 503 while starting, 200 once ready', async () => {
    let wall = Date.UTC(2026, 10, 24, 12, 0, 0);
    let mono = 0;
    const health = new HealthState({ now: () => wall, monotonic: () => mono, version: '0.1.0' });
    const server = await serve({ port: 0, health });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    let res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(((await res.json()) as { status: string }).status).toBe('starting');

    health.markReady();
    health.hubOnline();
    wall += 60_000;
    mono += 61_234;
    health.turnCompleted({ route: 'hub', outcome: 'answered', durationMs: 1234.4 });
    health.fallback(false);
    res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      status: 'ok',
      state: 'idle',
      hub: { connected: true, since: '2026-11-24T12:00:00.000Z', lastError: null },
      capture: { ok: true, since: null, lastError: null },
      lastTurn: { at: '2026-11-24T12:01:00.000Z', route: 'hub', outcome: 'answered', durationMs: 1234 },
      fallbackActive: false,
      muted: false,
      wake: null,
      uptimeSeconds: 61.2,
      version: '0.1.0',
    });

    health.hubOffline('closed 1006');
    health.fallback(true);
    const degraded = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; fallbackActive: boolean; hub: { lastError: string } };
    expect(degraded).toMatchObject({ status: 'degraded', fallbackActive: true, hub: { connected: false, lastError: 'closed 1006' } });

    health.markStopping();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
  });

  it('serves /metrics in the Prometheus text format with the satellite and process metrics', async () => {
    const metrics = createMetrics({ version: '0.1.0' });
    const health = new HealthState();
    const events = createOpsEvents({ metrics, health });
    events.hubOnline({ hub: 'ws://hub:5678' });
    events.hubOffline({ hub: 'ws://hub:5678', reason: 'ping timeout' });
    events.hubOnline({ hub: 'ws://hub:5678', reconnect: true });
    events.wake({ keyword: 'hey_jarvis', score: 0.97 });
    events.wake({ keyword: 'hey_jarvis', score: 0.91 });
    events.falseWake({ keyword: 'hey_jarvis' });
    events.fallback({ active: true, reason: 'hub offline' });
    events.error({ kind: 'AUDIO_ERR_DEVICE_EXIT', message: 'arecord exited' });
    // The satellite's `turn` report, extra fields and all.
    events.turnCompleted({ id: 1, mode: 'audio', route: 'hub', outcome: 'answered', answers: ['noon'], marks: { wake: 0, speechEnd: 2000, sent: 2040, firstSpeak: 2500, playbackStart: 2700, playbackEnd: 4700 }, figures: {} } as Parameters<typeof events.turnCompleted>[0]);
    events.turnCompleted({ route: 'local', outcome: 'failed', marks: { speechEnd: 1000, playbackEnd: 1500 } });
    const server = await serve({ port: 0, health, metrics });

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const line of [
      'hivesat_turns_total{route="hub",outcome="answered"} 1',
      'hivesat_turns_total{route="local",outcome="failed"} 1',
      'hivesat_wakes_total{keyword="hey_jarvis"} 2',
      'hivesat_false_wakes_total{keyword="hey_jarvis"} 1',
      'hivesat_fallbacks_total{reason="hub offline"} 1',
      'hivesat_reconnects_total 1',
      'hivesat_errors_total{kind="AUDIO_ERR_DEVICE_EXIT"} 1',
      'hivesat_hub_connected 1',
      'hivesat_turn_stage_seconds_bucket{le="0.75",stage="response",route="hub"} 1',
      'hivesat_turn_stage_seconds_bucket{le="0.5",stage="response",route="hub"} 0',
      'hivesat_turn_stage_seconds_sum{stage="hub",route="hub"} 0.46',
      'hivesat_turn_stage_seconds_sum{stage="total",route="hub"} 4.7',
      'hivesat_turn_stage_seconds_count{stage="total",route="local"} 1',
      `hivesat_build_info{version="0.1.0",node="${process.versions.node}"} 1`,
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds [\d.e-]+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds [\d.e-]+/m);
  });

  it('bounds label values', async () => {
    const metrics = createMetrics({ processMetrics: false });
    for (let i = 0; i < 100; i++) metrics.error(`KIND_${i}`);
    metrics.error('x'.repeat(200));
    const text = await metrics.render();
    expect(text.match(/^hivesat_errors_total\{/gm)).toHaveLength(33); // 32 kinds + "other"
    expect(text).toContain('hivesat_errors_total{kind="other"} 69');
  });

  it('answers HEAD, 404 and 405', async () => {
    const server = await serve({ port: 0, health: new HealthState() });
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(503);
    expect(await head.text()).toBe('');
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404); // no metrics configured
    const post = await fetch(`${server.url}/healthz`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 500 when a collector fails, and keeps serving', async () => {
    const server = await serve({ port: 0, health: new HealthState(), metrics: { contentType: 'text/plain', render: () => Promise.reject(new Error('boom')) } });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(500);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
  });

  it('fails with OPS_ERR_LISTEN when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startOpsServer({ port, health: new HealthState() })).rejects.toMatchObject({ code: 'OPS_ERR_LISTEN', message: expect.stringContaining(`127.0.0.1:${port}`) as unknown });
    } finally {
      blocker.close();
    }
    await expect(startOpsServer({ port: 70_000, health: new HealthState() })).rejects.toThrow(RangeError);
  });
});
