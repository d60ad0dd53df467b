/**
 * Audio faults (issue #8, part 3), with the real programs: arecord and aplay through ALSA's file plugin, the real
 * listener on the real models, the real ops layer of `hivesat run` (JSON logs, prom-client metrics over HTTP,
 * `/healthz`, hooks run as processes), and `hivesat run`/`hivesat listen` spawned for the corrupt-model case.
 *
 * - capture dies (SIGKILL), hangs (SIGSTOP) or is stuck (constant full-scale samples): reported (log, metric, `error`
 *   hook, health degraded), restarted with backoff, the restarted device delivers its input again;
 * - garbage: an odd-sized byte stream keeps its alignment; random bytes go through the real listener, which stays
 *   usable (it hears a real wake word and utterance afterwards);
 * - playback device vanishes mid-answer (aplay killed) or is not there (unknown PCM): the clip fails with a
 *   DeviceError, is reported, and the next clip opens the device again;
 * - a corrupt model at start: exit 1 and one line naming the file and the fix;
 * - end to end, in process: a Satellite on a supervised real arecord and a real aplay survives a capture death and a
 *   vanished speaker, and answers a turn after both recovered.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AplaySink,
  ArecordSource,
  CommandSink,
  CommandSource,
  type DeviceError,
  PlaybackQueue,
  type RetryInfo,
  type SpawnFn,
  StdinSource,
  StuckDetector,
  SupervisedSource,
} from '../../src/audio/index.js';
import { type RunOps, startRunOps } from '../../src/cli/run-ops.js';
import { Satellite, type TurnReport } from '../../src/satellite/index.js';
import { DEFAULT_ALLOWED_TYPES, startTestHub } from '../hub/index.js';
import { ACCESS_KEY, PASSWORD, answerWav, feedAll, hubLink, realListener, turnAudio } from '../satellite/helpers.js';
import { parseSatelliteConfig } from '../../src/config/satellite-config.js';
import { createListener, type Listener } from '../../src/listener/index.js';
import { readModel } from '../../src/models/index.js';
import { ManualTimers } from '../audio/manual-timers.js';
import { hasProgram } from '../fixtures/audio.js';
import { ensureModels } from '../vad/fixtures.js';
import {
  exited, firstSamplesAfterRestart, pcmBytes, processGone, ramp, recordingSpawn, waitForLines, writeAlsaConfig,
} from './audio-rig.js';
import { freePort, metricValue } from '../helpers/net.js';
import { nextSamples } from '../helpers/pcm.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MODELS = ['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5'] as const;
const models = await ensureModels(MODELS);
const alsa = (await hasProgram('arecord')) && (await hasProgram('aplay'));
const sox = await hasProgram('sox');

let dir: string;
/** What the "mic" says: 2 s of a ramp. */
const input = ramp(32_000);
/** Environment selecting `mic` (reads `input`), `stuckmic` (2 s of 32767), `noisemic` (/dev/urandom), `spk`. */
let env: NodeJS.ProcessEnv;
let spkFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hivesat-audio-faults-'));
  spkFile = join(dir, 'spk.raw');
  await writeFile(join(dir, 'mic.raw'), pcmBytes(input));
  await writeFile(join(dir, 'stuck.raw'), pcmBytes(new Int16Array(32_000).fill(32_767)));
  env = await writeAlsaConfig(join(dir, 'asound.conf'), [
    { name: 'mic', infile: join(dir, 'mic.raw') },
    { name: 'stuckmic', infile: join(dir, 'stuck.raw') },
    { name: 'noisemic', infile: '/dev/urandom' },
    { name: 'spk', outfile: spkFile },
  ]);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/**
 * The ops layer of `hivesat run` with an `error` hook that appends "event kind device" lines to `<name>-hooks.log`,
 * JSON logs, and optionally a systemd watchdog of `watchdogMs` (a stand-in `systemd-notify` on PATH appends what it is
 * told to `<name>-notify.log`).
 */
async function startOps(name: string, watchdogMs?: number): Promise<{ ops: RunOps; logs: Record<string, unknown>[]; hookFile: string; notifyFile: string; url: string }> {
  const hookFile = join(dir, `${name}-hooks.log`);
  const port = await freePort();
  const hook = ['/bin/sh', '-c', `echo "$HIVESAT_EVENT $HIVESAT_KIND $HIVESAT_DEVICE" >> '${hookFile}'`];
  const config = parseSatelliteConfig(JSON.stringify({ ops: { log: { format: 'json', level: 'info' }, health: { port }, hooks: { on: { error: [hook] } } } }), name);
  const logs: Record<string, unknown>[] = [];
  const childEnv = { ...process.env };
  delete childEnv['NOTIFY_SOCKET'];
  const notifyFile = join(dir, `${name}-notify.log`);
  if (watchdogMs !== undefined) {
    const bin = join(dir, `${name}-bin`);
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'systemd-notify'), `#!/bin/sh\necho "$*" >> '${notifyFile}'\n`, { mode: 0o755 });
    Object.assign(childEnv, { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, NOTIFY_SOCKET: join(dir, `${name}.sock`), WATCHDOG_USEC: String(watchdogMs * 1000) });
  }
  const ops = await startRunOps({ config, env: childEnv, stderr: { write: (text: string) => logs.push(...text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)) } });
  return { ops, logs, hookFile, notifyFile, url: ops.server?.url ?? '' };
}

