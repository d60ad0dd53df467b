/**
 * openWakeWord's shared feature pipeline, streaming: 16 kHz s16 audio → melspectrogram (32 bands every 10 ms) →
 * speech embedding (96 values every 80 ms) → a short history of embeddings that the keyword heads read.
 *
 * Buffering, per hop of 1,280 samples (see `constants.ts` for the frame arithmetic):
 * - the melspectrogram model gets the hop plus the previous hop's last 480 samples (1,760 samples → 8 frames), so
 *   frame j always covers samples [160 j, 160 j + 512) of the stream; the first hop after start/reset has no context
 *   and gives 5 frames (j = 0…4), exactly as openWakeWord's streaming code does;
 * - frames go through `x / 10 + 2` into a 76-frame window (initially all ones) that is the embedding model's input;
 * - the new embedding joins a history of the last F embeddings (F = the longest head window), primed with embeddings
 *   of 4 s of seeded noise (openWakeWord primes with unseeded noise).
 *
 * After start/reset the pipeline thus reproduces openWakeWord's `AudioFeatures` state for the same audio; chunking
 * of the input does not matter. All tensors are allocated once; a hop only copies within preallocated arrays.
 *
 * @module
 */
import {
  checkSignature,
  createSession,
  type ModelFile,
  type OrtModule,
  type OrtSession,
  runInto,
  type TensorMap,
} from '../models/index.js';
import {
  EMBEDDING_DIM,
  EMBEDDING_STEP_FRAMES,
  EMBEDDING_WINDOW_FRAMES,
  FIRST_HOP_MEL_FRAMES,
  HOP_SAMPLES,
  MEL_BINS,
  MEL_CONTEXT_SAMPLES,
  MEL_FRAMES_PER_HOP,
  MEL_INITIAL_VALUE,
  MEL_INPUT_SAMPLES,
  MEL_OFFSET,
  MEL_SCALE_DIVISOR,
  PRIMING_AMPLITUDE,
  PRIMING_SAMPLES,
  PRIMING_SEED,
} from './constants.js';
import { ModelError } from './errors.js';

const MEL_WINDOW_SIZE = EMBEDDING_WINDOW_FRAMES * MEL_BINS;

/** The streaming melspectrogram + embedding stage shared by every keyword head. */
export class OwwFeatures {
  /** Embeddings kept in {@link OwwFeatures.history}. */
  readonly historyFrames: number;
  /**
   * The last {@link OwwFeatures.historyFrames} embeddings, oldest first, row-major `[frames, 96]`. Updated in place
   * by every hop; heads copy the rows they need.
   */
  readonly history: Float32Array;

  readonly #mel: OrtSession;
  readonly #embedding: OrtSession;
  /** [context (480) | hop (1,280)]: the regular melspectrogram input. */
  readonly #melInput = new Float32Array(MEL_INPUT_SAMPLES);
  readonly #melOut = new Float32Array(MEL_FRAMES_PER_HOP * MEL_BINS);
  readonly #melOutFirst = new Float32Array(FIRST_HOP_MEL_FRAMES * MEL_BINS);
  /** The embedding model's input `[1, 76, 32, 1]`: the last 76 transformed mel frames. */
  readonly #melWindow = new Float32Array(MEL_WINDOW_SIZE).fill(MEL_INITIAL_VALUE);
  readonly #embeddingOut = new Float32Array(EMBEDDING_DIM);
  readonly #primedHistory: Float32Array;
  readonly #melFeeds: TensorMap;
  readonly #melFetches: TensorMap;
  readonly #melFeedsFirst: TensorMap;
  readonly #melFetchesFirst: TensorMap;
  readonly #embeddingFeeds: TensorMap;
  readonly #embeddingFetches: TensorMap;
  #hops = 0;

