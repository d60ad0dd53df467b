/**
 * Personal enrollment with REAL parts: takes spoken by espeak-ng (a voice the shipped verifier was not trained on,
 * at several speeds and pitches) written as WAV files, the REAL openWakeWord models checking them, the verifier
 * trained on them plus espeak-ng negatives, saved in the state folder (0600), and `hivesat listen` running with it.
 * The checks' refusals (quiet, clipped, not the wake word, too few) carry their typed codes.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWavFile, writeWavFile } from '../../src/audio/index.js';
import { main } from '../../src/cli/main.js';
import { checkStartup } from '../../src/config/startup.js';
import { CONFIG_WAKE_THRESHOLD } from '../../src/listener/index.js';
import { HealthState } from '../../src/ops/index.js';
import { wakeCheck } from '../../src/cli/doctor/index.js';
import { createListener } from '../../src/listener/index.js';
import {
  DEFAULT_VERIFIER,
  ENROLLED_VERIFIER_FILE,
  EnrollError,
  loadWakeVerifier,
  resolveVerifier,
  VERIFIER_FORMAT,
  WakeEnroller,
} from '../../src/wake/index.js';
import { makeTempDir } from '../fixtures/audio.js';
import { ensureModels } from '../vad/fixtures.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);

/** espeak-ng voice none of scripts/train-verifier's variants (+f1 +f4 +m1 +m4 +klatt3 +steph). */
const VOICE = 'en-us+m7';
const TAKES: readonly (readonly [number, number])[] = [[140, 40], [155, 55], [170, 45], [185, 60], [150, 35], [165, 65]];

let dir = '';
let cleanup: () => Promise<void> = async () => undefined;

/** Speak `text` into a 22,050 Hz WAV (espeak-ng's own rate: enroll resamples) at a speed and pitch. */
function espeakWav(path: string, text: string, speed: number, pitch: number): string {
  execFileSync('espeak-ng', ['-v', VOICE, '-s', String(speed), '-p', String(pitch), '-w', path, text], { stdio: 'pipe' });
  return path;
}

function io(env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  return {
    io: { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env },
    out: () => stdout,
    err: () => stderr,
  };
}

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('hivesat-enroll-'));
});
afterAll(() => cleanup());

/** An environment with its own (empty) config home and state folder. */
function envFor(name: string): NodeJS.ProcessEnv {
  return { ...process.env, HIVESAT_CONFIG: '', XDG_CONFIG_HOME: join(dir, name, 'config'), STATE_DIRECTORY: join(dir, name, 'state') };
}

