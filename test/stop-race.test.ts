import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { STOPPED, stopRace } from '../src/stop-race.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Reads `count` 64 KiB chunks through `race` against a stop that never comes; how many chunks are still reachable. */
async function chunksStillReachable(race: (read: Promise<Uint8Array>) => Promise<unknown>, count: number): Promise<number> {
  const refs: WeakRef<Uint8Array>[] = [];
  for (let i = 0; i < count; i++) {
    const chunk = new Uint8Array(65_536);
    refs.push(new WeakRef(chunk));
    await race(Promise.resolve(chunk));
  }
  // WeakRefs keep their targets alive until the current job ends: let it end before collecting.
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  await new Promise((resolve) => setImmediate(resolve));
  return refs.filter((ref) => ref.deref() !== undefined).length;
}

describe('stopRace', () => {
  it('keeps no read result alive after the read loop moved on (Promise.race against the same stop keeps them all)', async () => {
    const never = new Promise<void>(() => {});
    const leaky = await chunksStillReachable((read) => Promise.race([read, never]), 200);
    const fixed = await chunksStillReachable(stopRace(new Promise<void>(() => {})), 200);
    expect(leaky).toBe(200); // the pattern this module replaces: proves the measurement can see a leak
    expect(fixed).toBeLessThanOrEqual(1);
  });

  it('resolves a pending read to STOPPED when the stop comes, and every later read at once', async () => {
    let stop!: () => void;
    const race = stopRace(new Promise<void>((resolve) => (stop = resolve)));
    const pending = race(new Promise<number>(() => {}));
    stop();
    await expect(pending).resolves.toBe(STOPPED);
    await expect(race(Promise.resolve(7))).resolves.toBe(STOPPED);
  });

  it('passes values and rejections of reads through, and counts a rejected stop as a stop', async () => {
    let fail!: (error: Error) => void;
    const race = stopRace(new Promise<void>((_, reject) => (fail = reject)));
    await expect(race(Promise.resolve('chunk'))).resolves.toBe('chunk');
    await expect(race(Promise.reject(new Error('read failed')))).rejects.toThrow('read failed');
    const pending = race(new Promise<string>(() => {}));
    fail(new Error('signal handler gone'));
    await expect(pending).resolves.toBe(STOPPED);
  });

  it('ignores a read that rejects after it lost to the stop', async () => {
    let stop!: () => void;
    let failRead!: (error: Error) => void;
    const race = stopRace(new Promise<void>((resolve) => (stop = resolve)));
    const pending = race(new Promise<string>((_, reject) => (failRead = reject)));
    stop();
    await expect(pending).resolves.toBe(STOPPED);
    failRead(new Error('late read failure')); // an unhandled rejection here would fail the run
    await new Promise((resolve) => setImmediate(resolve));
  });
});
