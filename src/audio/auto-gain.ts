/**
 * Automatic gain for quiet USB microphones, in front of everything that listens (like wyoming-satellite's
 * `--mic-auto-gain`, whose 0–31 is the target level in dB below full scale).
 *
 * Per piece: the level (RMS dBFS) of pieces that stand out of the tracked noise floor by {@link SPEECH_MARGIN_DB}
 * (speech, not the room) sets the gain that would bring them to the target; the gain falls quickly (so a loud voice is
 * not clipped for long) and rises slowly (so a pause does not pump the room noise up), stays within 0 to
 * {@link MAX_AUTO_GAIN_DB}, and a peak limiter lowers it at once for a piece it would clip. The gain is ramped
 * linearly across each piece (no steps, no clicks). In place, nothing allocated per piece.
 *
 * @module
 */
import { INT16_MAX, INT16_MIN, SAMPLE_RATE_HZ } from './constants.js';
import { AudioError } from './errors.js';
import { levelDbfs } from './gain.js';
import type { MicProcessor } from './noise-suppression.js';

/** Highest target accepted, dB below full scale (wyoming-satellite's range is 0–31; 0 there means off). */
export const AUTO_GAIN_MAX_TARGET = 31;
/** Most gain applied, dB. */
const MAX_AUTO_GAIN_DB = 30;
/** A piece this far above the noise floor counts as speech for the level estimate, dB. */
const SPEECH_MARGIN_DB = 10;
/** Gain rise rate, dB per second; the fall is immediate up to half the difference per piece. */
const RISE_DB_PER_S = 6;
/** Noise floor rise rate, dB per second (it falls at once to a quieter piece). */
const FLOOR_RISE_DB_PER_S = 2;
/** Peaks are limited to this fraction of full scale. */
const PEAK_LIMIT = 0.9 * INT16_MAX;

/** Options of {@link AutoGain}. */
export interface AutoGainOptions {
  /** Target speech level, dB below full scale, 1–31 (e.g. 16 → speech at −16 dBFS RMS). */
  readonly targetDbfs: number;
}

/** The automatic gain control. */
export class AutoGain implements MicProcessor {
  readonly name: string;
  readonly delaySamples = 0;
  readonly #target: number;
  #gainDb = 0;
  #floorDb = Number.NaN;

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} a target outside 1–31. */
  constructor(options: AutoGainOptions) {
    const t = options.targetDbfs;
    if (!(Number.isFinite(t) && t >= 1 && t <= AUTO_GAIN_MAX_TARGET)) {
      throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `auto gain target: expected 1–${AUTO_GAIN_MAX_TARGET} dB below full scale, got ${t}`);
    }
    this.#target = -t;
    this.name = `auto-gain −${t} dBFS`;
  }

  /** The gain now applied, dB. */
  get gainDb(): number {
    return this.#gainDb;
  }

  process(piece: Int16Array): void {
    const n = piece.length;
    if (n === 0) return;
    const level = levelDbfs(piece);
    const seconds = n / SAMPLE_RATE_HZ;
    if (Number.isNaN(this.#floorDb) || level < this.#floorDb) this.#floorDb = level;
    else this.#floorDb = Math.min(level, this.#floorDb + FLOOR_RISE_DB_PER_S * seconds);
    const from = this.#gainDb;
    let to = from;
    if (level > this.#floorDb + SPEECH_MARGIN_DB) {
      const want = clamp(this.#target - level, 0, MAX_AUTO_GAIN_DB);
      to = want < from ? from + (want - from) * 0.5 : Math.min(want, from + RISE_DB_PER_S * seconds);
    }
    let peak = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(piece[i] as number);
      if (a > peak) peak = a;
    }
    // Limit: no sample of this piece may exceed the limit at the larger of the two ramp ends.
    const limitDb = peak === 0 ? MAX_AUTO_GAIN_DB : 20 * Math.log10(PEAK_LIMIT / peak);
    if (to > limitDb) to = Math.max(0, limitDb);
    const start = from > limitDb ? Math.max(0, limitDb) : from;
    const g0 = 10 ** (start / 20);
    const g1 = 10 ** (to / 20);
    const step = (g1 - g0) / n;
    for (let i = 0; i < n; i++) {
      const v = Math.round((piece[i] as number) * (g0 + step * (i + 1)));
      piece[i] = v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
    }
    this.#gainDb = to;
  }

  reset(): void {
    this.#gainDb = 0;
    this.#floorDb = Number.NaN;
  }

  close(): void {}
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