  private constructor(ort: OrtModule, mel: OrtSession, embedding: OrtSession, historyFrames: number, primed: Float32Array) {
    this.#mel = mel;
    this.#embedding = embedding;
    this.historyFrames = historyFrames;
    this.#primedHistory = primed;
    this.history = primed.slice();
    const melIn = mel.inputNames[0] as string;
    const melOut = mel.outputNames[0] as string;
    const embIn = embedding.inputNames[0] as string;
    const embOut = embedding.outputNames[0] as string;
    const T = ort.Tensor;
    this.#melFeeds = { [melIn]: new T('float32', this.#melInput, [1, MEL_INPUT_SAMPLES]) };
    this.#melFetches = { [melOut]: new T('float32', this.#melOut, [1, 1, MEL_FRAMES_PER_HOP, MEL_BINS]) };
    this.#melFeedsFirst = { [melIn]: new T('float32', this.#melInput.subarray(MEL_CONTEXT_SAMPLES), [1, HOP_SAMPLES]) };
    this.#melFetchesFirst = { [melOut]: new T('float32', this.#melOutFirst, [1, 1, FIRST_HOP_MEL_FRAMES, MEL_BINS]) };
    this.#embeddingFeeds = { [embIn]: new T('float32', this.#melWindow, [1, EMBEDDING_WINDOW_FRAMES, MEL_BINS, 1]) };
    this.#embeddingFetches = { [embOut]: new T('float32', this.#embeddingOut, [1, 1, 1, EMBEDDING_DIM]) };
  }

  /**
   * Load both models, check their signatures and prime the embedding history.
   *
   * @param historyFrames - embeddings to keep: the longest window among the heads.
   * @throws {MODEL_ERR_LOAD | MODEL_ERR_SIGNATURE | MODEL_ERR_INFERENCE}
   */
  static async create(ort: OrtModule, melFile: ModelFile, embeddingFile: ModelFile, historyFrames: number): Promise<OwwFeatures> {
    const mel = await createSession(ort, melFile);
    let embedding: OrtSession | undefined;
    let primed: Float32Array;
    try {
      checkSignature(mel, melFile.path, [{ type: 'float32', shape: [null, null] }], [{ type: 'float32', shape: [null, 1, null, MEL_BINS] }]);
      embedding = await createSession(ort, embeddingFile);
      checkSignature(
        embedding,
        embeddingFile.path,
        [{ type: 'float32', shape: [null, EMBEDDING_WINDOW_FRAMES, MEL_BINS, 1] }],
        [{ type: 'float32', shape: [null, 1, 1, EMBEDDING_DIM] }],
      );
      try {
        primed = await primeHistory(ort, mel, embedding, historyFrames);
      } catch (cause) {
        throw new ModelError('MODEL_ERR_INFERENCE', `openWakeWord feature priming failed: ${(cause as Error).message}`, { cause });
      }
    } catch (error) {
      // Best-effort teardown; the original error is what matters.
      await Promise.allSettled([mel.release(), embedding?.release()]);
      throw error;
    }
    return new OwwFeatures(ort, mel, embedding, historyFrames, primed);
  }

  /** Complete hops since start/reset. */
  get hops(): number {
    return this.#hops;
  }

  /**
   * The buffer the next hop's samples go into, as floats holding s16 values; fill all {@link HOP_SAMPLES} of it
   * before calling {@link OwwFeatures.hop}.
   */
  get hopInput(): Float32Array {
    return this.#melInput;
  }

  /** Offset in {@link OwwFeatures.hopInput} where the hop's samples start. */
  readonly hopOffset = MEL_CONTEXT_SAMPLES;

