/**
 * The anti-aliasing kernel of the resampler: a Kaiser-windowed sinc, tabulated once per fractional phase.
 *
 * Design (Kaiser's window-method formulas for β and length, as in Oppenheim & Schafer): the cutoff lies
 * halfway between the passband edge and the lower Nyquist frequency; the length follows from the transition width
 * and the stopband attenuation; each phase's row is normalised to unit DC gain.
 *
 * @module
 */
import { RESAMPLER_INTERPOLATED_PHASES, RESAMPLER_MAX_EXACT_PHASES } from './constants.js';

/** The tabulated polyphase kernel (read-only once designed; shared between resamplers). */
export interface Kernel {
  /** (rows + 1) × taps coefficients, row-major. */
  readonly table: Float32Array;
  /** Taps per row (a multiple of 4). */
  readonly taps: number;
  /** Half the taps: output at time base+φ reads inputs base-half+1 … base+half. */
  readonly half: number;
  /** Rows per input sample (L when exact, else {@link RESAMPLER_INTERPOLATED_PHASES}); the table has rows+1 rows. */
  readonly rows: number;
}

/** Greatest common divisor. */
export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (power series; converges fast for the β we use). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser β for a stopband attenuation in dB (Kaiser's empirical formula). */
function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  return 0;
}

/** Kernels are read-only and cost milliseconds to design, so resamplers with the same settings share one. */
const kernelCache = new Map<string, Kernel>();
/** A process uses a handful of rate pairs; the bound only stops a pathological caller from growing the cache. */
const KERNEL_CACHE_ENTRIES = 16;

/** The kernel for these settings, designed on first use. */
export function cachedKernel(inRate: number, outRate: number, up: number, stopbandDb: number, passFraction: number): Kernel {
  const key = `${inRate}:${outRate}:${stopbandDb}:${passFraction}`;
  let kernel = kernelCache.get(key);
  if (kernel === undefined) {
    kernel = designKernel(inRate, outRate, up, stopbandDb, passFraction);
    if (kernelCache.size >= KERNEL_CACHE_ENTRIES) kernelCache.delete(kernelCache.keys().next().value as string);
    kernelCache.set(key, kernel);
  }
  return kernel;
}

function designKernel(inRate: number, outRate: number, up: number, stopbandDb: number, passFraction: number): Kernel {
  const nyquist = Math.min(inRate, outRate) / 2;
  const passHz = nyquist * passFraction;
  const cutoffHz = (passHz + nyquist) / 2;
  const transition = (nyquist - passHz) / inRate; // in cycles per input sample
  // Kaiser's length estimate, in input samples.
  const length = (stopbandDb - 7.95) / (2.285 * 2 * Math.PI * transition) + 1;
  const halfWidth = length / 2;
  const half = 2 * Math.ceil(halfWidth / 2); // taps = 2·half is a multiple of 4 for the unrolled loop
  const taps = 2 * half;
  const rows = up <= RESAMPLER_MAX_EXACT_PHASES ? up : RESAMPLER_INTERPOLATED_PHASES;
  const beta = kaiserBeta(stopbandDb);
  const i0Beta = besselI0(beta);
  const fc = cutoffHz / inRate; // cycles per input sample
  const table = new Float32Array((rows + 1) * taps);
  for (let r = 0; r <= rows; r++) {
    const phase = r / rows;
    let sum = 0;
    const row = new Float64Array(taps);
    for (let j = 0; j < taps; j++) {
      const t = phase + half - 1 - j;
      if (Math.abs(t) >= halfWidth) continue;
      const x = 2 * Math.PI * fc * t;
      const sinc = t === 0 ? 1 : Math.sin(x) / x;
      const ratio = t / halfWidth;
      const w = besselI0(beta * Math.sqrt(1 - ratio * ratio)) / i0Beta;
      row[j] = 2 * fc * sinc * w;
      sum += row[j] ?? 0;
    }
    // Unit DC gain for every phase: otherwise a constant input would come out modulated by the phase pattern.
    for (let j = 0; j < taps; j++) table[r * taps + j] = (row[j] ?? 0) / sum;
  }
  return { table, taps, half, rows };
}
