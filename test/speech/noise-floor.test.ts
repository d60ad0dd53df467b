import { describe, expect, it } from 'vitest';
import { noiseFloorLevels, withNoiseFloor } from '../../src/speech/noise-floor.js';

const RATE = 16_000;

/** `seconds` of a 440 Hz tone at `amplitude`, between 0.5 s of `silence`-amplitude alternating samples each side. */
function toneInSilence(amplitude: number, seconds: number, silence = 0): Int16Array {
  const pad = RATE / 2;
  const n = Math.round(seconds * RATE);
  const pcm = new Int16Array(pad + n + pad);
  for (let i = 0; i < pcm.length; i++) pcm[i] = i % 2 === 0 ? silence : -silence;
  for (let i = 0; i < n; i++) pcm[pad + i] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / RATE));
  return pcm;
}

const db = (power: number): number => 10 * Math.log10(power);

describe('noise floor under the utterance (pure)', () => {
  it('measures the speech and the floor of a tone in digital silence', () => {
    const levels = noiseFloorLevels(toneInSilence(10_000, 1));
    expect(levels?.floor).toBe(0);
    expect(levels?.speech).toBeCloseTo(10_000 ** 2 / 2, -4); // a sine's mean square
  });

  it('raises a digital-silence floor to the level asked under the speech', () => {
    const pcm = toneInSilence(10_000, 1);
    const floored = withNoiseFloor(pcm, 30);
    const before = noiseFloorLevels(pcm);
    const after = noiseFloorLevels(floored);
    if (before === undefined || after === undefined) throw new Error('expected levels');
    // The 10th percentile of 10 ms frames of white noise sits a little under its mean power.
    expect(db(before.speech) - db(after.floor)).toBeGreaterThan(30);
    expect(db(before.speech) - db(after.floor)).toBeLessThan(31.5);
    // The tone is left where it was (the noise is 30 dB under it).
    expect(Math.abs(db(after.speech) - db(before.speech))).toBeLessThan(0.1);
  });

  it('leaves a recording whose own floor is high enough as it is', () => {
    const pcm = toneInSilence(10_000, 1, 300); // its floor is 27.5 dB under the tone
    expect(withNoiseFloor(pcm, 30)).toBe(pcm);
    expect(withNoiseFloor(pcm, 25)).not.toBe(pcm);
  });

  it('is deterministic, and another seed gives other noise', () => {
    const pcm = toneInSilence(5_000, 0.3);
    expect(withNoiseFloor(pcm, 30)).toEqual(withNoiseFloor(pcm, 30));
    expect(withNoiseFloor(pcm, 30, 2)).not.toEqual(withNoiseFloor(pcm, 30));
  });

  it('returns silence and sub-frame input unchanged, and clamps at full scale', () => {
    const zeros = new Int16Array(RATE);
    expect(withNoiseFloor(zeros, 30)).toBe(zeros);
    const short = Int16Array.from([1, 2, 3]);
    expect(withNoiseFloor(short, 30)).toBe(short);
    const loud = toneInSilence(32_767, 0.5);
    const floored = withNoiseFloor(loud, 10);
    expect(floored.every((v) => v >= -32768 && v <= 32767)).toBe(true);
    expect(floored.length).toBe(loud.length);
  });
});
