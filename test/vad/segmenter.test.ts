import { describe, expect, it } from 'vitest';
import { SpeechSegmenter, type VadEvent } from '../../src/vad/index.js';

const W = 512;

/** Push one probability per 512-sample window; return every event. */
function run(seg: SpeechSegmenter, probs: readonly number[]): VadEvent[] {
  const out: VadEvent[] = [];
  probs.forEach((p, i) => {
    const e = seg.push(p, i * W, (i + 1) * W);
    if (e !== undefined) out.push(e);
  });
  return out;
}

describe('SpeechSegmenter', () => {
  it('uses Silero defaults: threshold 0.5, end threshold 0.35, 100 ms hangover, 30 ms padding', () => {
    const seg = new SpeechSegmenter();
    expect(seg.threshold).toBe(0.5);
    expect(seg.negThreshold).toBeCloseTo(0.35);
    expect(seg.minSilenceSamples).toBe(1_600);
    expect(seg.padSamples).toBe(480);
  });

  it('starts at the first window at or above the threshold, minus the padding', () => {
    const events = run(new SpeechSegmenter(), [0.1, 0.2, 0.49, 0.5, 0.9]);
    expect(events).toEqual([{ type: 'speech-start', sample: 3 * W - 480, decidedAt: 4 * W, probability: 0.5 }]);
  });

  it('never pads a start before position 0', () => {
    expect(run(new SpeechSegmenter(), [0.9])[0]?.sample).toBe(0);
  });

  it('ends after the hangover, at the start of the silence plus the padding', () => {
    const seg = new SpeechSegmenter({ minSilenceMs: 96, speechPadMs: 0 }); // 3 windows
    const events = run(seg, [0.9, 0.9, 0.1, 0.1, 0.1, 0.1]);
    expect(events).toEqual([
      { type: 'speech-start', sample: 0, decidedAt: W, probability: 0.9 },
      { type: 'speech-end', sample: 2 * W, decidedAt: 5 * W, probability: 0.1 },
    ]);
    expect(seg.speaking).toBe(false);
  });

  it('keeps speaking when speech returns within the hangover', () => {
    const seg = new SpeechSegmenter({ minSilenceMs: 96, speechPadMs: 0 });
    const events = run(seg, [0.9, 0.1, 0.1, 0.9, 0.1, 0.1]);
    expect(events.map((e) => e.type)).toEqual(['speech-start']);
    expect(seg.speaking).toBe(true);
  });

  it('applies hysteresis: probabilities between the two thresholds neither start nor end silence', () => {
    const seg = new SpeechSegmenter({ threshold: 0.5, negThreshold: 0.2, minSilenceMs: 64, speechPadMs: 0 });
    // 0.3 is below the start threshold but above the end threshold: speech continues.
    expect(run(seg, [0.9, 0.3, 0.3, 0.3, 0.3]).map((e) => e.type)).toEqual(['speech-start']);
    // Once silence has begun, in-between windows count towards it (as in Silero's VADIterator).
    const seg2 = new SpeechSegmenter({ threshold: 0.5, negThreshold: 0.2, minSilenceMs: 96, speechPadMs: 0 });
    const events = run(seg2, [0.9, 0.1, 0.3, 0.3]);
    expect(events.at(-1)).toEqual({ type: 'speech-end', sample: W, decidedAt: 4 * W, probability: 0.3 });
  });

  it('does not let the next start overlap the previous end padding', () => {
    const seg = new SpeechSegmenter({ minSilenceMs: 32, speechPadMs: 100 }); // pad 1,600 samples
    const events = run(seg, [0.9, 0.1, 0.9]);
    const end = events.find((e) => e.type === 'speech-end');
    const second = events.filter((e) => e.type === 'speech-start')[1];
    expect(end?.sample).toBe(2 * W); // padding clipped at the deciding window's end
    expect(second?.sample).toBe(end?.sample);
  });

  it('reset() returns to silence', () => {
    const seg = new SpeechSegmenter();
    run(seg, [0.9]);
    seg.reset();
    expect(seg.speaking).toBe(false);
    expect(run(seg, [0.9])[0]?.sample).toBe(0);
  });

  it.each([
    [{ threshold: 0 }, 'threshold'],
    [{ threshold: 1 }, 'threshold'],
    [{ threshold: Number.NaN }, 'threshold'],
    [{ threshold: 0.5, negThreshold: 0.6 }, 'negThreshold'],
    [{ negThreshold: -0.1 }, 'negThreshold'],
    [{ minSilenceMs: -1 }, 'minSilenceMs'],
    [{ minSilenceMs: 10_001 }, 'minSilenceMs'],
    [{ speechPadMs: Number.POSITIVE_INFINITY }, 'speechPadMs'],
  ])('rejects %o with MODEL_ERR_OPTION', (options, name) => {
    expect(() => new SpeechSegmenter(options)).toThrow(
      expect.objectContaining({ name: 'ModelError', code: 'MODEL_ERR_OPTION', message: expect.stringContaining(`${name}: expected`) }),
    );
  });
});