  /**
   * Turn the hop in {@link OwwFeatures.hopInput} into mel frames and one new embedding at the end of
   * {@link OwwFeatures.history}.
   *
   * @throws {MODEL_ERR_INFERENCE}
   */
  async hop(): Promise<void> {
    const first = this.#hops === 0;
    await runInto(this.#mel, first ? this.#melFeedsFirst : this.#melFeeds, first ? this.#melFetchesFirst : this.#melFetches, 'openWakeWord melspectrogram');
    const out = first ? this.#melOutFirst : this.#melOut;
    const win = this.#melWindow;
    const shift = out.length;
    win.copyWithin(0, shift);
    const base = win.length - shift;
    for (let k = 0; k < shift; k++) win[base + k] = (out[k] as number) / MEL_SCALE_DIVISOR + MEL_OFFSET;
    // The hop's last 480 samples are the next hop's context.
    this.#melInput.copyWithin(0, HOP_SAMPLES, MEL_INPUT_SAMPLES);

    await runInto(this.#embedding, this.#embeddingFeeds, this.#embeddingFetches, 'openWakeWord embedding');
    this.history.copyWithin(0, EMBEDDING_DIM);
    this.history.set(this.#embeddingOut, this.history.length - EMBEDDING_DIM);
    this.#hops++;
  }

  /** Back to the state after {@link OwwFeatures.create}. */
  reset(): void {
    this.#melInput.fill(0);
    this.#melWindow.fill(MEL_INITIAL_VALUE);
    this.history.set(this.#primedHistory);
    this.#hops = 0;
  }

  /** Release both sessions. */
  async release(): Promise<void> {
    await Promise.all([this.#mel.release(), this.#embedding.release()]);
  }
}

/**
 * Embeddings of seeded noise, as openWakeWord fills its feature buffer before real audio arrives. Runs once per
 * detector: the melspectrogram over hop-sized pieces and the embedding one window at a time, exactly the shapes of
 * the streaming path. (One batch of 40 windows over 4 s of audio gives the same values but grows onnxruntime's
 * arenas by ≈ 28 MiB, which they keep for the life of the process.)
 */
async function primeHistory(ort: OrtModule, mel: OrtSession, embedding: OrtSession, frames: number): Promise<Float32Array> {
  const melFramesNeeded = EMBEDDING_WINDOW_FRAMES + EMBEDDING_STEP_FRAMES * (frames - 1);
  const samples = Math.max(PRIMING_SAMPLES, Math.ceil(melFramesNeeded / MEL_FRAMES_PER_HOP) * HOP_SAMPLES + MEL_CONTEXT_SAMPLES);
  const noise = new Float32Array(samples);
  let x = PRIMING_SEED >>> 0;
  for (let i = 0; i < samples; i++) {
    // xorshift32: a fixed, portable sequence (the values only need to look like low-level noise).
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    noise[i] = (x % (2 * PRIMING_AMPLITUDE)) - PRIMING_AMPLITUDE;
  }
  // Mel frames of the noise, piece by piece: a piece of MEL_INPUT_SAMPLES starting at 1,280 k gives the frames
  // 8 k … 8 k + 7 (frame j covers samples [160 j, 160 j + 512)).
  const pieces = Math.floor((samples - MEL_CONTEXT_SAMPLES) / HOP_SAMPLES);
  const spec = new Float32Array(pieces * MEL_FRAMES_PER_HOP * MEL_BINS);
  const melIn = new Float32Array(MEL_INPUT_SAMPLES);
  const melOut = new Float32Array(MEL_FRAMES_PER_HOP * MEL_BINS);
  const melFeeds = { [mel.inputNames[0] as string]: new ort.Tensor('float32', melIn, [1, MEL_INPUT_SAMPLES]) };
  const melFetches = { [mel.outputNames[0] as string]: new ort.Tensor('float32', melOut, [1, 1, MEL_FRAMES_PER_HOP, MEL_BINS]) };
  for (let k = 0; k < pieces; k++) {
    melIn.set(noise.subarray(k * HOP_SAMPLES, k * HOP_SAMPLES + MEL_INPUT_SAMPLES));
    await mel.run(melFeeds, melFetches);
    for (let i = 0; i < melOut.length; i++) spec[k * melOut.length + i] = (melOut[i] as number) / MEL_SCALE_DIVISOR + MEL_OFFSET;
  }
  const nFrames = spec.length / MEL_BINS;
  const windows = Math.floor((nFrames - EMBEDDING_WINDOW_FRAMES) / EMBEDDING_STEP_FRAMES) + 1;
  const window = new Float32Array(EMBEDDING_WINDOW_FRAMES * MEL_BINS);
  const out = new Float32Array(EMBEDDING_DIM);
  const embFeeds = { [embedding.inputNames[0] as string]: new ort.Tensor('float32', window, [1, EMBEDDING_WINDOW_FRAMES, MEL_BINS, 1]) };
  const embFetches = { [embedding.outputNames[0] as string]: new ort.Tensor('float32', out, [1, 1, 1, EMBEDDING_DIM]) };
  const history = new Float32Array(frames * EMBEDDING_DIM);
  // Only the last `frames` windows are kept.
  for (let w = Math.max(0, windows - frames); w < windows; w++) {
    const from = w * EMBEDDING_STEP_FRAMES * MEL_BINS;
    window.set(spec.subarray(from, from + window.length));
    await embedding.run(embFeeds, embFetches);
    history.set(out, (w - (windows - frames)) * EMBEDDING_DIM);
  }
  return history;
}
