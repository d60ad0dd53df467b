/**
 * One truth for "will this config start": every start-up refusal of `hivesat run` is enumerated here, and for each
 * one `run` refuses (exit 78), `hivesat config check` refuses (exit 1) with the same lines, and the doctor's
 * configuration check fails with the same messages. Real models, real persona files, real espeak-ng/pocketsphinx
 * lookups, real sound files; `run` and `config check` run in-process through the CLI's `main`, and one case also as
 * a spawned process, for the real exit status.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWavFile } from '../../src/audio/index.js';
import { main } from '../../src/cli/main.js';
import { checkStartup, EXIT_CANNOT_START } from '../../src/config/startup.js';
import { HubConnection } from '../../src/hivemind/index.js';
import { configCheck, type DoctorContext } from '../../src/cli/doctor/index.js';
import { defaultSpawn } from '../../src/speech/index.js';
import { ensureModels } from '../vad/fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const dir = await mkdtemp(join(tmpdir(), 'hivesat-startup-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const PATH = process.env['PATH'] ?? '';

/** A fresh environment: no identity, no personas, no config but the one given. */
function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg'), PATH, HIVESAT_IDENTITY: join(dir, 'no-identity.json'), ...extra };
}

function capture(env: NodeJS.ProcessEnv) {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) }, env } };
}

const lines = (text: string, prefix = ''): string[] =>
  text
    .split('\n')
    .filter((l) => l !== '' && l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));

function doctorContext(env: NodeJS.ProcessEnv, config: string): DoctorContext {
  return {
    env,
    flags: { config },
    utterance: 'what time is it',
    hubTimeoutMs: 1_000,
    spawn: defaultSpawn,
    run: () => Promise.resolve({ code: 0, stdout: '', stderr: '' }),
    openConnection: (s) => new HubConnection({ host: s.host, accessKey: s.accessKey, password: 'x' }),
    describeError: (e) => String(e),
    now: () => Date.UTC(2026, 11, 2),
    readCpuInfo: () => '',
    state: {},
  };
}

interface Case {
  readonly name: string;
  /** The config file's text (a string) or JSON value; undefined: no file at the path named. */
  readonly config: unknown;
  readonly env?: NodeJS.ProcessEnv;
  /** Codes the refusals must include. */
  readonly codes: readonly string[];
  /** Text one refusal line must contain. */
  readonly says: string;
}

const personas = join(dir, 'personas');
const badSolverPersonas = join(dir, 'personas-bad-solver');
const brokenPersonas = join(dir, 'personas-broken');
const corruptModels = join(dir, 'corrupt-models');
const hub = { host: '127.0.0.1', port: 1, access_key: 'startup-test', password: 'pw' };

beforeAll(async () => {
  await mkdir(personas, { recursive: true });
  await writeFile(join(personas, 'jarvis.json'), JSON.stringify({ name: 'Jarvis', handlers: ['ovos-solver-failure-plugin'] }));
  await mkdir(badSolverPersonas, { recursive: true });
  await writeFile(join(badSolverPersonas, 'odd.json'), JSON.stringify({ name: 'Odd', handlers: ['ovos-solver-no-such-plugin'] }));
  await mkdir(brokenPersonas, { recursive: true });
  await writeFile(join(brokenPersonas, 'broken.json'), '{"name": "Broken", ');
  await mkdir(corruptModels, { recursive: true });
  await writeFile(join(corruptModels, 'silero_vad_v5.onnx'), Buffer.alloc(1000, 7));
  await writeFile(join(dir, 'garbage.onnx'), Buffer.alloc(500, 3));
  await writeFile(join(dir, 'not-audio.wav'), 'this is text, not audio');
  // run checks its --input before it validates the rest, so the input must be a real (never fed) WAV.
  await writeWavFile(join(dir, 'never-read.wav'), new Int16Array(1600));
  await writeFile(join(dir, 'bad-identity.json'), '{"access_key": ');
});

