import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WavError,
  decodeWav,
  encodeWav,
  parseWav,
  readWav16kMono,
  readWavFile,
  resample,
  wavHeader,
  writeWavFile,
} from '../../src/audio/index.js';
import { espeak, makeTempDir, readRaw, run, snrDb, soxConvert } from '../fixtures/audio.js';

let dir: string;
let cleanup: () => Promise<void>;
/** espeak-ng's own output: 22,050 Hz mono 16-bit. */
let speech: string;
/** The same speech as sox makes it: 16 kHz mono s16, raw. The oracle for format tests. */
let speech16k: Int16Array;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
  speech = await espeak('hey jarvis, what time is it', join(dir, 'speech.wav'));
  await soxConvert(speech, join(dir, 'speech16k.raw'), ['-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer']);
  speech16k = await readRaw(join(dir, 'speech16k.raw'));
  await soxConvert(speech, join(dir, 's16-16k.wav'), ['-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer']);
});
afterAll(async () => cleanup());

/** Builds a WAV from chunks: [fourcc, body] pairs, each padded to even length. */
function riff(chunks: readonly [string, Uint8Array][], riffId = 'RIFF', waveId = 'WAVE'): Uint8Array {
  const parts: number[] = [];
  const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
  const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  for (const [id, body] of chunks) {
    parts.push(...ascii(id), ...u32(body.length), ...body);
    if (body.length % 2 === 1) parts.push(0);
  }
  return new Uint8Array([...ascii(riffId), ...u32(parts.length + 4), ...ascii(waveId), ...parts]);
}

function fmtChunk(tag: number, channels: number, rate: number, bits: number, blockAlign = (channels * bits) / 8): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, tag, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, rate * blockAlign, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, bits, true);
  return b;
}

async function readBytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}

function pcmBytes(samples: readonly number[]): Uint8Array {
  return new Uint8Array(new Int16Array(samples).buffer);
}

