/**
 * WavStreamDecoder and openAudioInput: the streamed reading gives exactly the samples the whole-file reader gives,
 * however the bytes are split; sizes a pipe writer cannot fix are read to the end; stdin takes a WAV or raw PCM;
 * every error names the input.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WavStreamDecoder, encodeWav, openAudioInput, readWav16kMono } from '../../src/audio/index.js';
import { espeak, makeTempDir, run, soxConvert } from '../fixtures/audio.js';

let dir: string;
let cleanup: () => Promise<void>;
const files: Record<string, Uint8Array> = {};

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('hivesat-wav-stream-'));
  const speech = await espeak('what time is it', join(dir, 'speech.wav'));
  // Real files from sox: the formats the decoder converts (rate, channels, depth, float), and a LIST chunk.
  const variants: Record<string, readonly string[]> = {
    's16-16k-mono': ['-r', '16000', '-c', '1', '-b', '16'],
    's16-48k-stereo': ['-r', '48000', '-c', '2', '-b', '16'],
    's24-44k1-mono': ['-r', '44100', '-c', '1', '-b', '24'],
    'f32-16k-mono': ['-r', '16000', '-c', '1', '-e', 'floating-point', '-b', '32'],
    'u8-8k-mono': ['-r', '8000', '-c', '1', '-b', '8', '-e', 'unsigned-integer'],
  };
  for (const [name, options] of Object.entries(variants)) {
    const path = join(dir, `${name}.wav`);
    await soxConvert(speech, path, options);
    files[name] = new Uint8Array(await readFile(path));
  }
  const commented = join(dir, 'commented.wav');
  await run('sox', [speech, '--comment', 'a LIST chunk before the data', '-r', '16000', '-c', '1', '-b', '16', commented]);
  files['list-chunk'] = new Uint8Array(await readFile(commented));
}, 60_000);

afterAll(async () => {
  await cleanup();
});

/** Decode `bytes` pushed in pieces cut at `cuts`, concatenated (`partial`: only the start of a file, no end()). */
function streamed(bytes: Uint8Array, cuts: readonly number[], partial = false): Int16Array {
  const decoder = partial ? new WavStreamDecoder() : new WavStreamDecoder({ totalBytes: bytes.length });
  const out: number[] = [];
  let from = 0;
  for (const at of [...cuts].sort((a, b) => a - b).concat(bytes.length)) {
    out.push(...decoder.push(bytes.subarray(from, at)));
    from = at;
  }
  if (!partial) out.push(...decoder.end());
  return Int16Array.from(out);
}

