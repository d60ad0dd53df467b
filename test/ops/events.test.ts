import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthState, HookRunner, createLogger, createMetrics, createOpsEvents } from '../../src/ops/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hivesat-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createOpsEvents', () => {
  it('fans one call out to logs, health and hooks', async () => {
    const out = join(dir, 'events.txt');
    const lines: string[] = [];
    const logger = createLogger({ stream: { write: (t: string) => lines.push(t) }, env: { JOURNAL_STREAM: '1:1' } });
    const append = ['/bin/sh', '-c', `echo "$HIVESAT_EVENT|$HIVESAT_HUB|$HIVESAT_REASON|$HIVESAT_ACTIVE" >> '${out}'`];
    const hooks = new HookRunner({ hooks: { hub_offline: [append], fallback: [append] }, maxConcurrent: 1 });
    const health = new HealthState();
    const events = createOpsEvents({ logger, health, hooks });
    health.markReady();
    events.hubOffline({ hub: 'ws://hub:5678', reason: 'pong timeout' });
    events.fallback({ active: true, reason: 'hub offline' });
    events.utterance({ utterance: 'turn on the kitchen light' });
    events.turnCompleted({ route: 'local', outcome: 'answered', marks: { wake: 0, speechEnd: 1500, playbackStart: 2100, playbackEnd: 4000 } });
    expect(await hooks.idle()).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe('hub_offline|ws://hub:5678|pong timeout|\nfallback||hub offline|true\n');
    expect(health.snapshot()).toMatchObject({ status: 'degraded', state: 'idle', fallbackActive: true, lastTurn: { route: 'local', outcome: 'answered', durationMs: 4000 } });
    const log = lines.join('');
    expect(log).toContain('<4>warn hub offline hub=ws://hub:5678 reason="pong timeout"');
    expect(log).toContain('<6>info turn route=local outcome=answered capture_ms=1500 response_ms=600 playback_ms=1900 total_ms=4000');
    expect(log).not.toContain('kitchen light'); // the user's words are not journaled at info
  });
});

describe('hubRefused', () => {
  it('counts the refusal and runs the error hook without logging it again (the satellite has)', async () => {
    const out = join(dir, 'refused.txt');
    const lines: string[] = [];
    const logger = createLogger({ stream: { write: (t: string) => lines.push(t) }, env: { JOURNAL_STREAM: '1:1' } });
    const hooks = new HookRunner({ hooks: { error: [['/bin/sh', '-c', `echo "$HIVESAT_EVENT|$HIVESAT_KIND" >> '${out}'`]] }, maxConcurrent: 1 });
    const metrics = createMetrics({ processMetrics: false });
    createOpsEvents({ logger, metrics, hooks }).hubRefused({ code: 'SAT_ERR_SPEAK_FLOOD', message: '480 speaks over the limit of 20' });
    expect(await hooks.idle()).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe('error|SAT_ERR_SPEAK_FLOOD\n');
    expect(await metrics.registry.metrics()).toMatch(/hivesat_errors_total\{kind="SAT_ERR_SPEAK_FLOOD"\} 1/);
    expect(lines).toEqual([]);
  });
});

describe('solverFailed', () => {
  it('logs the first failure of a cause with its endpoint and code, counts and hooks every one', async () => {
    const out = join(dir, 'solver.txt');
    const lines: string[] = [];
    const logger = createLogger({ stream: { write: (t: string) => lines.push(t) }, env: { JOURNAL_STREAM: '1:1' } });
    const hooks = new HookRunner({ hooks: { error: [['/bin/sh', '-c', `echo "$HIVESAT_KIND|$HIVESAT_MESSAGE" >> '${out}'`]] }, maxConcurrent: 1 });
    const metrics = createMetrics({ processMetrics: false });
    const events = createOpsEvents({ logger, metrics, hooks });
    const failure = { solverId: 'ovos-solver-openai-plugin', endpoint: '127.0.0.1:9', code: 'PERSONA_ERR_NETWORK', detail: 'ECONNREFUSED', message: 'could not reach http://127.0.0.1:9/v1/chat/completions: ECONNREFUSED' };
    events.solverFailed({ ...failure, firstOfCause: true });
    events.solverFailed({ ...failure, firstOfCause: false });
    expect(await hooks.idle()).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe('PERSONA_ERR_NETWORK|solver ovos-solver-openai-plugin at 127.0.0.1:9: ECONNREFUSED\n'.repeat(2));
    expect(await metrics.registry.metrics()).toMatch(/hivesat_errors_total\{kind="PERSONA_ERR_NETWORK"\} 2/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('127.0.0.1:9');
    expect(lines[0]).toContain('PERSONA_ERR_NETWORK');
  });
});
