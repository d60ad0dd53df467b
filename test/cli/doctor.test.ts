/**
 * `hivesat doctor` against the test hub, run in-process through the command's `run(args, io)`: the hub part
 * reports protocol, cipher, encoding and round-trip time and exits 0 with the right password; a wrong password, an
 * unreachable hub or no hub at all are named and exit 1. Every run has its own XDG_CONFIG_HOME.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { doctorCommand } from '../../src/cli/commands/doctor.js';
import { BinaryPayloadType } from '../../src/hivemind/index.js';
import { DEFAULT_ALLOWED_TYPES, type TestHub, startTestHub } from '../hub/index.js';

const KEY = 'doctor-access-key-0123456789';
const PASSWORD = 'doctor password 42';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'hivesat-doctor-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const hubs: TestHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.stop()));
});

async function hub(options: Partial<Parameters<typeof startTestHub>[0]> = {}): Promise<TestHub> {
  const h = await startTestHub({ clients: [{ accessKey: KEY, password: PASSWORD }], ...options });
  hubs.push(h);
  return h;
}

async function doctor(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: { PATH: process.env['PATH'] ?? '', HOME: home, XDG_CONFIG_HOME: home },
  };
  const code = await doctorCommand.run(args, io);
  return { code, stdout, stderr };
}

const creds = (h: TestHub, password = PASSWORD): string[] => ['--host', '127.0.0.1', '--port', String(h.port), '--access-key', KEY, '--password', password, '--timeout', '2'];

interface JsonReport {
  ok: boolean;
  results: { id: string; status: string; summary: string; fix?: string; details?: Record<string, unknown> }[];
}

describe('hivesat doctor: hub', () => {
  it('right password: reports protocol, cipher, encoding and round trip; exit 0', async () => {
    const h = await hub();
    const run = await doctor(['--only', 'hub', ...creds(h)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ok\s+Hub reachable\s+ws:\/\/127\.0\.0\.1:\d+ accepts connections \(TCP connect [\d.]+ ms\)/);
    expect(run.stdout).toMatch(/ok\s+Hub handshake and round trip\s+password, (AES-GCM|CHACHA20-POLY1305), JSON-(B64|HEX); handshake [\d.]+ ms; BUS round trip [\d.]+ ms \(\S+\); answer in [\d.]+ ms: "you said what time is it"/);
    // hivemind-core 4.0 drops a refused speak:synth silently: a warning, not a failure.
    expect(run.stdout).toMatch(/WARN\s+Hub speech \(speak:synth\)\s+no answer within 2000 ms/);
    expect(run.stdout).toContain('→ either speak:synth is not allowed');
    expect(run.stdout).toMatch(/\d+ ok, 1 warning, 0 failed, 0 skipped/);
  });

  it('--json: the same as data; speak:synth allowed when the hub permits it', async () => {
    const h = await startTestHub({
      clients: [{ accessKey: KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
      audio: { synth: () => new Uint8Array(1234) },
    });
    hubs.push(h);
    const run = await doctor(['--only', 'hub-handshake,hub-tts', '--json', '--utterance', 'hello there', ...creds(h)]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.ok).toBe(true);
    expect(report.results.map((r) => r.id)).toEqual(['config', 'hub-handshake', 'hub-tts']);
    const handshake = report.results.find((r) => r.id === 'hub-handshake');
    expect(handshake?.details).toMatchObject({ protocol: 'password', cipher: expect.stringMatching(/^(AES-GCM|CHACHA20-POLY1305)$/) as unknown, encoding: expect.stringMatching(/^JSON-/) as unknown, answer: 'you said hello there' });
    expect(handshake?.details?.['rtt_ms']).toEqual(expect.any(Number));
    expect(report.results.find((r) => r.id === 'hub-tts')).toMatchObject({ status: 'ok', summary: expect.stringContaining('allowed: 1234 bytes') as unknown });
  });

  it('wrong password: names the problem, exit 1', async () => {
    const h = await hub();
    const run = await doctor(['--only', 'hub', ...creds(h, 'not the password')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+Hub handshake and round trip\s+wrong password for access key doct…/);
    expect(run.stdout).not.toContain('not the password');
    expect(run.stdout).toMatch(/skip\s+Hub speech \(speak:synth\)\s+no hub session/);
    expect(run.stdout).toMatch(/1 failed.*something the satellite needs is broken/);
  });

  it('unreachable hub: says so and skips the handshake', async () => {
    const h = await hub();
    const port = h.port;
    await h.stop();
    const run = await doctor(['--only', 'hub', '--host', '127.0.0.1', '--port', String(port), '--access-key', KEY, '--password', PASSWORD, '--timeout', '1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+Hub reachable\s+cannot reach ws:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(run.stdout).toContain('is hivemind-core running');
    expect(run.stdout).toMatch(/skip\s+Hub handshake and round trip\s+the hub is not reachable/);
  });

  it('no hub configured: the configuration check says how to set it', async () => {
    const run = await doctor(['--only', 'hub']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+Configuration\s+no config file \(.*config\.json\); no hub host configured/);
    expect(run.stdout).toMatch(/skip\s+Hub reachable\s+no usable hub settings/);
  });

  it('"mode": "stream": a hub that drops at the first RAW_AUDIO is named with what it needs; one that takes it is ok', async () => {
    const config = join(home, 'stream-config.json');
    await writeFile(config, JSON.stringify({ mode: 'stream' }));
    const dropping = await hub({ faults: [{ stage: { rawAudio: 1 }, action: { kind: 'abort' } }] });
    const run = await doctor(['--only', 'hub-handshake,hub-stream', '--config', config, ...creds(dropping)]);
    expect(run.stdout).toMatch(/WARN\s+Hub audio streams \(RAW_AUDIO\)\s+the hub dropped the connection \(1006\) at the first RAW_AUDIO chunk: it cannot take audio streams/);
    expect(run.stdout).toContain('wake-word plugin');
    expect(run.stdout).toContain('"mode": "audio"');
    const taking = await hub();
    const ok = await doctor(['--only', 'hub-handshake,hub-stream', '--config', config, ...creds(taking)]);
    expect(ok.stdout).toMatch(/ok\s+Hub audio streams \(RAW_AUDIO\)\s+the hub took a RAW_AUDIO chunk/);
    expect(taking.connections[0]?.received.some((m) => m.binary?.binaryType === BinaryPayloadType.RAW_AUDIO)).toBe(true);
  });

  it('refuses unknown check names', async () => {
    const run = await doctor(['--only', 'hubb']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--only: unknown check "hubb"');
  });

  it('prints its help', async () => {
    const run = await doctor(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--only LIST');
    expect(run.stdout).toContain('Exit codes: 0 nothing failed');
  });
});
