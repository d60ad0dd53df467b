/**
 * Sample-rate conversion and downmix: a streaming polyphase windowed-sinc resampler.
 *
 * Used at the edges only: capture devices that run at 44.1/48 kHz or in stereo, WAV files at any rate 8–48 kHz, and
 * playback devices that want something other than 16 kHz.
 *
 * Method. The ratio is reduced to L/M (16 kHz ← 44.1 kHz is 160/441). Output sample k sits at input time k·M/L; it is
 * the dot product of the input around that time with a Kaiser-windowed sinc whose cutoff lies halfway between the
 * passband edge ({@link RESAMPLER_PASSBAND_FRACTION} of the lower Nyquist frequency) and the lower Nyquist frequency
 * itself, so everything that would alias is attenuated by at least {@link RESAMPLER_STOPBAND_DB}. The kernel is
 * tabulated once per fractional phase (L rows, each normalised to unit DC gain); for awkward ratios whose L exceeds
 * {@link RESAMPLER_MAX_EXACT_PHASES} the table has {@link RESAMPLER_INTERPOLATED_PHASES} rows and neighbouring rows are
 * interpolated linearly. Time is tracked in exact integers, so long streams never drift.
 *
 * Alignment. The filter is zero-phase: output sample k represents exactly input time k·M/L. Streaming therefore has a
 * latency of half the filter (≈ 2.5 ms at 48 kHz → 16 kHz); {@link StreamingResampler.flush} pads with silence to emit
 * the tail, so `push(all) + flush()` gives `ceil(n·L/M)` samples aligned with the input.
 *
 * Allocation. After the first chunks of the largest size, {@link StreamingResampler.push} allocates nothing but the
 * returned view.
 *
 * @module
 */
import {
  INT16_MAX,
  INT16_MIN,
  MAX_CHANNELS,
  MAX_RATE_HZ,
  MIN_RATE_HZ,
  RESAMPLER_INTERPOLATED_PHASES,
  RESAMPLER_MAX_EXACT_PHASES,
  RESAMPLER_PASSBAND_FRACTION,
  RESAMPLER_STOPBAND_DB,
} from './constants.js';
import { AudioError } from './errors.js';
import { type Kernel, cachedKernel, gcd } from './resample-kernel.js';

/** Options of {@link StreamingResampler}. */
export interface ResamplerOptions {
  /** Rate of the input, hertz, an integer in 8,000–48,000. */
  readonly inputRateHz: number;
  /** Rate of the output, hertz, an integer in 8,000–48,000. */
  readonly outputRateHz: number;
  /** Interleaved channels of the input, 1–8; they are averaged to mono. Default 1. */
  readonly inputChannels?: number;
  /** Stopband attenuation, dB (40–120). Default {@link RESAMPLER_STOPBAND_DB}. */
  readonly stopbandDb?: number;
  /** Passband edge as a fraction (0.5–0.97) of the lower Nyquist frequency. Default {@link RESAMPLER_PASSBAND_FRACTION}. */
  readonly passbandFraction?: number;
}

/** Scale of Float32 input ([-1, 1] full scale) to the s16 scale the filter works in. */
const FLOAT_TO_S16 = 32_768;

function assertRate(rate: number, what: string): number {
  if (!Number.isInteger(rate) || rate < MIN_RATE_HZ || rate > MAX_RATE_HZ) {
    throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `${what}: expected an integer rate in ${MIN_RATE_HZ}–${MAX_RATE_HZ} Hz, got ${rate}`);
  }
  return rate;
}

/** Checks a channel count (1–{@link MAX_CHANNELS}) and returns it. @throws {AUDIO_ERR_BAD_ARGUMENT} */
export function assertChannels(channels: number, what = 'channels'): number {
  if (!Number.isInteger(channels) || channels < 1 || channels > MAX_CHANNELS) {
    throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `${what}: expected an integer in 1–${MAX_CHANNELS}, got ${channels}`);
  }
  return channels;
}

/**
 * Streaming converter from interleaved input at any rate and channel count to mono output at another rate.
 *
 * @example
 * const rs = new StreamingResampler({ inputRateHz: 48_000, outputRateHz: 16_000, inputChannels: 2 });
 * for (const chunk of chunks) sink(rs.push(chunk)); // each result is a view, valid until the next call
 * sink(rs.flush());
 */
export class StreamingResampler {
  /** Input rate, hertz. */
  readonly inputRateHz: number;
  /** Output rate, hertz. */
  readonly outputRateHz: number;
  /** Interleaved input channels (averaged to mono). */
  readonly inputChannels: number;
  /** Filter taps per output sample (0 when the rates are equal and only the downmix runs). */
  readonly tapsPerOutput: number;

