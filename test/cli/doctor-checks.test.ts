/**
 * The doctor's checks other than the hub (those run against the test hub in test/cli/doctor.test.ts): audio with
 * real arecord/aplay on ALSA file-plugin devices, models with sha256, system checks, selection and formatting.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubConnection } from '../../src/hivemind/connection.js';
import { defaultSpawn } from '../../src/ops/clock.js';
import {
  type DoctorContext,
  captureCheck,
  clockCheck,
  configCheck,
  cpuAesCheck,
  devicesCheck,
  diskCheck,
  formatReport,
  levels,
  modelsCheck,
  nodeCheck,
  playbackCheck,
  runDoctor,
  selectChecks,
  offlineUnderstandingCheck,
  speechCheck,
  testTone,
} from '../../src/cli/doctor/index.js';
import { MANIFEST_PATH, PACKAGE_ROOT } from '../../src/models/index.js';
import { alsaFileConfig, hasProgram, makeTempDir, sine, writeRaw } from '../fixtures/audio.js';

let dir: string;
let cleanup: () => Promise<void>;
let alsaEnv: NodeJS.ProcessEnv;
let haveAlsa = false;
const outfile = (): string => join(dir, 'OUT.raw');

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('hivesat-doctor-'));
  await writeRaw(join(dir, 'IN.raw'), sine(16_000, 440, 16_000 * 3, 3_000));
  await writeRaw(join(dir, 'SILENT.raw'), new Int16Array(16_000 * 3));
  alsaEnv = await alsaFileConfig(dir, join(dir, 'IN.raw'), outfile());
  haveAlsa = (await hasProgram('arecord')) && (await hasProgram('aplay'));
});
afterAll(async () => cleanup());

function context(overrides: Partial<DoctorContext> = {}): DoctorContext {
  return {
    env: alsaEnv,
    flags: {},
    utterance: 'what time is it',
    hubTimeoutMs: 1_000,
    spawn: defaultSpawn,
    run: () => Promise.resolve({ code: 0, stdout: 'yes\n', stderr: '' }),
    openConnection: (s) => new HubConnection({ host: s.host, accessKey: s.accessKey, password: 'x' }),
    describeError: (e) => String(e),
    now: () => Date.UTC(2026, 10, 24, 12),
    readCpuInfo: () => 'processor\t: 0\nflags\t\t: fpu sse2 aes avx\n',
    state: {},
    ...overrides,
  };
}

describe('audio checks (real arecord/aplay on ALSA file devices)', () => {
  it('measures the microphone level over 2 s', async (t) => {
    if (!haveAlsa) t.skip();
    const outcome = await captureCheck.run(context({ captureDevice: 'filemic' }));
    expect(outcome.status).toBe('ok');
    // A 3,000-amplitude sine: peak 3000/32768 ≈ −20.8 dBFS, RMS 3 dB below.
    expect(outcome.details).toMatchObject({ device: 'filemic', seconds: 2 });
    expect(outcome.details?.['peak_dbfs']).toBeCloseTo(-20.8, 0);
    expect(outcome.details?.['rms_dbfs']).toBeCloseTo(-20.8 - 3, 0);
    expect(outcome.summary).toMatch(/^filemic: -23\.\d dBFS RMS, peak -20\.\d dBFS over 2 s$/);
  });

  it('warns about digital silence', async (t) => {
    if (!haveAlsa) t.skip();
    const env = await alsaFileConfig(dir, join(dir, 'SILENT.raw'), outfile(), 'silent.conf');
    const outcome = await captureCheck.run(context({ env, captureDevice: 'filemic' }));
    expect(outcome).toMatchObject({ status: 'warn', summary: 'filemic: digital silence for 2 s', fix: expect.stringContaining('alsamixer') as unknown });
  });

  it('fails on a device that does not exist, saying what to do', async (t) => {
    if (!haveAlsa) t.skip();
    const outcome = await captureCheck.run(context({ captureDevice: 'nosuchmic' }));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^nosuchmic did not open: /);
    expect(outcome.fix).toContain('hivesat devices');
  });

  it('plays the test tone', async (t) => {
    if (!haveAlsa) t.skip();
    const outcome = await playbackCheck.run(context({ playbackDevice: 'filespk' }));
    expect(outcome).toMatchObject({ status: 'ok', summary: 'played a 0.4 s 880 Hz tone on filespk (did you hear it?)' });
    const written = await readFile(outfile());
    const tone = testTone();
    // aplay pads its last period with silence.
    expect(written.subarray(0, tone.byteLength).equals(tone)).toBe(true);
    expect(levels(written.subarray(tone.byteLength)).peak).toBe(0);
    expect(levels(written).peakDbfs).toBeCloseTo(-18, 0);
  });

  it('skips capture and playback without a device, or the tone with --no-tone', async () => {
    const ctx = context({ state: { devices: { capture: { hardware: [], pcms: [] }, playback: { hardware: [], pcms: [] } } } });
    expect(await captureCheck.run(ctx)).toEqual({ status: 'skip', summary: 'no capture device' });
    expect(await playbackCheck.run(ctx)).toEqual({ status: 'skip', summary: 'no playback device' });
    expect(await playbackCheck.run(context({ playbackDevice: 'filespk', noTone: true }))).toMatchObject({ status: 'skip' });
  });

  it('lists devices; a machine without sound cards gets a warning, without alsa-utils a failure', async (t) => {
    if (!haveAlsa) t.skip();
    const ctx = context();
    const listed = await devicesCheck.run(ctx);
    expect(ctx.state.devices).toBeDefined();
    if (ctx.state.devices?.capture.hardware.length === 0) expect(listed).toMatchObject({ status: 'warn', fix: expect.stringContaining('USB microphone') as unknown });
    const missing = await devicesCheck.run(context({ env: { PATH: join(dir, 'empty-bin') } }));
    expect(missing).toEqual({ status: 'fail', summary: 'arecord/aplay are not installed', fix: 'sudo apt-get install alsa-utils' });
  });
});

describe('models check', () => {
  it('verifies every model by sha256 in the package folders', async () => {
    const outcome = await modelsCheck.run(context({ env: {} }));
    // silero_vad_v5 is committed; the others come from scripts/fetch-models (run by scripts/setup).
    expect(outcome.details?.['silero_vad_v5']).toBe(`ok ${join(PACKAGE_ROOT, 'models', 'silero_vad_v5.onnx')}`);
    expect(['ok', 'fail']).toContain(outcome.status);
  });

  it('fails naming the missing required models, and lists optional ones', async () => {
    const empty = join(dir, 'no-models');
    await mkdir(empty, { recursive: true });
    const outcome = await modelsCheck.run(context({ env: { HIVESAT_MODEL_DIR: empty }, modelDirs: [empty] }));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toBe('0 of 9 verified; missing: silero_vad_v5, oww_melspectrogram, oww_embedding, hey_jarvis; not installed (optional): silero_vad_v6, alexa, hey_mycroft, hey_rhasspy, weather');
    expect(outcome.fix).toBe(`fetch them: scripts/fetch-models --dir ${empty} (in the hivesat folder; it checks sha256)`);
  });

  it('fails on a corrupt file', async () => {
    const bad = join(dir, 'bad-models');
    await mkdir(bad, { recursive: true });
    await copyFile(join(PACKAGE_ROOT, 'models', 'silero_vad_v5.onnx'), join(bad, 'silero_vad_v5.onnx'));
    const bytes = await readFile(join(bad, 'silero_vad_v5.onnx'));
    bytes[1000] = (bytes[1000] ?? 0) ^ 0xff;
    await writeFile(join(bad, 'silero_vad_v5.onnx'), bytes);
    const outcome = await modelsCheck.run(context({ modelDirs: [bad] }));
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain(`corrupt: silero_vad_v5 (${join(bad, 'silero_vad_v5.onnx')})`);
    expect(MANIFEST_PATH).toContain('manifest.json');
  });
});

describe('configuration check', () => {
  async function check(doc: unknown): Promise<Awaited<ReturnType<typeof configCheck.run>>> {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return configCheck.run(context({ env: { HOME: dir, XDG_CONFIG_HOME: dir, HIVESAT_CONFIG: path, PATH: process.env['PATH'] ?? '' } })); // PATH: the start-up check runs the local speech engines
  }

  it('validates every section, "ops" included, and resolves the hub', async () => {
    const ctx = await check({
      hub: { host: 'hub.local', access_key: 'abcdefgh', password: 'secret words' },
      wake: { keywords: ['hey_jarvis'] },
      ops: { health: { port: 9477 }, hooks: { on: { wake: ['/usr/local/bin/led', 'on'] } } },
    });
    expect(ctx.status).toBe('ok');
    expect(ctx.summary).toMatch(/config-\w+\.json valid, health on 127\.0\.0\.1:9477, hooks on wake; hub ws:\/\/hub\.local:5678 \(config\), access key abcd… \(config\), password set \(config\)$/);
    expect(JSON.stringify(ctx)).not.toContain('secret words');
  });

  it.each([
    [{ hub: { host: 'h', access_key: 'k', password: 'p' }, vad: { silence_end_ms: 1 } }, '$.vad.silence_end_ms'],
    [{ hub: { host: 'h', access_key: 'k', password: 'p' }, colour: 'blue' }, '$.colour: unknown key'],
    [{ hub: { host: 'h', access_key: 'k', password: 'p' }, ops: { log: { level: 'loud' } } }, 'ops.log.level: expected one of debug, info, warn, error'],
    ['{"hub": ', 'expected JSON'],
    [{ wake: {} }, 'no hub host configured'],
  ])('fails on %j', async (doc, message) => {
    const outcome = await check(doc);
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain(message);
  });
});

describe('system checks', () => {
  it('reports Node and the platform', async () => {
    const outcome = await nodeCheck.run(context());
    expect(outcome.summary).toBe(`Node v${process.versions.node} on ${process.platform} ${process.arch}`);
    expect(outcome.status).toBe('ok');
  });

  it('derives the cipher order from the AES flag', async () => {
    expect((await cpuAesCheck.run(context())).summary).toBe('AES instructions present: AES-GCM offered first');
    const pi = await cpuAesCheck.run(context({ readCpuInfo: () => 'processor\t: 0\nFeatures\t: fp asimd evtstrm crc32 cpuid\n' }));
    expect(pi.summary).toMatch(/^no AES instructions .*: ChaCha20-Poly1305 offered first/);
    expect((await cpuAesCheck.run(context({ flags: { cipher: 'AES-GCM' }, readCpuInfo: () => 'Features : fp\n' }))).summary).toContain('cipher pinned to AES-GCM');
    const unreadable = await cpuAesCheck.run(
      context({
        readCpuInfo: () => {
          throw new Error('EACCES');
        },
      }),
    );
    expect(unreadable.status).toBe('warn');
  });

  it('fails a clock in the past and warns when NTP is not synchronised', async () => {
    expect(await clockCheck.run(context({ now: () => Date.UTC(1970, 0, 2) }))).toMatchObject({ status: 'fail', fix: expect.stringContaining('timedatectl set-ntp true') as unknown });
    expect(await clockCheck.run(context({ run: () => Promise.resolve({ code: 0, stdout: 'no\n', stderr: '' }) }))).toMatchObject({ status: 'warn', summary: '2026-11-24T12:00:00.000Z, not synchronised by NTP' });
    expect(await clockCheck.run(context())).toMatchObject({ status: 'ok', summary: '2026-11-24T12:00:00.000Z, synchronised by NTP' });
    expect((await clockCheck.run(context({ run: () => Promise.resolve({ code: null, stdout: '', stderr: '', error: new Error('ENOENT') }) }))).summary).toContain('NTP state unknown');
  });

  it('reports free disk space', async () => {
    const outcome = await diskCheck.run(context({ env: { HIVESAT_MODEL_DIR: dir } }));
    expect(outcome.summary).toMatch(new RegExp(`^[\\d.]+ (GiB|MiB) free in ${dir}$`));
    expect(outcome.details?.['free_bytes']).toEqual(expect.any(Number));
  });

  it('lists the local fallback engines', async () => {
    const outcome = await speechCheck.run(context({ env: { PATH: process.env['PATH'] } }));
    expect(outcome.summary).toMatch(/^speech out: .*; speech in: /);
    const none = await speechCheck.run(context({ env: { PATH: join(dir, 'empty-bin') } }));
    expect(none.status).toBe('warn');
    expect(none.fix).toContain('sudo apt-get install espeak-ng');
  });
});

describe('offline understanding', () => {
  it('warns when an LLM persona only gets the grammar recognizer, and is ok with a transcription endpoint', async () => {
    const personas = join(dir, 'personas');
    await mkdir(personas, { recursive: true });
    await writeFile(join(personas, 'llm.json'), JSON.stringify({ name: 'Llama', handlers: ['ovos-solver-openai-plugin'] }));
    const config = join(dir, 'offline-config.json');
    await writeFile(config, JSON.stringify({ persona: { name: 'Llama', dir: personas } }));
    const warn = await offlineUnderstandingCheck.run(context({ flags: { config } }));
    expect(warn).toMatchObject({ status: 'warn', fix: expect.stringContaining('"stt_url"') as unknown, summary: expect.stringContaining('only understands the built-in phrases') as unknown });
    await writeFile(config, JSON.stringify({ persona: { name: 'Llama', dir: personas }, speech: { stt_url: 'http://192.168.1.10:8000/v1' } }));
    expect(await offlineUnderstandingCheck.run(context({ flags: { config } }))).toMatchObject({ status: 'ok', summary: 'speech in: 192.168.1.10:8000 first, grammar recognizer as fallback' });
    await writeFile(config, JSON.stringify({ persona: { name: 'missing', dir: personas } }));
    expect(await offlineUnderstandingCheck.run(context({ flags: { config } }))).toMatchObject({ status: 'fail' });
  });
});

describe('running and formatting', () => {
  it('selects by id or group and pulls in what a check depends on', () => {
    expect(selectChecks({ only: ['hub'] }).map((c) => c.id)).toEqual(['config', 'hub-reachable', 'hub-handshake', 'hub-tts', 'hub-stream']);
    expect(selectChecks({ only: ['capture'] }).map((c) => c.id)).toEqual(['audio-devices', 'capture']);
    expect(selectChecks({ only: ['wake'] }).map((c) => c.id)).toEqual(['config', 'wake']);
    expect(selectChecks({ skip: ['audio', 'hub', 'models'] }).map((c) => c.id)).toEqual(['node', 'cpu-aes', 'clock', 'disk', 'memory-cgroup', 'config', 'wake', 'local-speech', 'offline-understanding']);
  });

  it('prints one line per check, what to do under problems, and a summary', async () => {
    const report = await runDoctor(selectChecks({ only: ['node', 'clock'] }), context({ now: () => Date.UTC(1999, 0, 1) }));
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({ ok: 1, warn: 0, fail: 1, skip: 0 });
    const text = formatReport(report);
    expect(text.split('\n')).toEqual([
      'hivesat doctor (1999-01-01T00:00:00.000Z)',
      '',
      expect.stringMatching(/^ok {4}Node\.js and platform {2}Node v/) as unknown as string,
      'FAIL  Clock                 the clock says 1999-01-01T00:00:00.000Z',
      '                            → set the time: enable NTP (sudo timedatectl set-ntp true) and check the network; TLS certificates and logs depend on it',
      '',
      '1 ok, 0 warnings, 1 failed, 0 skipped: something the satellite needs is broken',
    ]);
  });

  it('reports a check that throws as a failure and goes on', async () => {
    const boom = { id: 'boom', group: 'system' as const, title: 'Boom', run: () => Promise.reject(new Error('kaput')) };
    const report = await runDoctor([boom, nodeCheck], context());
    expect(report.results.map((r) => [r.id, r.status, r.summary.slice(0, 30)])).toEqual([
      ['boom', 'fail', 'the check itself failed: kaput'],
      ['node', 'ok', `Node v${process.versions.node} on ${process.platform} ${process.arch}`.slice(0, 30)],
    ]);
  });
});