describe('WavStreamDecoder', () => {
  it.each(['s16-16k-mono', 's16-48k-stereo', 's24-44k1-mono', 'f32-16k-mono', 'u8-8k-mono', 'list-chunk'])('%s: the same samples as readWav16kMono, in one piece and in 4 KiB pieces', (name) => {
    const bytes = files[name] as Uint8Array;
    const whole = readWav16kMono(bytes);
    expect(whole.length).toBeGreaterThan(8_000);
    expect(streamed(bytes, [])).toEqual(whole);
    const cuts = Array.from({ length: Math.floor(bytes.length / 4096) }, (_, i) => (i + 1) * 4096);
    expect(streamed(bytes, cuts)).toEqual(whole);
  });

  it('any split of the bytes, even inside the header or a frame, gives the same samples', () => {
    const bytes = files['s16-48k-stereo'] as Uint8Array;
    const head = bytes.subarray(0, 6_000);
    const whole = streamed(head, [], true);
    expect(whole.length).toBeGreaterThan(400);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: head.length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(streamed(head, cuts, true)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it.each([0, 0x7fff_ffff, 0xffff_ffff, 0x8000_0000, 0x7fff_f000])('a data size of %s (what a pipe writer puts) is read to the end', (size) => {
    const bytes = encodeWav(Int16Array.from({ length: 16_000 }, (_, i) => (i * 37) % 20_000));
    const patched = new Uint8Array(bytes);
    new DataView(patched.buffer).setUint32(4, size, true);
    new DataView(patched.buffer).setUint32(40, size, true);
    const decoder = new WavStreamDecoder();
    const first = Int16Array.from(decoder.push(patched));
    expect(first.length + decoder.end().length).toBe(16_000);
    expect(first).toEqual(readWav16kMono(bytes).subarray(0, first.length));
  });

  it('stops at the declared size (a trailing chunk is not audio) and says when the data is short', () => {
    const bytes = encodeWav(new Int16Array(100).fill(5));
    const trailer = new Uint8Array([...bytes, ...new TextEncoder().encode('LIST\u0004\u0000\u0000\u0000abcd')]);
    const decoder = new WavStreamDecoder();
    expect(decoder.push(trailer).length + decoder.end().length).toBe(100);
    const short = new WavStreamDecoder();
    short.push(bytes.subarray(0, 44 + 50));
    expect(() => short.end()).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_WAV_TRUNCATED', message: 'truncated WAV: header says 200 bytes of data, the input ended after 50' }));
  });

  it.each([
    ['empty', 'AUDIO_ERR_WAV_TRUNCATED', new Uint8Array(0), /the input is empty/],
    ['text', 'AUDIO_ERR_WAV_MALFORMED', new TextEncoder().encode('hello'), /expected 'RIFF' at byte 0/],
    ['a header cut short', 'AUDIO_ERR_WAV_TRUNCATED', encodeWav(new Int16Array(10)).subarray(0, 30), /ended at byte 30, inside the header/],
  ] as const)('%s → %s', (_name, code, bytes, message) => {
    const decoder = new WavStreamDecoder();
    expect(() => {
      decoder.push(bytes);
      decoder.end();
    }).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });
});

async function collect(input: AsyncIterable<Int16Array>): Promise<Int16Array> {
  const out: number[] = [];
  for await (const piece of input) {
    expect(piece.length).toBeLessThanOrEqual(1280);
    out.push(...piece);
  }
  return Int16Array.from(out);
}

describe('openAudioInput', () => {
  it('a file: 80 ms pieces of the same samples', async () => {
    const path = join(dir, 'in.wav');
    await writeFile(path, files['s16-48k-stereo'] as Uint8Array);
    expect(await collect(await openAudioInput(path))).toEqual(readWav16kMono(files['s16-48k-stereo'] as Uint8Array));
  });

  it('stdin carrying a WAV (split in odd pieces) or raw s16le 16 kHz mono', async () => {
    const wav = files['s16-48k-stereo'] as Uint8Array;
    const pieces = [wav.subarray(0, 3), wav.subarray(3, 1001), wav.subarray(1001)].map((p) => Buffer.from(p));
    expect(await collect(await openAudioInput('-', { stdin: Readable.from(pieces) }))).toEqual(readWav16kMono(wav));
    const raw = Int16Array.from({ length: 5_000 }, (_, i) => i - 2_500);
    const rawBytes = Buffer.from(raw.buffer);
    expect(await collect(await openAudioInput('-', { stdin: Readable.from([rawBytes.subarray(0, 7), rawBytes.subarray(7)]) }))).toEqual(raw);
  });

  it('errors name the input', async () => {
    await expect(openAudioInput(join(dir, 'missing.wav'))).rejects.toThrow(expect.objectContaining({ code: 'AUDIO_ERR_INPUT', message: `cannot read ${join(dir, 'missing.wav')}: no such file` }));
    await expect(openAudioInput(dir)).rejects.toThrow(expect.objectContaining({ code: 'AUDIO_ERR_INPUT', message: `${dir} is a directory, expected a WAV file` }));
    const text = join(dir, 'text.wav');
    await writeFile(text, 'no audio here');
    await expect(openAudioInput(text)).rejects.toThrow(expect.objectContaining({ code: 'AUDIO_ERR_WAV_MALFORMED', message: `${text}: malformed WAV: expected 'RIFF' at byte 0, got 'no a'` }));
    await expect(collect(await openAudioInput('-', { stdin: Readable.from([]) }))).rejects.toThrow(expect.objectContaining({ code: 'AUDIO_ERR_INPUT', message: expect.stringMatching(/^stdin is empty/) }));
  });
});
