/** The energy gate's level meter and noise-floor tracking (pure functions on plain state). */
import { describe, expect, it } from 'vitest';
import { levelDbfs } from '../../src/audio/index.js';
import { initialGate, nextGate } from '../../src/listener/index.js';

const timing = { marginDb: 6, holdSamples: 16_000 };
const PIECE = 1_280;

function constant(value: number, n = PIECE): Int16Array {
  return new Int16Array(n).fill(value);
}

describe('levelDbfs', () => {
  it('measures RMS against a full scale of 32,768', () => {
    expect(levelDbfs(constant(32_767))).toBeCloseTo(-0.000265, 5);
    expect(levelDbfs(constant(16_384))).toBeCloseTo(-6.0206, 4);
    expect(levelDbfs(constant(-328))).toBeCloseTo(-39.9915, 4);
    expect(levelDbfs(Int16Array.of(1000, -1000, 0, 0))).toBeCloseTo(20 * Math.log10(Math.sqrt(0.5) * 1000 / 32_768), 9);
  });

  it('gives digital silence (and an empty piece) −120 dBFS', () => {
    expect(levelDbfs(constant(0))).toBe(-120);
    expect(levelDbfs(new Int16Array(0))).toBe(-120);
  });
});

describe('nextGate', () => {
  it('takes the first piece for the room, but at most −45 dBFS: a loud start opens the gate at once', () => {
    const quiet = initialGate();
    expect(nextGate(quiet, -55, PIECE, PIECE, timing)).toBe(false);
    expect(quiet.floorDb).toBe(-55);
    const loud = initialGate();
    expect(nextGate(loud, -20, PIECE, PIECE, timing)).toBe(true);
    expect(loud.floorDb).toBeCloseTo(-45 + 0.16, 9);
    const silent = initialGate();
    expect(nextGate(silent, -120, PIECE, PIECE, timing)).toBe(false);
    expect(silent.floorDb).toBe(-75);
    // Over digital silence, −69 dBFS (the lowest floor plus the margin) is the quietest sound that opens it
    // (the −69.1 dBFS piece lifted the floor by 0.16 dB).
    expect(nextGate(silent, -69.1, PIECE, 2 * PIECE, timing)).toBe(false);
    expect(nextGate(silent, -68.5, PIECE, 3 * PIECE, timing)).toBe(true);
  });

  it('holds the gate open for the hold time after the last loud piece, then shuts it', () => {
    const g = initialGate();
    expect(nextGate(g, -20, PIECE, PIECE, timing)).toBe(true);
    expect(g.openUntil).toBe(PIECE + 16_000);
    let end = PIECE;
    const open: boolean[] = [];
    for (let i = 0; i < 14; i++) open.push(nextGate(g, -120, PIECE, (end += PIECE), timing));
    // 16,000 samples of hold = 12.5 pieces: pieces ending at 2,560 … 16,640 are held, the 13th (17,920) is not.
    expect(open).toEqual([...new Array<boolean>(12).fill(true), false, false]);
  });

  it('learns a steady noise in a rate-limited rise (2 dB/s), then shuts on it', () => {
    const g = { floorDb: -75, openUntil: 0 };
    let end = 0;
    let pieces = 0;
    while (nextGate(g, -55, PIECE, (end += PIECE), timing) || end <= g.openUntil) pieces++;
    // From −75 the floor must reach −61 (−55 − margin): 14 dB at 2 dB/s = 7 s = 87.5 pieces, plus the 1 s hold.
    expect(pieces).toBeGreaterThanOrEqual(87 + 12);
    expect(pieces).toBeLessThanOrEqual(88 + 13);
    for (let i = 0; i < 200; i++) nextGate(g, -55, PIECE, (end += PIECE), timing);
    expect(g.floorDb).toBe(-55);
    expect(nextGate(g, -49.5, PIECE, (end += PIECE), timing)).toBe(false);
    // (that piece lifted the floor by 2 dB/s × 80 ms = 0.16 dB)
    expect(nextGate(g, -48.5, PIECE, (end += PIECE), timing)).toBe(true);
  });

  it('falls half way to a quieter piece each piece, never below −75 dBFS, never above −30 dBFS', () => {
    const g = { floorDb: -40, openUntil: 0 };
    nextGate(g, -60, PIECE, PIECE, timing);
    expect(g.floorDb).toBe(-50);
    for (let i = 0; i < 100; i++) nextGate(g, -120, PIECE, PIECE * (i + 2), timing);
    expect(g.floorDb).toBeCloseTo(-75, 9);
    const loud = { floorDb: -31, openUntil: 0 };
    for (let i = 0; i < 1_000; i++) nextGate(loud, -10, PIECE, PIECE * (i + 1), timing);
    expect(loud.floorDb).toBe(-30);
    // A −10 dBFS stream is always above the highest floor plus the margin: the detectors always run on it.
    expect(nextGate(loud, -10, PIECE, PIECE * 1_001, timing)).toBe(true);
  });
});
