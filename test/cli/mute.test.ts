/**
 * Mute means deaf. `hivesat run` spawned for real against the loopback test hub with a spoken turn ("hey jarvis …
 * what time is it") as its input: muted (the persisted switch), the speech is neither detected (no wake, no turn,
 * `hivesat_wakes_total` absent) nor sent (the hub receives nothing) nor saved (`--save` folder empty); unmuted, the same file is a turn the hub
 * receives — so the first half can fail. In process, with the real listener: muting while a capture is open
 * abandons it, so speech begun before the mute is not sent after it.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/index.js';
import { abandonCapture, setMuted } from '../../src/cli/run-control.js';
import { MuteSwitch } from '../../src/ops/index.js';
import { DEFAULT_ALLOWED_TYPES, startTestHub } from '../hub/index.js';
import { freePort, metricValue } from '../helpers/net.js';
import { ACCESS_KEY, PASSWORD, answerWav, bytesToPcm, realListener, turnAudio } from '../satellite/helpers.js';
import { ensureModels } from '../vad/fixtures.js';
import { TOKEN, call, startRun } from './control-helpers.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const dir = await mkdtemp(join(tmpdir(), 'hivesat-mute-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.skipIf(!models.ok)('mute means deaf', () => {
  it('muted, a spoken turn is neither detected nor sent; unmuted, the same input is a turn the hub receives', async () => {
    const received: Int16Array[] = [];
    const hub = await startTestHub({
      clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
      audio: { synth: answerWav, transcribe: (pcm) => (received.push(bytesToPcm(pcm)), 'what time is it') },
    });
    try {
      const config = join(dir, 'config.json');
      await writeFile(config, JSON.stringify({ hub: { host: '127.0.0.1', port: hub.port, access_key: ACCESS_KEY, password: PASSWORD, site_id: 'kitchen', handshake: 'password' }, sounds: { on_wake: false } }));
      const input = join(dir, 'turn.wav');
      await writeFile(input, encodeWav(turnAudio().audio));
      const state = join(dir, 'state');
      await mkdir(join(state, 'hivesat'), { recursive: true });
      await writeFile(join(state, 'hivesat', 'mute.json'), '{"muted":true}\n');
      const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: state };
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;

      const saved = join(dir, 'saved');
      const muted = startRun(['--config', config, '--input', input, '--output', join(dir, 'muted.wav'), '--save', saved, '--control', `127.0.0.1:${port}`, '--control-token', TOKEN], env);
      try {
        await muted.line(/ input ended open_turns=0/); // the whole file went through the capture edge
        const status = await call(base, 'GET', '/v1/status');
        expect(status.json).toMatchObject({ muted: true, last_turn: null, hub: { state: 'ready' } });
        const metrics = await (await fetch(`${base}/metrics`)).text();
        expect(metricValue(metrics, 'hivesat_wakes_total{keyword="hey_jarvis"}')).toBeUndefined();
        expect(metricValue(metrics, 'hivesat_muted')).toBe(1);
        expect(received).toHaveLength(0);
        expect(muted.stdout()).toBe(''); // no turn report
        expect(muted.stderr()).not.toMatch(/wake word|turn /);
      } finally {
        expect(await muted.stop()).toBe(0);
      }
      expect(await readdir(saved).catch(() => [])).toEqual([]); // nor saved

      await writeFile(join(state, 'hivesat', 'mute.json'), '{"muted":false}\n');
      const heard = startRun(['--config', config, '--input', input, '--output', join(dir, 'heard.wav'), '--save', saved, '--once'], env);
      expect(await heard.exited()).toBe(0);
      expect(received).toHaveLength(1);
      expect(JSON.parse(heard.stdout().trim())).toMatchObject({ route: 'hub', outcome: 'answered' });
      expect((await readdir(saved)).map((n) => n.replace(/^.*Z-/, '')).sort()).toEqual(['turn-1.json', 'turn-1.wav', 'wake-1.json', 'wake-1.wav']);
    } finally {
      await hub.stop();
    }
  });

  it('a malformed mute file counts as muted, with the reason', async () => {
    const path = join(dir, 'broken', 'mute.json');
    await mkdir(join(dir, 'broken'), { recursive: true });
    await writeFile(path, 'yes please');
    const loaded = await MuteSwitch.load(path);
    expect([loaded.muted, loaded.mute.muted, loaded.problem]).toEqual([true, true, `${path}: expected {"muted": true|false}, got something else; staying muted until "hivesat ctl unmute"`]);
    expect(await loaded.mute.set(false, 'api')).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ muted: false });
    expect((await MuteSwitch.load(join(dir, 'none', 'mute.json'))).muted).toBe(false);
  });

  it('muting while a capture is open abandons it: the speech begun before the mute is no utterance', async () => {
    const listener = await realListener();
    try {
      const f = turnAudio();
      const events: string[] = [];
      for (const name of ['wake', 'speech_start', 'utterance', 'cancelled', 'no_speech'] as const) listener.on(name, () => events.push(name));
      const reasons: string[] = [];
      listener.on('cancelled', (e) => reasons.push(e.reason));
      // Up to the middle of the question: awake and recording.
      const middle = Math.floor((f.command.first + f.command.end) / 2);
      for (let i = 0; i < middle; i += 1280) listener.feed(f.audio.subarray(i, Math.min(middle, i + 1280)));
      await listener.drained();
      expect(events).toEqual(['wake', 'speech_start']);
      const mute = MuteSwitch.inMemory();
      await setMuted({ listener, mute }, true, 'api');
      await listener.end();
      expect(events).toEqual(['wake', 'speech_start', 'cancelled']);
      expect(reasons).toEqual(['cancel']); // a cancel, not a pretend start of speaking
      expect(mute.muted).toBe(true);
      abandonCapture(listener); // idle: nothing to abandon, no event
      await listener.drained();
      expect(events).toHaveLength(3);
    } finally {
      await listener.close();
    }
  });
});
