import { describe, expect, it } from 'vitest';
import { WakeTrigger } from '../../src/wake/index.js';

/** Push scores one 80 ms hop apart starting at t0; return the indices that detected. */
function hits(trigger: WakeTrigger, scores: readonly number[], t0 = 0): number[] {
  const out: number[] = [];
  scores.forEach((s, i) => {
    if (trigger.push(s, t0 + i * 80)) out.push(i);
  });
  return out;
}

describe('WakeTrigger', () => {
  it('defaults to threshold 0.5, trigger level 1, refractory 2 s', () => {
    const t = new WakeTrigger();
    expect([t.threshold, t.triggerLevel, t.refractoryMs]).toEqual([0.5, 1, 2000]);
  });

  it('detects on the first frame at or above the threshold, then ignores the keyword for the refractory period', () => {
    const t = new WakeTrigger();
    // 0.5 counts (at or above); frames during the next 2,000 ms do not, even at 1.0.
    const scores = [0.1, 0.5, 0.9, 1, 0.9, ...Array<number>(20).fill(0), 0.9, 0.9];
    expect(hits(t, scores)).toEqual([1, 26]); // 26 × 80 = 2,080 ms ≥ 80 + 2,000
  });

  it('needs triggerLevel consecutive frames; a frame below the threshold restarts the count', () => {
    const t = new WakeTrigger({ triggerLevel: 3, refractoryMs: 0 });
    expect(hits(t, [0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])).toEqual([5, 8]);
  });

  it('uses the caller’s clock: a frozen clock keeps the keyword refractory', () => {
    const t = new WakeTrigger({ refractoryMs: 1000 });
    expect(t.push(0.9, 5000)).toBe(true);
    expect(t.push(0.9, 5999)).toBe(false);
    expect(t.push(0.9, 6000)).toBe(true);
  });

  it('reset() forgets the refractory period and the current run', () => {
    const t = new WakeTrigger({ triggerLevel: 2 });
    t.push(0.9, 0);
    t.push(0.9, 80);
    t.reset();
    expect(t.push(0.9, 160)).toBe(false);
    expect(t.push(0.9, 240)).toBe(true);
  });

  it.each([
    [{ threshold: 0 }, 'threshold'],
    [{ threshold: 1.5 }, 'threshold'],
    [{ triggerLevel: 0 }, 'triggerLevel'],
    [{ triggerLevel: 2.5 }, 'triggerLevel'],
    [{ triggerLevel: 26 }, 'triggerLevel'],
    [{ refractoryMs: -1 }, 'refractoryMs'],
    [{ refractoryMs: 60_001 }, 'refractoryMs'],
  ])('rejects %o with MODEL_ERR_OPTION', (options, name) => {
    expect(() => new WakeTrigger(options)).toThrow(
      expect.objectContaining({ name: 'ModelError', code: 'MODEL_ERR_OPTION', message: expect.stringContaining(`${name}: expected`) }),
    );
  });
});
