import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HookRunner, type HookResult, type HookRunnerOptions, createLogger, hookEnvironment } from '../../src/ops/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hivesat-hooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runner(options: Omit<HookRunnerOptions, 'onResult'>): { runner: HookRunner; results: HookResult[]; next: () => Promise<HookResult> } {
  const results: HookResult[] = [];
  const waiters: ((r: HookResult) => void)[] = [];
  const r = new HookRunner({
    ...options,
    onResult: (result) => {
      results.push(result);
      waiters.shift()?.(result);
    },
  });
  let seen = 0;
  return {
    runner: r,
    results,
    next: () => {
      const index = seen++;
      const ready = results[index];
      return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** True while `pid` runs (not a zombie). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls `condition` until it holds or `timeoutMs` passes (signal delivery to another process is asynchronous). */
async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe('hookEnvironment', () => {
  it('maps each field to HIVESAT_<FIELD>', () => {
    expect(hookEnvironment('wake', { keyword: 'hey_jarvis', score: 0.97 }, new Date(Date.UTC(2026, 0, 2)))).toEqual({
      HIVESAT_EVENT: 'wake',
      HIVESAT_TIME: '2026-01-02T00:00:00.000Z',
      HIVESAT_KEYWORD: 'hey_jarvis',
      HIVESAT_SCORE: '0.97',
    });
    const env = hookEnvironment('fallback', { active: true, reason: 'hub offline' }, new Date(0));
    expect(env['HIVESAT_ACTIVE']).toBe('true');
    expect(env['HIVESAT_REASON']).toBe('hub offline');
    const long = hookEnvironment('utterance', { utterance: `a\0${'x'.repeat(10_000)}` }, new Date(0));
    expect(long['HIVESAT_UTTERANCE']).toHaveLength(4_000);
  });
});

describe('HookRunner (real processes)', () => {
  it('runs an argv hook without a shell, with the event in the environment and no secrets', async () => {
    const out = join(dir, 'wake.txt');
    const { runner: r, next } = runner({
      hooks: { wake: [['/bin/sh', '-c', `echo "$HIVESAT_EVENT $HIVESAT_KEYWORD $HIVESAT_SCORE pw=$HIVESAT_PASSWORD notify=$NOTIFY_SOCKET path=\${PATH:+set}" > '${out}'`]] },
      env: { PATH: process.env['PATH'], HIVESAT_PASSWORD: 'hunter22', NOTIFY_SOCKET: '/run/systemd/notify' },
    });
    r.fire('wake', { keyword: 'hey_jarvis', score: 0.97 });
    const result = await next();
    expect(result).toMatchObject({ event: 'wake', outcome: 'ok', exitCode: 0, signal: null });
    expect(readFileSync(out, 'utf8')).toBe('wake hey_jarvis 0.97 pw= notify= path=set\n');
  });

  it('passes arguments literally (no shell expansion)', async () => {
    const out = join(dir, 'literal.txt');
    const { runner: r, next } = runner({ hooks: { answer: [['/usr/bin/env', 'sh', '-c', 'printf "%s" "$1" > "$2"', 'sh', '$HOME; rm -rf /', out]] } });
    r.fire('answer', { answer: 'it is noon', route: 'hub' });
    expect((await next()).outcome).toBe('ok');
    expect(readFileSync(out, 'utf8')).toBe('$HOME; rm -rf /');
  });

  it('returns at once: fire() does not wait for the hook', async () => {
    const { runner: r, next } = runner({ hooks: { speaking_start: [['/bin/sleep', '0.3']] } });
    const started = performance.now();
    r.fire('speaking_start', {});
    expect(performance.now() - started).toBeLessThan(20);
    expect(r.queued + r.running).toBe(1);
    expect((await next()).outcome).toBe('ok');
  });

  it('reports failures as values: exit status, missing program, with stderr; logs them', async () => {
    const lines: string[] = [];
    const logger = createLogger({ stream: { write: (t: string) => lines.push(t) }, env: {} });
    const { runner: r, next } = runner({
      hooks: { error: [['/bin/sh', '-c', 'echo "led: no such device; token=abc" >&2; exit 3'], [join(dir, 'missing-program')]] },
      logger,
    });
    r.fire('error', { kind: 'AUDIO_ERR_DEVICE_EXIT', message: 'arecord exited' });
    const results = [await next(), await next()].sort((a, b) => a.outcome.localeCompare(b.outcome));
    expect(results[0]).toMatchObject({ outcome: 'failed', exitCode: 3, stderr: 'led: no such device; token=abc\n' });
    expect(results[1]).toMatchObject({ outcome: 'spawn-error', reason: expect.stringContaining('ENOENT') as unknown });
    const log = lines.join('');
    expect(log).toContain('hook failed event=error command=sh outcome=failed');
    expect(log).toContain('token=[REDACTED]');
    expect(log).not.toContain('token=abc');
  });

  it('kills a hook after its timeout, with the processes it started', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const { runner: r, next } = runner({
      hooks: { hub_offline: [['/bin/sh', '-c', `sleep 30 & echo $! > '${pidFile}'; wait`]] },
      timeoutMs: 300,
    });
    const started = performance.now();
    r.fire('hub_offline', { hub: 'ws://hub:5678', reason: 'closed 1006' });
    const result = await next();
    expect(result.outcome).toBe('timeout');
    expect(result.signal).toBe('SIGTERM');
    expect(performance.now() - started).toBeLessThan(2_000);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    // Gone with its process group: dead (a zombie until some reaper collects it) or already reaped.
    expect(await until(() => !alive(grandchild), 2_000)).toBe(true);
  });

  it('runs at most maxConcurrent at once and drops beyond the queue bound', async () => {
    const stamps = join(dir, 'stamps');
    const { runner: r, results } = runner({
      hooks: { listening: [['/bin/sh', '-c', `mkdir -p '${stamps}'; touch "${stamps}/$$"; n=$(ls '${stamps}' | wc -l); echo $n >> '${stamps}.max'; sleep 0.2; rm "${stamps}/$$"`]] },
      maxConcurrent: 2,
      maxQueued: 3,
    });
    for (let i = 0; i < 5; i++) r.fire('listening', {});
    expect(results.filter((x) => x.outcome === 'dropped')).toHaveLength(2);
    expect(await r.idle()).toBe(true);
    expect(results.filter((x) => x.outcome === 'ok')).toHaveLength(3);
    const seen = readFileSync(`${stamps}.max`, 'utf8').trim().split('\n').map(Number);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(readdirSync(stamps)).toEqual([]);
  });

  it('close() stops running hooks and refuses new ones', async () => {
    const { runner: r, next } = runner({ hooks: { wake: [['/bin/sleep', '30']] } });
    r.fire('wake', { keyword: 'k', score: 1 });
    expect(await until(() => r.running === 1, 2_000)).toBe(true); // spawned on a later tick
    await r.close();
    expect((await next()).outcome).toBe('failed'); // killed by our SIGTERM on close
    r.fire('wake', { keyword: 'k', score: 1 });
    expect(await next()).toMatchObject({ outcome: 'dropped', reason: 'hooks are closed' });
  });

  it('ignores events without hooks and validates its options', () => {
    const { runner: r, results } = runner({ hooks: {} });
    r.fire('wake', { keyword: 'k', score: 1 });
    expect(r.has('wake')).toBe(false);
    expect(results).toEqual([]);
    expect(() => new HookRunner({ hooks: { wake: [[]] } })).toThrow(RangeError);
    expect(() => new HookRunner({ hooks: { nope: [['x']] } as never })).toThrow(/unknown event "nope"/);
    expect(() => new HookRunner({ hooks: {}, maxConcurrent: 0 })).toThrow(RangeError);
    expect(existsSync(dir)).toBe(true);
  });
});
