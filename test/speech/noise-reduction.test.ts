import { describe, expect, it } from 'vitest';
import { xorshift32 } from '../../src/speech/noise-floor.js';
import { DEFAULT_NOISE_REDUCTION, reduceNoise } from '../../src/speech/noise-reduction.js';

const RATE = 16_000;

/** Uniform white noise of standard deviation `sigma`, fixed seed. */
function whiteNoise(samples: number, sigma: number, seed = 7): Float64Array {
  const next = xorshift32(seed);
  const scale = sigma * Math.sqrt(12);
  return Float64Array.from({ length: samples }, () => (next() / 0xffffffff - 0.5) * scale);
}

/** A 440 Hz tone of `amplitude` from `from` to `to` seconds in `seconds` of audio, plus `noise` (if any). */
function toneIn(seconds: number, from: number, to: number, amplitude: number, noise?: Float64Array): Int16Array {
  const pcm = new Int16Array(Math.round(seconds * RATE));
  for (let i = 0; i < pcm.length; i++) {
    const t = i / RATE;
    const tone = t >= from && t < to ? amplitude * Math.sin(2 * Math.PI * 440 * t) : 0;
    pcm[i] = Math.round(tone + (noise?.[i] ?? 0));
  }
  return pcm;
}

const power = (pcm: Int16Array, from: number, to: number): number => {
  let sum = 0;
  for (let i = Math.round(from * RATE); i < Math.round(to * RATE); i++) sum += (pcm[i] ?? 0) ** 2;
  return sum / (Math.round(to * RATE) - Math.round(from * RATE));
};
const db = (p: number): number => 10 * Math.log10(p);

describe('noise reduction before decoding (pure)', () => {
  it('gives back clean audio unchanged, to within a sample', () => {
    const pcm = toneIn(2, 0.5, 1.5, 8_000);
    const out = reduceNoise(pcm);
    expect(out.length).toBe(pcm.length);
    let worst = 0;
    for (let i = 0; i < pcm.length; i++) worst = Math.max(worst, Math.abs((out[i] ?? 0) - (pcm[i] ?? 0)));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('takes steady noise down by the least gain where there is no speech, and keeps the speech', () => {
    const noise = whiteNoise(2 * RATE, 600);
    const pcm = toneIn(2, 0.6, 1.4, 8_000, noise);
    const out = reduceNoise(pcm);
    // Where only noise is: the gain floor, 0.25 (−12 dB), give or take the estimate's spread.
    const drop = db(power(pcm, 0.1, 0.5)) - db(power(out, 0.1, 0.5));
    expect(drop).toBeGreaterThan(10);
    expect(drop).toBeLessThan(13);
    // The tone is 20 dB over the noise in every bin it occupies: it keeps its level.
    expect(Math.abs(db(power(out, 0.7, 1.3)) - db(power(pcm, 0.7, 1.3)))).toBeLessThan(0.5);
  });

  it('never goes under the least gain it is given', () => {
    const noise = whiteNoise(2 * RATE, 600);
    const pcm = toneIn(2, 0.6, 1.4, 8_000, noise);
    const out = reduceNoise(pcm, { ...DEFAULT_NOISE_REDUCTION, minGain: 0.5 });
    const drop = db(power(pcm, 0.1, 0.5)) - db(power(out, 0.1, 0.5));
    expect(drop).toBeGreaterThan(4.5);
    expect(drop).toBeLessThan(6.5);
  });

  it('is deterministic and leaves its input alone', () => {
    const pcm = toneIn(1, 0.3, 0.7, 5_000, whiteNoise(RATE, 400));
    const copy = Int16Array.from(pcm);
    expect(reduceNoise(pcm)).toEqual(reduceNoise(pcm));
    expect(pcm).toEqual(copy);
  });

  it('returns audio shorter than four frames as it is, and handles silence and full scale', () => {
    const short = toneIn(0.1, 0, 0.1, 1_000);
    expect(reduceNoise(short)).toBe(short);
    const silence = new Int16Array(RATE);
    expect(reduceNoise(silence)).toEqual(silence);
    const loud = new Int16Array(RATE).map((_, i) => (i % 40 < 20 ? 32767 : -32768));
    const out = reduceNoise(loud);
    expect(out.length).toBe(loud.length);
    expect(out.every((v) => v >= -32768 && v <= 32767)).toBe(true);
  });
});