/** Every refusal `run` makes at start, by the step that makes it (src/config/startup.ts). */
const CASES: readonly Case[] = [
  // The file itself.
  { name: 'an explicit config file that does not exist', config: undefined, codes: ['CFG_ERR_IO'], says: 'cannot read the config file (ENOENT)' },
  { name: 'a config file that is not JSON', config: '{"wake": ', codes: ['CFG_ERR_MALFORMED'], says: 'expected JSON' },
  { name: 'a config file that is not an object', config: '[1, 2]', codes: ['CFG_ERR_MALFORMED'], says: 'expected a JSON object' },
  { name: 'an unknown key, with the nearest known one', config: { wake: { keywrds: ['hey_jarvis'] } }, codes: ['CFG_ERR_INVALID_VALUE'], says: '$.wake.keywrds: unknown key (did you mean "keywords"?)' },
  { name: 'an unknown section', config: { volumes: {} }, codes: ['CFG_ERR_INVALID_VALUE'], says: '$.volumes: unknown key (did you mean "volume"?)' },
  { name: 'a value out of range', config: { vad: { silence_end_ms: 1 } }, codes: ['CFG_ERR_INVALID_VALUE'], says: '$.vad.silence_end_ms' },
  { name: 'a bad ops section', config: { ops: { log: { level: 'loud' } } }, codes: ['CFG_ERR_INVALID_VALUE'], says: '$.ops.log.level: expected one of debug, info, warn, error, got "loud"' },
  { name: 'a bad hub cipher', config: { hub: { ...hub, cipher: 'DES' } }, codes: ['CFG_ERR_INVALID_VALUE'], says: '$.hub.cipher: expected one of AES-GCM, CHACHA20-POLY1305, got "DES"' },
  // Hub settings (flags > environment > file > identity).
  { name: 'a hub host that does not parse', config: { hub: { ...hub, host: 'http://hub.local' } }, codes: ['CFG_ERR_INVALID_VALUE'], says: 'expected a host like "hub.local"' },
  { name: 'a bad port in the environment', config: { hub }, env: { HIVESAT_PORT: '99999' }, codes: ['CFG_ERR_INVALID_VALUE'], says: 'HIVESAT_PORT: expected a port 1-65535' },
  { name: 'a corrupt identity file', config: {}, env: { HIVESAT_IDENTITY: join(dir, 'bad-identity.json') }, codes: ['CFG_ERR_MALFORMED'], says: 'bad-identity.json' },
  // Models.
  { name: 'an unknown wake head', config: { wake: { keywords: ['computer'] } }, codes: ['MODEL_ERR_UNKNOWN'], says: 'unknown wake-head "computer"' },
  { name: 'a custom wake head that does not exist', config: { wake: { keywords: [join(dir, 'missing.onnx')] } }, codes: ['MODEL_ERR_MISSING'], says: 'missing.onnx' },
  { name: 'a custom wake head that is not a model', config: { wake: { keywords: [join(dir, 'garbage.onnx')] } }, codes: ['MODEL_ERR_LOAD'], says: 'garbage.onnx' },
  { name: 'a missing verifier file', config: { wake: { verifier: join(dir, 'missing-verifier.json') } }, codes: ['MODEL_ERR_MISSING'], says: 'missing-verifier.json' },
  { name: 'a corrupt model file', config: {}, env: { HIVESAT_MODEL_DIR: corruptModels }, codes: ['MODEL_ERR_CORRUPT'], says: 'silero_vad_v5.onnx (silero_vad_v5) is corrupt' },
  // Persona.
  { name: 'a missing persona', config: { persona: { name: 'no-such-persona', dir: personas } }, codes: ['PERSONA_ERR_NOT_FOUND'], says: 'expected a persona named "no-such-persona", got "Jarvis"' },
  { name: 'a persona naming an unknown solver', config: { persona: { dir: badSolverPersonas } }, codes: ['PERSONA_ERR_UNKNOWN_SOLVER'], says: 'got unknown "ovos-solver-no-such-plugin"' },
  { name: 'a persona file that is not JSON', config: { persona: { dir: brokenPersonas, name: 'broken' } }, codes: ['PERSONA_ERR_MALFORMED'], says: 'broken.json' },
  // Local speech engines.
  { name: 'speech engines that are not installed', config: {}, env: { PATH: join(dir, 'empty-path') }, codes: ['SPEECH_ERR_ENGINE_MISSING'], says: 'speech.tts: espeak-ng is not installed' },
  { name: 'a voice the engine does not have', config: { speech: { voice: 'xx-no-such-voice' } }, codes: ['SPEECH_ERR_UNKNOWN_VOICE'], says: 'xx-no-such-voice' },
  // Cue sounds.
  { name: 'an error sound that does not exist', config: { sounds: { error: join(dir, 'missing.mp3') } }, codes: ['CFG_ERR_IO'], says: 'sounds.error: cannot play' },
  { name: 'a wake sound that is not audio', config: { sounds: { start_listening: join(dir, 'not-audio.wav') } }, codes: ['AUDIO_ERR_WAV_MALFORMED'], says: 'sounds.start_listening: cannot play' },
  { name: 'a wake sound that is not a URI we play', config: { sounds: { start_listening: 'http://example.com/ding.wav' } }, codes: ['CFG_ERR_INVALID_VALUE'], says: 'sounds.start_listening: cannot play' },
];

