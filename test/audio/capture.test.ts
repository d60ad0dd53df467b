/**
 * Capture sources against real programs: arecord through ALSA's file plugin (it plays a raw file as the "mic"; it is
 * not paced in real time, and past the end of the file it returns garbage, so tests read exactly the file's length),
 * sox into a pipe for stdin, and WAV files made by espeak-ng.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArecordSource,
  type AudioSource,
  type DeviceError,
  type RetryInfo,
  StdinSource,
  SupervisedSource,
  WavFileSource,
  readWavFile,
  resample,
} from '../../src/audio/index.js';
import { alsaFileConfig, concat, espeak, makeTempDir, readRaw, soxConvert } from '../fixtures/audio.js';
import { nextSamples } from '../helpers/pcm.js';
import { ManualTimers } from './manual-timers.js';

let dir: string;
let cleanup: () => Promise<void>;
let speechWav: string;
/** Speech, 16 kHz mono s16 — the mic input of `env16`. */
let in16: Int16Array;
/** The same speech at 48 kHz stereo — the mic input of `env48`. */
let in48: Int16Array;
let env16: NodeJS.ProcessEnv;
let env48: NodeJS.ProcessEnv;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  speechWav = await espeak('hey jarvis', join(dir, 'speech.wav'));
  await soxConvert(speechWav, join(dir, 'in16.raw'), ['-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer']);
  await soxConvert(speechWav, join(dir, 'in48.raw'), ['-t', 'raw', '-r', '48000', '-c', '2', '-b', '16', '-e', 'signed-integer']);
  in16 = await readRaw(join(dir, 'in16.raw'));
  in48 = await readRaw(join(dir, 'in48.raw'));
  env16 = await alsaFileConfig(dir, join(dir, 'in16.raw'), join(dir, 'out.raw'), 'asound16.conf');
  env48 = await alsaFileConfig(dir, join(dir, 'in48.raw'), join(dir, 'out.raw'), 'asound48.conf');
});
afterAll(async () => cleanup());


function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe('ArecordSource (real arecord, ALSA file plugin)', () => {
  it('captures exactly the samples of the input at 16 kHz mono', async () => {
    const source = new ArecordSource({ device: 'filemic', env: env16 });
    const got = nextSamples(source, in16.length);
    await source.start();
    expect(source.state).toBe('running');
    expect(await got).toEqual(in16);
    const pid = source.pid as number;
    await source.stop();
    expect(source.state).toBe('stopped');
    expect(processGone(pid)).toBe(true);
  });

  it('converts a 48 kHz stereo device at the edge', async () => {
    const source = new ArecordSource({ device: 'filemic', env: env48, rateHz: 48000, channels: 2 });
    expect(source.name).toBe('arecord -D filemic @48000 Hz ×2');
    const expected = resample(in48, 48000, 16000, 2);
    // Past the end of the file the plugin returns garbage; the last ~41 outputs already see it through the filter.
    const n = expected.length - 64;
    const got = nextSamples(source, n);
    await source.start();
    expect(await got).toEqual(expected.subarray(0, n));
    await source.stop();
  });

  it('reports a device that cannot be opened, with arecord’s own words', async () => {
    const source = new ArecordSource({ device: 'nosuchdevice', env: env16 });
    const failed = once(source, 'error') as Promise<[DeviceError]>;
    await source.start();
    const [error] = await failed;
    expect(error).toMatchObject({ name: 'DeviceError', code: 'AUDIO_ERR_DEVICE_EXIT', exitCode: 1, signal: null });
    expect(error.message).toMatch(/^arecord exited with code 1: arecord: .*audio open error/);
    expect(source.state).toBe('stopped');
  });

  it('reports a program that cannot be started', async () => {
    const source = new ArecordSource({ command: '/nonexistent/arecord' });
    await expect(source.start()).rejects.toMatchObject({
      name: 'DeviceError',
      code: 'AUDIO_ERR_DEVICE_SPAWN',
      message: "cannot start '/nonexistent/arecord': spawn /nonexistent/arecord ENOENT",
    });
    expect(source.state).toBe('stopped');
  });

  it('emits a DeviceError when arecord is killed mid-stream', async () => {
    const source = new ArecordSource({ device: 'filemic', env: env16 });
    await source.start();
    await nextSamples(source, 100);
    const failed = once(source, 'error') as Promise<[DeviceError]>;
    process.kill(source.pid as number, 'SIGKILL');
    const [error] = await failed;
    expect(error).toMatchObject({ code: 'AUDIO_ERR_DEVICE_EXIT', signal: 'SIGKILL', message: 'arecord was killed by SIGKILL' });
    expect(source.state).toBe('stopped');
    await expect(source.stop()).resolves.toBeUndefined();
  });

  it('can be stopped while it is still starting, and started again', async () => {
    const source = new ArecordSource({ device: 'filemic', env: env16 });
    const starting = source.start();
    expect(source.state).toBe('starting');
    await source.stop();
    await starting;
    expect(source.state).toBe('stopped');
    const got = nextSamples(source, 500);
    await source.start();
    expect(await got).toEqual(in16.subarray(0, 500));
    await source.stop();
  });

  it('stop() during a start that fails to spawn does not hang', async () => {
    const source = new ArecordSource({ command: '/nonexistent/arecord' });
    const starting = source.start().catch((e: unknown) => e);
    await source.stop();
    expect(await starting).toMatchObject({ code: 'AUDIO_ERR_DEVICE_SPAWN' });
    expect(source.state).toBe('stopped');
  });

  it('rejects start() while running', async () => {
    const source = new ArecordSource({ device: 'filemic', env: env16 });
    await source.start();
    await expect(source.start()).rejects.toMatchObject({ code: 'AUDIO_ERR_STATE', message: "start: expected state 'stopped', got 'running'" });
    await source.stop();
  });
});

