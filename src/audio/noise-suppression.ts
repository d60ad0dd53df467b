/**
 * Noise suppression for the microphone: RNNoise (xiph, through `@echogarden/rnnoise-wasm`, loaded lazily) between
 * the capture and everything that listens (energy gate, VAD, wake word, the audio sent to the hub).
 *
 * RNNoise works on 10 ms frames at 48 kHz, so each 16 kHz piece goes up to 48 kHz (the project's own windowed-sinc
 * {@link StreamingResampler}), through RNNoise frame by frame, and back down. The output is the input's length,
 * delayed by a fixed {@link RnnoiseSuppressor.delaySamples} (the two filters plus one frame): a piece in, the same
 * number of samples out, so stream positions stay meaningful. Nothing is allocated per piece.
 *
 * @module
 */
import type { RnnoiseModule } from '@echogarden/rnnoise-wasm';
import { INT16_MAX, INT16_MIN, SAMPLE_RATE_HZ } from './constants.js';
import { AudioError } from './errors.js';
import { StreamingResampler } from './resample.js';

/** RNNoise's rate, hertz. */
const RNNOISE_RATE_HZ = 48_000;
/** Samples per RNNoise frame at 48 kHz (10 ms). */
const RNNOISE_FRAME = 480;

/** An in-place processor of 16 kHz mono pieces (noise suppression, gain). */
export interface MicProcessor {
  /** What it is, for logs and doctor (`rnnoise`, `auto-gain −16 dBFS`). */
  readonly name: string;
  /** How far the output lags the input, samples at 16 kHz (0 for gain). */
  readonly delaySamples: number;
  /** Process `piece` in place (any length). */
  process(piece: Int16Array): void;
  /** Forget the stream's state. */
  reset(): void;
  /** Release native or WASM memory. Idempotent. */
  close(): void;
}

let wasm: Promise<RnnoiseModule> | undefined;

function loadRnnoise(): Promise<RnnoiseModule> {
  wasm ??= import('@echogarden/rnnoise-wasm')
    .then((m) => m.default())
    .catch((cause: unknown) => {
      wasm = undefined;
      throw new AudioError('AUDIO_ERR_STATE', `cannot load RNNoise (@echogarden/rnnoise-wasm): ${(cause as Error).message}; reinstall hivesat or set audio.mic_noise_suppression to "off"`, { cause });
    });
  return wasm;
}

/**
 * Load RNNoise and make a suppressor for one 16 kHz mono stream.
 *
 * @throws {AUDIO_ERR_STATE} the WASM package cannot be loaded.
 */
export async function createRnnoiseSuppressor(): Promise<RnnoiseSuppressor> {
  return new RnnoiseSuppressor(await loadRnnoise());
}

/** RNNoise over a 16 kHz stream. Create with {@link createRnnoiseSuppressor}. */
export class RnnoiseSuppressor implements MicProcessor {
  readonly name = 'rnnoise';
  readonly delaySamples: number;

  readonly #m: RnnoiseModule;
  #state: number;
  readonly #frame: number;
  readonly #up = new StreamingResampler({ inputRateHz: SAMPLE_RATE_HZ, outputRateHz: RNNOISE_RATE_HZ });
  readonly #down = new StreamingResampler({ inputRateHz: RNNOISE_RATE_HZ, outputRateHz: SAMPLE_RATE_HZ });
  /** 48 kHz samples waiting for a whole frame. */
  readonly #pending = new Float32Array(RNNOISE_FRAME);
  #pendingLength = 0;
  /** One denoised frame, as s16 for the down-sampler. */
  readonly #denoised = new Int16Array(RNNOISE_FRAME);
  /** 16 kHz output not yet handed out, primed with silence (see the constructor). */
  #fifo: Int16Array;
  readonly #prefill: number;
  #fifoStart = 0;
  #fifoLength = 0;
  /** Voice probability RNNoise gave the last frame (its own VAD; for tuning). */
  lastVoiceProbability = 0;

  constructor(m: RnnoiseModule) {
    this.#m = m;
    this.#state = m._rnnoise_create(0);
    this.#frame = m._malloc(RNNOISE_FRAME * 4);
    // The resamplers are centred (no phase delay) but hold back half their filter until later input arrives, and a
    // frame waits for 480 samples: the FIFO starts with that much silence (plus one sample of rounding) so it never
    // runs dry. The signal is delayed by it and by RNNoise's own window overlap (one frame, 160 samples at 16 kHz).
    this.#prefill = this.#up.latencyInputFrames + Math.ceil(this.#down.latencyInputFrames / 3) + RNNOISE_FRAME / 3 + 1;
    this.delaySamples = this.#prefill + RNNOISE_FRAME / 3;
    this.#fifo = new Int16Array(4 * 1_280 + this.#prefill);
    this.reset();
  }

  process(piece: Int16Array): void {
    if (this.#state === 0) throw new AudioError('AUDIO_ERR_STATE', 'the noise suppressor was closed');
    const up = this.#up.push(piece);
    for (let i = 0; i < up.length; i++) {
      this.#pending[this.#pendingLength++] = up[i] as number;
      if (this.#pendingLength === RNNOISE_FRAME) {
        this.#runFrame();
        this.#pendingLength = 0;
      }
    }
    const n = piece.length;
    const available = this.#fifoLength < n ? this.#fifoLength : n;
    const fifo = this.#fifo;
    for (let i = 0; i < available; i++) piece[i] = fifo[this.#fifoStart + i] as number;
    // The delay covers the filters, so this only pads if a caller's piece is longer than everything buffered.
    piece.fill(0, available);
    this.#fifoStart += available;
    this.#fifoLength -= available;
  }

  reset(): void {
    this.#up.reset();
    this.#down.reset();
    this.#pendingLength = 0;
    this.#fifo.fill(0, 0, this.#prefill);
    this.#fifoStart = 0;
    this.#fifoLength = this.#prefill;
    if (this.#state !== 0) {
      this.#m._rnnoise_destroy(this.#state);
      this.#state = this.#m._rnnoise_create(0);
    }
  }

  close(): void {
    if (this.#state === 0) return;
    this.#m._rnnoise_destroy(this.#state);
    this.#m._free(this.#frame);
    this.#state = 0;
  }

  #runFrame(): void {
    const m = this.#m;
    const at = this.#frame >> 2;
    // HEAPF32 is re-read each frame: the WASM memory may have grown (and been replaced) since.
    m.HEAPF32.set(this.#pending, at);
    this.lastVoiceProbability = m._rnnoise_process_frame(this.#state, this.#frame, this.#frame);
    const heap = m.HEAPF32;
    const out = this.#denoised;
    for (let i = 0; i < RNNOISE_FRAME; i++) {
      const v = Math.round(heap[at + i] as number);
      out[i] = v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
    }
    this.#append(this.#down.push(out));
  }

  #append(samples: Int16Array): void {
    let fifo = this.#fifo;
    if (this.#fifoStart + this.#fifoLength + samples.length > fifo.length) {
      // Compact (and grow only if a caller feeds longer pieces than ever before).
      if (this.#fifoLength + samples.length > fifo.length) {
        const grown = new Int16Array(2 * (this.#fifoLength + samples.length));
        grown.set(fifo.subarray(this.#fifoStart, this.#fifoStart + this.#fifoLength));
        this.#fifo = fifo = grown;
      } else fifo.copyWithin(0, this.#fifoStart, this.#fifoStart + this.#fifoLength);
      this.#fifoStart = 0;
    }
    fifo.set(samples, this.#fifoStart + this.#fifoLength);
    this.#fifoLength += samples.length;
  }
}
