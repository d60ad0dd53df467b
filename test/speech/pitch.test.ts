import { describe, expect, it } from 'vitest';
import { xorshift32 } from '../../src/speech/noise-floor.js';
import { DEFAULT_VOCAL_TRACT_WARP, medianPitchHz, vocalTractWarp } from '../../src/speech/pitch.js';

const RATE = 16_000;

/** A voiced-like sound: `seconds` of a pulse-rich tone at `f0` Hz (ten harmonics falling 6 dB per octave), in silence. */
function voiced(f0: number, seconds: number, lead = 0.3): Int16Array {
  const pcm = new Int16Array(Math.round((seconds + 2 * lead) * RATE));
  const from = Math.round(lead * RATE);
  for (let i = 0; i < Math.round(seconds * RATE); i++) {
    let v = 0;
    for (let h = 1; h <= 10; h++) v += Math.sin((2 * Math.PI * h * f0 * i) / RATE) / h;
    pcm[from + i] = Math.round(4_000 * v);
  }
  return pcm;
}

function noise(seconds: number): Int16Array {
  const next = xorshift32(3);
  return Int16Array.from({ length: Math.round(seconds * RATE) }, () => Math.round((next() / 0xffffffff - 0.5) * 8_000));
}

describe('median pitch and the vocal tract warp (pure)', () => {
  it.each([90, 120, 180, 230])('finds a %d Hz voice within 3 percent', (f0) => {
    const pitch = medianPitchHz(voiced(f0, 1));
    expect(pitch).toBeDefined();
    expect(Math.abs((pitch ?? 0) - f0) / f0).toBeLessThan(0.03);
  });

  it('does not halve the pitch of a voice whose second harmonic is strong (no octave error)', () => {
    const pcm = voiced(200, 1);
    const pitch = medianPitchHz(pcm) ?? 0;
    expect(pitch).toBeGreaterThan(190);
  });

  it('gives no pitch for noise, silence, or too little audio', () => {
    expect(medianPitchHz(noise(1))).toBeUndefined();
    expect(medianPitchHz(new Int16Array(RATE))).toBeUndefined();
    expect(medianPitchHz(voiced(150, 0.02, 0))).toBeUndefined();
  });

  it('warps by pitch, linearly between the two pitches, to two decimals', () => {
    const { lowPitchHz, highPitchHz, minWarp, maxWarp } = DEFAULT_VOCAL_TRACT_WARP;
    expect(vocalTractWarp(undefined)).toBe(1);
    expect(vocalTractWarp(60)).toBe(minWarp);
    expect(vocalTractWarp(lowPitchHz)).toBe(minWarp);
    expect(vocalTractWarp((lowPitchHz + highPitchHz) / 2)).toBe(Math.round(100 * ((minWarp + maxWarp) / 2)) / 100);
    expect(vocalTractWarp(highPitchHz)).toBe(maxWarp);
    expect(vocalTractWarp(400)).toBe(maxWarp);
    expect(vocalTractWarp(200, { lowPitchHz: 150, highPitchHz: 150, minWarp: 1, maxWarp: 1.3 })).toBe(1);
    expect(vocalTractWarp(125, { lowPitchHz: 100, highPitchHz: 150, minWarp: 1, maxWarp: 1.2 })).toBe(1.1);
  });
});
