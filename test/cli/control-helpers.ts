/**
 * `hivesat run` and `hivesat ctl` spawned for real (`node --import tsx src/cli/main.ts …`), for the control API tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
/**
 * How the CLI is started: from the sources through tsx, or — with `HIVESAT_TEST_BUILT=1` after `npm run build` —
 * the built `dist/cli/main.js` as installed.
 */
const CLI: readonly string[] = process.env['HIVESAT_TEST_BUILT'] === '1' ? [join(ROOT, 'dist/cli/main.js')] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];

/** A control token of the required shape (≥ 16 printable characters). */
export const TOKEN = 'test-control-token-0123456789';

/** A running `hivesat run`, its stderr so far, and a way to wait for a line of it. */
export interface RunningSatellite {
  readonly child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** Resolves with the first stderr line matching `pattern` (rejects when the process exits first). */
  line(pattern: RegExp): Promise<string>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** The exit code, once it exits by itself. */
  exited(): Promise<number | null>;
}

/** Spawn `hivesat run …args`. */
export function startRun(args: readonly string[], env: NodeJS.ProcessEnv): RunningSatellite {
  const child = spawn(process.execPath, [...CLI, 'run', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      const found = stderr.split('\n').find((l) => w.pattern.test(l));
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(found);
      }
    }
  };
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    check();
  });
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = once(child, 'close').then(([code]) => code as number | null);
  return {
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    line: (pattern) =>
      Promise.race([
        new Promise<string>((res) => {
          waiters.push({ pattern, resolve: res });
          check();
        }),
        exited.then((code) => Promise.reject(new Error(`hivesat run exited (${code}) before printing ${pattern}; stderr:\n${stderr}`))),
      ]),
    exited: () => exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Run `hivesat ctl …args` to the end. */
export function ctl(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...CLI, 'ctl', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A JSON request to the control API. */
export async function call(base: string, method: string, path: string, options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
}

/** Collects Server-Sent Events from `GET /v1/events` until aborted. */
export async function subscribe(base: string): Promise<{ events: { event: string; data: Record<string, unknown> }[]; next(event: string): Promise<Record<string, unknown>>; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(`${base}/v1/events`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: controller.signal });
  if (res.status !== 200 || res.body === null) throw new Error(`GET /v1/events: ${res.status}`);
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const waiters: { event: string; resolve: (d: Record<string, unknown>) => void }[] = [];
  let cursor = 0; // events before it were handed out by next()
  const take = (event: string): Record<string, unknown> | undefined => {
    const index = events.findIndex((e, i) => i >= cursor && e.event === event);
    if (index < 0) return undefined;
    cursor = index + 1;
    return events[index]?.data;
  };
  let buffer = '';
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const piece of res.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(piece, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (name === undefined || data === undefined) continue;
          events.push({ event: name, data: JSON.parse(data) as Record<string, unknown> });
          for (const w of [...waiters]) {
            const match = take(w.event);
            if (match !== undefined) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(match);
            }
          }
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    events,
    /** The next event named `event` after the last one handed out (one that already arrived, or the next to come). */
    next: (event) =>
      new Promise((resolve) => {
        const found = take(event);
        if (found !== undefined) resolve(found);
        else waiters.push({ event, resolve });
      }),
    close: () => controller.abort(),
  };
}
