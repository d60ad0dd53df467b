import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AudioSource,
  type AudioSourceEvents,
  DeviceError,
  type RetryInfo,
  type SourceState,
  SupervisedSource,
  WavError,
} from '../../src/audio/index.js';

/** A source whose device fails on command. */
class FakeSource extends EventEmitter<AudioSourceEvents> implements AudioSource {
  readonly name = 'fake mic';
  state: SourceState = 'stopped';
  starts = 0;
  stops = 0;
  /** Errors the next start() calls throw, in order. */
  startErrors: Error[] = [];

  async start(): Promise<void> {
    this.starts++;
    const error = this.startErrors.shift();
    if (error !== undefined) throw error;
    this.state = 'running';
  }

  async stop(): Promise<void> {
    this.stops++;
    this.state = 'stopped';
  }

  die(): void {
    this.state = 'stopped';
    this.emit('error', new DeviceError('AUDIO_ERR_DEVICE_EXIT', 'arecord exited with code 1: arecord: pcm_read:2221: read error: No such device'));
  }

  feed(samples: number): void {
    this.emit('chunk', new Int16Array(samples));
  }
}

const noMic = (): DeviceError => new DeviceError('AUDIO_ERR_DEVICE_EXIT', 'arecord exited with code 1: audio open error: No such device');

let source: FakeSource;
let supervised: SupervisedSource;
let failures: [string, RetryInfo][];

beforeEach(() => {
  vi.useFakeTimers();
  source = new FakeSource();
  failures = [];
});
afterEach(async () => {
  await supervised.stop();
  vi.useRealTimers();
});

function supervise(options: ConstructorParameters<typeof SupervisedSource>[1] = {}): SupervisedSource {
  supervised = new SupervisedSource(source, options);
  supervised.on('deviceError', (e, r) => failures.push([e.code, r]));
  return supervised;
}

describe('SupervisedSource', () => {
  it('forwards audio while healthy', async () => {
    supervise();
    const got: number[] = [];
    supervised.on('chunk', (c) => got.push(c.length));
    await supervised.start();
    source.feed(1280);
    source.feed(512);
    expect(got).toEqual([1280, 512]);
    expect(supervised.state).toBe('running');
  });

  it('backs off exponentially from 0.5 s to a 30 s cap while the device stays gone', async () => {
    supervise();
    await supervised.start();
    source.startErrors = Array.from({ length: 20 }, noMic);
    source.die();
    const delays = [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000];
    for (const delay of delays) {
      expect(supervised.state).toBe('backoff');
      const starts = source.starts;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(source.starts, `not before ${delay} ms`).toBe(starts);
      await vi.advanceTimersByTimeAsync(1);
      expect(source.starts, `at ${delay} ms`).toBe(starts + 1);
    }
    expect(failures.map(([, r]) => r.delayMs)).toEqual([...delays, 30000]);
    expect(failures.map(([, r]) => r.attempt)).toEqual(delays.map((_, i) => i + 1).concat(delays.length + 1));
    expect(supervised.failures).toBe(delays.length + 1);
  });

  it('resumes when the device comes back, and reports recovery on the first audio', async () => {
    supervise();
    const events: string[] = [];
    supervised.on('restart', (n) => events.push(`restart ${n}`));
    supervised.on('recovered', (n) => events.push(`recovered ${n}`));
    supervised.on('chunk', (c) => events.push(`chunk ${c.length}`));
    await supervised.start();
    source.startErrors = [noMic()];
    source.die();
    await vi.advanceTimersByTimeAsync(500); // retry 1 fails
    await vi.advanceTimersByTimeAsync(1000); // retry 2 works
    expect(supervised.state).toBe('running');
    source.feed(1280);
    expect(events).toEqual(['restart 1', 'restart 2', 'recovered 2', 'chunk 1280']);
    expect(failures.map(([c]) => c)).toEqual(['AUDIO_ERR_DEVICE_EXIT', 'AUDIO_ERR_DEVICE_EXIT']);
  });

  it('forgets past failures only after 10 s of healthy audio', async () => {
    supervise();
    await supervised.start();
    source.die();
    await vi.advanceTimersByTimeAsync(500);
    source.feed(16000 * 9); // 9 s: not yet healthy
    source.die();
    expect(failures.at(-1)?.[1]).toEqual({ attempt: 2, delayMs: 1000 });
    await vi.advanceTimersByTimeAsync(1000);
    source.feed(16000 * 10);
    expect(supervised.failures).toBe(0);
    source.die();
    expect(failures.at(-1)?.[1]).toEqual({ attempt: 1, delayMs: 500 });
  });

  it('treats a device that goes silent as failed (stall), and stops it before retrying', async () => {
    supervise({ stallTimeoutMs: 5000 });
    await supervised.start();
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      source.feed(16000); // steady audio: never a stall
    }
    expect(failures).toEqual([]);
    await vi.advanceTimersByTimeAsync(6_250); // silence: noticed within the timeout plus a quarter of it
    expect(failures).toEqual([['AUDIO_ERR_DEVICE_STALLED', { attempt: 1, delayMs: 500 }]]);
    expect(source.stops).toBe(1);
    const starts = source.starts;
    await vi.advanceTimersByTimeAsync(500);
    expect(source.starts).toBe(starts + 1);
  });

  it('stops cleanly during a backoff: no restart, no timer left', async () => {
    supervise();
    await supervised.start();
    source.die();
    expect(vi.getTimerCount()).toBe(1);
    await supervised.stop();
    expect(supervised.state).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
    const starts = source.starts;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(source.starts).toBe(starts);
  });

  it('stops the running source and leaves no stall timer behind', async () => {
    supervise();
    await supervised.start();
    await supervised.stop();
    expect(source.state).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not retry a first start that fails for a non-device reason (a bad WAV file)', async () => {
    supervise();
    source.startErrors = [new WavError('AUDIO_ERR_WAV_MALFORMED', "malformed WAV: expected 'RIFF' at byte 0, got 'OggS'")];
    await expect(supervised.start()).rejects.toMatchObject({ code: 'AUDIO_ERR_WAV_MALFORMED' });
    expect(supervised.state).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends supervision when a finite source ends', async () => {
    supervise();
    await supervised.start();
    const ended = vi.fn();
    supervised.on('end', ended);
    source.state = 'stopped';
    source.emit('end');
    expect(ended).toHaveBeenCalledOnce();
    expect(supervised.state).toBe('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects bad options and a second start', async () => {
    expect(() => new SupervisedSource(source, { initialDelayMs: 0 })).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT', message: 'initialDelayMs: expected a positive number, got 0' }) as Error,
    );
    expect(() => new SupervisedSource(source, { factor: 0.5 })).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT' }) as Error);
    expect(() => new SupervisedSource(source, { stallTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT' }) as Error);
    supervise();
    await supervised.start();
    await expect(supervised.start()).rejects.toMatchObject({ code: 'AUDIO_ERR_STATE' });
  });
});
