/**
 * Steady background noise taken out of an utterance before pocketsphinx decodes it. The recognizer's own noise
 * subtraction (`-remove_noise`) works on its 25 mel bands; at 10–15 dB SNR the tuning half was still misheard far
 * more often than clean (78 of 96 right in noise). A short-time spectral gain in front of it, with the noise spectrum
 * taken from the utterance's own quietest frames, brought that to 90 of 96 and left clean speech as it was
 * (docs/offline.md, "Noise reduction").
 *
 * How: 512-point frames (32 ms) at 50 % overlap with square-root Hann windows for analysis and synthesis, which
 * reconstruct the input exactly when the gain is 1; the noise power spectrum is the mean of the quietest frames'
 * spectra; the gain per bin is a Wiener gain on the decision-directed a-priori SNR (Ephraim and Malah, 1984), which
 * keeps the "musical noise" of plain spectral subtraction low, and never goes under a floor: removing more than
 * about 12 dB made the recognizer worse again (at −20 dB, 72 of 96).
 *
 * Pure and deterministic.
 *
 * @module
 */

/** Frame length, samples (a power of two for the FFT). */
const FRAME = 512;
const HOP = FRAME / 2;
const BINS = FRAME / 2 + 1;

/** Tuning of {@link reduceNoise}. */
export interface NoiseReductionParams {
  /** Share of the frames, the quietest, whose mean spectrum is taken as the noise, 0..1. */
  readonly quietShare: number;
  /** Least gain per bin, linear amplitude (0.25 ≈ −12 dB). */
  readonly minGain: number;
  /** Weight of the previous frame in the decision-directed a-priori SNR, 0..1. */
  readonly smoothing: number;
}

/**
 * Chosen on the tuning half (bench/offline-diagnose.ts with OFFLINE_NOISE_REDUCTION; docs/offline.md): in-domain
 * right of the 96 noisy tuning utterances by least gain: none 78, 0.1 72, 0.15 85, 0.2 89, 0.25 90, 0.3 87, 0.5 86.
 */
export const DEFAULT_NOISE_REDUCTION: NoiseReductionParams = Object.freeze({ quietShare: 0.15, minGain: 0.25, smoothing: 0.98 });

const WINDOW = Float64Array.from({ length: FRAME }, (_, i) => Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / FRAME)));
const TWIDDLE_RE = Float64Array.from({ length: FRAME / 2 }, (_, k) => Math.cos((-2 * Math.PI * k) / FRAME));
const TWIDDLE_IM = Float64Array.from({ length: FRAME / 2 }, (_, k) => Math.sin((-2 * Math.PI * k) / FRAME));
const BIT_REVERSED = Uint16Array.from({ length: FRAME }, (_, i) => {
  let r = 0;
  for (let bit = 1, j = FRAME >> 1; bit < FRAME; bit <<= 1, j >>= 1) if (i & bit) r |= j;
  return r;
});

/** In-place radix-2 FFT of one frame; `inverse` conjugates the twiddles and scales by 1/FRAME. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  for (let i = 0; i < FRAME; i++) {
    const j = BIT_REVERSED[i] ?? 0;
    if (i < j) {
      const r = re[i] ?? 0;
      re[i] = re[j] ?? 0;
      re[j] = r;
      const m = im[i] ?? 0;
      im[i] = im[j] ?? 0;
      im[j] = m;
    }
  }
  const sign = inverse ? -1 : 1;
  for (let size = 2; size <= FRAME; size <<= 1) {
    const half = size >> 1;
    const step = FRAME / size;
    for (let start = 0; start < FRAME; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = TWIDDLE_RE[k * step] ?? 1;
        const wi = sign * (TWIDDLE_IM[k * step] ?? 0);
        const a = start + k;
        const b = a + half;
        const br = (re[b] ?? 0) * wr - (im[b] ?? 0) * wi;
        const bi = (re[b] ?? 0) * wi + (im[b] ?? 0) * wr;
        re[b] = (re[a] ?? 0) - br;
        im[b] = (im[a] ?? 0) - bi;
        re[a] = (re[a] ?? 0) + br;
        im[a] = (im[a] ?? 0) + bi;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < FRAME; i++) {
      re[i] = (re[i] ?? 0) / FRAME;
      im[i] = (im[i] ?? 0) / FRAME;
    }
  }
}

/**
 * `pcm` (16 kHz) with its steady background noise reduced; same length. Audio shorter than four frames (≈ 80 ms)
 * is returned as it is.
 */