describe('WAV files made by espeak-ng and sox', () => {
  it('reads espeak-ng output (22,050 Hz) and resamples it to 16 kHz close to what sox makes', async () => {
    const ours = await readWavFile(speech);
    expect(ours.length).toBe(Math.ceil((parseWav(await readBytes(speech)).frames * 16000) / 22050));
    // Two different resamplers: they agree to well within what matters for detectors.
    expect(snrDb(speech16k, ours)).toBeGreaterThan(30);
  });

  it('reads 16 kHz mono 16-bit exactly (sample for sample what sox wrote)', async () => {
    const ours = await readWavFile(join(dir, 's16-16k.wav'));
    expect(ours).toEqual(speech16k);
  });

  it.each([
    ['8-bit unsigned', ['-b', '8', '-e', 'unsigned-integer'], 'int', 8, 256],
    ['24-bit signed (extensible)', ['-b', '24', '-e', 'signed-integer'], 'int', 24, 1],
    ['32-bit signed (extensible)', ['-b', '32', '-e', 'signed-integer'], 'int', 32, 1],
    ['32-bit float', ['-b', '32', '-e', 'floating-point'], 'float', 32, 1],
    ['64-bit float', ['-b', '64', '-e', 'floating-point'], 'float', 64, 1],
  ] as const)('reads %s at 16 kHz to the same samples as sox', async (_name, options, format, bits, quantum) => {
    const path = await soxConvert(join(dir, 's16-16k.wav'), join(dir, `f${bits}${format}.wav`), ['-t', 'wav', '-r', '16000', '-c', '1', ...options]);
    const bytes = await readBytes(path);
    const info = parseWav(bytes);
    expect(info).toMatchObject({ sampleFormat: format, bitsPerSample: bits, channels: 1, sampleRateHz: 16000, frames: speech16k.length });
    const ours = readWav16kMono(bytes);
    // Widening is exact; 8-bit keeps the top 8 bits (sox truncates with -D, so compare at 8-bit resolution).
    for (let i = 0; i < ours.length; i += 97) {
      expect(Math.abs((ours[i] as number) - (speech16k[i] as number))).toBeLessThan(quantum);
    }
  });

  it.each([8000, 11025, 16000, 22050, 32000, 44100, 48000])('reads %i Hz mono and converts to 16 kHz', async (rate) => {
    const path = await soxConvert(join(dir, 's16-16k.wav'), join(dir, `r${rate}.wav`), ['-t', 'wav', '-r', String(rate), '-c', '1', '-b', '16']);
    const info = parseWav(await readBytes(path));
    expect(info.sampleRateHz).toBe(rate);
    const ours = await readWavFile(path);
    expect(Math.abs(ours.length - speech16k.length)).toBeLessThanOrEqual(2);
    // The oracle: sox's own conversion of the same file to 16 kHz. Different filters, same signal.
    await soxConvert(path, join(dir, `r${rate}-16k.raw`), ['-t', 'raw', '-r', '16000', '-b', '16', '-e', 'signed-integer']);
    const snr = snrDb(await readRaw(join(dir, `r${rate}-16k.raw`)), ours);
    expect(snr).toBeGreaterThan(30);
  });

  it('downmixes stereo 48 kHz (left = speech, right = silence) to half-level speech', async () => {
    const path = join(dir, 'stereo48k.wav');
    // Interleave the 48 kHz speech with zeros.
    const mono48 = decodeWav(await readBytes(join(dir, 'r48000.wav'))).samples as Int16Array;
    const stereo = new Int16Array(mono48.length * 2);
    for (let i = 0; i < mono48.length; i++) stereo[2 * i] = mono48[i] as number;
    await writeWavFile(path, stereo, 48000, 2);
    const ours = await readWavFile(path);
    const expected = resample(mono48, 48000, 16000).map((v) => v / 2);
    for (let i = 0; i < ours.length; i++) expect(Math.abs((ours[i] as number) - (expected[i] as number))).toBeLessThanOrEqual(1);
    // sox agrees that our file is what we meant.
    expect((await run('soxi', ['-c', path])).trim()).toBe('2');
  });

  it('reads 4-channel WAVE_FORMAT_EXTENSIBLE from sox', async () => {
    const path = await soxConvert(join(dir, 's16-16k.wav'), join(dir, 'quad.wav'), ['-t', 'wav', '-r', '16000', '-c', '4', '-b', '16']);
    const ours = await readWavFile(path);
    expect(ours).toEqual(speech16k); // four identical channels average to the same signal
  });

  it('reads the streaming header sox writes into a pipe (data size 0x7FFFF000)', async () => {
    const path = join(dir, 'piped.wav');
    const raw = join(dir, 'speech16k.raw');
    await run('sh', ['-c', `cat ${raw} | sox -D -t raw -r 16000 -e signed-integer -b 16 -c 1 - -t wav - | cat > ${path}`]);
    const bytes = await readBytes(path);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(40, true)).toBe(0x7ffff000);
    const info = parseWav(bytes);
    expect(info.streamed).toBe(true);
    expect(readWav16kMono(bytes)).toEqual(speech16k);
  });

  it('writes WAV that sox reads back to the same samples', async () => {
    const path = join(dir, 'ours.wav');
    await writeWavFile(path, speech16k);
    expect((await run('soxi', ['-r', path])).trim()).toBe('16000');
    await run('sox', [path, '-t', 'raw', join(dir, 'back.raw')]);
    expect(await readRaw(join(dir, 'back.raw'))).toEqual(speech16k);
  });
});