async function healthz(url: string): Promise<{ status: string; capture: { ok: boolean; lastError: string | null } }> {
  return (await (await fetch(`${url}/healthz`)).json()) as { status: string; capture: { ok: boolean; lastError: string | null } };
}

async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** sox reading the "mic" file over and over as raw stereo s16le on stdout: a live capture command (as pw-record is). */
function soxMicArgv(): string[] {
  return ['sox', '-q', '-t', 'raw', '-r', '16000', '-e', 'signed', '-b', '16', '-c', '1', join(dir, 'mic.raw'), '-t', 'raw', '-c', '2', '-', 'repeat', '1000'];
}

/** A live capture under test: arecord on the file-plugin mic, and a custom capture command saying the same. */
interface CaptureCase {
  /** The program, as errors name it. */
  readonly program: string;
  /** The source's name, as stall errors give it. */
  readonly name: string;
  make(spawn: SpawnFn): ArecordSource;
}

/** `[label, case]` rows for `it.each`: arecord always, the custom command (audio.capture_command) when sox is here. */
function captures(): [string, CaptureCase][] {
  const rows: [string, CaptureCase][] = [['arecord', { program: 'arecord', name: 'arecord -D mic @16000 Hz ×1', make: (spawn) => new ArecordSource({ device: 'mic', env, spawn }) }]];
  if (sox) rows.push(['a capture command (sox)', { program: 'sox', name: 'sox (capture command) @16000 Hz ×2', make: (spawn) => new CommandSource({ argv: soxMicArgv(), rateHz: 16_000, channels: 2, spawn }) }]);
  return rows;
}

