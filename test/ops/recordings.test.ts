/**
 * Debug recordings: exact audio around a wake and of an utterance, the sidecars, the count and byte bounds (oldest
 * deleted first), and `hivesat run --save DIR` for real (no hub: the turn is answered locally).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav, readWav16kMono } from '../../src/audio/index.js';
import { DebugRecorder } from '../../src/ops/index.js';
import { turnAudio } from '../satellite/helpers.js';
import { ensureModels } from '../vad/fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = await mkdtemp(join(tmpdir(), 'hivesat-rec-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function ramp(n: number, from = 0): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => ((from + i) % 20_000) - 10_000);
}

/** A clock that moves 1 s per call, from 2026-12-02T21:00:00Z. */
function steppingClock(): () => number {
  let t = Date.UTC(2026, 11, 2, 21, 0, 0) - 1_000;
  return () => (t += 1_000);
}

const report = (id: number) => ({ id, route: 'local', outcome: 'answered', answers: ['it is nine'], marks: { wake: 0, speechEnd: 1200 }, figures: { responseMs: 300 } });

describe('DebugRecorder', () => {
  it('saves exactly the audio around a wake and the utterance, with sidecars, files 0600', async () => {
    const out = join(dir, 'exact');
    const recorder = new DebugRecorder({ dir: out, wakeBeforeMs: 1_000, wakeAfterMs: 500, now: steppingClock() });
    const audio = ramp(64_000);
    recorder.feed(audio.subarray(0, 40_000));
    recorder.wake({ keyword: 'hey_jarvis', score: 0.9712, sample: 40_000 });
    recorder.feed(audio.subarray(40_000, 47_999));
    await recorder.flushed();
    expect(await readdir(out).catch(() => [])).toEqual([]); // the "after" part is not there yet
    recorder.feed(audio.subarray(47_999));
    const utterance = audio.subarray(30_000, 60_000);
    recorder.utterance(utterance);
    recorder.turn(report(1));
    await recorder.flushed();
    const names = (await readdir(out)).sort();
    expect(names).toEqual(['2026-12-02T21-00-00.000Z-wake-1.json', '2026-12-02T21-00-00.000Z-wake-1.wav', '2026-12-02T21-00-01.000Z-turn-1.json', '2026-12-02T21-00-01.000Z-turn-1.wav']);
    expect(readWav16kMono(new Uint8Array(await readFile(join(out, names[1] as string))))).toEqual(audio.subarray(24_000, 48_000));
    expect(readWav16kMono(new Uint8Array(await readFile(join(out, names[3] as string))))).toEqual(utterance);
    expect(JSON.parse(await readFile(join(out, names[0] as string), 'utf8'))).toEqual({ kind: 'wake', wake: 1, keyword: 'hey_jarvis', score: 0.971, time: '2026-12-02T21:00:00.000Z', duration_s: 1.5 });
    expect(JSON.parse(await readFile(join(out, names[2] as string), 'utf8'))).toEqual({
      kind: 'utterance', turn: 1, time: '2026-12-02T21:00:01.000Z', duration_s: 1.875, transcript: null, route: 'local', outcome: 'answered', answers: ['it is nine'], marks: { wake: 0, speechEnd: 1200 }, figures: { responseMs: 300 },
    });
    for (const name of names) expect((await stat(join(out, name))).mode & 0o777).toBe(0o600);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
  });

  it('keeps at most max_recordings: the oldest WAV and sidecar go first', async () => {
    const out = join(dir, 'count');
    const recorder = new DebugRecorder({ dir: out, maxRecordings: 3, now: steppingClock() });
    for (let i = 0; i < 5; i++) recorder.utterance(ramp(1_600, i));
    await recorder.flushed();
    expect((await readdir(out)).filter((n) => n.endsWith('.wav')).sort()).toEqual(['2026-12-02T21-00-02.000Z-turn-3.wav', '2026-12-02T21-00-03.000Z-turn-4.wav', '2026-12-02T21-00-04.000Z-turn-5.wav']);
    expect(await readdir(out)).toHaveLength(6);
  });

  it('keeps at most max_bytes, never deleting the newest recording; other files are left alone', async () => {
    const out = join(dir, 'bytes');
    const recorder = new DebugRecorder({ dir: out, maxBytes: 70_000, now: steppingClock() });
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'notes.txt'), 'mine');
    for (let i = 0; i < 3; i++) recorder.utterance(ramp(16_000, i)); // 32,044-byte WAVs
    await recorder.flushed();
    const wavs = (await readdir(out)).filter((n) => n.endsWith('.wav')).sort();
    expect(wavs).toEqual(['2026-12-02T21-00-01.000Z-turn-2.wav', '2026-12-02T21-00-02.000Z-turn-3.wav']);
    expect(await readdir(out)).toContain('notes.txt');
    const tiny = new DebugRecorder({ dir: join(dir, 'tiny'), maxBytes: 1, now: steppingClock() });
    tiny.utterance(ramp(1_600));
    await tiny.flushed();
    expect(await readdir(join(dir, 'tiny'))).toHaveLength(2);
  });
});

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);

describe.skipIf(!models.ok)('hivesat run --save DIR', () => {
  it('saves the turn’s utterance and the audio around its wake, with the turn report in the sidecar', async () => {
    const input = join(dir, 'turn.wav');
    const f = turnAudio();
    await writeFile(input, encodeWav(f.audio));
    const save = join(dir, 'saved');
    const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'none'), XDG_STATE_HOME: join(dir, 'state'), HIVESAT_HOST: '' };
    const result = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', '--input', input, '--output', join(dir, 'o.wav'), '--save', save, '--once'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => done({ code, stdout }));
    });
    expect(result.code).toBe(0);
    const names = (await readdir(save)).sort();
    expect(names.map((n) => n.replace(/^.*Z-/, '')).sort()).toEqual(['turn-1.json', 'turn-1.wav', 'wake-1.json', 'wake-1.wav']);
    const turnWav = readWav16kMono(new Uint8Array(await readFile(join(save, names.find((n) => n.endsWith('turn-1.wav')) as string))));
    // The utterance holds the question: it is a slice of the input that covers it.
    const at = f.audio.findIndex((_, i) => turnWav.every((v, j) => f.audio[i + j] === v));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThanOrEqual(f.command.first);
    expect(at + turnWav.length).toBeGreaterThanOrEqual(f.command.end);
    const sidecar = JSON.parse(await readFile(join(save, names.find((n) => n.endsWith('turn-1.json')) as string), 'utf8')) as Record<string, unknown>;
    const printed = JSON.parse(result.stdout.trim()) as { route: string; outcome: string; answers: string[] };
    expect(sidecar).toMatchObject({ kind: 'utterance', turn: 1, route: printed.route, outcome: printed.outcome, answers: printed.answers });
    const wake = JSON.parse(await readFile(join(save, names.find((n) => n.endsWith('wake-1.json')) as string), 'utf8')) as Record<string, unknown>;
    expect(wake).toMatchObject({ kind: 'wake', wake: 1, keyword: 'hey_jarvis' });
  });
});
