import { describe, expect, it } from 'vitest';
import { coverage, decide, DEFAULT_REJECTION, paramsFor, parseSpottedSpans, speechSpan, spottingThreshold } from '../../src/speech/index.js';

/** 16 kHz samples: `quietS` of low noise, `loudS` of a loud tone, `quietS` of low noise again. */
function burst(quietS: number, loudS: number, noise = 30): Int16Array {
  const n = Math.round((2 * quietS + loudS) * 16_000);
  const pcm = new Int16Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const t = i / 16_000;
    const inside = t >= quietS && t < quietS + loudS;
    pcm[i] = Math.round(((x / 0x7fffffff) - 0.5) * 2 * noise + (inside ? 8000 * Math.sin(2 * Math.PI * 220 * t) : 0));
  }
  return pcm;
}

describe('rejection decision (pure)', () => {
  it('scales the spotting threshold with the phrase length', () => {
    const p = { ...DEFAULT_REJECTION, log10ThresholdPerPhone: -2 };
    expect(spottingThreshold(10, p)).toBeCloseTo(1e-20, 30);
    expect(spottingThreshold(0, p)).toBeCloseTo(1e-2, 10); // at least one phone
    expect(spottingThreshold(400, p)).toBe(1e-300); // never 0: pocketsphinx would take every detection
  });

  it('measures coverage as the union of the spotted spans inside the speech', () => {
    const speech = { start: 1, end: 3 };
    expect(coverage([], speech)).toBe(0);
    expect(coverage([{ start: 0.5, end: 2 }], speech)).toBeCloseTo(0.5);
    expect(coverage([{ start: 1, end: 2 }, { start: 1.5, end: 2.5 }], speech)).toBeCloseTo(0.75);
    expect(coverage([{ start: 0, end: 5 }], speech)).toBe(1);
    expect(coverage([{ start: 1.2, end: 1.4 }], undefined)).toBe(1); // no speech located: nothing to compare with
  });

  it('accepts a spotted phrase that spans the speech, rejects a missing or partial one', () => {
    const params = { ...DEFAULT_REJECTION, minCoverage: 0.6 };
    const speech = { start: 0.3, end: 1.6 };
    expect(decide({ phones: 10, spotted: [{ start: 0.28, end: 1.55 }], speech }, params)).toEqual({ accepted: true, coverage: expect.closeTo(0.962, 2) });
    expect(decide({ phones: 10, spotted: [], speech }, params)).toEqual({ accepted: false, reason: 'not-spotted', coverage: 0 });
    // "turn on the kitchen lights" heard as "who are you": spotted, but over a quarter of what was said.
    expect(decide({ phones: 6, spotted: [{ start: 0.36, end: 0.68 }], speech }, params)).toMatchObject({ accepted: false, reason: 'partial' });
  });

  it('verifies slotted phrases (sums) more strictly than fixed ones', () => {
    expect(paramsFor('fixed')).toMatchObject({ phoneLoopProbability: 1e-10, log10ThresholdPerPhone: -1, minCoverage: 0.75 });
    expect(paramsFor('slotted')).toEqual({ phoneLoopProbability: 1e-5, log10ThresholdPerPhone: -0.5, minCoverage: 0.75 });
    expect(paramsFor('slotted', { phoneLoopProbability: 1e-9, log10ThresholdPerPhone: -2, minCoverage: 0.5 })).toMatchObject({ phoneLoopProbability: 1e-9 }); // no override: one set
    expect(spottingThreshold(20, paramsFor('slotted'))).toBeCloseTo(1e-10, 20);
    const speech = { start: 0.3, end: 1.3 };
    // Both classes need 75 % of the speech covered by default: 76 % passes, 74 % is partial.
    const table = [
      { phraseClass: 'fixed', spotted: [{ start: 0.3, end: 1.06 }], accepted: true },
      { phraseClass: 'fixed', spotted: [{ start: 0.3, end: 1.04 }], accepted: false },
      { phraseClass: 'slotted', spotted: [{ start: 0.3, end: 1.06 }], accepted: true },
      { phraseClass: 'slotted', spotted: [{ start: 0.3, end: 1.04 }], accepted: false },
      { phraseClass: undefined, spotted: [{ start: 0.3, end: 1.06 }], accepted: true },
    ] as const;
    for (const row of table) {
      const features = { phones: 20, spotted: row.spotted, speech, ...(row.phraseClass === undefined ? {} : { phraseClass: row.phraseClass }) };
      expect(decide(features).accepted, JSON.stringify(row)).toBe(row.accepted);
    }
    expect(decide({ phones: 20, spotted: [{ start: 0.3, end: 1.04 }], speech, phraseClass: 'slotted' })).toMatchObject({ reason: 'partial' });
    // Each class reads its own coverage: the same 82 % passes for a fixed phrase and is partial for a sum at 0.85.
    const strictSums = { ...DEFAULT_REJECTION, slotted: { ...paramsFor('slotted'), minCoverage: 0.85 } };
    expect(decide({ phones: 20, spotted: [{ start: 0.3, end: 1.12 }], speech, phraseClass: 'fixed' }, strictSums).accepted).toBe(true);
    expect(decide({ phones: 20, spotted: [{ start: 0.3, end: 1.12 }], speech, phraseClass: 'slotted' }, strictSums)).toMatchObject({ accepted: false, reason: 'partial' });
  });

  it('locates speech between quiet stretches, independent of the gain', () => {
    const span = speechSpan(burst(0.5, 1), 0.3);
    expect(span?.start).toBeCloseTo(0.8, 1);
    expect(span?.end).toBeCloseTo(1.8, 1);
    const quieter = speechSpan(burst(0.5, 1).map((v) => Math.round(v / 8)), 0.3);
    expect(quieter?.start).toBeCloseTo(0.8, 1);
    expect(quieter?.end).toBeCloseTo(1.8, 1);
    expect(speechSpan(new Int16Array(16_000))).toBeUndefined(); // silence
    expect(speechSpan(new Int16Array(50))).toBeUndefined(); // shorter than a frame
  });

  it('parses the keyword-spotting output of pocketsphinx_continuous -time yes', () => {
    const stdout = 'what time is it \nwhat time is it  0.270 1.160 0.827106\nwhat day is it 1.5 1.9 1.000\n\n';
    expect(parseSpottedSpans(stdout, 'what time is it')).toEqual([{ start: 0.27, end: 1.16 }]);
    expect(parseSpottedSpans('who are you  0.480 0.670 0.798735\nwho are you  1.050 1.410 0.5\n', 'who are you')).toEqual([
      { start: 0.48, end: 0.67 },
      { start: 1.05, end: 1.41 },
    ]);
    expect(parseSpottedSpans('', 'who are you')).toEqual([]);
  });
});
