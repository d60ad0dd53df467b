import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, resampleInt16, SpeechError } from '../../src/speech/index.js';

function sine(freqHz: number, rate: number, seconds: number, amplitude = 10_000): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * i) / rate));
  return out;
}

function rms(x: Int16Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (x[i] ?? 0) ** 2;
  return Math.sqrt(s / Math.max(1, to - from));
}

/** Zero crossings per second, ≈ 2 × frequency. */
function crossingsPerSecond(x: Int16Array, rate: number): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if ((x[i - 1] ?? 0) < 0 !== (x[i] ?? 0) < 0) n++;
  return (n * rate) / x.length;
}

/** A WAV header for arbitrary formats, for decoder tests. */
function wavWith(format: number, channels: number, rate: number, bits: number, data: Uint8Array, dataSize = data.length): Uint8Array {
  const out = new Uint8Array(44 + data.length);
  const v = new DataView(out.buffer);
  out.set([...'RIFF'].map((c) => c.charCodeAt(0)), 0);
  v.setUint32(4, 36 + dataSize, true);
  out.set([...'WAVEfmt '].map((c) => c.charCodeAt(0)), 8);
  v.setUint32(16, 16, true);
  v.setUint16(20, format, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, (rate * channels * bits) / 8, true);
  v.setUint16(32, (channels * bits) / 8, true);
  v.setUint16(34, bits, true);
  out.set([...'data'].map((c) => c.charCodeAt(0)), 36);
  v.setUint32(40, dataSize, true);
  out.set(data, 44);
  return out;
}

describe('WAV', () => {
  it('round-trips 16-bit mono', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
    const decoded = decodeWav(encodeWav(samples, 16_000), 'test');
    expect(decoded).toEqual({ samples, sampleRate: 16_000, channels: 1 });
  });

  it('accepts the placeholder sizes of streamed WAV (espeak-ng --stdout)', () => {
    const data = new Uint8Array(Int16Array.from([5, 6, 7]).buffer);
    expect(Array.from(decodeWav(wavWith(1, 1, 22_050, 16, data, 0x7ffff000), 'pipe').samples)).toEqual([5, 6, 7]);
    expect(Array.from(decodeWav(wavWith(1, 1, 22_050, 16, data, 0), 'pipe').samples)).toEqual([5, 6, 7]);
  });

  it('mixes stereo down and converts 8/24/32-bit and float', () => {
    const stereo = new Uint8Array(Int16Array.from([100, 300, -200, -400]).buffer);
    expect(Array.from(decodeWav(wavWith(1, 2, 16_000, 16, stereo), 's').samples)).toEqual([200, -300]);
    expect(Array.from(decodeWav(wavWith(1, 1, 8000, 8, Uint8Array.from([128, 255, 0])), 's').samples)).toEqual([0, 32512, -32768]);
    expect(Array.from(decodeWav(wavWith(1, 1, 8000, 24, Uint8Array.from([0, 0, 0x40, 0, 0, 0xc0])), 's').samples)).toEqual([16384, -16384]);
    expect(Array.from(decodeWav(wavWith(1, 1, 8000, 32, new Uint8Array(Int32Array.from([1 << 30]).buffer)), 's').samples)).toEqual([16384]);
    expect(Array.from(decodeWav(wavWith(3, 1, 24_000, 32, new Uint8Array(Float32Array.from([0.5, -1, 2]).buffer)), 's').samples)).toEqual([16384, -32767, 32767]);
  });

  it.each([
    [new Uint8Array(10), 'expected a RIFF/WAVE file'],
    [wavWith(2, 1, 8000, 4, new Uint8Array(4)), 'expected PCM 8/16/24/32-bit or float 32-bit, got format 2 with 4 bits'],
    [wavWith(1, 1, 8000, 16, new Uint8Array(0)).subarray(0, 36), 'expected a data chunk, found none'],
  ])('rejects bad input (%#)', (bytes, message) => {
    expect(() => decodeWav(bytes, 'x')).toThrow(expect.objectContaining({ code: 'SPEECH_ERR_BAD_AUDIO', message: expect.stringContaining(message) }));
    expect(() => decodeWav(bytes, 'x')).toThrow(SpeechError);
  });
});

describe('resampleInt16', () => {
  it.each([
    [22_050, 1000],
    [24_000, 440],
    [44_100, 3000],
    [8000, 1000],
    [48_000, 6000],
  ])('%d Hz → 16 kHz keeps a %d Hz tone', (rate, freq) => {
    const out = resampleInt16(sine(freq, rate, 1), rate, 16_000);
    expect(out.length).toBe(16_000);
    expect(crossingsPerSecond(out, 16_000)).toBeCloseTo(2 * freq, -1);
    expect(rms(out, 500, 15_500)).toBeGreaterThan(0.97 * rms(sine(freq, rate, 1)));
    expect(rms(out, 500, 15_500)).toBeLessThan(1.03 * rms(sine(freq, rate, 1)));
  });

  it('removes content above the new Nyquist frequency instead of aliasing it', () => {
    const out = resampleInt16(sine(10_000, 22_050, 1), 22_050, 16_000);
    expect(rms(out, 500, 15_500)).toBeLessThan(0.01 * 10_000);
  });

  it('returns the input unchanged at the same rate, and rejects bad rates', () => {
    const x = sine(100, 16_000, 0.1);
    expect(resampleInt16(x, 16_000, 16_000)).toBe(x);
    expect(() => resampleInt16(x, 0, 16_000)).toThrow(expect.objectContaining({ code: 'SPEECH_ERR_BAD_AUDIO' }));
    expect(() => resampleInt16(x, 22_050.5, 16_000)).toThrow(expect.objectContaining({ code: 'SPEECH_ERR_BAD_AUDIO' }));
  });
});
