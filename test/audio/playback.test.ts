/**
 * Playback sinks against real programs: aplay writing through ALSA's file plugin (`filespk` stores exactly the bytes
 * aplay sends to the "device", padded with silence to a whole period), and WAV files checked with sox.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AplaySink,
  NullSink,
  OutputConverter,
  type PcmInput,
  WavFileSink,
  applyGain,
  parseWav,
  readWavFile,
  resample,
} from '../../src/audio/index.js';
import { alsaFileConfig, concat, espeak, makeTempDir, readRaw, run, sine, soxConvert } from '../fixtures/audio.js';

let dir: string;
let cleanup: () => Promise<void>;
let speech: Int16Array;
let env: NodeJS.ProcessEnv;
let outRaw: string;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  const wav = await espeak('the time is ten past four', join(dir, 'speech.wav'));
  await soxConvert(wav, join(dir, 'speech16k.raw'), ['-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer']);
  speech = await readRaw(join(dir, 'speech16k.raw'));
  outRaw = join(dir, 'out.raw');
  env = await alsaFileConfig(dir, '/dev/null', outRaw);
});
afterAll(async () => cleanup());

/** What the "speaker" received: the played samples followed only by the plugin's silence padding. */
async function speakerGot(expected: Int16Array): Promise<void> {
  const got = await readRaw(outRaw);
  expect(got.length).toBeGreaterThanOrEqual(expected.length);
  expect(got.subarray(0, expected.length)).toEqual(expected);
  expect(got.subarray(expected.length).every((v) => v === 0)).toBe(true);
}

/** `firstCount` chunks, then a stall that never ends (a TTS engine that hangs). */
function endless(chunk: Int16Array, firstCount: number): { audio: PcmInput; yielded: () => number } {
  let yielded = 0;
  async function* gen(): AsyncGenerator<Int16Array> {
    for (; yielded < firstCount; ) {
      yielded++;
      yield chunk;
    }
    await new Promise(() => {});
  }
  return { audio: gen(), yielded: () => yielded };
}

