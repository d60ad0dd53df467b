/**
 * Windowed-sinc (Kaiser) sample-rate conversion of mono 16-bit audio, used at the edge where an engine's native
 * rate (espeak-ng 22 050 Hz, OpenAI 24 000 Hz, flite `kal` 8 000 Hz…) meets the process-wide 16 kHz.
 *
 * For rational ratios with a small number of phases (22 050 → 16 000 has 320) the kernel is precomputed once per
 * phase; otherwise it is computed per output sample. Each phase is normalized to unit DC gain.
 *
 * TODO(lead): swap for the `src/audio` resampler once that layer lands.
 *
 * @module
 */
import { RESAMPLE_CUTOFF_RATIO, RESAMPLE_HALF_ZERO_CROSSINGS, RESAMPLE_KAISER_BETA } from './constants.js';
import { SpeechError } from './errors.js';

/** Above this many phases, kernels are computed on the fly instead of tabulated. */
const MAX_TABLE_PHASES = 4096;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/**
 * Convert `input` from `fromRate` to `toRate`.
 *
 * @throws {SPEECH_ERR_BAD_AUDIO} a rate that is not a positive integer
 */
export function resampleInt16(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  for (const [name, rate] of [['fromRate', fromRate], ['toRate', toRate]] as const) {
    if (!Number.isInteger(rate) || rate <= 0) throw new SpeechError('SPEECH_ERR_BAD_AUDIO', `expected "${name}" to be a positive integer in hertz, got ${rate}`);
  }
  if (fromRate === toRate) return input;
  const g = gcd(fromRate, toRate);
  const up = toRate / g; // number of phases
  const down = fromRate / g;
  const outLength = Math.floor((input.length * toRate) / fromRate);
  const out = new Int16Array(outLength);
  // Cut-off relative to the input sample rate (1 = input Nyquist).
  const cutoff = Math.min(1, toRate / fromRate) * RESAMPLE_CUTOFF_RATIO;
  const half = Math.ceil(RESAMPLE_HALF_ZERO_CROSSINGS / cutoff);
  const taps = 2 * half;
  const i0Beta = besselI0(RESAMPLE_KAISER_BETA);
  const kernel = (phase: number, into: Float64Array): void => {
    const frac = phase / up; // position of the output sample past the centre input sample, in input samples
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const x = j - half + 1 - frac; // distance from tap (centre + j - half + 1) to the output position
      const r = x / half;
      const w = Math.abs(r) >= 1 ? 0 : besselI0(RESAMPLE_KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
      const arg = Math.PI * cutoff * x;
      const s = x === 0 ? 1 : Math.sin(arg) / arg;
      into[j] = s * w;
      sum += into[j] ?? 0;
    }
    for (let j = 0; j < taps; j++) into[j] = (into[j] ?? 0) / sum;
  };
  const table = up <= MAX_TABLE_PHASES ? new Float64Array(up * taps) : undefined;
  if (table !== undefined) for (let p = 0; p < up; p++) kernel(p, table.subarray(p * taps, (p + 1) * taps));
  const scratch = new Float64Array(taps);
  for (let n = 0; n < outLength; n++) {
    const pos = n * down; // output position in units of 1/up input samples
    const centre = Math.floor(pos / up);
    const phase = pos - centre * up;
    let coeffs: Float64Array;
    if (table !== undefined) coeffs = table.subarray(phase * taps, (phase + 1) * taps);
    else {
      kernel(phase, scratch);
      coeffs = scratch;
    }
    let acc = 0;
    const first = centre - half + 1;
    for (let j = 0; j < taps; j++) {
      const k = first + j;
      if (k >= 0 && k < input.length) acc += (input[k] ?? 0) * (coeffs[j] ?? 0);
    }
    out[n] = acc >= 32767 ? 32767 : acc <= -32768 ? -32768 : Math.round(acc);
  }
  return out;
}
