/**
 * The real `hivesat serve` command, spawned as a process against the test hub: it creates its token file (0600) at
 * first start, never prints the token unless asked, serves the hub and the built-in persona, stops on SIGTERM with
 * exit 0; refuses `--no-auth` off loopback; serves the personas alone when no hub is configured. Every run gets its
 * own XDG_CONFIG_HOME, so the developer's real configuration is never read or written.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_KEY, PASSWORD, startHub } from './helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let home: string;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'hivesat-serve-cli-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly output: { stdout: string; stderr: string };
  readonly exit: Promise<number | null>;
}

function hivesat(args: readonly string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOME: home, XDG_CONFIG_HOME: home, ...env },
  });
  children.push(child);
  return child;
}

/** Run to completion. */
function runToEnd(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = hivesat(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolvePromise) => child.on('close', (code) => resolvePromise({ code, stdout, stderr })));
}

/** Start `serve` and resolve once it prints its address (or reject if it exits first). */
function startServeProcess(args: readonly string[], env: Record<string, string> = {}): Promise<Running> {
  const child = hivesat(['serve', '--listen', '127.0.0.1:0', ...args], env);
  const output = { stdout: '', stderr: '' };
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      output.stdout += d.toString();
      const m = /listening on (http:\/\/\S+)\n[\s\S]*hivesat serve: (bearer|authentication)/.exec(output.stdout);
      if (m !== null) resolvePromise({ child, url: m[1] ?? '', output, exit });
    });
    void exit.then((code) => reject(new Error(`serve exited with ${String(code)} before listening: ${output.stderr}`)));
  });
}

describe('hivesat serve', () => {
  it('creates its token file, serves the hub and the built-in persona, and stops on SIGTERM', async () => {
    const hub = await startHub();
    const creds = ['--host', '127.0.0.1', '--port', String(hub.port), '--access-key', ACCESS_KEY, '--password', PASSWORD];
    const running = await startServeProcess(creds);
    const tokenPath = join(home, 'hivesat', 'serve-token');
    expect(running.output.stdout).toContain(`bearer token created in ${tokenPath}`);
    expect((await stat(tokenPath)).mode & 0o777).toBe(0o600);
    const printed = await runToEnd(['serve', '--print-token']);
    expect(printed.code).toBe(0);
    const token = printed.stdout.trim();
    expect(token).toMatch(/^hst_/);
    expect(running.output.stdout).not.toContain(token);

    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const tags = (await (await fetch(`${running.url}/api/tags`, { headers })).json()) as { models: { model: string }[] };
    expect(tags.models.map((m) => m.model)).toEqual(['hivemind', 'persona:hivesat-offline']);
    const answer = await fetch(`${running.url}/api/chat`, { method: 'POST', headers, body: JSON.stringify({ model: 'hivemind', messages: [{ role: 'user', content: 'good morning' }], stream: false }) });
    expect(await answer.json()).toMatchObject({ message: { content: 'you said good morning' } });
    expect((await fetch(`${running.url}/api/tags`)).status).toBe(401);

    running.child.kill('SIGTERM');
    expect(await running.exit).toBe(0);
    expect(running.output.stderr).toContain('hivesat serve: SIGTERM, stopping');
    expect(running.output.stderr).toMatch(/hivesat serve info: request method=POST path=\/api\/chat status=200 ms=\d+ model=hivemind client=127\.0\.0\.1 stream=false/);
    expect(`${running.output.stdout}${running.output.stderr}`).not.toContain(token);
    expect(running.output.stderr).not.toContain('good morning');
  });

  it('serves the personas alone, with a warning, when no hub is configured', async () => {
    const running = await startServeProcess([], { HIVESAT_SERVE_TOKEN: 'hst_cli-test-token-000000000000' });
    expect(running.output.stderr).toContain('hivesat serve: warning: no hub configured');
    expect(running.output.stdout).toContain('models: persona:hivesat-offline');
    expect(running.output.stdout).toContain('bearer token from HIVESAT_SERVE_TOKEN');
    running.child.kill('SIGINT');
    expect(await running.exit).toBe(0);
  });

  it('refuses --no-auth off loopback and a --host without credentials, with exit 1', async () => {
    const open = await runToEnd(['serve', '--no-auth', '--listen', '0.0.0.0:8337']);
    expect(open.code).toBe(1);
    expect(open.stderr).toBe('hivesat serve: refusing to turn authentication off on 0.0.0.0: only a loopback address (127.0.0.1, ::1, localhost) may go without a token\n');
    const half = await runToEnd(['serve', '--no-auth', '--host', '127.0.0.1']);
    expect(half.code).toBe(1);
    expect(half.stderr).toMatch(/^hivesat serve: no access key configured/);
  });

  it('prints its help', async () => {
    const help = await runToEnd(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--listen HOST:PORT');
    expect(help.stdout).toContain('--no-auth');
    expect(help.stdout).toContain('--access-key KEY');
  });
});