describe.skipIf(!models.ok)('hivesat wake enroll (real models, espeak-ng takes)', () => {
  it('checks each WAV take, trains on the takes and espeak-ng negatives, and saves the verifier 0600 in the state folder', async () => {
    const files = TAKES.map(([speed, pitch], i) => espeakWav(join(dir, `take-${i + 1}.wav`), 'hey jarvis', speed, pitch));
    const env = envFor('ok');
    const t = io(env);
    const code = await main(['wake', 'enroll', ...files], t.io);
    expect(t.err()).not.toMatch(/hivesat wake: /);
    expect(code).toBe(0);
    const lines = t.out().trim().split('\n');
    expect(lines.slice(0, 6)).toEqual(files.map((_, i) => expect.stringMatching(new RegExp(`^take-${i + 1}\\.wav: ok \\(speech -\\d+\\.\\d dBFS, score \\d\\.\\d\\d\\)$`))));
    const path = join(env['STATE_DIRECTORY'] as string, ENROLLED_VERIFIER_FILE);
    expect(lines[6]).toMatch(new RegExp(`^saved ${path.replaceAll('/', '\\/')}: hey_jarvis verifier enrolled on 6 takes \\(\\d+ keyword and \\d+ other windows, \\d+\\.\\d CPU-s\\)$`));
    expect(lines[7]).toBe('"hivesat listen" and "hivesat run" use it from their next start; "hivesat doctor" shows it');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(doc).toMatchObject({ format: VERIFIER_FORMAT, keyword: 'hey_jarvis', frames: 8, dim: 96, threshold: 0.7, training: { by: 'hivesat wake enroll', takes: 6, prior: `${DEFAULT_VERIFIER}.json`, head_threshold: CONFIG_WAKE_THRESHOLD } });
    expect((doc['weights'] as number[]).length).toBe(8 * 96);

    // auto (the default) picks it up.
    const resolved = await resolveVerifier('auto', path);
    expect(resolved.info).toMatchObject({ kind: 'enrolled', path, keyword: 'hey_jarvis', takes: 6, problem: null });
    expect(resolved.info.enrolledAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(resolved.verifier?.source).toBe(path);

    // `hivesat listen` uses it: it says so, and a take of the enrolled voice wakes it.
    const input = espeakWav(join(dir, 'listen-take.wav'), 'hey jarvis', 160, 50);
    const padded = join(dir, 'listen-padded.wav');
    const take = await readWavFile(input);
    const audio = new Int16Array(16_000 + take.length + 3 * 16_000);
    audio.set(take, 16_000);
    await writeWavFile(padded, audio);
    const l = io(env);
    expect(await main(['listen', '--input', padded, '--json', '--verbose'], l.io)).toBe(0);
    expect(l.err()).toContain(`hivesat listen: wake engine openwakeword, verifier enrolled `);
    expect(l.err()).toContain(`, 6 takes (${path})`);
    expect(l.out().split('\n').filter((x) => x.includes('"type":"wake"'))).toHaveLength(1);
  }, 240_000);

  it('listen really runs the enrolled file: one that refuses everything silences the wake word the shipped verifier hears', async () => {
    const env = envFor('reject');
    const state = env['STATE_DIRECTORY'] as string;
    const input = espeakWav(join(dir, 'reject-take.wav'), 'hey jarvis', 160, 50);
    const take = await readWavFile(input);
    const audio = new Int16Array(16_000 + take.length + 3 * 16_000);
    audio.set(take, 16_000);
    const wav = join(dir, 'reject-padded.wav');
    await writeWavFile(wav, audio);
    const wakes = async (): Promise<number> => {
      const l = io(env);
      expect(await main(['listen', '--input', wav, '--json'], l.io)).toBe(0);
      return l.out().split('\n').filter((x) => x.includes('"type":"wake"')).length;
    };
    expect(await wakes()).toBe(1); // no enrollment: the shipped verifier
    await mkdir(state, { recursive: true });
    await writeFile(
      join(state, ENROLLED_VERIFIER_FILE),
      JSON.stringify({ format: VERIFIER_FORMAT, keyword: 'hey_jarvis', frames: 8, dim: 96, threshold: 0.5, bias: -40, weights: new Array(768).fill(0), training: { by: 'hivesat wake enroll', takes: 6, enrolled_at: '2026-12-03T00:00:00.000Z' } }),
    );
    expect(await wakes()).toBe(0);

    // `run` (and `config check`, `doctor`) build their listener in the start-up check: the same verifier, reported.
    const check = await checkStartup({ configPath: join(env['XDG_CONFIG_HOME'] as string, 'hivesat', 'config.json'), explicit: false, env });
    expect(check.refusals).toEqual([]);
    expect(check.wake?.verifier).toEqual({ kind: 'enrolled', path: join(state, ENROLLED_VERIFIER_FILE), keyword: 'hey_jarvis', enrolledAt: '2026-12-03T00:00:00.000Z', takes: 6, problem: null });
    const outcome = await wakeCheck.run({ state: { wake: check.wake } } as unknown as Parameters<typeof wakeCheck.run>[0]);
    expect(outcome).toMatchObject({ status: 'ok', summary: `openwakeword; verifier enrolled 2026-12-03 00:00 UTC, 6 takes (${join(state, ENROLLED_VERIFIER_FILE)})` });
  }, 120_000);

  it('refuses quiet, clipped and non-wake-word takes with their codes, and saves nothing with fewer than 3 accepted', async () => {
    const good = await readWavFile(espeakWav(join(dir, 'g.wav'), 'hey jarvis', 160, 50));
    const quiet = Int16Array.from(good, (v) => Math.round(v * 0.004));
    const clipped = Int16Array.from(good, (v) => Math.max(-32_768, Math.min(32_767, v * 12)));
    const other = await readWavFile(espeakWav(join(dir, 'o.wav'), 'the weather is nice today', 160, 50));
    const enroller = await WakeEnroller.create({ threshold: CONFIG_WAKE_THRESHOLD, prior: await loadWakeVerifier(DEFAULT_VERIFIER) });
    try {
      const refusal = (audio: Int16Array) => enroller.check(audio, 'take 1').then(() => undefined, (e: unknown) => e);
      expect(await refusal(quiet)).toMatchObject({ name: 'EnrollError', code: 'WAKE_ERR_ENROLL_QUIET', message: expect.stringMatching(/^take 1: too quiet \(speech at -\d+\.\d dBFS, expected at least -42 dBFS\): speak closer/) });
      expect(await refusal(clipped)).toMatchObject({ code: 'WAKE_ERR_ENROLL_CLIPPED', message: expect.stringMatching(/^take 1: clipped \(\d+\.\d % of the speech at full scale\)/) });
      expect(await refusal(other)).toMatchObject({ code: 'WAKE_ERR_ENROLL_NOT_DETECTED', message: expect.stringMatching(/^take 1: the hey_jarvis model did not hear the wake word \(best score 0\.\d{3}, it needs 0\.1\): say "hey jarvis" once, clearly$/) });
      expect(await refusal(new Int16Array(4_000))).toMatchObject({ code: 'WAKE_ERR_ENROLL_LENGTH' });
      for (const e of [await refusal(quiet), await refusal(other)]) expect(e).toBeInstanceOf(EnrollError);
      expect(await enroller.check(good, 'take 2')).toMatchObject({ label: 'take 2', peakScore: expect.any(Number) });
      await expect(enroller.train([], [])).rejects.toMatchObject({ code: 'WAKE_ERR_ENROLL_TOO_FEW' });
    } finally {
      await enroller.close();
    }

    // The CLI: one line per refused file with its code, exit 1, no file.
    const env = envFor('few');
    const files = await Promise.all(
      [
        ['quiet.wav', quiet],
        ['clipped.wav', clipped],
        ['other.wav', other],
        ['good.wav', good],
      ].map(async ([name, pcm]) => {
        const p = join(dir, name as string);
        await writeWavFile(p, pcm as Int16Array);
        return p;
      }),
    );
    const t = io(env);
    expect(await main(['wake', 'enroll', ...files], t.io)).toBe(1);
    const lines = t.out().trim().split('\n');
    expect(lines[0]).toMatch(/^refused quiet\.wav: too quiet .* \(WAKE_ERR_ENROLL_QUIET\)$/);
    expect(lines[1]).toMatch(/^refused clipped\.wav: clipped .* \(WAKE_ERR_ENROLL_CLIPPED\)$/);
    expect(lines[2]).toMatch(/^refused other\.wav: the hey_jarvis model did not hear the wake word .* \(WAKE_ERR_ENROLL_NOT_DETECTED\)$/);
    expect(lines[3]).toMatch(/^good\.wav: ok /);
    expect(t.err()).toBe('hivesat wake: expected at least 3 accepted takes, got 1: nothing was saved (WAKE_ERR_ENROLL_TOO_FEW)\n');
    await expect(stat(join(env['STATE_DIRECTORY'] as string, ENROLLED_VERIFIER_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 120_000);

  it('records from the microphone through audio.capture_command, re-asks a refused take, and saves', async () => {
    // The "microphone": a capture command printing raw 16 kHz s16le, a different take on each start (as a person
    // saying it again): first a whisper-quiet one, then good ones.
    const mic = join(dir, 'mic');
    await mkdir(mic, { recursive: true });
    const raws: Int16Array[] = [];
    for (const [speed, pitch] of [[150, 45], [165, 55], [180, 40]] as const) {
      const take = await readWavFile(espeakWav(join(mic, `t-${speed}.wav`), 'hey jarvis', speed, pitch));
      const pcm = new Int16Array(3 * 16_000);
      pcm.set(take.subarray(0, pcm.length - 8_000), 8_000);
      raws.push(pcm);
    }
    const quiet = Int16Array.from(raws[0] as Int16Array, (v) => Math.round(v * 0.004));
    for (const [i, pcm] of [quiet, ...raws].entries()) await writeFile(join(mic, `${i}.raw`), new Uint8Array(pcm.buffer));
    const script = `n=$(cat ${mic}/n 2>/dev/null || echo 0); echo $((n + 1)) > ${mic}/n; cat ${mic}/$n.raw; sleep 10`;
    const env = envFor('mic');
    const configDir = join(env['XDG_CONFIG_HOME'] as string, 'hivesat');
    await mkdir(configDir, { recursive: true });
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ audio: { capture_command: ['sh', '-c', script] } }));
    const t = io(env);
    expect(await main(['wake', 'enroll', '--takes', '3', '--seconds', '3'], t.io)).toBe(0);
    const lines = t.out().trim().split('\n');
    expect(lines[0]).toMatch(/^refused take 1: too quiet .* \(WAKE_ERR_ENROLL_QUIET\)$/);
    expect(lines.slice(1, 4)).toEqual([1, 2, 3].map((n) => expect.stringMatching(new RegExp(`^take ${n}: ok `))));
    expect(lines[4]).toMatch(/^saved .*wake-verifier\.json: hey_jarvis verifier enrolled on 3 takes /);
    expect(t.err().split('\n').filter((l) => l.startsWith('take 1 of 3: say "hey jarvis" once, now (3 s)'))).toHaveLength(2);
    expect(await readFile(join(mic, 'n'), 'utf8')).toBe('4\n');
  }, 120_000);

  it('auto falls back to the shipped verifier when the enrolled file is broken, and says why; enrolled requires the file', async () => {
    const path = join(dir, 'broken-verifier.json');
    await writeFile(path, '{"format":');
    const auto = await resolveVerifier('auto', path);
    expect(auto.info).toMatchObject({ kind: 'shipped', problem: expect.stringMatching(/^wake verifier .*broken-verifier\.json is invalid: expected JSON.*; using hey_jarvis_verifier \(enroll again: hivesat wake enroll\)$/) });
    expect((await resolveVerifier('auto', join(dir, 'absent.json'))).info).toMatchObject({ kind: 'shipped', problem: null });
    await expect(resolveVerifier('enrolled', join(dir, 'absent.json'))).rejects.toMatchObject({ code: 'MODEL_ERR_MISSING', message: expect.stringContaining('run "hivesat wake enroll" first') });
    expect((await resolveVerifier(null, path)).info.kind).toBe('none');
  });
});

describe('hivesat wake usage', () => {
  it('names a file it cannot read, and bad flags, in one line before loading any model', async () => {
    const t = io(envFor('usage'));
    expect(await main(['wake', 'enroll', join(dir, 'absent.wav')], t.io)).toBe(1);
    expect(t.err()).toBe(`hivesat wake: cannot read ${join(dir, 'absent.wav')}: no such file; see "hivesat wake --help"\n`);
    const u = io(envFor('usage'));
    expect(await main(['wake', 'enroll', '--takes', '2'], u.io)).toBe(1);
    expect(u.err()).toBe('hivesat wake: --takes: expected an integer 3–20, got "2"; see "hivesat wake --help"\n');
    const v = io(envFor('usage'));
    expect(await main(['wake', 'train'], v.io)).toBe(1);
    expect(v.err()).toBe('hivesat wake: unknown subcommand "train" (expected enroll); see "hivesat wake --help"\n');
  });
});

describe.skipIf(!models.ok)('Porcupine fallback in /healthz and doctor (no AccessKey needed)', () => {
  it('reports the engine asked for, the one running, the WAKE_ERR_PORCUPINE_* code and its fix', async () => {
    const listener = await createListener({ engine: 'porcupine', porcupine: { env: {} }, verifier: 'auto', enrolledVerifierPath: join(dir, 'none.json'), warn: () => undefined });
    try {
      const engine = listener.wakeEngine;
      expect(engine).toMatchObject({ requested: 'porcupine', engine: 'openwakeword', fallback: { code: expect.stringMatching(/^WAKE_ERR_PORCUPINE_(ACCESS_KEY|MISSING)$/) } });
      const fallback = engine.fallback as { code: string; fix: string };
      const health = new HealthState();
      health.setWake({ requested: engine.requested, engine: engine.engine, fallback: engine.fallback, verifier: { kind: listener.verifier.kind, enrolledAt: null, takes: null } });
      expect(health.snapshot().wake).toEqual({ requested: 'porcupine', engine: 'openwakeword', fallback: { code: fallback.code, message: expect.stringMatching(/^porcupine: /), fix: fallback.fix }, verifier: { kind: 'shipped', enrolledAt: null, takes: null } });
      const outcome = await wakeCheck.run({ state: { wake: { engine, verifier: listener.verifier } } } as unknown as Parameters<typeof wakeCheck.run>[0]);
      expect(outcome).toMatchObject({ status: 'warn', summary: expect.stringMatching(new RegExp(`^porcupine requested, openwakeword running \\(${fallback.code}\\); verifier shipped \\(`)), fix: fallback.fix });
      expect(outcome.details).toMatchObject({ engine_requested: 'porcupine', engine_active: 'openwakeword', fallback_code: fallback.code, verifier: 'shipped' });
    } finally {
      await listener.close();
    }
  });
});