describe('SupervisedSource around a real arecord', () => {
  it('restarts a killed capture process after the backoff and resumes delivering audio', async () => {
    const timers = new ManualTimers();
    const source = new ArecordSource({ device: 'filemic', env: env16 });
    const supervised = new SupervisedSource(source, { timers, stallTimeoutMs: null });
    await supervised.start();
    expect(supervised.state).toBe('running');
    await nextSamples(supervised, 1000);
    const firstPid = source.pid as number;

    const failure = once(supervised, 'deviceError') as Promise<[DeviceError, RetryInfo]>;
    process.kill(firstPid, 'SIGKILL');
    const [error, retry] = await failure;
    expect(error.code).toBe('AUDIO_ERR_DEVICE_EXIT');
    expect(retry).toEqual({ attempt: 1, delayMs: 500 });
    expect(supervised.state).toBe('backoff');

    timers.advance(499);
    expect(supervised.state).toBe('backoff');
    const recovered = once(supervised, 'recovered');
    const restarted = once(supervised, 'restart');
    // The new process reads the "mic" file from its start again: the first samples after recovery are the input's.
    const resumed = nextSamples(supervised, 2000);
    timers.advance(1);
    expect(await restarted).toEqual([1]);
    expect(await recovered).toEqual([1]);
    expect(await resumed).toEqual(in16.subarray(0, 2000));
    expect(source.pid).not.toBe(firstPid);
    expect(processGone(firstPid)).toBe(true);

    const secondPid = source.pid as number;
    await supervised.stop();
    expect(supervised.state).toBe('stopped');
    expect(processGone(secondPid)).toBe(true);
    expect(timers.pendingCount).toBe(0);
  });

  it('keeps retrying when the program is missing at boot, without rejecting start()', async () => {
    const timers = new ManualTimers();
    const supervised = new SupervisedSource(new ArecordSource({ command: '/nonexistent/arecord' }), { timers });
    const errors: [string, RetryInfo][] = [];
    supervised.on('deviceError', (e, r) => errors.push([e.code, r]));
    await supervised.start();
    expect(supervised.state).toBe('backoff');
    for (const step of [500, 1000, 2000]) {
      const next = once(supervised, 'deviceError');
      timers.advance(step);
      await next;
    }
    expect(errors).toEqual([
      ['AUDIO_ERR_DEVICE_SPAWN', { attempt: 1, delayMs: 500 }],
      ['AUDIO_ERR_DEVICE_SPAWN', { attempt: 2, delayMs: 1000 }],
      ['AUDIO_ERR_DEVICE_SPAWN', { attempt: 3, delayMs: 2000 }],
      ['AUDIO_ERR_DEVICE_SPAWN', { attempt: 4, delayMs: 4000 }],
    ]);
    await supervised.stop();
    expect(timers.pendingCount).toBe(0);
  });
});