describe.skipIf(!alsa)('capture faults, real arecord (ALSA file plugin) and a custom capture command (real sox)', () => {
  it.each(captures())('%s dies (SIGKILL mid-stream): reported as log + metric + error hook + degraded health, restarted, delivers again', async (_label, capture) => {
    const { ops, logs, hookFile, url } = await startOps(`dies-${capture.program}`);
    const timers = new ManualTimers();
    const rec = recordingSpawn();
    const source = capture.make(rec.spawn);
    const supervised = new SupervisedSource(source, { timers, stallTimeoutMs: null, stuckTimeoutMs: null });
    try {
      ops.watchCapture(supervised);
      await ops.ready('test');
      ops.events.hubOnline({ hub: 'ws://hub.test' }); // health is `ok` only with a hub: isolate the capture's effect
      const first = nextSamples(supervised, 4_000);
      await supervised.start();
      expect(await first).toEqual(input.subarray(0, 4_000));
      expect((await healthz(url)).status).toBe('ok');

      const victim = rec.children[0] as ChildProcess;
      const failed = once(supervised, 'deviceError') as Promise<[DeviceError, RetryInfo]>;
      const resumed = firstSamplesAfterRestart(supervised, 8_000);
      victim.kill('SIGKILL');
      const [error, retry] = await failed;
      expect(error).toMatchObject({ code: 'AUDIO_ERR_DEVICE_EXIT', signal: 'SIGKILL', message: `${capture.program} was killed by SIGKILL` });
      expect(retry).toEqual({ attempt: 1, delayMs: 500 });
      expect(supervised.down).toBe(true);

      // While it is down: degraded health naming the failure, the metric, the hook, one error log line.
      expect(await healthz(url)).toMatchObject({ status: 'degraded', capture: { ok: false, lastError: `AUDIO_ERR_DEVICE_EXIT: ${capture.program} was killed by SIGKILL` } });
      const text = await metrics(url);
      expect(metricValue(text, 'hivesat_device_errors_total{device="capture",code="AUDIO_ERR_DEVICE_EXIT"}')).toBe(1);
      expect(metricValue(text, 'hivesat_errors_total{kind="AUDIO_ERR_DEVICE_EXIT"}')).toBe(1);
      expect(metricValue(text, 'hivesat_capture_up')).toBe(0);
      expect(await waitForLines(hookFile, (l) => l.length >= 1)).toEqual(['error AUDIO_ERR_DEVICE_EXIT capture']);
      expect(logs.filter((l) => l['level'] === 'error')).toEqual([
        expect.objectContaining({ msg: `capture device failed: ${capture.program} was killed by SIGKILL; retrying in 500 ms`, device: 'capture', code: 'AUDIO_ERR_DEVICE_EXIT', retry_ms: 500 }),
      ]);

      // Recovery: after the backoff a new process reads the "mic" from its start; health and the gauge come back.
      const recovered = once(supervised, 'recovered');
      timers.advance(500);
      expect(await recovered).toEqual([1]);
      expect(await resumed).toEqual(input.subarray(0, 8_000));
      expect(rec.children).toHaveLength(2);
      expect(processGone(victim.pid as number)).toBe(true);
      expect(await healthz(url)).toMatchObject({ status: 'ok', capture: { ok: true, lastError: `AUDIO_ERR_DEVICE_EXIT: ${capture.program} was killed by SIGKILL` } });
      expect(metricValue(await metrics(url), 'hivesat_capture_up')).toBe(1);
      expect(logs.find((l) => l['msg'] === 'capture device recovered')).toMatchObject({ failures: 1 });
    } finally {
      await supervised.stop();
      await ops.close();
    }
    expect(rec.children.every((c) => c.exitCode !== null || c.signalCode !== null)).toBe(true);
  });

  it('a capture outage longer than the systemd watchdog keeps the heartbeat going: the service is not restarted', async () => {
    const { ops, logs, notifyFile } = await startOps('outage', 1_000); // WatchdogSec=1 s: heartbeats every 250 ms
    const timers = new ManualTimers(); // the backoff never ends unless the test says so: an unplugged mic
    const rec = recordingSpawn();
    const supervised = new SupervisedSource(new ArecordSource({ device: 'mic', env, spawn: rec.spawn }), { timers, stallTimeoutMs: null, stuckTimeoutMs: null });
    supervised.on('chunk', () => ops.ping()); // as `hivesat run` feeds the satellite
    ops.watchCapture(supervised);
    try {
      await ops.ready('test');
      await supervised.start();
      await nextSamples(supervised, 1_000);
      const failed = once(supervised, 'deviceError');
      (rec.children[0] as ChildProcess).kill('SIGKILL');
      await failed;
      const beats = (lines: readonly string[]): number => lines.filter((l) => l === 'WATCHDOG=1').length;
      const before = beats(await waitForLines(notifyFile, (l) => beats(l) >= 1));
      // Eight more heartbeats (≈ 2 s, two watchdog periods) with no audio at all: without the keepalive they stop
      // after half a period and systemd would kill the service.
      await waitForLines(notifyFile, (l) => beats(l) >= before + 8, 15_000);
      expect(logs.filter((l) => String(l['msg']).startsWith('audio loop stalled'))).toEqual([]);
      expect(supervised.down).toBe(true);
    } finally {
      await supervised.stop();
      await ops.close();
    }
  });

  it.each(captures())('%s hangs (SIGSTOP): the stall watchdog kills the stopped process, reports AUDIO_ERR_DEVICE_STALLED, restarts it', async (_label, capture) => {
    const rec = recordingSpawn();
    const source = capture.make(rec.spawn);
    const supervised = new SupervisedSource(source, { stallTimeoutMs: 500, stuckTimeoutMs: null, initialDelayMs: 50 });
    const first = nextSamples(supervised, 4_000);
    await supervised.start();
    const hung = rec.children[0] as ChildProcess;
    try {
      expect(await first).toEqual(input.subarray(0, 4_000));
      const failed = once(supervised, 'deviceError') as Promise<[DeviceError, RetryInfo]>;
      const resumed = firstSamplesAfterRestart(supervised, 8_000);
      hung.kill('SIGSTOP'); // alive, holding the device, silent: the hang a wedged driver produces
      const [error, retry] = await failed;
      expect(error).toMatchObject({ code: 'AUDIO_ERR_DEVICE_STALLED', message: `${capture.name} delivered no audio for 500 ms` });
      expect(retry).toEqual({ attempt: 1, delayMs: 50 });
      // Killed (SIGKILL reaches a stopped process) and reaped before the failure was reported.
      expect(hung.signalCode).toBe('SIGKILL');
      expect(processGone(hung.pid as number)).toBe(true);
      expect(await resumed).toEqual(input.subarray(0, 8_000));
      expect(rec.children).toHaveLength(2);
    } finally {
      hung.kill('SIGCONT'); // if an assertion failed before the watchdog acted
      await supervised.stop();
    }
  });

  it('is stuck (constant full-scale samples): AUDIO_ERR_CAPTURE_STUCK after the limit, restarted with a growing backoff', async () => {
    const rec = recordingSpawn();
    const supervised = new SupervisedSource(new ArecordSource({ device: 'stuckmic', env, spawn: rec.spawn }), { stallTimeoutMs: null, stuckTimeoutMs: 250, initialDelayMs: 50 });
    const failures: [string, string, RetryInfo][] = [];
    const twice = new Promise<void>((done) =>
      supervised.on('deviceError', (error, retry) => {
        failures.push([error.code, error.message, retry]);
        if (failures.length === 2) done();
      }),
    );
    await supervised.start();
    try {
      await twice;
      const message = 'arecord -D stuckmic @16000 Hz ×1 delivered the constant sample value 32767 for 250 ms of audio or more: the device is stuck';
      // Stuck audio never counts as healthy audio: the second failure waits twice as long.
      expect(failures).toEqual([
        ['AUDIO_ERR_CAPTURE_STUCK', message, { attempt: 1, delayMs: 50 }],
        ['AUDIO_ERR_CAPTURE_STUCK', message, { attempt: 2, delayMs: 100 }],
      ]);
      expect(rec.children.slice(0, 2).map((c) => c.signalCode)).toEqual(['SIGKILL', 'SIGKILL']);
    } finally {
      await supervised.stop();
    }
  });
});