export function reduceNoise(pcm: Int16Array, params: NoiseReductionParams = DEFAULT_NOISE_REDUCTION): Int16Array {
  if (pcm.length < 4 * FRAME) return pcm;
  // Half a frame of zeros before (and enough after), so every input sample lies under two windows, whose squares sum
  // to 1.
  const padded = new Float64Array(pcm.length + 2 * FRAME);
  for (let i = 0; i < pcm.length; i++) padded[HOP + i] = pcm[i] ?? 0;
  const frames = Math.floor((pcm.length + FRAME) / HOP);
  const re: Float64Array[] = [];
  const im: Float64Array[] = [];
  const power: Float64Array[] = [];
  const energy = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    const r = new Float64Array(FRAME);
    const m = new Float64Array(FRAME);
    for (let i = 0; i < FRAME; i++) r[i] = (padded[f * HOP + i] ?? 0) * (WINDOW[i] ?? 0);
    fft(r, m, false);
    const p = new Float64Array(BINS);
    let e = 0;
    for (let k = 0; k < BINS; k++) {
      p[k] = (r[k] ?? 0) ** 2 + (m[k] ?? 0) ** 2;
      e += p[k] ?? 0;
    }
    re.push(r);
    im.push(m);
    power.push(p);
    energy[f] = e;
  }
  // The noise is estimated on frames that lie wholly inside the input (the first and last touch the zero padding).
  const inner = Array.from({ length: Math.max(0, frames - 2) }, (_, i) => i + 1).sort((a, b) => (energy[a] ?? 0) - (energy[b] ?? 0));
  const quiet = inner.slice(0, Math.max(3, Math.round(params.quietShare * inner.length)));
  const noise = new Float64Array(BINS);
  for (const f of quiet) for (let k = 0; k < BINS; k++) noise[k] = (noise[k] ?? 0) + (power[f]?.[k] ?? 0) / quiet.length;

  const out = new Float64Array(padded.length);
  const cleanedPower = new Float64Array(BINS); // |gain × X|² of the previous frame, per bin
  for (let f = 0; f < frames; f++) {
    const r = re[f] ?? new Float64Array(FRAME);
    const m = im[f] ?? new Float64Array(FRAME);
    const p = power[f] ?? new Float64Array(BINS);
    for (let k = 0; k < BINS; k++) {
      const n = Math.max(1e-6, noise[k] ?? 0);
      const excess = Math.max((p[k] ?? 0) / n - 1, 0);
      const prior = f === 0 ? excess : params.smoothing * ((cleanedPower[k] ?? 0) / n) + (1 - params.smoothing) * excess;
      const gain = Math.max(prior / (1 + prior), params.minGain);
      cleanedPower[k] = gain * gain * (p[k] ?? 0);
      r[k] = (r[k] ?? 0) * gain;
      m[k] = (m[k] ?? 0) * gain;
      if (k > 0 && k < FRAME / 2) {
        r[FRAME - k] = (r[FRAME - k] ?? 0) * gain;
        m[FRAME - k] = (m[FRAME - k] ?? 0) * gain;
      }
    }
    fft(r, m, true);
    for (let i = 0; i < FRAME; i++) out[f * HOP + i] = (out[f * HOP + i] ?? 0) + (r[i] ?? 0) * (WINDOW[i] ?? 0);
  }
  const result = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) result[i] = Math.max(-32768, Math.min(32767, Math.round(out[HOP + i] ?? 0)));
  return result;
}
