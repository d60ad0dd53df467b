/**
 * The control API of `hivesat run`, spawned for real with the real models and espeak-ng, no hub:
 * `hivesat run --input FILE --output OUT.wav --control 127.0.0.1:PORT --control-token T` — status, 401 without the
 * token, `say` into OUT.wav, mute (persisted across a restart), every endpoint's refusals, the event stream, and
 * `hivesat ctl`. `HIVESAT_TEST_BUILT=1` (after `npm run build`) runs them against the built dist/cli/main.js.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, readWav16kMono } from '../../src/audio/index.js';
import { hasProgram } from '../fixtures/audio.js';
import { freePort, metricValue } from '../helpers/net.js';
import { loudSamples } from '../satellite/helpers.js';
import { ensureModels } from '../vad/fixtures.js';
import { type RunningSatellite, TOKEN, call, ctl, startRun, subscribe } from './control-helpers.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const espeak = await hasProgram('espeak-ng');
const dir = await mkdtemp(join(tmpdir(), 'hivesat-control-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** No hub anywhere: an empty config home, no identity file. */
const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'), HIVESAT_HOST: '', HIVESAT_CONTROL: '', HIVESAT_CONTROL_TOKEN: '' };
const input = join(dir, 'silence.wav');
const output = join(dir, 'out.wav');