describe('stuck detection (what counts as stuck)', () => {
  it('flags a constant non-zero value and full-scale-only audio at the limit, never silence or noise', () => {
    const limit = 1_000;
    const detector = new StuckDetector(limit);
    expect(detector.push(new Int16Array(999).fill(-1234))).toBeUndefined();
    expect(detector.push(new Int16Array(1).fill(-1234))).toEqual({ kind: 'constant', value: -1234, samples: 1_000 });
    expect(detector.push(new Int16Array(500).fill(-1234))).toBeUndefined(); // reported once per run
    detector.reset();
    const rails = new Int16Array(1_000).map((_, i) => (i % 3 === 0 ? -32_768 : 32_767));
    expect(detector.push(rails)).toEqual({ kind: 'full-scale', samples: 1_000 });
    detector.reset();
    expect(detector.push(new Int16Array(100_000))).toBeUndefined(); // digital silence: a muted mic, not a stuck one
    expect(detector.push(ramp(100_000))).toBeUndefined();
  });
});

describe.skipIf(!models.ok || !alsa)('garbage on the capture path', () => {
  it('an odd-sized byte stream from a shell-free child keeps its alignment (the odd byte is carried)', async () => {
    const bytes = Buffer.from(pcmBytes(ramp(8_001)).subarray(0, 16_001)); // odd total: the last byte is half a sample
    await writeFile(join(dir, 'odd.raw'), bytes);
    // Odd-sized writes with a pause between them, so reads really split samples.
    const script = `const b=require('fs').readFileSync(process.argv[1]);let at=0,n=1;const next=()=>{if(at>=b.length)return;const k=Math.min(n,b.length-at);process.stdout.write(b.subarray(at,at+k),()=>setTimeout(next,1));at+=k;n=n%997+2;};next();`;
    const child = spawn(process.execPath, ['-e', script, join(dir, 'odd.raw')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const source = new StdinSource({ input: child.stdout });
    const got: Int16Array[] = [];
    const sizes: number[] = [];
    source.on('chunk', (s) => {
      got.push(s.slice());
      sizes.push(s.length);
    });
    const ended = once(source, 'end');
    await source.start();
    await ended;
    const all = new Int16Array(got.reduce((n, c) => n + c.length, 0));
    got.reduce((at, c) => (all.set(c, at), at + c.length), 0);
    expect(all).toEqual(ramp(8_000));
    expect(sizes.length).toBeGreaterThan(1);
  });

  it('random bytes (a shell-free child, and arecord reading /dev/urandom) never crash the real listener, which then still hears a turn', async () => {
    const listener = await createListener({ settings: { silenceEndMs: 700 } });
    const errors: unknown[] = [];
    listener.on('error', (e) => errors.push(e));
    const wakes: string[] = [];
    const utterances: number[] = [];
    listener.on('wake', (e) => wakes.push(e.keyword));
    listener.on('utterance', (u) => utterances.push(u.pcm.length));
    try {
      // 1. 2 s of random bytes in odd-sized pieces from a child process, through a StdinSource.
      const child = spawn(process.execPath, ['-e', `const c=require('crypto');let left=64001;const w=()=>{if(left<=0)return process.stdout.end();const k=Math.min(left,1+c.randomInt(4096));left-=k;process.stdout.write(c.randomBytes(k),w);};w();`], { stdio: ['ignore', 'pipe', 'inherit'] });
      const stdin = new StdinSource({ input: child.stdout });
      const garbage: Int16Array[] = [];
      stdin.on('chunk', (s) => garbage.push(s.slice()));
      const ended = once(stdin, 'end');
      await stdin.start();
      await ended;
      // 2. 3 s of /dev/urandom through the real arecord.
      const noisy = new ArecordSource({ device: 'noisemic', env });
      const noise = nextSamples(noisy, 48_000);
      await noisy.start();
      garbage.push(await noise);
      await noisy.stop();
      expect(garbage.reduce((n, c) => n + c.length, 0)).toBe(32_000 + 48_000);
      for (const chunk of garbage) {
        for (let i = 0; i < chunk.length; i += 1_280) {
          listener.feed(chunk.subarray(i, i + 1_280));
          await listener.drained();
        }
      }
      expect(errors).toEqual([]);
      // 3. Then a real spoken turn: the listener still wakes and ends the utterance.
      const wakesBefore = wakes.length;
      const utterancesBefore = utterances.length;
      const { audio } = turnAudio();
      for (let i = 0; i < audio.length; i += 1_280) {
        listener.feed(audio.subarray(i, i + 1_280));
        await listener.drained();
      }
      await listener.end();
      expect(wakes.slice(wakesBefore)).toContain('hey_jarvis');
      expect(utterances.length).toBeGreaterThan(utterancesBefore);
      expect(errors).toEqual([]);
    } finally {
      await listener.close();
    }
  });
});

/** Play `first` (a faulty answer), then `second`, on `queue`; resolves with how each ended once the queue is idle. */
async function twoClips(queue: PlaybackQueue<string>, first: AsyncGenerator<Int16Array>, second: Int16Array): Promise<{ ends: [string, string][]; errors: unknown[] }> {
  const errors: unknown[] = [];
  const ends: [string, string][] = [];
  queue.on('clip_error', (_clip, error) => errors.push(error));
  queue.on('clip_end', (clip, end) => ends.push([clip.meta, end.outcome]));
  const idle = once(queue, 'idle');
  queue.enqueue(first, 'answer');
  queue.enqueue(second, 'next answer');
  await idle;
  return { ends, errors };
}

/** A player under test: aplay on the file-plugin speaker, and a custom playback command (sox writing a raw file). */
interface PlayerCase {
  readonly program: string;
  /** The sink's name, as reports give it. */
  readonly name: string;
  /** Where the played audio ends up (known once the rig is set up). */
  out(): string;
  make(spawn: SpawnFn): AplaySink;
}

/** `[label, case]` rows for `it.each`: aplay always, the custom command (audio.playback_command) when sox is here. */
function players(): [string, PlayerCase][] {
  const rows: [string, PlayerCase][] = [['aplay', { program: 'aplay', name: 'aplay -D spk @16000 Hz ×1', out: () => spkFile, make: (spawn) => new AplaySink({ device: 'spk', env, spawn }) }]];
  const out = (): string => join(dir, 'command-spk.raw');
  const argv = (): string[] => ['sox', '-q', '-t', 'raw', '-r', '16000', '-e', 'signed', '-b', '16', '-c', '1', '-', '-t', 'raw', out()];
  if (sox) rows.push(['a playback command (sox)', { program: 'sox', name: 'sox (playback command) @16000 Hz ×1', out, make: (spawn) => new CommandSink({ argv: argv(), spawn }) }]);
  return rows;
}

describe.skipIf(!alsa)('playback faults, real aplay (ALSA file plugin) and a custom playback command (real sox)', () => {
  it.each(players())('%s vanishes mid-clip (killed): the clip fails with a DeviceError, is reported, and the next clip plays on a new process', async (_label, player) => {
    const { ops, logs, hookFile, url } = await startOps(`vanish-${player.program}`);
    const rec = recordingSpawn();
    const queue = new PlaybackQueue<string>(ops.wrapSink(player.make(rec.spawn)));
    try {
      // The first clip's second chunk is only asked for after its first was written: the device goes away in between.
      async function* answer(): AsyncGenerator<Int16Array> {
        yield ramp(16_000);
        const victim = rec.children[0] as ChildProcess;
        victim.kill('SIGKILL');
        await exited(victim);
        yield ramp(16_000);
      }
      const second = ramp(4_000).map((v) => -v);
      const { ends, errors } = await twoClips(queue, answer(), second);

      expect(ends).toEqual([['answer', 'failed'], ['next answer', 'completed']]);
      expect(errors).toEqual([expect.objectContaining({ name: 'DeviceError', code: 'AUDIO_ERR_DEVICE_EXIT', signal: 'SIGKILL', message: `${player.program} was killed by SIGKILL` })]);
      // Recovery: a second process played the next clip, every byte of it (the file plugin pads to a whole period).
      expect(rec.children).toHaveLength(2);
      const written = await readFile(player.out());
      expect(written.subarray(0, second.byteLength)).toEqual(pcmBytes(second));
      expect(written.subarray(second.byteLength).every((b) => b === 0)).toBe(true);

      // Reported: the metric, the error hook with the code, an error log line; the capture's health is untouched.
      const text = await metrics(url);
      expect(metricValue(text, 'hivesat_device_errors_total{device="playback",code="AUDIO_ERR_DEVICE_EXIT"}')).toBe(1);
      expect(await waitForLines(hookFile, (l) => l.length >= 1)).toEqual(['error AUDIO_ERR_DEVICE_EXIT playback']);
      expect(logs.filter((l) => l['level'] === 'error')).toEqual([
        expect.objectContaining({ msg: `playback device failed: ${player.name}: ${player.program} was killed by SIGKILL`, device: 'playback', code: 'AUDIO_ERR_DEVICE_EXIT' }),
      ]);
      expect((await healthz(url)).capture.ok).toBe(true);
    } finally {
      await queue.stop();
      await ops.close();
    }
  });

  it('the device hangs mid-clip (aplay stopped): the stall watchdog kills it, the clip fails, the next clip plays', async () => {
    const rec = recordingSpawn();
    const queue = new PlaybackQueue<string>(new AplaySink({ device: 'spk', env, spawn: rec.spawn, stallTimeoutMs: 300 }));
    async function* answer(): AsyncGenerator<Int16Array> {
      yield ramp(16_000);
      (rec.children[0] as ChildProcess).kill('SIGSTOP'); // it stops reading: the pipe fills, writes block
      for (let i = 0; i < 100; i++) yield ramp(16_000); // 100 s of audio: far more than the pipe holds
    }
    const next = ramp(2_000);
    try {
      const { ends, errors } = await twoClips(queue, answer(), next);
      expect(ends).toEqual([['answer', 'failed'], ['next answer', 'completed']]);
      expect(errors).toEqual([expect.objectContaining({ code: 'AUDIO_ERR_DEVICE_STALLED', message: 'aplay accepted no audio for 300 ms and was killed' })]);
      expect(rec.children[0]?.signalCode).toBe('SIGKILL');
      expect((await readFile(spkFile)).subarray(0, next.byteLength)).toEqual(pcmBytes(next));
    } finally {
      rec.children[0]?.kill('SIGKILL'); // if an assertion failed before the watchdog acted
      await queue.stop();
    }
  });

  it('the device is gone (unknown to ALSA) and comes back: the clip fails with aplay’s own words, the next one plays', async () => {
    const conf = join(dir, 'gone.conf');
    const out = join(dir, 'back.raw');
    const goneEnv = await writeAlsaConfig(conf, []); // no `usbspk`: the USB speaker is unplugged
    const queue = new PlaybackQueue<string>(new AplaySink({ device: 'usbspk', env: goneEnv }));
    const errors: unknown[] = [];
    const ends: string[] = [];
    queue.on('clip_error', (_clip, error) => errors.push(error));
    queue.on('clip_end', (_clip, end) => ends.push(end.outcome));
    let idle = once(queue, 'idle');
    queue.enqueue(ramp(1_600), 'first');
    await idle;
    expect(ends).toEqual(['failed']);
    expect(errors).toEqual([expect.objectContaining({ code: 'AUDIO_ERR_DEVICE_EXIT', exitCode: 1, message: 'aplay exited with code 1: aplay: main:831: audio open error: No such file or directory' })]);

    await writeAlsaConfig(conf, [{ name: 'usbspk', outfile: out }]); // plugged in again
    idle = once(queue, 'idle');
    queue.enqueue(ramp(1_600), 'second');
    await idle;
    expect(ends).toEqual(['failed', 'completed']);
    expect((await readFile(out)).subarray(0, 3_200)).toEqual(pcmBytes(ramp(1_600)));
  });
});

/** Runs the CLI as `hivesat` would be run; resolves with its exit code and output (killed after 60 s: a failure). */
function runCli(args: readonly string[], childEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!sox)('custom audio commands (audio.capture_command / playback_command), real sox', () => {
  it('a capture command that is not installed: AUDIO_ERR_DEVICE_SPAWN naming it, retried, never a crash', async () => {
    const timers = new ManualTimers();
    const supervised = new SupervisedSource(new CommandSource({ argv: [join(dir, 'no-such-recorder'), '-'], rateHz: 16_000, channels: 1 }), { timers, stallTimeoutMs: null, stuckTimeoutMs: null });
    try {
      const failed = once(supervised, 'deviceError') as Promise<[DeviceError, RetryInfo]>;
      await supervised.start();
      const [error, retry] = await failed;
      const program = join(dir, 'no-such-recorder');
      expect(error).toMatchObject({ name: 'DeviceError', code: 'AUDIO_ERR_DEVICE_SPAWN', message: `cannot start '${program}': spawn ${program} ENOENT` });
      expect(retry).toEqual({ attempt: 1, delayMs: 500 });
    } finally {
      await supervised.stop();
    }
  });

  it('an empty command is refused at construction with a typed error', () => {
    expect(() => new CommandSource({ argv: [] })).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT' }));
    expect(() => new CommandSink({ argv: [''] })).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT' }));
  });
});

describe.skipIf(!models.ok)('a corrupt model file at start', () => {
  /** A model directory holding good copies of every model hivesat run needs, with `name` damaged by `damage`. */
  async function modelDirWith(name: (typeof MODELS)[number], damage: (good: Buffer) => Buffer): Promise<{ dir: string; path: string; size: number }> {
    const target = await mkdtemp(join(dir, 'models-'));
    let path = '';
    let size = 0;
    for (const [model, kind] of [['oww_melspectrogram', 'wake-features'], ['oww_embedding', 'wake-features'], ['hey_jarvis', 'wake-head'], ['silero_vad_v5', 'vad']] as const) {
      const file = await readModel(model, kind);
      const copy = join(target, file.entry?.file ?? '');
      if (model === name) {
        await writeFile(copy, damage(Buffer.from(file.bytes)));
        path = copy;
        size = file.bytes.byteLength;
      } else await copyFile(file.path, copy);
    }
    return { dir: target, path, size };
  }

  function cliEnv(modelDir: string, home: string): NodeJS.ProcessEnv {
    const out: NodeJS.ProcessEnv = { ...process.env, HOME: home, HIVESAT_MODEL_DIR: modelDir, ALSA_CONFIG_PATH: env['ALSA_CONFIG_PATH'] ?? '' };
    for (const key of Object.keys(out)) if ((key.startsWith('HIVESAT_') && key !== 'HIVESAT_MODEL_DIR') || key === 'NOTIFY_SOCKET') delete out[key];
    return out;
  }

  const fix = (d: string): string => `run scripts/fetch-models --dir ${d} to fetch it again (it replaces a file whose sha256 differs from models/manifest.json)`;

  it('a truncated wake-word model: `hivesat run` exits 78 (cannot start) with one line naming the file and the fix, no stack', async () => {
    const m = await modelDirWith('hey_jarvis', (good) => good.subarray(0, 4_096));
    const home = await mkdtemp(join(dir, 'home-'));
    await writeFile(join(home, 'config.json'), JSON.stringify({ audio: { capture_device: 'mic', playback_device: 'spk' } }));
    const result = await runCli(['run', '--config', join(home, 'config.json')], cliEnv(m.dir, home));
    expect(result).toEqual({
      code: 78, // the configuration cannot start: systemd does not restart it (RestartPreventExitStatus=78)
      stdout: '',
      stderr: `hivesat run: cannot start: model file ${m.path} (hey_jarvis) is corrupt: expected ${m.size} bytes, got 4096; ${fix(m.dir)} (MODEL_ERR_CORRUPT); fix: fetch it again as the message says (scripts/fetch-models checks sha256)\n`,
    });
  });

  it('a VAD model with one flipped byte: `hivesat listen` exits 1 with one line naming the file, the sha256 and the fix', async () => {
    const m = await modelDirWith('silero_vad_v5', (good) => {
      const bad = Buffer.from(good);
      bad[1_000] = (bad[1_000] as number) ^ 0xff;
      return bad;
    });
    const home = await mkdtemp(join(dir, 'home-'));
    await mkdir(home, { recursive: true });
    const result = await runCli(['listen', '--device', 'mic'], cliEnv(m.dir, home));
    const entry = (await readModel('silero_vad_v5', 'vad')).entry;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`^hivesat listen: model file ${m.path.replace(/[.]/g, '\\.')} \\(silero_vad_v5\\) is corrupt: expected sha256 ${entry?.sha256 ?? ''}, got [0-9a-f]{64}; run scripts/fetch-models --dir ${m.dir.replace(/[.]/g, '\\.')} to fetch it again \\(it replaces a file whose sha256 differs from models/manifest\\.json\\) \\(MODEL_ERR_CORRUPT\\)\\n$`),
    );
  });
});