describe('AplaySink (real aplay, ALSA file plugin)', () => {
  beforeEach(async () => {
    await run('rm', ['-f', outRaw]);
  });

  it('plays exactly the given samples', async () => {
    const sink = new AplaySink({ device: 'filespk', env });
    await expect(sink.play(speech)).resolves.toEqual({ outcome: 'completed', samplesPlayed: speech.length });
    await speakerGot(speech);
  });

  it('plays a stream of chunks of any size', async () => {
    const sink = new AplaySink({ device: 'filespk', env });
    async function* chunks(): AsyncGenerator<Int16Array> {
      for (let at = 0; at < speech.length; at += 3001) yield speech.subarray(at, at + 3001);
    }
    await expect(sink.play(chunks())).resolves.toEqual({ outcome: 'completed', samplesPlayed: speech.length });
    await speakerGot(speech);
  });

  it('converts to a 48 kHz stereo device at the edge', async () => {
    const sink = new AplaySink({ device: 'filespk', env, rateHz: 48000, channels: 2 });
    expect(sink.name).toBe('aplay -D filespk @48000 Hz ×2');
    await sink.play(speech);
    const up = resample(speech, 16000, 48000);
    const stereo = new Int16Array(up.length * 2);
    for (let i = 0; i < up.length; i++) stereo[2 * i] = stereo[2 * i + 1] = up[i] as number;
    await speakerGot(stereo);
  });

  it('applies the gain at the edge, clipping at full scale', async () => {
    const sink = new AplaySink({ device: 'filespk', env, gain: 0.5 });
    const loud = new Int16Array([1000, -1000, 3, -3, 30000, -30000]);
    await sink.play(loud);
    await speakerGot(new Int16Array([500, -500, 2, -1, 15000, -15000])); // halves round up
    sink.gain = 2;
    await sink.play(loud);
    await speakerGot(new Int16Array([2000, -2000, 6, -6, 32767, -32768]));
    expect(() => {
      sink.gain = 5;
    }).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT', message: 'gain: expected a number in 0–4, got 5' }) as Error);
  });

  it('stop() interrupts a clip whose stream has stalled, without waiting for the stream', async () => {
    const sink = new AplaySink({ device: 'filespk', env });
    const chunk = sine(16000, 440, 1600, 8000);
    const stream = endless(chunk, 3);
    const playing = sink.play(stream.audio);
    await until(() => stream.yielded() === 3);
    await sink.stop(); // resolves once aplay has exited
    await expect(playing).resolves.toEqual({ outcome: 'stopped', samplesPlayed: 3 * 1600 });
    // What reached the speaker (if the plugin opened its file before the kill) is a prefix of what was played.
    const got = await readRaw(outRaw).catch(() => new Int16Array(0));
    const played = concat([chunk, chunk, chunk]);
    const n = Math.min(got.length, played.length);
    expect(got.subarray(0, n)).toEqual(played.subarray(0, n));
  });

  it('stop() interrupts an endless stream mid-write and closes it (its finally runs)', async () => {
    const sink = new AplaySink({ device: 'filespk', env });
    let closed = false;
    let yielded = 0;
    async function* forever(): AsyncGenerator<Int16Array> {
      try {
        for (;;) {
          yielded++;
          yield sine(16000, 440, 4000);
        }
      } finally {
        closed = true;
      }
    }
    const playing = sink.play(forever());
    await until(() => yielded >= 5);
    await sink.stop();
    const result = await playing;
    expect(result.outcome).toBe('stopped');
    expect(result.samplesPlayed).toBeGreaterThanOrEqual(4 * 4000);
    await until(() => closed);
  });

  it('an aborted signal interrupts only that clip', async () => {
    const sink = new AplaySink({ device: 'filespk', env });
    const stream = endless(sine(16000, 440, 800), 1);
    const controller = new AbortController();
    const first = sink.play(stream.audio, { signal: controller.signal });
    const second = sink.play(speech);
    await until(() => stream.yielded() === 1);
    controller.abort();
    await expect(first).resolves.toMatchObject({ outcome: 'aborted' });
    await expect(second).resolves.toEqual({ outcome: 'completed', samplesPlayed: speech.length });
    await speakerGot(speech);
  });

  it('queues clips in call order, and stop() cancels the queue', async () => {
    const sink = new AplaySink({ device: 'filespk', env });
    const stream = endless(sine(16000, 440, 800), 1);
    const first = sink.play(stream.audio);
    const second = sink.play(speech);
    const third = sink.play(speech);
    await until(() => stream.yielded() === 1);
    await sink.stop();
    expect((await first).outcome).toBe('stopped');
    expect(await second).toEqual({ outcome: 'stopped', samplesPlayed: 0 });
    expect(await third).toEqual({ outcome: 'stopped', samplesPlayed: 0 });
    // The sink still works after a stop.
    await expect(sink.play(speech)).resolves.toMatchObject({ outcome: 'completed' });
  });

  it('rejects with aplay’s own words when the device cannot be opened', async () => {
    const sink = new AplaySink({ device: 'nosuchdevice', env });
    const failure = sink.play(speech);
    await expect(failure).rejects.toMatchObject({ name: 'DeviceError', code: 'AUDIO_ERR_DEVICE_EXIT', exitCode: 1 });
    await expect(failure).rejects.toThrow(/^aplay exited with code 1: aplay: .*audio open error/);
  });

  it('rejects when aplay cannot be started', async () => {
    const sink = new AplaySink({ command: '/nonexistent/aplay' });
    await expect(sink.play(speech)).rejects.toMatchObject({
      code: 'AUDIO_ERR_DEVICE_SPAWN',
      message: "cannot start '/nonexistent/aplay': spawn /nonexistent/aplay ENOENT",
    });
  });

  it('refuses to play after close()', async () => {
    const sink = new AplaySink({ device: 'filespk', env });
    await sink.close();
    await expect(sink.play(speech)).rejects.toMatchObject({ code: 'AUDIO_ERR_STATE', message: 'play: aplay -D filespk @16000 Hz ×1 is closed' });
  });
});

