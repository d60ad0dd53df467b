/** The listener's intake FIFO: order kept across wrap-around and growth, bounded by its limit. */
import { describe, expect, it } from 'vitest';
import { SampleQueue } from '../../src/listener/sample-queue.js';

function ramp(from: number, n: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => (from + i) % 30_000);
}

describe('SampleQueue', () => {
  it('returns samples in order across wrap-around, any push and shift sizes', () => {
    const q = new SampleQueue(16, 1024);
    let pushed = 0;
    let shifted = 0;
    const sizes = [3, 7, 1, 16, 5, 9, 2, 11];
    for (let round = 0; round < 50; round++) {
      const n = sizes[round % sizes.length] as number;
      expect(q.push(ramp(pushed, n))).toBe(true);
      pushed += n;
      const take = Math.min(q.length, sizes[(round + 3) % sizes.length] as number);
      const out = new Int16Array(take);
      q.shiftInto(out);
      expect([...out]).toEqual([...ramp(shifted, take)]);
      shifted += take;
      expect(q.length).toBe(pushed - shifted);
    }
  });

  it('grows by doubling while keeping order, and copies the chunk (the caller may reuse it)', () => {
    const q = new SampleQueue(8, 1024);
    const chunk = new Int16Array(5);
    for (let i = 0; i < 20; i++) {
      chunk.set(ramp(i * 5, 5));
      expect(q.push(chunk)).toBe(true);
    }
    expect(q.capacity).toBe(128);
    const out = new Int16Array(100);
    q.shiftInto(out);
    expect([...out]).toEqual([...ramp(0, 100)]);
  });

  it('refuses a push beyond its limit and keeps what it holds', () => {
    const q = new SampleQueue(8, 32);
    expect(q.push(ramp(0, 30))).toBe(true);
    expect(q.push(ramp(30, 3))).toBe(false);
    expect(q.length).toBe(30);
    const out = new Int16Array(30);
    q.shiftInto(out);
    expect([...out]).toEqual([...ramp(0, 30)]);
    expect(q.push(ramp(0, 32))).toBe(true);
  });
});