describe.skipIf(!models.ok || !alsa)('end to end, in process: a satellite survives a capture death and a vanished speaker', () => {
  it('reports both (hooks, metrics, health, the turn report), keeps listening, and answers a turn once both recovered', async () => {
    // In process rather than a spawned `hivesat run`: the file-plugin mic is unpaced, so the test hands the satellite
    // exactly the first samples each (re)started arecord delivers (the spoken turn), as a paced mic would deliver them.
    const fixture = turnAudio().audio;
    const conf = join(dir, 'e2e.conf');
    const out = join(dir, 'e2e-spk.raw');
    await writeFile(join(dir, 'turn.raw'), pcmBytes(fixture));
    const mic = { name: 'turnmic', infile: join(dir, 'turn.raw') };
    const e2eEnv = await writeAlsaConfig(conf, [mic]); // no speaker yet: it is unplugged
    const hub = await startTestHub({
      clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
      audio: { synth: answerWav, transcribe: () => 'what time is it' },
    });
    const { ops, logs, hookFile, url } = await startOps('e2e');
    const link = hubLink(hub);
    const listener: Listener = await realListener();
    const sink = ops.wrapSink(new AplaySink({ device: 'usbspk', env: e2eEnv }));
    const satellite = new Satellite({ mode: 'audio', link, sink, listener, lang: 'en-US', siteId: 'kitchen', synthTimeoutMs: 500, answerTimeoutMs: 10_000, logger: ops.logger });
    ops.attach({ listener, satellite, link, hubUrl: hub.url });
    const timers = new ManualTimers();
    const rec = recordingSpawn();
    const capture = new SupervisedSource(new ArecordSource({ device: 'turnmic', env: e2eEnv, spawn: rec.spawn }), { timers, stallTimeoutMs: null, stuckTimeoutMs: null });
    ops.watchCapture(capture);
    const nextTurn = (): Promise<TurnReport> => new Promise((done) => satellite.once('turn', done));
    /** Kill the running arecord, let the backoff pass, and return the first audio of the restarted one. */
    const killAndRecover = async (): Promise<Int16Array> => {
      const failed = once(capture, 'deviceError') as Promise<[DeviceError, RetryInfo]>;
      const resumed = firstSamplesAfterRestart(capture, fixture.length);
      (rec.children.at(-1) as ChildProcess).kill('SIGKILL');
      const [error, retry] = await failed;
      expect(error.code).toBe('AUDIO_ERR_DEVICE_EXIT');
      timers.advance(retry.delayMs);
      const audio = await resumed;
      (rec.children.at(-1) as ChildProcess).kill('SIGSTOP'); // the unpaced file mic would flood the CPU: park it
      return audio;
    };
    try {
      await link.connect();
      await ops.ready('test');
      await capture.start();
      await nextSamples(capture, 1_000);

      // 1. The mic dies; once it is back, the user speaks. The speaker is still unplugged: the answer cannot be heard.
      const heard1 = await killAndRecover();
      expect(heard1).toEqual(fixture);
      const turn1 = nextTurn();
      await feedAll(satellite, listener, heard1);
      // The hub answered; nobody could hear it, and the report says why (the satellite may also have tried its local
      // path, which needs the same speaker).
      expect(await turn1).toMatchObject({
        outcome: 'failed', answers: ['you said what time is it'],
        playbackError: 'AUDIO_ERR_DEVICE_EXIT: aplay exited with code 1: aplay: main:831: audio open error: No such file or directory',
      });

      // 2. The speaker is plugged in again, the mic dies once more and comes back; the next turn is answered and heard.
      await writeAlsaConfig(conf, [mic, { name: 'usbspk', outfile: out }]);
      const heard2 = await killAndRecover();
      const turn2 = nextTurn();
      await feedAll(satellite, listener, heard2);
      const report2 = await turn2;
      expect(report2).toMatchObject({ route: 'hub', outcome: 'answered', answers: ['you said what time is it'] });
      expect(report2.playbackError).toBeUndefined();
      const played = await readFile(out);
      expect(played.length).toBeGreaterThan(16_000 * 2); // more than a second of answer reached the speaker

      // What the operator saw: both capture deaths and every failed clip (the answer, and whatever else the satellite
      // tried on the missing speaker) as error logs, metrics and hooks, the three agreeing; health is ok again.
      const playbackFailures = logs.filter((l) => l['level'] === 'error' && l['device'] === 'playback').length;
      expect(playbackFailures).toBeGreaterThanOrEqual(1);
      const hooks = await waitForLines(hookFile, (l) => l.length >= 2 + playbackFailures);
      expect([...hooks].sort()).toEqual([
        'error AUDIO_ERR_DEVICE_EXIT capture', 'error AUDIO_ERR_DEVICE_EXIT capture', ...Array<string>(playbackFailures).fill('error AUDIO_ERR_DEVICE_EXIT playback'),
      ]);
      const text = await metrics(url);
      expect(metricValue(text, 'hivesat_device_errors_total{device="capture",code="AUDIO_ERR_DEVICE_EXIT"}')).toBe(2);
      expect(metricValue(text, 'hivesat_device_errors_total{device="playback",code="AUDIO_ERR_DEVICE_EXIT"}')).toBe(playbackFailures);
      const turns = (outcome: string): number => (metricValue(text, `hivesat_turns_total{route="hub",outcome="${outcome}"}`) ?? 0) + (metricValue(text, `hivesat_turns_total{route="local",outcome="${outcome}"}`) ?? 0);
      expect([turns('failed'), turns('answered')]).toEqual([1, 1]);
      expect(await healthz(url)).toMatchObject({ status: 'ok', capture: { ok: true } });
    } finally {
      for (const child of rec.children) child.kill('SIGKILL');
      await capture.stop();
      await satellite.close();
      await listener.close();
      await link.close();
      await hub.stop();
      await ops.close();
    }
  });
});
