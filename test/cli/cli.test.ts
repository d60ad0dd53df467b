/**
 * The real `hivesat` CLI, spawned as a process (`node --import tsx src/cli/main.ts`) against the test hub:
 * stdout, stderr and exit codes of `ask` and `identity`, help, and the configuration precedence.
 * Every run gets its own XDG_CONFIG_HOME, so the developer's real identity is never read or written.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { x25519PublicKey } from '../../src/hivemind/noise/index.js';
import { type TestHub, agents, startTestHub } from '../hub/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const KEY = 'cli-access-key-0123456789';
const PASSWORD = 'cli password for tests 42';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

let configHome: string;
beforeAll(async () => {
  configHome = await mkdtemp(join(tmpdir(), 'hivesat-cli-'));
});
afterAll(async () => {
  await rm(configHome, { recursive: true, force: true });
});

/**
 * A config home of its own, for a test that counts connection attempts: hub keys are pinned per host:port in the
 * config home, and a new test hub can be given the port of an earlier one, whose pinned key would make the client
 * try KKpsk0 first and then the XXpsk2 retry (P19) — two attempts where the test expects one.
 */
async function ownConfigHome(): Promise<Record<string, string>> {
  const home = await mkdtemp(join(configHome, 'own-'));
  return { HOME: home, XDG_CONFIG_HOME: home };
}

function hivesat(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', HOME: configHome, XDG_CONFIG_HOME: configHome, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

const hubs: TestHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.stop()));
});

async function hub(options: Partial<Parameters<typeof startTestHub>[0]> = {}): Promise<TestHub> {
  const h = await startTestHub({ clients: [{ accessKey: KEY, password: PASSWORD }], ...options });
  hubs.push(h);
  return h;
}

const creds = (h: TestHub): string[] => ['--host', '127.0.0.1', '--port', String(h.port), '--access-key', KEY, '--password', PASSWORD];

