/**
 * The speaker's typical pitch (fundamental frequency), for choosing the vocal tract warp of the decoder
 * (src/speech/pocketsphinx.ts): the en-us model hears high voices, whose formants sit higher, worse than low ones.
 *
 * How: the audio is halved to 8 kHz (pairs averaged: pitch is far below the new Nyquist frequency); every 10 ms a
 * 32 ms frame among the loudest half of the frames is searched for its strongest normalised autocorrelation between
 * 60 and 400 Hz; frames whose peak is under {@link VOICING_MIN} are unvoiced and skipped; the result is the median of
 * the voiced frames' pitch. To avoid an octave too low (a peak at twice the period is as strong as the first), the
 * shortest period whose correlation is within 10 % of the best one is taken.
 *
 * Pure and deterministic.
 *
 * @module
 */
import { SAMPLE_RATE_HZ } from './constants.js';

const RATE = SAMPLE_RATE_HZ / 2;
const FRAME = Math.round(0.032 * RATE);
const HOP = Math.round(0.01 * RATE);
const MIN_LAG = Math.floor(RATE / 400);
const MAX_LAG = Math.ceil(RATE / 60);
/** Least normalised autocorrelation of a voiced frame. */
const VOICING_MIN = 0.6;
/** Fewer voiced frames than this (50 ms of voicing) give no estimate. */
const MIN_VOICED_FRAMES = 5;

/** The median pitch of the voiced frames of `pcm` (16 kHz), Hz; undefined when too little of it is voiced. */
export function medianPitchHz(pcm: Int16Array): number | undefined {
  const half = new Float64Array(Math.floor(pcm.length / 2));
  for (let i = 0; i < half.length; i++) half[i] = ((pcm[2 * i] ?? 0) + (pcm[2 * i + 1] ?? 0)) / 2;
  const starts: number[] = [];
  const energies: number[] = [];
  for (let s = 0; s + FRAME + MAX_LAG <= half.length; s += HOP) {
    let e = 0;
    for (let i = s; i < s + FRAME; i++) e += (half[i] ?? 0) ** 2;
    starts.push(s);
    energies.push(e);
  }
  if (starts.length === 0) return undefined;
  // The loudest half of the frames, by rank (a steady tone has many frames of the same energy).
  const loudest = starts.map((_, f) => f).sort((a, b) => (energies[b] ?? 0) - (energies[a] ?? 0)).slice(0, Math.ceil(starts.length / 2)).sort((a, b) => a - b);
  const pitches: number[] = [];
  const corr = new Float64Array(MAX_LAG + 1);
  for (const f of loudest) {
    const s = starts[f] ?? 0;
    const e0 = energies[f] ?? 0;
    if (e0 === 0) continue;
    let best = 0;
    for (let lag = MIN_LAG; lag <= MAX_LAG; lag++) {
      let c = 0;
      let e1 = 0;
      for (let i = s; i < s + FRAME; i++) {
        const b = half[i + lag] ?? 0;
        c += (half[i] ?? 0) * b;
        e1 += b * b;
      }
      corr[lag] = e1 > 0 ? c / Math.sqrt(e0 * e1) : 0;
      best = Math.max(best, corr[lag] ?? 0);
    }
    if (best < VOICING_MIN) continue;
    for (let lag = MIN_LAG + 1; lag < MAX_LAG; lag++) {
      const c = corr[lag] ?? 0;
      if (c >= 0.9 * best && c >= (corr[lag - 1] ?? 0) && c >= (corr[lag + 1] ?? 0)) {
        pitches.push(RATE / lag);
        break;
      }
    }
  }
  if (pitches.length < MIN_VOICED_FRAMES) return undefined;
  pitches.sort((a, b) => a - b);
  return pitches[Math.floor(pitches.length / 2)];
}

/** How the decoder's frequency warp follows the speaker's pitch ({@link vocalTractWarp}). */
export interface VocalTractWarpParams {
  /** At or under this median pitch the warp is {@link minWarp}, Hz. */
  readonly lowPitchHz: number;
  /** At or over this median pitch the warp is {@link maxWarp}, Hz; linear in between. */
  readonly highPitchHz: number;
  /** The warp of low voices (under 1: their spectrum is stretched). */
  readonly minWarp: number;
  /** The warp of high voices: frequencies are divided by it before the filterbank (`-warp_type inverse_linear`). */
  readonly maxWarp: number;
}

/**
 * Chosen on the tuning half (bench/offline-diagnose.ts, the sums of the tuning voices; docs/offline.md). Female
 * voices (median pitch 157–211 Hz), right of 70 sums: unwarped 46; at 1.05 / 1.1 / 1.15 / 1.2 / 1.3: 47 / 50 / 53 /
 * 54 / 53. Male voices (85–103 Hz), of 140: unwarped 94; at 0.9 / 0.92 / 0.95 / 0.97: 97 / 98 / 99 / 97; at 1.1 93,
 * at 1.2 81.
 */
export const DEFAULT_VOCAL_TRACT_WARP: VocalTractWarpParams = Object.freeze({ lowPitchHz: 100, highPitchHz: 180, minWarp: 0.95, maxWarp: 1.2 });

/** The decoder warp for a speaker of median pitch `pitchHz` (undefined pitch: 1, none), to two decimals. */
export function vocalTractWarp(pitchHz: number | undefined, params: VocalTractWarpParams = DEFAULT_VOCAL_TRACT_WARP): number {
  if (pitchHz === undefined || !(params.highPitchHz > params.lowPitchHz)) return 1;
  const share = Math.min(1, Math.max(0, (pitchHz - params.lowPitchHz) / (params.highPitchHz - params.lowPitchHz)));
  return Math.round(100 * (params.minWarp + share * (params.maxWarp - params.minWarp))) / 100;
}
