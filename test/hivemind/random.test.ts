import { describe, expect, it } from 'vitest';
import { recordedRandom, systemRandom } from '../../src/hivemind/random.js';

describe('randomness', () => {
  it('hands out fresh, distinct arrays from the system pool, small and large', () => {
    const seen = new Set<string>();
    const arrays: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) {
      const length = i % 7 === 0 ? 2048 : 12 + (i % 5);
      const bytes = systemRandom.bytes(length);
      expect(bytes.length).toBe(length);
      arrays.push(bytes);
      seen.add(Buffer.from(bytes).toString('hex'));
    }
    expect(seen.size).toBe(2000);
    // Later draws never alias earlier ones (each result owns its buffer).
    const first = Buffer.from(arrays[1] ?? []).toString('hex');
    systemRandom.bytes(4000);
    expect(Buffer.from(arrays[1] ?? []).toString('hex')).toBe(first);
  });

  it('replays recorded values in order and refuses surprises', () => {
    const source = recordedRandom([Uint8Array.of(1, 2), Uint8Array.of(3)]);
    expect([...source.bytes(2)]).toEqual([1, 2]);
    expect(() => source.bytes(2)).toThrow(RangeError);
    expect([...source.bytes(1)]).toEqual([3]);
    expect(source.remaining).toBe(0);
    expect(() => source.bytes(1)).toThrow(/exhausted/);
  });
});