describe('start-up refusals: run, config check and doctor agree', () => {
  it.each(CASES)('$name', async (c) => {
    const config = join(dir, `${c.name.replace(/\W+/g, '-')}.json`);
    if (c.config !== undefined) await writeFile(config, typeof c.config === 'string' ? c.config : JSON.stringify(c.config));
    const env = baseEnv(c.env);

    const ran = capture(env);
    expect(await main(['run', '--config', config, '--input', join(dir, 'never-read.wav'), '--once'], ran.io)).toBe(EXIT_CANNOT_START);
    const runLines = lines(ran.out.stderr, 'hivesat run: cannot start: ');
    expect(runLines.length).toBeGreaterThan(0);
    expect(lines(ran.out.stderr).filter((l) => !l.startsWith('hivesat run: cannot start: ') && !/^\S+ (debug|info|warn) /.test(l))).toEqual([]); // nothing else went wrong

    const checked = capture(env);
    expect(await main(['config', 'check', '--config', config], checked.io)).toBe(1);
    expect(lines(checked.out.stderr)).toEqual(runLines); // the same refusals, word for word

    expect(runLines.some((l) => l.includes(c.says))).toBe(true);
    for (const code of c.codes) expect(runLines.some((l) => l.includes(`(${code}); fix: `))).toBe(true);
    for (const line of runLines) expect(line).toMatch(/\([A-Z0-9_]+\); fix: \S/); // every line says what to fix

    const doctor = await configCheck.run(doctorContext(env, config));
    expect(doctor.status).toBe('fail');
    for (const line of runLines) expect(doctor.summary).toContain(line.slice(0, line.indexOf('; fix: ')));
  });

  it('covers every step of the start-up', () => {
    const codes = new Set(CASES.flatMap((c) => c.codes.map((code) => code.split('_')[0])));
    expect([...codes].sort()).toEqual(['AUDIO', 'CFG', 'MODEL', 'PERSONA', 'SPEECH']);
  });

  it('a config that starts is "ok" for config check and the start-up check', async () => {
    const config = join(dir, 'good.json');
    await writeFile(config, JSON.stringify({ hub, persona: { dir: personas, name: 'jarvis' }, sounds: { on_wake: true } }));
    const checked = capture(baseEnv());
    expect(await main(['config', 'check', '--config', config], checked.io)).toBe(0);
    expect(checked.out.stderr).toBe('');
    expect(checked.out.stdout).toBe(`${config}: ok\n`);
    const result = await checkStartup({ configPath: config, explicit: true, env: baseEnv() });
    expect(result.refusals).toEqual([]);
    expect(result.settings).toMatchObject({ host: '127.0.0.1', port: 1 });
  });

  it('missing model files: the start-up check run and doctor share refuses them (doctor searches its own directories)', async () => {
    const config = join(dir, 'defaults.json');
    await writeFile(config, '{}');
    const empty = join(dir, 'no-models');
    await mkdir(empty, { recursive: true });
    const result = await checkStartup({ configPath: config, explicit: true, env: baseEnv(), modelDirs: [empty] });
    expect(result.refusals.map((r) => r.code)).toEqual(['MODEL_ERR_MISSING']);
    expect(result.refusals[0]?.message).toContain(empty);
    const doctor = await configCheck.run({ ...doctorContext(baseEnv(), config), modelDirs: [empty] });
    expect(doctor.status).toBe('fail');
    expect(doctor.summary).toContain(`${result.refusals[0]?.message ?? '?'} (MODEL_ERR_MISSING)`);
  });

  it('without a hub, config check notes that the satellite answers locally (run does too)', async () => {
    const config = join(dir, 'local-only.json');
    await writeFile(config, JSON.stringify({ mode: 'text' }));
    const checked = capture(baseEnv());
    expect(await main(['config', 'check', '--config', config], checked.io)).toBe(0);
    expect(checked.out.stdout).toContain('note: no hub configured (no hub host configured: pass --host');
  });

  it('the spawned process exits 78 with the refusal on stderr', async () => {
    const config = join(dir, 'spawned.json');
    await writeFile(config, JSON.stringify({ wake: { keywords: ['computer'] }, persona: { name: 'no-such-persona', dir: personas } }));
    const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', '--config', config], { cwd: ROOT, env: baseEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => done({ code, stderr }));
    });
    expect(result.code).toBe(78);
    expect(lines(result.stderr, 'hivesat run: cannot start: ').map((l) => /\(([A-Z_]+)\); fix:/.exec(l)?.[1])).toEqual(['MODEL_ERR_UNKNOWN', 'PERSONA_ERR_NOT_FOUND']);
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
  });
});
