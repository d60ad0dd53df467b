/**
 * The satellite on the real `arecord` and `aplay` programs, through ALSA's file plugin (test/fixtures/audio.ts): the
 * spoken turn is recorded from a raw file, the answer is played into another.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AplaySink, ArecordSource } from '../../src/audio/index.js';
import { DEFAULT_ALLOWED_TYPES, startTestHub } from '../hub/index.js';
import { alsaFileConfig, writeRaw } from '../fixtures/audio.js';
import { ensureModels } from '../vad/fixtures.js';
import { ACCESS_KEY, PASSWORD, answerWav, bytesToPcm, hubLink, loudSamples, startSatellite, turnAudio } from './helpers.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const dir = await mkdtemp(join(tmpdir(), 'hivesat-alsa-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.skipIf(!models.ok)('satellite on arecord/aplay', () => {
  it('records the turn with arecord and plays the answer with aplay', async () => {
    const f = turnAudio();
    const mic = join(dir, 'mic.raw');
    const spk = join(dir, 'spk.raw');
    await writeRaw(mic, f.audio);
    const env = await alsaFileConfig(dir, mic, spk);
    const hub = await startTestHub({
      clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
      audio: { synth: answerWav, transcribe: () => 'what time is it' },
    });
    const link = hubLink(hub);
    await link.connect();
    const sink = new AplaySink({ device: 'filespk', env });
    const { satellite, listener, turn } = await startSatellite({ mode: 'audio', link, sink, lang: 'en-US', siteId: 'kitchen' });
    // The file plugin is not paced and reads garbage past the end of its file: record exactly the file's samples.
    const source = new ArecordSource({ device: 'filemic', env, extraArgs: ['-s', String(f.audio.length)] });
    source.on('chunk', (chunk) => satellite.feed(chunk));
    source.on('error', () => undefined); // arecord exits after -s samples
    try {
      await source.start();
      const report = await turn;
      expect(report).toMatchObject({ route: 'hub', outcome: 'answered' });
      expect(loudSamples(bytesToPcm(new Uint8Array(await readFile(spk))))).toBeGreaterThan(2_000);
    } finally {
      await source.stop();
      await satellite.close();
      await listener.close();
      await sink.close();
      await link.close();
      await hub.stop();
    }
  });
});
