/**
 * Tells a wedged capture device from a microphone: one that keeps delivering the same non-zero sample value, or only
 * full-scale samples (±32,767/−32,768), for longer than a limit. Such a stream is not sound: a live microphone always
 * has noise in its low bits, and real sound at the rails for seconds would be a broken device too.
 *
 * What it cannot tell (and does not try to): random bytes, a wrong sample format, a muted input (exact zeros, which a
 * muted or gated device legitimately delivers and a restart would not change). Those reach the listener, which must
 * (and does) cope with any sample values.
 *
 * Counting is in samples, so the verdict does not depend on how fast the device delivers (an unpaced ALSA file
 * plugin in tests, a real 16 kHz device in use). One pass over each chunk, no allocation.
 *
 * @module
 */
import { INT16_MAX, INT16_MIN } from '../constants.js';
import { AudioError } from '../errors.js';

/** What a stuck stream looked like. */
export type StuckKind =
  /** The same non-zero value in every sample. */
  | 'constant'
  /** Only full-scale samples (the rails), in any pattern. */
  | 'full-scale';

/** A stuck stream, as {@link StuckDetector.push} reports it. */
export interface StuckVerdict {
  readonly kind: StuckKind;
  /** The repeated value, for `constant`. */
  readonly value?: number;
  /** Samples in the run when it was reported (≥ the limit). */
  readonly samples: number;
}

/** Finds runs of constant non-zero or full-scale samples longer than a limit. */
export class StuckDetector {
  /** The limit, samples. */
  readonly limitSamples: number;
  #value = 0;
  #constantRun = 0;
  #railRun = 0;
  #reported = false;

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for a limit that is not a positive integer. */
  constructor(limitSamples: number) {
    if (!(Number.isInteger(limitSamples) && limitSamples > 0)) {
      throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `limitSamples: expected a positive integer, got ${limitSamples}`);
    }
    this.limitSamples = limitSamples;
  }

  /**
   * Adds samples that follow the previous ones.
   * @returns the verdict when a run is at or past the limit at the end of this chunk and was not reported yet (once
   *   per run: a run that breaks re-arms it), else undefined.
   */
  push(samples: Int16Array): StuckVerdict | undefined {
    let value = this.#value;
    let constant = this.#constantRun;
    let rails = this.#railRun;
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i] as number;
      if (x === value && x !== 0) constant++;
      else {
        value = x;
        constant = x === 0 ? 0 : 1;
      }
      rails = x === INT16_MAX || x === INT16_MIN ? rails + 1 : 0;
    }
    this.#value = value;
    this.#constantRun = constant;
    this.#railRun = rails;
    if (constant < this.limitSamples && rails < this.limitSamples) {
      this.#reported = false; // the run broke: a later one is reported again
      return undefined;
    }
    if (this.#reported) return undefined;
    if (constant >= this.limitSamples) {
      this.#reported = true;
      return { kind: 'constant', value, samples: constant };
    }
    if (rails >= this.limitSamples) {
      this.#reported = true;
      return { kind: 'full-scale', samples: rails };
    }
    return undefined;
  }

  /** Forgets the current run (a new stream begins). */
  reset(): void {
    this.#value = 0;
    this.#constantRun = 0;
    this.#railRun = 0;
    this.#reported = false;
  }
}