describe('parseWav on hand-made files', () => {
  const data = pcmBytes([1, -2, 3, -4, 5]);

  it('skips unknown chunks and honours the pad byte of odd-sized ones', () => {
    const bytes = riff([
      ['LIST', new Uint8Array([1, 2, 3])], // odd: one pad byte follows
      ['fmt ', fmtChunk(1, 1, 16000, 16)],
      ['junk', new Uint8Array(7)],
      ['data', data],
      ['id3 ', new Uint8Array(5)],
    ]);
    const info = parseWav(bytes);
    expect(info).toMatchObject({ frames: 5, channels: 1, sampleRateHz: 16000, streamed: false });
    expect(Array.from(readWav16kMono(bytes))).toEqual([1, -2, 3, -4, 5]);
  });

  it.each([0, 0xffffffff, 0x80000000, 0x7ffff000])('treats data size 0x%s as "to the end of the file"', (size) => {
    const bytes = riff([
      ['fmt ', fmtChunk(1, 2, 16000, 16)],
      ['data', pcmBytes([10, 20, 30, 40, 50])], // 2½ frames: the half frame of a killed writer is dropped
    ]);
    new DataView(bytes.buffer).setUint32(40, size, true);
    const info = parseWav(bytes);
    expect(info).toMatchObject({ streamed: true, frames: 2, dataBytes: 8 });
    expect(Array.from(decodeWav(bytes).samples)).toEqual([10, 20, 30, 40]);
  });

  it('reads what it writes', () => {
    const samples = new Int16Array([0, 32767, -32768, 1, -1, 1234]);
    const bytes = encodeWav(samples, 16000, 2);
    expect(parseWav(bytes)).toEqual({
      sampleFormat: 'int', bitsPerSample: 16, channels: 2, sampleRateHz: 16000, blockAlign: 4,
      dataOffset: 44, dataBytes: 12, frames: 3, streamed: false,
    });
    expect(decodeWav(bytes).samples).toEqual(samples);
    expect(wavHeader(12, 16000, 2)).toEqual(bytes.subarray(0, 44));
  });

  const err = (code: string, message: string): unknown => expect.objectContaining({ name: 'WavError', code, message });
  const good = riff([['fmt ', fmtChunk(1, 1, 16000, 16)], ['data', data]]);

  it.each<[string, Uint8Array, string, string]>([
    ['an empty file', new Uint8Array(0), 'AUDIO_ERR_WAV_TRUNCATED', 'truncated WAV: expected a 12-byte RIFF header, file has 0 bytes'],
    ['big-endian RIFX', riff([['fmt ', fmtChunk(1, 1, 16000, 16)]], 'RIFX'), 'AUDIO_ERR_WAV_MALFORMED', "malformed WAV: expected 'RIFF' at byte 0, got 'RIFX'"],
    ['RF64', riff([['fmt ', fmtChunk(1, 1, 16000, 16)]], 'RF64'), 'AUDIO_ERR_WAV_UNSUPPORTED', 'unsupported WAV: RF64 (files over 4 GiB) is not read'],
    ['an AVI', riff([], 'RIFF', 'AVI '), 'AUDIO_ERR_WAV_MALFORMED', "malformed WAV: expected 'WAVE' at byte 8, got 'AVI '"],
    ['data before fmt', riff([['data', data], ['fmt ', fmtChunk(1, 1, 16000, 16)]]), 'AUDIO_ERR_WAV_MALFORMED', "malformed WAV: expected a 'fmt ' chunk before 'data'"],
    ['no fmt at all', riff([['LIST', new Uint8Array(4)]]), 'AUDIO_ERR_WAV_MALFORMED', "malformed WAV: expected a 'fmt ' chunk, found none"],
    ['no data', riff([['fmt ', fmtChunk(1, 1, 16000, 16)]]), 'AUDIO_ERR_WAV_MALFORMED', "malformed WAV: expected a 'data' chunk, found none"],
    ['two fmt chunks', riff([['fmt ', fmtChunk(1, 1, 16000, 16)], ['fmt ', fmtChunk(1, 1, 16000, 16)], ['data', data]]), 'AUDIO_ERR_WAV_MALFORMED', "malformed WAV: expected one 'fmt ' chunk, found a second at byte 36"],
    ['a 14-byte fmt', riff([['fmt ', fmtChunk(1, 1, 16000, 16).subarray(0, 14)], ['data', data]]), 'AUDIO_ERR_WAV_MALFORMED', "malformed WAV: expected a 'fmt ' chunk of at least 16 bytes, got 14"],
    ['a wrong blockAlign', riff([['fmt ', fmtChunk(1, 2, 16000, 16, 2)], ['data', data]]), 'AUDIO_ERR_WAV_MALFORMED', 'malformed WAV: expected blockAlign = channels × bytes per sample = 4, got 2'],
    ['data that is not whole frames', riff([['fmt ', fmtChunk(1, 2, 16000, 16)], ['data', pcmBytes([1, 2, 3])]]), 'AUDIO_ERR_WAV_MALFORMED', 'malformed WAV: expected the data size to be a multiple of the 4-byte frame, got 6 bytes'],
    ['A-law', riff([['fmt ', fmtChunk(6, 1, 8000, 8)], ['data', data]]), 'AUDIO_ERR_WAV_UNSUPPORTED', 'unsupported WAV: expected integer PCM (8/16/24/32-bit) or IEEE float (32/64-bit), got format 0x0006 (A-law) at 8 bits'],
    ['12-bit PCM', riff([['fmt ', fmtChunk(1, 1, 16000, 12, 2)], ['data', data]]), 'AUDIO_ERR_WAV_UNSUPPORTED', 'unsupported WAV: expected integer PCM (8/16/24/32-bit) or IEEE float (32/64-bit), got format 0x0001 (PCM) at 12 bits'],
    ['96 kHz', riff([['fmt ', fmtChunk(1, 1, 96000, 16)], ['data', data]]), 'AUDIO_ERR_WAV_UNSUPPORTED', 'unsupported WAV: expected a sample rate of 8000–48000 Hz, got 96000'],
    ['9 channels', riff([['fmt ', fmtChunk(1, 9, 16000, 16)], ['data', data]]), 'AUDIO_ERR_WAV_UNSUPPORTED', 'unsupported WAV: expected 1–8 channels, got 9'],
    ['0 channels', riff([['fmt ', fmtChunk(1, 0, 16000, 16, 0)], ['data', data]]), 'AUDIO_ERR_WAV_UNSUPPORTED', 'unsupported WAV: expected 1–8 channels, got 0'],
    ['truncated data', good.subarray(0, good.length - 3), 'AUDIO_ERR_WAV_TRUNCATED', 'truncated WAV: header says 10 bytes of data, file has 7'],
    ['a chunk running past the end', riff([['fmt ', fmtChunk(1, 1, 16000, 16)], ['LIST', new Uint8Array(8)]]).subarray(0, 46), 'AUDIO_ERR_WAV_TRUNCATED', "truncated WAV: chunk 'LIST' at byte 36 says 8 bytes, file has 2 after its header"],
  ])('rejects %s', (_what, bytes, code, message) => {
    expect(() => parseWav(bytes)).toThrow(err(code, message) as Error);
  });

  it('rejects a truncated copy of a valid file at every length', () => {
    for (let len = 0; len < good.length; len++) {
      let caught: unknown;
      try {
        parseWav(good.subarray(0, len));
      } catch (e) {
        caught = e;
      }
      expect(caught, `length ${len}`).toBeInstanceOf(WavError);
      const { code } = caught as WavError;
      // A file cut exactly between chunks is structurally complete, just missing a chunk.
      expect(code, `length ${len}`).toBe(len === 12 || len === 36 ? 'AUDIO_ERR_WAV_MALFORMED' : 'AUDIO_ERR_WAV_TRUNCATED');
    }
  });

  it('throws only WavErrors on random bytes and on random corruption of a valid file', () => {
    const onlyWavErrors = (bytes: Uint8Array): void => {
      try {
        parseWav(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(WavError);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), onlyWavErrors), { numRuns: 2000 });
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const copy = good.slice();
        copy[at] = value;
        onlyWavErrors(copy);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a file over the size limit before reading it', async () => {
    const path = join(dir, 'big.wav');
    await writeFile(path, encodeWav(new Int16Array(1000)));
    await expect(readWavFile(path, 1000)).rejects.toThrow(
      err('AUDIO_ERR_WAV_TOO_LARGE', 'WAV file too large: expected at most 1000 bytes, got 2044') as Error,
    );
  });

  it('rejects bad arguments when writing', () => {
    expect(() => encodeWav(new Int16Array(3), 16000, 2)).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT', message: 'samples: expected a multiple of 2 (whole frames), got 3' }) as Error,
    );
    expect(() => wavHeader(0, 100)).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT' }) as Error);
  });
});
