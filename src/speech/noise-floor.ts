/**
 * A noise floor under the utterance before pocketsphinx decodes it. Synthetic and close-talk speech can have pauses
 * of near-digital silence, which no model trained on microphone audio has seen: its spectral noise subtraction
 * (`-remove_noise`) then has no noise to estimate, and the silence frames' energy term skews the cepstral mean. The
 * tuning half measured the effect plainly: the same espeak-ng questions were heard right far more often at 11–14 dB
 * SNR than clean (docs/offline.md). Adding white noise up to a fixed level below the speech, and nothing where the
 * recording already has that much, gives every utterance the floor a microphone would.
 *
 * Pure and deterministic: the noise comes from a fixed-seed generator, so the same audio always decodes the same.
 *
 * @module
 */
import { SAMPLE_RATE_HZ } from './constants.js';

/** 10 ms frames. */
const FRAME_SAMPLES = SAMPLE_RATE_HZ / 100;

/** Frame powers (mean square) of `pcm` in 10 ms frames (a partial last frame is left out). */
export function framePowers(pcm: Int16Array): Float64Array {
  const frames = Math.floor(pcm.length / FRAME_SAMPLES);
  const powers = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * FRAME_SAMPLES; i < (f + 1) * FRAME_SAMPLES; i++) {
      const v = pcm[i] ?? 0;
      sum += v * v;
    }
    powers[f] = sum / FRAME_SAMPLES;
  }
  return powers;
}

/** What {@link noiseFloorLevels} measured, as mean-square powers (sample units²). */
export interface FloorLevels {
  /** Mean power of the loud frames: those above the midpoint (in dB) of the 10th and 98th percentile frames. */
  readonly speech: number;
  /** The recording's own floor: its 10th percentile frame power. */
  readonly floor: number;
}

/**
 * The quiet floor and the loud peak of frame `powers`: their 10th and 98th percentiles (undefined: no frames). Both
 * the noise floor and the speech span (src/speech/rejection.ts) place their level between these two.
 */
export function floorAndPeak(powers: Float64Array): { readonly floor: number; readonly peak: number } | undefined {
  if (powers.length === 0) return undefined;
  const sorted = Float64Array.from(powers).sort();
  return { floor: sorted[Math.floor(0.1 * (sorted.length - 1))] ?? 0, peak: sorted[Math.floor(0.98 * (sorted.length - 1))] ?? 0 };
}

/** The speech and floor powers of `pcm` (undefined: shorter than a frame, or all zeros). */
export function noiseFloorLevels(pcm: Int16Array): FloorLevels | undefined {
  const powers = framePowers(pcm);
  const range = floorAndPeak(powers);
  if (range === undefined) return undefined;
  const { floor, peak } = range;
  if (peak <= 0) return undefined;
  const midDb = (10 * Math.log10(floor + 1) + 10 * Math.log10(peak + 1)) / 2;
  let sum = 0;
  let n = 0;
  for (const p of powers) {
    if (10 * Math.log10(p + 1) > midDb) {
      sum += p;
      n++;
    }
  }
  return { speech: n > 0 ? sum / n : peak, floor };
}

/** A fixed-seed generator of unsigned 32-bit integers (xorshift32; seed 0 is taken as 1). */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** A fixed-seed uniform generator in [0, 1). */
function uniform(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 4294967296;
}

/**
 * The standard deviation of the white noise that brings the floor of `pcm` to `belowSpeechDb` dB under its speech
 * power; 0 when its own floor is already that high (or it has no speech).
 *
 * @param belowSpeechDb how far under the speech power the floor should be, dB (e.g. 30)
 */
export function floorNoiseSigma(pcm: Int16Array, belowSpeechDb: number): number {
  const levels = noiseFloorLevels(pcm);
  if (levels === undefined) return 0;
  const missing = levels.speech / 10 ** (belowSpeechDb / 10) - levels.floor;
  return missing > 0 ? Math.sqrt(missing) : 0;
}

/**
 * `pcm` plus white Gaussian noise of standard deviation `sigma` from a fixed-seed generator, clamped to 16 bits;
 * `pcm` itself when `sigma` is 0.
 */
export function withWhiteNoise(pcm: Int16Array, sigma: number, seed = 1): Int16Array {
  if (sigma <= 0) return pcm;
  const next = uniform(seed);
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i += 2) {
    // Box–Muller: two Gaussian samples per two uniforms.
    const r = Math.sqrt(-2 * Math.log(1 - next()));
    const a = 2 * Math.PI * next();
    out[i] = clamp((pcm[i] ?? 0) + sigma * r * Math.cos(a));
    if (i + 1 < pcm.length) out[i + 1] = clamp((pcm[i + 1] ?? 0) + sigma * r * Math.sin(a));
  }
  return out;
}

/**
 * `pcm` with white noise added so that its floor is no further than `belowSpeechDb` dB under its speech power. A
 * recording whose own floor is already that high is returned as it is (the same array).
 */
export function withNoiseFloor(pcm: Int16Array, belowSpeechDb: number, seed = 1): Int16Array {
  return withWhiteNoise(pcm, floorNoiseSigma(pcm, belowSpeechDb), seed);
}

function clamp(v: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(v)));
}