  readonly #up: number; // L
  readonly #down: number; // M
  readonly #kernel: Kernel | undefined;
  readonly #interpolate: boolean;
  #hist = new Float32Array(0);
  #histStart = 0; // absolute input index of #hist[0]
  #histLen = 0;
  #inputCount = 0; // real input frames pushed since reset
  #outCount = 0; // output samples produced since reset
  #base = 0; // floor(outCount·M/L)
  #phaseNum = 0; // outCount·M mod L
  #out = new Int16Array(0);

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for rates outside 8–48 kHz, channels outside 1–8 or filter options out of range. */
  constructor(options: ResamplerOptions) {
    this.inputRateHz = assertRate(options.inputRateHz, 'inputRateHz');
    this.outputRateHz = assertRate(options.outputRateHz, 'outputRateHz');
    this.inputChannels = assertChannels(options.inputChannels ?? 1, 'inputChannels');
    const stopbandDb = options.stopbandDb ?? RESAMPLER_STOPBAND_DB;
    const passFraction = options.passbandFraction ?? RESAMPLER_PASSBAND_FRACTION;
    if (!(stopbandDb >= 40 && stopbandDb <= 120)) {
      throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `stopbandDb: expected 40–120, got ${stopbandDb}`);
    }
    if (!(passFraction >= 0.5 && passFraction <= 0.97)) {
      throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `passbandFraction: expected 0.5–0.97, got ${passFraction}`);
    }
    const g = gcd(this.inputRateHz, this.outputRateHz);
    this.#up = this.outputRateHz / g;
    this.#down = this.inputRateHz / g;
    if (this.inputRateHz === this.outputRateHz) {
      this.#kernel = undefined;
      this.#interpolate = false;
      this.tapsPerOutput = 0;
    } else {
      this.#kernel = cachedKernel(this.inputRateHz, this.outputRateHz, this.#up, stopbandDb, passFraction);
      this.#interpolate = this.#kernel.rows !== this.#up;
      this.tapsPerOutput = this.#kernel.taps;
    }
    this.reset();
  }

  /** Latency of the streaming output, in input frames (half the filter; 0 when only downmixing). */
  get latencyInputFrames(): number {
    return this.#kernel?.half ?? 0;
  }

  /** Forgets all input: the next push starts a new stream at time 0. Keeps the buffers. */
  reset(): void {
    const half = this.#kernel?.half ?? 0;
    this.#ensureHistory(half);
    this.#hist.fill(0, 0, half);
    this.#histStart = -half; // silence before the stream starts
    this.#histLen = half;
    this.#inputCount = 0;
    this.#outCount = 0;
    this.#base = 0;
    this.#phaseNum = 0;
  }

  /**
   * Converts one chunk. Int16Array input is s16; Float32Array input is [-1, 1] full scale. The chunk must hold whole
   * frames (a multiple of `inputChannels` samples).
   *
   * @returns the output produced so far, mono s16 at `outputRateHz`: a view into an internal buffer, valid until the
   *   next call on this resampler. May be empty.
   * @throws {AUDIO_ERR_BAD_ARGUMENT} when the chunk does not hold whole frames.
   */
  push(chunk: Int16Array | Float32Array): Int16Array {
    const ch = this.inputChannels;
    if (chunk.length % ch !== 0) {
      throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `expected a multiple of ${ch} samples (whole frames), got ${chunk.length}`);
    }
    const frames = chunk.length / ch;
    const scale = chunk instanceof Float32Array ? FLOAT_TO_S16 : 1;
    if (this.#kernel === undefined) return this.#passthrough(chunk, frames, scale);
    this.#ensureHistory(this.#histLen + frames);
    const hist = this.#hist;
    let w = this.#histLen;
    if (ch === 1) {
      for (let i = 0; i < frames; i++) hist[w++] = (chunk[i] as number) * scale;
    } else {
      const s = scale / ch;
      for (let i = 0, k = 0; i < frames; i++) {
        let acc = 0;
        for (let c = 0; c < ch; c++) acc += chunk[k++] as number;
        hist[w++] = acc * s;
      }
    }
    this.#histLen = w;
    this.#inputCount += frames;
    return this.#run(this.#inputCount, frames, Number.POSITIVE_INFINITY);
  }

  /**
   * Ends the stream: pads with silence so that the last input samples reach the output, then resets.
   *
   * @returns the remaining output (view, valid until the next call). Over the whole stream the output has
   *   `ceil(inputFrames · outputRate / inputRate)` samples.
   */
  flush(): Int16Array {
    const kernel = this.#kernel;
    if (kernel === undefined) {
      this.reset();
      return this.#out.subarray(0, 0);
    }
    const total = Math.ceil((this.#inputCount * this.#up) / this.#down);
    const pad = kernel.half + 1;
    this.#ensureHistory(this.#histLen + pad);
    this.#hist.fill(0, this.#histLen, this.#histLen + pad);
    this.#histLen += pad;
    const out = this.#run(this.#inputCount + pad, pad, total);
    this.reset();
    return out;
  }

  #passthrough(chunk: Int16Array | Float32Array, frames: number, scale: number): Int16Array {
    this.#ensureOutput(frames);
    const out = this.#out;
    const ch = this.inputChannels;
    if (ch === 1 && scale === 1) {
      out.set(chunk as Int16Array);
    } else {
      const s = scale / ch;
      for (let i = 0, k = 0; i < frames; i++) {
        let acc = 0;
        for (let c = 0; c < ch; c++) acc += chunk[k++] as number;
        out[i] = clampRound(acc * s);
      }
    }
    this.#inputCount += frames;
    this.#outCount += frames;
    return out.subarray(0, frames);
  }

  /** Emits every output whose window lies inside the first `available` input frames, up to `limit` outputs in total. */
  #run(available: number, newFrames: number, limit: number): Int16Array {
    const kernel = this.#kernel as Kernel;
    const { table, taps, half, rows } = kernel;
    const up = this.#up;
    const down = this.#down;
    this.#ensureOutput(Math.ceil(((newFrames + 1) * up) / down) + 1);
    const out = this.#out;
    const hist = this.#hist;
    const histStart = this.#histStart;
    let base = this.#base;
    let phaseNum = this.#phaseNum;
    let outCount = this.#outCount;
    let n = 0;
    const interpolate = this.#interpolate;
    while (base + half < available && outCount < limit) {
      const off = base - half + 1 - histStart;
      let acc = 0;
      if (!interpolate) {
        // Four partial sums (taps is even, and a multiple of 4 by construction) let the JIT pipeline the loop.
        const r = phaseNum * taps;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let j = 0; j < taps; j += 4) {
          a0 += (hist[off + j] as number) * (table[r + j] as number);
          a1 += (hist[off + j + 1] as number) * (table[r + j + 1] as number);
          a2 += (hist[off + j + 2] as number) * (table[r + j + 2] as number);
          a3 += (hist[off + j + 3] as number) * (table[r + j + 3] as number);
        }
        acc = a0 + a1 + a2 + a3;
      } else {
        const pos = (phaseNum * rows) / up;
        const r0 = Math.floor(pos);
        const frac = pos - r0;
        const a = r0 * taps;
        const b = a + taps;
        for (let j = 0; j < taps; j++) {
          const c0 = table[a + j] as number;
          acc += (hist[off + j] as number) * (c0 + frac * ((table[b + j] as number) - c0));
        }
      }
      out[n++] = clampRound(acc);
      outCount++;
      phaseNum += down;
      if (phaseNum >= up) {
        const q = Math.floor(phaseNum / up);
        base += q;
        phaseNum -= q * up;
      }
    }
    this.#base = base;
    this.#phaseNum = phaseNum;
    this.#outCount = outCount;
    // Drop input that no future output needs.
    const keepFrom = Math.min(base - half + 1 - histStart, this.#histLen);
    if (keepFrom > 0) {
      hist.copyWithin(0, keepFrom, this.#histLen);
      this.#histLen -= keepFrom;
      this.#histStart += keepFrom;
    }
    return out.subarray(0, n);
  }

  #ensureHistory(frames: number): void {
    if (frames <= this.#hist.length) return;
    const grown = new Float32Array(nextPow2(frames));
    grown.set(this.#hist.subarray(0, this.#histLen));
    this.#hist = grown;
  }

  #ensureOutput(samples: number): void {
    if (samples <= this.#out.length) return;
    this.#out = new Int16Array(nextPow2(samples));
  }
}

/** Smallest power of two ≥ n. */
function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Rounds to the nearest integer and clamps to the s16 range. */
export function clampRound(x: number): number {
  const r = Math.round(x);
  return r > INT16_MAX ? INT16_MAX : r < INT16_MIN ? INT16_MIN : r;
}

/**
 * One-shot conversion of a whole signal (e.g. a decoded WAV file) to mono at `outputRateHz`.
 *
 * @param input interleaved samples: Int16Array (s16) or Float32Array ([-1, 1] full scale).
 * @returns a new array of `ceil(frames · outputRate / inputRate)` samples, aligned with the input.
 * @throws {AUDIO_ERR_BAD_ARGUMENT} for unsupported rates or channel counts, or a partial last frame.
 */
export function resample(
  input: Int16Array | Float32Array,
  inputRateHz: number,
  outputRateHz: number,
  inputChannels = 1,
  options: Pick<ResamplerOptions, 'stopbandDb' | 'passbandFraction'> = {},
): Int16Array {
  const rs = new StreamingResampler({ ...options, inputRateHz, outputRateHz, inputChannels });
  const head = rs.push(input);
  const result = new Int16Array(Math.ceil(((input.length / inputChannels) * outputRateHz) / inputRateHz));
  result.set(head);
  result.set(rs.flush(), head.length);
  return result;
}
