import { afterEach, describe, expect, it, vi } from 'vitest';
import { PcmRingBuffer } from '../../src/audio/index.js';

/** Sample value for absolute position p: distinct for every position in these tests. */
const valueAt = (p: number): number => ((p * 7 + 3) % 65536) - 32768;

function chunkFrom(start: number, length: number): Int16Array {
  return Int16Array.from({ length }, (_, i) => valueAt(start + i));
}

describe('PcmRingBuffer', () => {
  it('wraps around at every offset and every chunk size, keeping exact samples and positions', () => {
    const cap = 16;
    const out = new Int16Array(cap);
    const errors: string[] = [];
    /** Records a mismatch between out[0..n) and the samples at positions from…from+n. */
    const check = (what: string, got: number, want: number, from: number): void => {
      if (got !== want) errors.push(`${what}: copied ${got}, want ${want}`);
      for (let i = 0; i < got; i++) if (out[i] !== valueAt(from + i)) errors.push(`${what}: position ${from + i} is ${out[i]}, want ${valueAt(from + i)}`);
    };
    for (let offset = 0; offset < cap; offset++) {
      for (let size = 1; size <= 2 * cap + 3; size++) {
        const ring = new PcmRingBuffer(cap);
        ring.write(chunkFrom(0, offset));
        let pos = offset;
        for (let k = 0; k < 3; k++) {
          ring.write(chunkFrom(pos, size));
          pos += size;
          const where = `offset ${offset}, chunk ${size}, write ${k}`;
          const held = Math.min(pos, cap);
          if (ring.writtenSamples !== pos || ring.length !== held || ring.oldestPosition !== pos - held) errors.push(`${where}: positions`);
          // The last n samples, for every n.
          for (let n = 0; n <= cap; n++) check(`${where}, readLast(${n})`, ring.readLast(n, out), Math.min(n, held), pos - Math.min(n, held));
          // Every range it still holds.
          for (let start = pos - held; start <= pos; start++) check(`${where}, readRange(${start})`, ring.readRange(start, out), pos - start, start);
        }
      }
    }
    expect(errors.slice(0, 5)).toEqual([]);
  });

  it('keeps only the tail of a chunk longer than its capacity', () => {
    const ring = new PcmRingBuffer(8);
    ring.write(chunkFrom(0, 3));
    ring.write(chunkFrom(3, 21));
    const out = new Int16Array(8);
    expect(ring.readRange(16, out)).toBe(8);
    expect(out).toEqual(chunkFrom(16, 8));
  });

  it('reads a bounded range [start, end)', () => {
    const ring = new PcmRingBuffer(32);
    ring.write(chunkFrom(0, 50));
    const out = new Int16Array(4);
    expect(ring.readRange(30, out, 34)).toBe(4);
    expect(out).toEqual(chunkFrom(30, 4));
    expect(ring.readRange(40, out, 40)).toBe(0);
  });

  it('rejects ranges it no longer (or does not yet) hold', () => {
    const ring = new PcmRingBuffer(16);
    ring.write(chunkFrom(0, 40));
    const out = new Int16Array(64);
    const range = (message: string): Error => expect.objectContaining({ name: 'AudioError', code: 'AUDIO_ERR_RANGE', message }) as Error;
    expect(() => ring.readRange(23, out)).toThrow(range('readRange: expected positions within 24…40 (what the buffer holds), got 23…40'));
    expect(() => ring.readRange(30, out, 41)).toThrow(range('readRange: expected positions within 24…40 (what the buffer holds), got 30…41'));
    const arg = (message: string): Error => expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT', message }) as Error;
    expect(() => ring.readRange(35, out, 30)).toThrow(arg('readRange: expected integer positions with start ≤ end, got 35…30'));
    expect(() => ring.readRange(24, new Int16Array(3))).toThrow(arg('readRange: expected out to hold 16 samples, got 3'));
    expect(() => ring.readLast(5, new Int16Array(4))).toThrow(arg('readLast: expected 0 ≤ count ≤ out.length (4), got 5'));
  });

  it('requires a power-of-two capacity; forDuration rounds up', () => {
    for (const bad of [0, 3, 1000, 2 ** 25, 1.5, -4]) {
      expect(() => new PcmRingBuffer(bad)).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT' }) as Error);
    }
    expect(PcmRingBuffer.forDuration(2).capacity).toBe(32768); // 32,000 samples → 2^15
    expect(PcmRingBuffer.forDuration(0.08).capacity).toBe(2048);
    expect(() => PcmRingBuffer.forDuration(0)).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT' }) as Error);
  });

  it('clear() restarts positions at 0', () => {
    const ring = new PcmRingBuffer(4);
    ring.write(chunkFrom(0, 6));
    ring.clear();
    expect([ring.writtenSamples, ring.length, ring.oldestPosition]).toEqual([0, 0, 0]);
    ring.write(chunkFrom(100, 2));
    const out = new Int16Array(2);
    ring.readRange(0, out);
    expect(out).toEqual(chunkFrom(100, 2));
  });

  describe('allocation', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
      vi.restoreAllMocks();
    });

    it('write and reads create no typed arrays, views or buffers', () => {
      const ring = new PcmRingBuffer(2048);
      const chunk = chunkFrom(0, 1280);
      const out = new Int16Array(2048);
      ring.write(chunkFrom(0, 2048)); // full before measuring
      let constructed = 0;
      const counting = <T extends object>(ctor: T): T =>
        new Proxy(ctor, {
          construct(target, args, newTarget) {
            constructed++;
            return Reflect.construct(target as never, args, newTarget) as object;
          },
        });
      for (const name of ['Int16Array', 'Uint8Array', 'Float32Array', 'ArrayBuffer', 'Array'] as const) {
        vi.stubGlobal(name, counting(globalThis[name]));
      }
      const views = [
        vi.spyOn(Int16Array.prototype, 'subarray'),
        vi.spyOn(Int16Array.prototype, 'slice'),
      ];
      for (let i = 0; i < 100; i++) {
        ring.write(chunk);
        ring.readLast(1500, out);
        ring.readRange(ring.writtenSamples - 2000, out);
      }
      expect(constructed).toBe(0);
      for (const spy of views) expect(spy).not.toHaveBeenCalled();
    });
  });
});