describe('StdinSource', () => {
  it('reads raw PCM from a real pipe (sox → stdout) until it ends', async () => {
    const sox = spawn('sox', ['-D', speechWav, '-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const source = new StdinSource({ input: sox.stdout });
    const chunks: Int16Array[] = [];
    source.on('chunk', (c) => chunks.push(c.slice()));
    const ended = once(source, 'end');
    await source.start();
    await ended;
    expect(concat(chunks)).toEqual(in16);
    expect(source.state).toBe('stopped');
  });

  it('reassembles odd-sized writes and converts 48 kHz stereo', async () => {
    const input = new PassThrough();
    const source = new StdinSource({ input, rateHz: 48000, channels: 2 });
    const chunks: Int16Array[] = [];
    source.on('chunk', (c) => chunks.push(c.slice()));
    await source.start();
    const bytes = new Uint8Array(in48.buffer, in48.byteOffset, in48.byteLength);
    for (let at = 0; at < bytes.length; at += 777) input.write(bytes.subarray(at, at + 777));
    input.end();
    await once(source, 'end');
    const got = concat(chunks);
    expect(got).toEqual(resample(in48, 48000, 16000, 2).subarray(0, got.length));
  });

  it('reports a stream error as a DeviceError', async () => {
    const input = new PassThrough();
    const source = new StdinSource({ input });
    await source.start();
    const failed = once(source, 'error') as Promise<[DeviceError]>;
    input.destroy(new Error('EIO: i/o error, read'));
    const [error] = await failed;
    expect(error).toMatchObject({ code: 'AUDIO_ERR_DEVICE_IO', message: 'reading stdin @16000 Hz ×1 failed: EIO: i/o error, read' });
  });
});

describe('WavFileSource', () => {
  it('emits the whole file as fast as possible, in 80 ms chunks, then ends', async () => {
    const source = new WavFileSource({ path: speechWav, pacing: 'fast' });
    const chunks: Int16Array[] = [];
    source.on('chunk', (c) => chunks.push(c.slice()));
    const ended = once(source, 'end');
    await source.start();
    await ended;
    const expected = await readWavFile(speechWav);
    expect(concat(chunks)).toEqual(expected);
    expect(chunks.slice(0, -1).every((c) => c.length === 1280)).toBe(true);
    expect(source.state).toBe('stopped');
  });

  it('paces chunks in real time on the injected clock', async () => {
    const timers = new ManualTimers();
    const source = new WavFileSource({ path: speechWav, timers, chunkSamples: 1600 }); // 100 ms chunks
    let count = 0;
    source.on('chunk', () => count++);
    await source.start();
    expect(count).toBe(0);
    timers.advance(99);
    expect(count).toBe(0);
    timers.advance(1);
    expect(count).toBe(1);
    timers.advance(250);
    expect(count).toBe(3);
    await source.stop();
    timers.advance(10_000);
    expect(count).toBe(3);
    expect(timers.pendingCount).toBe(0);
  });

  it('fails start() with the WAV error for a bad file', async () => {
    const source = new WavFileSource({ path: join(dir, 'in16.raw') });
    await expect(source.start()).rejects.toMatchObject({ name: 'WavError', code: 'AUDIO_ERR_WAV_MALFORMED' });
    expect(source.state).toBe('stopped');
  });
});
