/**
 * `hivesat run` spawned for real (`node --import tsx src/cli/main.ts run …`) against the loopback test hub: a WAV
 * file in, a WAV file out, `--once`; and the real `arecord`/`aplay` through ALSA's file plugin.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav, readWav16kMono } from '../../src/audio/index.js';
import { DEFAULT_ALLOWED_TYPES, type HubFault, startTestHub } from '../hub/index.js';
import { ACCESS_KEY, PASSWORD, answerWav, bytesToPcm, isSliceCovering, loudSamples, turnAudio } from '../satellite/helpers.js';
import { ensureModels } from '../vad/fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const dir = await mkdtemp(join(tmpdir(), 'hivesat-run-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function hivesat(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function withHub<T>(fn: (config: string, received: Int16Array[]) => Promise<T>, options: { faults?: readonly HubFault[]; config?: Record<string, unknown> } = {}): Promise<T> {
  const received: Int16Array[] = [];
  const hub = await startTestHub({
    clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
    audio: { synth: answerWav, transcribe: (pcm) => (received.push(bytesToPcm(pcm)), 'what time is it') },
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  const config = join(dir, `config-${hub.port}.json`);
  await writeFile(config, JSON.stringify({ hub: { host: '127.0.0.1', port: hub.port, access_key: ACCESS_KEY, password: PASSWORD, site_id: 'kitchen', handshake: 'password' }, sounds: { on_wake: false }, audio: { capture_device: 'filemic', playback_device: 'filespk' }, ...options.config }));
  try {
    return await fn(config, received);
  } finally {
    await hub.stop();
  }
}

describe.skipIf(!models.ok)('hivesat run', () => {
  it('--input turn.wav --output out.wav --once: one turn through the hub, the answer in out.wav, exit 0', async () => {
    const f = turnAudio();
    const input = join(dir, 'turn.wav');
    const output = join(dir, 'out.wav');
    await writeFile(input, encodeWav(f.audio));
    await withHub(async (config, received) => {
      const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir };
      const r = await hivesat(['run', '--config', config, '--input', input, '--output', output, '--once'], env);
      expect(r.stderr).not.toMatch(/^\S+ (warn|error) /m); // info lines only (the ops logger)
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { route?: string; outcome?: string; answers?: string[] };
      expect(report).toMatchObject({ route: 'hub', outcome: 'answered', answers: ['you said what time is it'] });
      expect(isSliceCovering(f.audio, received[0] as Int16Array, f.command)).toBe(true);
      expect(loudSamples(readWav16kMono(new Uint8Array(await readFile(output))))).toBeGreaterThan(2_000);
    });
  });

  it('with the hub down (connection refused), answers locally with the time at once and exits 0', async () => {
    const f = turnAudio();
    const input = join(dir, 'turn-local.wav');
    const output = join(dir, 'out-local.wav');
    await writeFile(input, encodeWav(f.audio));
    // A port that was just free: nothing listens there.
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'none') };
    const r = await hivesat(['run', '--host', '127.0.0.1', '--port', String(port), '--access-key', 'k', '--password', 'p', '--input', input, '--output', output, '--once'], env);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { route?: string; outcome?: string; answers?: string[]; failover?: string };
    expect(report).toMatchObject({ route: 'local', outcome: 'answered', failover: 'hub not ready' });
    expect(report.answers?.[0]).toMatch(/^It's \d{1,2}:\d{2}( [AP]M)?\.$/);
    expect(loudSamples(readWav16kMono(new Uint8Array(await readFile(output))))).toBeGreaterThan(2_000);
  });

  it('"mode": "stream" against a hub that drops at the first RAW_AUDIO: the utterance is answered locally, exit 0', async () => {
    const f = turnAudio();
    const input = join(dir, 'turn-stream.wav');
    const output = join(dir, 'out-stream.wav');
    await writeFile(input, encodeWav(f.audio));
    // hivemind-core 4.0.0 with no wake-word plugin for its audio-binary-protocol listener: it drops the socket (1006).
    await withHub(
      async (config) => {
        const r = await hivesat(['run', '--config', config, '--input', input, '--output', output, '--once'], { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir });
        expect(r.code).toBe(0);
        const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { mode?: string; route?: string; outcome?: string; answers?: string[]; failover?: string };
        expect(report).toMatchObject({ mode: 'stream', route: 'local', outcome: 'answered', failover: 'link dropped (1006) during the stream' });
        expect(report.answers?.[0]).toMatch(/^It's \d{1,2}:\d{2}( [AP]M)?\.$/);
        expect(loudSamples(readWav16kMono(new Uint8Array(await readFile(output))))).toBeGreaterThan(2_000);
      },
      { faults: [{ stage: { rawAudio: 1 }, action: { kind: 'abort' } }], config: { mode: 'stream' } },
    );
  });

  it('exits 1 with the reason when the input holds no turn', async () => {
    const input = join(dir, 'silence.wav');
    await writeFile(input, encodeWav(new Int16Array(16_000)));
    await withHub(async (config) => {
      const r = await hivesat(['run', '--config', config, '--input', input, '--output', join(dir, 'o2.wav'), '--once'], { ...process.env, HOME: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('no turn');
    });
  });

});