describe('help', () => {
  it('prints the commands, per-command help, and refuses unknown commands', async () => {
    const top = await hivesat(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/ask\s+ask the hub/);
    expect(top.stdout).toMatch(/identity\s+set, show or test/);
    const askHelp = await hivesat(['ask', '--help']);
    expect(askHelp.code).toBe(0);
    expect(askHelp.stdout).toContain('--access-key KEY');
    expect(askHelp.stdout).toContain('Exit codes: 0 answered, 2');
    const unknown = await hivesat(['frobnicate']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});

describe('hivesat ask', () => {
  it('prints each spoken answer on its own line and exits 0; --json prints one object per answer', async () => {
    const h = await hub({ agent: agents.speakAll(['first answer', 'second answer']) });
    const plain = await hivesat(['ask', ...creds(h), 'what', 'time', 'is', 'it']);
    expect(plain).toMatchObject({ code: 0, stdout: 'first answer\nsecond answer\n', stderr: '' });
    const json = await hivesat(['ask', ...creds(h), '--json', 'hello']);
    expect(json.code).toBe(0);
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { utterance: 'first answer', lang: 'en-US', expect_response: false },
      { utterance: 'second answer', lang: 'en-US', expect_response: false },
    ]);
  });

  it('exits 2 within 5 s on a wrong password, with one actionable sentence and no retry', async () => {
    const h = await hub();
    const run = await hivesat(['ask', '--host', `ws://127.0.0.1:${h.port}`, '--access-key', KEY, '--password', 'not the password', 'hi'], await ownConfigHome());
    expect(run.code).toBe(2);
    expect(run.ms).toBeLessThan(5_000);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`hivesat ask: wrong password for access key cli-…: the handshake with the hub at ws://127.0.0.1:${h.port} could not be verified; check --password or HIVESAT_PASSWORD\n`);
    expect(run.stderr).not.toContain('not the password');
    expect(h.counts.attempts).toBe(1);
  });

  it('exits 2 for an unknown access key (close 1005 before HELLO)', async () => {
    const h = await hub();
    const run = await hivesat(['ask', '--host', '127.0.0.1', '--port', String(h.port), '--access-key', 'who-am-i-0000', '--password', PASSWORD, 'hi'], await ownConfigHome());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('does not know access key who-…');
    expect(h.counts.attempts).toBe(1);
  });

  it('exits 2 when a core-new hub refuses the password (1008)', async () => {
    const h = await hub({ profile: 'core-new' });
    const run = await hivesat(['ask', ...creds(h).slice(0, 6), '--password', 'nope nope nope', '--handshake', 'password', 'hi']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('wrong password');
  });

  it("exits 2 at once, naming both causes, when a hub that pinned another device's Noise key closes bare after msg3", async () => {
    const otherDevice = x25519PublicKey(new Uint8Array(32).fill(7));
    const h = await hub({ profile: 'core-new', serverConfig: { noiseRefusal: 'bare' }, clients: [{ accessKey: KEY, password: PASSWORD, noisePinnedKey: otherDevice }] });
    const run = await hivesat(['ask', ...creds(h), '--handshake', 'noise', 'hi'], await ownConfigHome());
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/refused the Noise handshake.*password is wrong.*another device's Noise key.*hivemind-core reset-noise-pin/);
    expect(h.counts.attempts).toBe(1); // terminal: no retry storm
  });

  it('exits 3 when the hub never answers within --timeout', async () => {
    const h = await hub({ agent: agents.silent() });
    const run = await hivesat(['ask', ...creds(h), '--timeout', '1', 'anyone there']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^hivesat ask: no answer from the hub at ws:\/\/127\.0\.0\.1:\d+: expected a spoken answer within 1000 ms, got none; try a longer --timeout\n$/);
  });

  it('exits 3 when the hub is unreachable', async () => {
    const h = await hub();
    const port = h.port;
    await h.stop();
    const run = await hivesat(['ask', '--host', '127.0.0.1', '--port', String(port), '--access-key', KEY, '--password', PASSWORD, 'hi']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('ECONNREFUSED');
  });

  it('exits 1 with a hint when credentials are missing, or a flag is wrong', async () => {
    const missing = await hivesat(['ask', '--host', '127.0.0.1', 'hi']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no access key configured: pass --access-key, set HIVESAT_ACCESS_KEY');
    const badFlag = await hivesat(['ask', '--colour', 'hi']);
    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr).toContain("Unknown option '--colour'");
    const badCipher = await hivesat(['ask', '--host', 'h', '--access-key', 'k', '--password', 'p', '--cipher', 'ROT13', 'hi']);
    expect(badCipher.code).toBe(1);
    expect(badCipher.stderr).toContain('expected AES-GCM or CHACHA20-POLY1305');
  });

  it('takes settings from HIVESAT_* environment variables; flags win over them', async () => {
    const h = await hub();
    const env = { HIVESAT_HOST: '127.0.0.1', HIVESAT_PORT: String(h.port), HIVESAT_ACCESS_KEY: KEY, HIVESAT_PASSWORD: 'wrong from env' };
    expect((await hivesat(['ask', 'hi'], env)).code).toBe(2);
    const run = await hivesat(['ask', '--password', PASSWORD, '--cipher', 'CHACHA20-POLY1305', '--encoding', 'JSON-HEX', 'hi'], env);
    expect(run).toMatchObject({ code: 0, stdout: 'you said hi\n' });
  });
});

describe('hivesat identity', () => {
  it('set writes a 0600 identity, show masks secrets, test reports the negotiated session', async () => {
    const h = await hub();
    const identity = join(configHome, 'identity-test', '_identity.json');
    const set = await hivesat(['identity', 'set', '--identity', identity, '--host', '127.0.0.1', '--port', String(h.port), '--access-key', KEY, '--password', PASSWORD, '--site-id', 'kitchen']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(identity);
    expect((await stat(identity)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(identity, 'utf8'))).toMatchObject({ default_master: 'ws://127.0.0.1', default_port: h.port, access_key: KEY, site_id: 'kitchen' });

    const show = await hivesat(['identity', 'show', '--identity', identity]);
    expect(show.code).toBe(0);
    expect(show.stdout).not.toContain(PASSWORD);
    expect(show.stdout).not.toContain(KEY);
    expect(show.stdout).toContain('cli-…(25 chars)');
    expect(show.stdout).toMatch(/hub\s+ws:\/\/127\.0\.0\.1:\d+ \(identity\)/);

    const test = await hivesat(['identity', 'test', '--identity', identity]);
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/^handshake OK with ws:\/\/127\.0\.0\.1:\d+: protocol password, cipher AES-GCM|CHACHA20-POLY1305, encoding JSON-B64, binarize off, hub max protocol v1\n$/);
    const hello = h.connections[0];
    expect(hello?.session['site_id']).toBe('kitchen');
  });

  it('test exits 2 on a wrong password; show exits 1 without an identity', async () => {
    const h = await hub();
    const run = await hivesat(['identity', 'test', ...creds(h).slice(0, 6), '--password', 'wrong']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('hivesat identity: wrong password');
    const none = await hivesat(['identity', 'show', '--identity', join(configHome, 'nope.json')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no identity file at');
  });

  it('reads the config file (hub section) below flags and environment', async () => {
    const h = await hub();
    const dir = join(configHome, 'hivesat');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ hub: { host: `ws://127.0.0.1:${h.port}`, access_key: KEY, password: PASSWORD, lang: 'de-DE' } }));
    try {
      const run = await hivesat(['ask', 'hallo']);
      expect(run).toMatchObject({ code: 0, stdout: 'you said hallo\n' });
      const received = h.connections[0]?.received.find((m) => m.message.msg_type === 'bus');
      expect(received?.message.payload['data']).toEqual({ utterances: ['hallo'], lang: 'de-DE' });
    } finally {
      await rm(join(dir, 'config.json'));
    }
  });
});
