/**
 * `hivesat run` with the operations layer, spawned for real against the loopback test hub: raw audio on stdin (so
 * the process keeps running after the turn), `/healthz` and `/metrics` polled while it runs, hooks writing their
 * event names to a file, a fake `systemd-notify` on PATH recording READY/WATCHDOG/STOPPING, and SIGTERM ending it
 * with status 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { DEFAULT_ALLOWED_TYPES, startTestHub } from '../hub/index.js';
import { ACCESS_KEY, PASSWORD, answerWav, turnAudio } from '../satellite/helpers.js';
import { ensureModels } from '../vad/fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const dir = await mkdtemp(join(tmpdir(), 'hivesat-run-ops-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Resolves with the first line of `stream` matching `test` (rejects if the process closes first). */
function lineOn(child: ChildProcess, stream: Readable, test: (line: string) => boolean): Promise<string> {
  return new Promise((res, rej) => {
    let buffer = '';
    const onData = (d: Buffer): void => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      const hit = lines.find(test);
      if (hit !== undefined) {
        stream.off('data', onData);
        res(hit);
      }
    };
    stream.on('data', onData);
    child.once('close', (code) => rej(new Error(`hivesat exited (${code}) before the line appeared`)));
  });
}

describe.skipIf(!models.ok)('hivesat run: operations', () => {
  it('serves /healthz and /metrics, runs hooks, notifies systemd, and exits 0 on SIGTERM', async () => {
    const hub = await startTestHub({
      clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
      audio: { synth: answerWav, transcribe: () => 'what time is it' },
    });
    try {
      const port = await freePort();
      const hookFile = join(dir, 'hooks.log');
      const notifyFile = join(dir, 'notify.log');
      const fakeBin = join(dir, 'bin');
      await mkdir(fakeBin, { recursive: true });
      await writeFile(join(fakeBin, 'systemd-notify'), `#!/bin/sh\necho "$*" >> '${notifyFile}'\n`);
      await chmod(join(fakeBin, 'systemd-notify'), 0o755);
      const hook = ['/bin/sh', '-c', `echo $HIVESAT_EVENT >> '${hookFile}'`];
      const config = join(dir, 'config.json');
      const configText = (level: string, wakeVolume: number): string =>
        JSON.stringify({
          hub: { host: '127.0.0.1', port: hub.port, access_key: ACCESS_KEY, password: PASSWORD, site_id: 'kitchen', handshake: 'password' },
          sounds: { on_wake: false },
          volume: { initial_percent: wakeVolume },
          audio: { capture_device: 'filemic', playback_device: 'filespk' },
          ops: { log: { format: 'json', level }, health: { port }, hooks: { on: { wake: [hook], utterance: [hook], answer: [hook], hub_online: [hook] } } },
        });
      await writeFile(config, configText('info', 100));
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, PATH: `${fakeBin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, NOTIFY_SOCKET: join(dir, 'notify.sock'), WATCHDOG_USEC: '4000000' };
      delete env['JOURNAL_STREAM'];
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', '--config', config, '--input', '-', '--output', join(dir, 'out.wav')], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise<number | null>((res) => child.once('close', (code) => res(code)));
      const turnLine = lineOn(child, child.stdout, (l) => l.includes('"outcome"'));
      const f = turnAudio();
      child.stdin.write(Buffer.from(f.audio.buffer, f.audio.byteOffset, f.audio.byteLength)); // stdin stays open: the service keeps running

      const report = JSON.parse(await turnLine) as { route?: string; outcome?: string };
      expect(report).toMatchObject({ route: 'hub', outcome: 'answered' });
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', hub: { connected: true }, lastTurn: { route: 'hub', outcome: 'answered' } });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/hivesat_turns_total\{route="hub",outcome="answered"\} 1/);
      expect(metrics).toMatch(/hivesat_wakes_total\{keyword="hey_jarvis"\} 1/);
      expect(metrics).toMatch(/hivesat_hub_connected 1/);

      // SIGHUP: the log level applies at once, the volume needs a restart; both are reported.
      await writeFile(config, configText('debug', 50));
      const reloaded = lineOn(child, child.stderr, (l) => l.includes('configuration changed'));
      child.kill('SIGHUP');
      const changed = JSON.parse(await reloaded) as { changes?: string };
      expect(changed.changes).toContain('log: info/json → debug/json (applied)');
      expect(changed.changes).toContain('volume (not hot-reloaded: restart to apply)');

      const started = performance.now();
      child.kill('SIGTERM');
      expect(await closed).toBe(0);
      expect(performance.now() - started).toBeLessThan(3_000);

      const hookLines = (await readFile(hookFile, 'utf8')).trim().split('\n');
      expect(hookLines).toEqual(expect.arrayContaining(['hub_online', 'wake', 'utterance', 'answer']));
      const notified = await readFile(notifyFile, 'utf8');
      expect(notified).toContain('READY=1');
      expect(notified).toContain('WATCHDOG=1');
      expect(notified).toContain('STOPPING=1');
      // JSON log lines, and no secret in them.
      const logs = stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string });
      expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['hub online', 'wake word', 'turn', 'shutting down']));
      expect(stderr).not.toContain(PASSWORD);
      expect(stderr).not.toContain(ACCESS_KEY);
    } finally {
      await hub.stop();
    }
  });

  it('"mode": "stream", a hub that drops the first RAW_AUDIO of two sessions: warned once, /healthz says what it needs', async () => {
    const hub = await startTestHub({
      clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
      audio: { synth: answerWav, transcribe: () => 'what time is it' },
      faults: [{ stage: { rawAudio: 1 }, action: { kind: 'abort' } }],
    });
    try {
      const port = await freePort();
      const config = join(dir, 'stream-config.json');
      await writeFile(
        config,
        JSON.stringify({
          mode: 'stream',
          hub: { host: '127.0.0.1', port: hub.port, access_key: ACCESS_KEY, password: PASSWORD, site_id: 'kitchen', handshake: 'password' },
          sounds: { on_wake: false },
          audio: { capture_device: 'filemic', playback_device: 'filespk' },
          ops: { log: { format: 'json', level: 'info' }, health: { port } },
        }),
      );
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir };
      delete env['NOTIFY_SOCKET'];
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', '--config', config, '--input', '-', '--output', join(dir, 'out-stream.wav')], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
      const closed = new Promise<number | null>((res) => child.once('close', (code) => res(code)));
      const logs: { level: string; msg: string }[] = [];
      // Each "hub online" log line is a new session; a turn is written once the session it should stream on is up.
      const sessions: { n: number; up: () => void }[] = [];
      let onlineCount = 0;
      let buffer = '';
      child.stderr.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const entry = JSON.parse(line) as { level: string; msg: string };
          logs.push(entry);
          if (entry.msg !== 'hub online') continue;
          onlineCount += 1;
          for (const s of sessions.filter((w) => w.n <= onlineCount)) s.up();
        }
      });
      const hubOnline = (n: number): Promise<void> => (onlineCount >= n ? Promise.resolve() : new Promise((up) => sessions.push({ n, up })));
      const f = turnAudio();
      const pcm = Buffer.from(f.audio.buffer, f.audio.byteOffset, f.audio.byteLength);
      for (const n of [1, 2]) {
        await hubOnline(n);
        const turnLine = lineOn(child, child.stdout, (l) => l.includes(`"id":${n},`));
        child.stdin.write(pcm);
        expect(JSON.parse(await turnLine)).toMatchObject({ id: n, mode: 'stream', route: 'local', failover: 'link dropped (1006) during the stream' });
      }
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { hub: { streamsRefused?: string } };
      expect(health.hub.streamsRefused).toContain('wake-word plugin');
      expect(health.hub.streamsRefused).toContain('"mode": "audio"');
      expect(logs.filter((l) => l.level === 'warn' && l.msg.includes('cannot take audio streams'))).toHaveLength(1);
      child.kill('SIGTERM');
      expect(await closed).toBe(0);
    } finally {
      await hub.stop();
    }
  });
});
