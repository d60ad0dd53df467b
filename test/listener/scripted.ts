/**
 * Scripted stand-ins for the listener's detectors (no models): each reports what a test scripted, by stream position,
 * and can be held (its promise left pending) or made to fail, so the Listener's plumbing is tested exactly.
 */
import type { VadEvent, VoiceActivityDetector } from '../../src/vad/index.js';
import type { WakeDetection, WakeWordDetector } from '../../src/wake/index.js';

/** Shared call log: checks that the two detectors are never called concurrently. */
export class CallLog {
  busy = false;
  overlaps = 0;
  enter(): void {
    if (this.busy) this.overlaps++;
    this.busy = true;
  }
  leave(): void {
    this.busy = false;
  }
}

/** A detector that reports scripted results by stream position and can be held (its promise left pending). */
export abstract class Scripted<T extends { readonly sample: number }> {
  position = 0;
  resets = 0;
  closed = false;
  readonly received: number[] = [];
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;
  failAt: number | undefined;

  constructor(
    readonly log: CallLog,
    readonly script: T[],
    readonly key: (t: T) => number,
  ) {}

  /** Make the next calls wait until {@link Scripted.release}. */
  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  async process(chunk: Int16Array): Promise<readonly T[]> {
    this.log.enter();
    try {
      for (const v of chunk) this.received.push(v);
      if (this.#gate !== undefined) await this.#gate;
      await Promise.resolve();
      const from = this.position;
      this.position += chunk.length;
      if (this.failAt !== undefined && this.failAt >= from && this.failAt < this.position) {
        this.failAt = undefined;
        throw new Error('inference failed');
      }
      return this.script.filter((t) => this.key(t) > from && this.key(t) <= this.position);
    } finally {
      this.log.leave();
    }
  }

  reset(): void {
    this.resets++;
    this.position = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A wake-word detector that fires where the script says. */
export class FakeWake extends Scripted<WakeDetection> implements WakeWordDetector {
  readonly keywords = ['hey_jarvis'];
  constructor(log: CallLog, script: WakeDetection[] = []) {
    super(log, script, (d) => d.sample);
  }
}

/** A VAD that reports the scripted speech edges when it reaches their decision positions. */
export class FakeVad extends Scripted<VadEvent> implements VoiceActivityDetector {
  readonly windowSamples = 512;
  /** What the speech gate reads after each piece (scripted per test). */
  speaking = false;
  probability = 0;
  constructor(log: CallLog, script: VadEvent[] = []) {
    super(log, script, (e) => e.decidedAt);
  }
}

/** A VAD speech start at `sample`, decided a window later. */
export const start = (sample: number): VadEvent => ({ type: 'speech-start', sample, decidedAt: sample + 512, probability: 0.9 });
/** A VAD speech end at `sample`, decided 100 ms later. */
export const end = (sample: number): VadEvent => ({ type: 'speech-end', sample, decidedAt: sample + 1_600, probability: 0.1 });
/** A wake-word detection at `sample`. */
export const wake = (sample: number, score = 0.9): WakeDetection => ({ keyword: 'hey_jarvis', score, sample });