describe.skipIf(!models.ok || !espeak)('hivesat run --control', () => {
  let sat: RunningSatellite;
  let base: string;
  let port: number;

  beforeAll(async () => {
    await writeFile(input, encodeWav(new Int16Array(16_000)));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sat = startRun(['--input', input, '--output', output, '--control', `127.0.0.1:${port}`, '--control-token', TOKEN], env);
    await sat.line(/ input ended /);
  });
  afterAll(() => sat.stop());

  it('GET /v1/status: the state and muted, 401 without the token or with another one', async () => {
    const status = await call(base, 'GET', '/v1/status');
    expect(status.status).toBe(200);
    expect(status.json).toEqual({ state: 'idle', muted: false, hub: { state: 'none' }, mic: { up: true }, volume: { percent: 80 }, last_turn: null });
    const anonymous = await call(base, 'GET', '/v1/status', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="hivesat"');
    expect(anonymous.json).toEqual({ error: { code: 'SERVE_ERR_UNAUTHORIZED', message: 'expected an Authorization: Bearer header with the control token, got none' } });
    expect((await call(base, 'GET', '/v1/status', { token: 'not-the-control-token-at-all' })).status).toBe(401);
    expect((await call(base, 'POST', '/v1/mute', { token: null })).status).toBe(401);
  });

  it('refuses browsers, unknown paths, wrong methods and bad bodies with coded errors', async () => {
    const browser = await call(base, 'GET', '/v1/status', { headers: { Origin: 'http://evil.example' } });
    expect([browser.status, (browser.json['error'] as { code: string }).code]).toEqual([403, 'SERVE_ERR_FORBIDDEN']);
    const unknown = await call(base, 'POST', '/v1/reboot');
    expect([unknown.status, (unknown.json['error'] as { code: string }).code]).toEqual([404, 'SERVE_ERR_NOT_FOUND']);
    const method = await call(base, 'GET', '/v1/mute');
    expect([method.status, method.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await call(base, 'POST', '/v1/status')).status).toBe(405);
    const noText = await call(base, 'POST', '/v1/say', { body: { text: '  ' } });
    expect([noText.status, (noText.json['error'] as { code: string }).code]).toEqual([400, 'SERVE_ERR_BAD_REQUEST']);
    for (const level of [101, -1, 2.5, '50']) expect((await call(base, 'POST', '/v1/volume', { body: { level } })).status).toBe(400);
    const notJson = await fetch(`${base}/v1/say`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{"text":' });
    expect(notJson.status).toBe(400);
  });

  it('POST /v1/volume sets the level', async () => {
    const set = await call(base, 'POST', '/v1/volume', { body: { level: 35 } });
    expect([set.status, set.json['volume']]).toEqual([200, { percent: 35 }]);
    await call(base, 'POST', '/v1/volume', { body: { level: 100 } });
    expect((await call(base, 'GET', '/v1/status')).json['volume']).toEqual({ percent: 100 });
  });

  it('POST /v1/say speaks with the local TTS (no hub): speaking_start/speaking_end on the event stream', async () => {
    const events = await subscribe(base);
    try {
      const said = await call(base, 'POST', '/v1/say', { body: { text: 'the kettle has boiled' } });
      expect([said.status, said.json]).toEqual([200, { spoken: true }]);
      await events.next('speaking_end');
      expect(events.events.map((e) => e.event)).toEqual(['speaking_start', 'speaking_end', 'state']);
      expect(events.events[2]?.data['state']).toBe('idle');
    } finally {
      events.close();
    }
  });

  it('POST /v1/stop and /v1/listen answer; listen while muted is 409 OPS_ERR_MUTED', async () => {
    expect(await call(base, 'POST', '/v1/stop')).toMatchObject({ status: 200, json: { stopped: true } });
    const events = await subscribe(base);
    try {
      const muted = await call(base, 'POST', '/v1/mute');
      expect([muted.status, muted.json['muted']]).toEqual([200, true]);
      expect(await events.next('mute')).toMatchObject({ muted: true, source: 'api' });
      const refused = await call(base, 'POST', '/v1/listen');
      expect([refused.status, (refused.json['error'] as { code: string }).code]).toEqual([409, 'OPS_ERR_MUTED']);
      expect((await call(base, 'POST', '/v1/unmute')).json['muted']).toBe(false);
      expect(await events.next('mute')).toMatchObject({ muted: false, source: 'api' });
      expect(await call(base, 'POST', '/v1/listen')).toMatchObject({ status: 200, json: { listening: true } });
      expect(await events.next('state')).toMatchObject({ state: 'listening' });
      expect((await call(base, 'GET', '/v1/status')).json['state']).toBe('listening');
    } finally {
      events.close();
    }
  });

  it('hivesat ctl: status, volume, a wrong token (exit 2), nobody listening (exit 3), bad usage (exit 1)', async () => {
    const flags = ['--control', `127.0.0.1:${port}`, '--control-token', TOKEN];
    const status = await ctl(['status', ...flags], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ muted: false, hub: { state: 'none' } });
    const volume = await ctl(['volume', '60', ...flags], env);
    expect([volume.code, (JSON.parse(volume.stdout) as { volume: unknown }).volume]).toEqual([0, { percent: 60 }]);
    const wrong = await ctl(['status', '--control', `127.0.0.1:${port}`, '--control-token', 'a-wrong-token-of-enough-length'], env);
    expect([wrong.code, wrong.stderr]).toEqual([2, 'hivesat ctl: status: expected the control token, got a different one (SERVE_ERR_UNAUTHORIZED)\n']);
    const nobody = await ctl(['status', '--control', `127.0.0.1:${await freePort()}`, '--control-token', TOKEN], env);
    expect(nobody.code).toBe(3);
    expect(nobody.stderr).toMatch(/^hivesat ctl: cannot reach the satellite at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); is "hivesat run" running\?\n$/);
    const usage = await ctl(['volume', 'loud', ...flags], env);
    expect([usage.code, usage.stderr]).toEqual([1, 'hivesat ctl: volume: expected one integer 0-100, got "loud" (OPS_ERR_CONTROL)\n']);
  });

  it('the done-when check: say into OUT.wav, mute shows in status, /healthz and /metrics, and survives a restart', async () => {
    const said = await call(base, 'POST', '/v1/say', { body: { text: 'hello from the control api' } });
    expect(said.status).toBe(200);
    const muted = await call(base, 'POST', '/v1/mute');
    expect(muted.json).toMatchObject({ state: 'idle', muted: true });
    expect((await call(base, 'GET', '/v1/status')).json['muted']).toBe(true);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { muted: boolean };
    expect(health.muted).toBe(true);
    expect(metricValue(await (await fetch(`${base}/metrics`)).text(), 'hivesat_muted')).toBe(1);
    expect(await sat.stop()).toBe(0);
    // Everything played went into OUT.wav: the two spoken sentences.
    expect(loudSamples(readWav16kMono(new Uint8Array(await readFile(output))))).toBeGreaterThan(8_000);
    expect(JSON.parse(await readFile(join(dir, 'state', 'hivesat', 'mute.json'), 'utf8'))).toEqual({ muted: true });

    // Restarted, it is still muted (and says so at start).
    const again = startRun(['--input', input, '--output', join(dir, 'out2.wav'), '--control', `127.0.0.1:${port}`, '--control-token', TOKEN], env);
    try {
      await again.line(/ input ended /);
      expect(again.stderr()).toMatch(/ info  microphone muted: captured audio is dropped source=startup\n/);
      expect((await call(base, 'GET', '/v1/status')).json['muted']).toBe(true);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});

describe.skipIf(!models.ok || !espeak || !(await hasProgram('sox')))('hivesat run with audio.capture_command and audio.playback_command', () => {
  // The capture command is a paced stand-in for a remote mic: 100 ms of silence every 100 ms, as pw-record delivers.
  it('captures from the capture command and speaks through the playback command', async () => {
    const spoken = join(dir, 'spoken.raw');
    const config = join(dir, 'commands.json');
    const pcm = ['-t', 'raw', '-r', '16000', '-e', 'signed', '-b', '16', '-c', '1'];
    await writeFile(config, JSON.stringify({ audio: { capture_command: ['/bin/sh', '-c', 'while :; do head -c 3200 /dev/zero; sleep 0.1; done'], playback_command: ['sox', '-q', ...pcm, '-', ...pcm, spoken] } }));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // Its own state folder: the tests above left theirs muted.
    const sat = startRun(['--config', config, '--control', `127.0.0.1:${port}`, '--control-token', TOKEN], { ...env, XDG_STATE_HOME: join(dir, 'state-commands') });
    try {
      await sat.line(/ ready /);
      expect((await call(base, 'GET', '/v1/status')).json).toMatchObject({ mic: { up: true }, muted: false });
      expect((await call(base, 'POST', '/v1/say', { body: { text: 'spoken through a command' } })).status).toBe(200);
      const pcmOut = new Int16Array(new Uint8Array(await readFile(spoken)).buffer);
      expect(loudSamples(pcmOut)).toBeGreaterThan(4_000);
      expect(sat.stderr()).not.toMatch(/device failed/);
    } finally {
      const code = await sat.stop();
      expect(code, sat.stderr()).toBe(0);
    }
  });
});
