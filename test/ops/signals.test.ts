import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { installSignalHandlers } from '../../src/ops/index.js';

const CHILD = fileURLToPath(new URL('./fixtures/signal-child.ts', import.meta.url));

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves when stdout has printed `text`. */
  readonly waitFor: (text: string) => Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
}

function start(delayMs: number, mode = ''): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, String(delayMs), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters.filter((x) => out.includes(x.text))) w.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, atMs: performance.now() })),
  );
  return {
    child,
    output: () => out,
    waitFor: (text) => (out.includes(text) ? Promise.resolve() : new Promise((resolve) => waiters.push({ text, resolve }))),
    exited,
  };
}

describe('installSignalHandlers (real processes)', () => {
  it('SIGTERM runs shutdown and exits 0', async () => {
    const run = start(100);
    await run.waitFor('ready');
    const sent = performance.now();
    run.child.kill('SIGTERM');
    const { code, atMs } = await run.exited;
    expect(code).toBe(0);
    expect(atMs - sent).toBeLessThan(2_000);
    expect(run.output()).toContain('shutdown SIGTERM');
    expect(run.output()).toMatch(/info stopped duration_ms=\d+/);
  });

  it('a shutdown that hangs is cut at 2 s with exit 1', async () => {
    const run = start(30_000);
    await run.waitFor('ready');
    const sent = performance.now();
    run.child.kill('SIGTERM');
    const { code, atMs } = await run.exited;
    expect(code).toBe(1);
    expect(atMs - sent).toBeGreaterThanOrEqual(1_900);
    expect(atMs - sent).toBeLessThan(3_500);
    expect(run.output()).toContain('shutdown did not finish in time');
  });

  it('a second signal exits at once', async () => {
    const run = start(30_000);
    await run.waitFor('ready');
    run.child.kill('SIGINT');
    await run.waitFor('shutdown SIGINT');
    const sent = performance.now();
    run.child.kill('SIGTERM');
    const { code, atMs } = await run.exited;
    expect(code).toBe(1);
    expect(atMs - sent).toBeLessThan(1_000);
    expect(run.output()).toContain('second stop signal');
  });

  it('a failing shutdown exits 1 and says why', async () => {
    const run = start(10, 'throw');
    await run.waitFor('ready');
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toContain('shutdown failed');
    expect(run.output()).toContain('cannot close the hub');
  });

  it('SIGHUP reloads without stopping', async () => {
    const run = start(0);
    await run.waitFor('ready');
    run.child.kill('SIGHUP');
    await run.waitFor('configuration reloaded');
    run.child.kill('SIGHUP');
    await run.waitFor('reload 2');
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
  });
});

describe('installSignalHandlers (in process)', () => {
  it('removes its listeners', () => {
    const listeners = new Map<string, unknown>();
    const target = {
      on: (signal: NodeJS.Signals, listener: unknown) => listeners.set(signal, listener),
      off: (signal: NodeJS.Signals) => listeners.delete(signal),
    };
    const uninstall = installSignalHandlers({ shutdown: () => undefined }, { target, exit: () => undefined });
    expect([...listeners.keys()].sort()).toEqual(['SIGHUP', 'SIGINT', 'SIGTERM']);
    uninstall();
    expect(listeners.size).toBe(0);
  });

  it('coalesces SIGHUPs that arrive during a reload into one more reload', async () => {
    const handlers = new Map<string, (signal: NodeJS.Signals) => void>();
    const target = { on: (s: NodeJS.Signals, l: (signal: NodeJS.Signals) => void) => handlers.set(s, l), off: () => undefined };
    let reloads = 0;
    let release: () => void = () => undefined;
    installSignalHandlers(
      {
        reload: () => {
          reloads += 1;
          return new Promise<void>((resolve) => {
            release = resolve;
          });
        },
        shutdown: () => undefined,
      },
      { target, exit: () => undefined },
    );
    const hup = handlers.get('SIGHUP');
    hup?.('SIGHUP');
    hup?.('SIGHUP');
    hup?.('SIGHUP');
    expect(reloads).toBe(1);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(reloads).toBe(2);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(reloads).toBe(2);
  });

  it('rejects a bad timeout', () => {
    expect(() => installSignalHandlers({ shutdown: () => undefined }, { timeoutMs: 0 })).toThrow(RangeError);
  });
});
