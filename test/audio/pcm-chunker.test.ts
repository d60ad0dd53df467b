import { describe, expect, it } from 'vitest';
import { PcmChunker, resample } from '../../src/audio/index.js';
import { concat, sine } from '../fixtures/audio.js';

function bytesOf(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

describe('PcmChunker', () => {
  it('reassembles s16le split at every byte offset (inside samples too)', () => {
    const samples = sine(16000, 440, 64, 30000);
    const bytes = bytesOf(samples);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const chunker = new PcmChunker();
      const a = chunker.push(bytes.subarray(0, cut)).slice();
      const b = chunker.push(bytes.subarray(cut)).slice();
      expect(a.length, `cut ${cut}`).toBe(Math.floor(cut / 2));
      expect(concat([a, b]), `cut ${cut}`).toEqual(samples);
    }
  });

  it('reassembles byte-by-byte reads', () => {
    const samples = sine(16000, 440, 50, 30000);
    const chunker = new PcmChunker();
    const out: Int16Array[] = [];
    for (const byte of bytesOf(samples)) out.push(chunker.push(new Uint8Array([byte])).slice());
    expect(concat(out)).toEqual(samples);
  });

  it('converts 48 kHz stereo at the edge, equal to a one-shot resample of what was pushed', () => {
    const stereo = sine(48000, 1000, 4800, 12000, [1, 1]);
    const bytes = bytesOf(stereo);
    const chunker = new PcmChunker({ rateHz: 48000, channels: 2 });
    const out: Int16Array[] = [];
    for (let at = 0; at < bytes.length; at += 1001) out.push(chunker.push(bytes.subarray(at, at + 1001)).slice()); // odd sizes split frames
    const streamed = concat(out);
    const whole = resample(stereo, 48000, 16000, 2);
    expect(streamed).toEqual(whole.subarray(0, streamed.length)); // the tail waits for more input (filter latency)
    expect(whole.length - streamed.length).toBeLessThanOrEqual(41);
  });

  it('reset() drops a partial frame', () => {
    const chunker = new PcmChunker();
    chunker.push(new Uint8Array([0x01]));
    chunker.reset();
    expect(Array.from(chunker.push(new Uint8Array([0x02, 0x00])))).toEqual([2]);
  });
});