describe('WavFileSink', () => {
  it('appends every clip to one WAV file that sox and our reader both read back', async () => {
    const path = join(dir, 'answers.wav');
    const sink = new WavFileSink({ path });
    const beep = sine(16000, 880, 1600, 6000);
    await sink.play(speech);
    await sink.play([beep, beep]);
    // Valid between clips already (header finalised after each clip).
    expect(await readWavFile(path)).toEqual(concat([speech, beep, beep]));
    await sink.play(speech.subarray(0, 1001));
    await sink.close();
    const expected = concat([speech, beep, beep, speech.subarray(0, 1001)]);
    expect(await readWavFile(path)).toEqual(expected);
    expect(parseWav(new Uint8Array(await readFile(path)))).toMatchObject({ streamed: false, frames: expected.length });
    expect((await run('soxi', ['-s', path])).trim()).toBe(String(expected.length));
    await run('sox', [path, '-t', 'raw', join(dir, 'answers.raw')]);
    expect(await readRaw(join(dir, 'answers.raw'))).toEqual(expected);
  });

  it('reports a file it cannot create as a DeviceError', async () => {
    const sink = new WavFileSink({ path: join(dir, 'no', 'such', 'dir.wav') });
    await expect(sink.play(speech)).rejects.toMatchObject({ name: 'DeviceError', code: 'AUDIO_ERR_DEVICE_IO' });
    await expect(sink.play(speech)).rejects.toThrow(/^cannot create .*dir\.wav: ENOENT/);
  });

  it('writes a valid empty WAV when nothing was played', async () => {
    const path = join(dir, 'empty.wav');
    await new WavFileSink({ path }).close();
    expect((await stat(path)).size).toBe(44);
    expect(await readWavFile(path)).toEqual(new Int16Array(0));
  });

  it('stores what was cut short by stop(), and stays readable', async () => {
    const path = join(dir, 'cut.wav');
    const sink = new WavFileSink({ path });
    const chunk = sine(16000, 440, 1600);
    const stream = endless(chunk, 2);
    const playing = sink.play(stream.audio);
    await until(() => stream.yielded() === 2);
    await sink.stop();
    expect((await playing).outcome).toBe('stopped');
    await sink.close();
    expect(await readWavFile(path)).toEqual(concat([chunk, chunk]));
  });
});

describe('NullSink and the output edge', () => {
  it('swallows clips and counts them', async () => {
    const sink = new NullSink();
    await sink.play(speech);
    await sink.play([new Int16Array(10), new Int16Array(5)]);
    expect(sink.samplesDiscarded).toBe(speech.length + 15);
  });

  it('converts in bounded pieces without growing (gain → resample → upmix)', () => {
    const conv = new OutputConverter(44100, 2);
    const out: Int16Array[] = [];
    for (let at = 0; at < speech.length; at += 4096) out.push(conv.convert(speech.subarray(at, at + 4096), 1).slice());
    out.push(conv.flush().slice());
    const mono = resample(speech, 16000, 44100);
    const got = concat(out);
    expect(got.length).toBe(mono.length * 2);
    for (let i = 0; i < mono.length; i += 37) expect([got[2 * i], got[2 * i + 1]]).toEqual([mono[i], mono[i]]);
  });

  it('applyGain rounds and clips', () => {
    const out = new Int16Array(4);
    expect(Array.from(applyGain(new Int16Array([100, -100, 20000, -20000]), 1.75, out))).toEqual([175, -175, 32767, -32768]);
    expect(Array.from(applyGain(new Int16Array([100, -100]), 0, out))).toEqual([0, 0]);
  });
});

/** Waits (on the event loop, no timers) until a condition holds — at most 2,000 turns. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}
