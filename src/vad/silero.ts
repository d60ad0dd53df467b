/**
 * Silero VAD v5/v6 through onnxruntime-node.
 *
 * Each 512-sample window (32 ms at 16 kHz) is fed with the previous window's last 64 samples prepended
 * (`input` [1, 576], floats in [-1, 1)), the recurrent `state` [2, 1, 128] returned by the previous call and `sr` = 16000
 * as an int64 scalar; the model returns the speech probability (`output` [1, 1]) and the next state (`stateN`).
 *
 * Nothing is allocated per window: the input tensor's buffer *is* the framing buffer (context at the front, new
 * samples appended behind it), the two state buffers alternate as input and pre-allocated output, and the
 * probability is written into a one-element array we own.
 *
 * @module
 */
import {
  DEFAULT_VAD_MODEL,
  INT16_SCALE,
  SAMPLE_RATE_HZ,
  SILERO_CONTEXT_SAMPLES,
  SILERO_INPUT_SAMPLES,
  SILERO_STATE_DIMS,
  SILERO_STATE_SIZE,
  SILERO_WINDOW_SAMPLES,
} from './constants.js';
import {
  checkSignature,
  createSession,
  loadOnnxRuntime,
  ModelError,
  type ModelLocatorOptions,
  type OrtModule,
  type OrtSession,
  readModel,
  readModelPath,
  runInto,
  type TensorMap,
  type TensorSpec,
} from '../models/index.js';
import { type SegmenterOptions, SpeechSegmenter } from './segmenter.js';
import type { ProbabilityListener, VadEvent, VoiceActivityDetector } from './types.js';

/** Options of {@link createSileroVad}. */
export interface SileroVadOptions extends ModelLocatorOptions, SegmenterOptions {
  /** Manifest name of the model (`silero_vad_v5`, `silero_vad_v6`). Default `silero_vad_v5`. */
  readonly model?: string;
  /** Path of a Silero v5/v6 `.onnx` file to use instead of a manifest model (no sha256 check). */
  readonly modelPath?: string;
  /** Called for every window with its probability (metrics, tuning, tests). Keep it cheap: it runs per window. */
  readonly onProbability?: ProbabilityListener;
  /** Loads onnxruntime (default: the lazy `import('onnxruntime-node')`). */
  readonly loadRuntime?: () => Promise<OrtModule>;
}

const NO_EVENTS: readonly VadEvent[] = Object.freeze([]);

/** Silero v5/v6 graph inputs, by position. */
const SILERO_INPUTS: readonly TensorSpec[] = [
  { name: 'input', type: 'float32', shape: [null, null] },
  { name: 'state', type: 'float32', shape: [2, null, 128] },
  { name: 'sr', type: 'int64', shape: [] },
];

/** Silero v5/v6 graph outputs, by position. */
const SILERO_OUTPUTS: readonly TensorSpec[] = [
  { name: 'output', type: 'float32', shape: [null, 1] },
  { name: 'stateN', type: 'float32', shape: [null, null, null] },
];

/**
 * Load a Silero model and return a ready detector.
 *
 * @throws {MODEL_ERR_MISSING | MODEL_ERR_CORRUPT | MODEL_ERR_LOAD | MODEL_ERR_UNKNOWN} the model file.
 * @throws {MODEL_ERR_SIGNATURE} the file is not a Silero v5/v6 graph.
 * @throws {MODEL_ERR_OPTION} a threshold or duration is out of range.
 * @throws {MODEL_ERR_RUNTIME} onnxruntime-node cannot be loaded.
 */
export function createSileroVad(options: SileroVadOptions = {}): Promise<SileroVad> {
  return SileroVad.create(options);
}

/** A streaming Silero VAD. Create with {@link createSileroVad}. */
export class SileroVad implements VoiceActivityDetector {
  readonly windowSamples = SILERO_WINDOW_SAMPLES;

  readonly #session: OrtSession;
  readonly #segmenter: SpeechSegmenter;
  readonly #onProbability: ProbabilityListener | undefined;
  /** [context (64) | window (512)], the `input` tensor's buffer. */
  readonly #input = new Float32Array(SILERO_INPUT_SAMPLES);
  readonly #states = [new Float32Array(SILERO_STATE_SIZE), new Float32Array(SILERO_STATE_SIZE)] as const;
  readonly #prob = new Float32Array(1);
  /** Feeds/fetches for the two state parities: parity p reads states[p] and writes states[1 - p]. */
  readonly #feeds: readonly [TensorMap, TensorMap];
  readonly #fetches: readonly [TensorMap, TensorMap];
  #parity: 0 | 1 = 0;
  /** New samples in the current window. */
  #fill = 0;
  /** Complete windows processed. */
  #windows = 0;
  #probability = 0;
  #busy = false;
  #closed = false;

  private constructor(ort: OrtModule, session: OrtSession, segmenter: SpeechSegmenter, onProbability?: ProbabilityListener) {
    this.#session = session;
    this.#segmenter = segmenter;
    this.#onProbability = onProbability;
    const input = new ort.Tensor('float32', this.#input, [1, SILERO_INPUT_SAMPLES]);
    const sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(SAMPLE_RATE_HZ)), []);
    const output = new ort.Tensor('float32', this.#prob, [1, 1]);
    const s0 = new ort.Tensor('float32', this.#states[0], [...SILERO_STATE_DIMS]);
    const s1 = new ort.Tensor('float32', this.#states[1], [...SILERO_STATE_DIMS]);
    this.#feeds = [
      { input, state: s0, sr },
      { input, state: s1, sr },
    ];
    this.#fetches = [
      { output, stateN: s1 },
      { output, stateN: s0 },
    ];
  }

  /** Same as {@link createSileroVad}. */
  static async create(options: SileroVadOptions = {}): Promise<SileroVad> {
    const segmenter = new SpeechSegmenter(options);
    const file =
      options.modelPath !== undefined
        ? await readModelPath(options.modelPath)
        : await readModel(options.model ?? DEFAULT_VAD_MODEL, 'vad', options);
    const ort = await (options.loadRuntime ?? loadOnnxRuntime)();
    const session = await createSession(ort, file);
    try {
      checkSignature(session, file.path, SILERO_INPUTS, SILERO_OUTPUTS);
    } catch (error) {
      await session.release();
      throw error;
    }
    return new SileroVad(ort, session, segmenter, options.onProbability);
  }

  get position(): number {
    return this.#windows * SILERO_WINDOW_SAMPLES + this.#fill;
  }

  get speaking(): boolean {
    return this.#segmenter.speaking;
  }

  get probability(): number {
    return this.#probability;
  }

  async process(chunk: Int16Array): Promise<readonly VadEvent[]> {
    this.#enter();
    try {
      let events: VadEvent[] | undefined;
      const input = this.#input;
      const n = chunk.length;
      let i = 0;
      while (i < n) {
        const take = Math.min(n - i, SILERO_WINDOW_SAMPLES - this.#fill);
        const base = SILERO_CONTEXT_SAMPLES + this.#fill - i;
        for (let end = i + take; i < end; i++) input[base + i] = (chunk[i] as number) * INT16_SCALE;
        this.#fill += take;
        if (this.#fill === SILERO_WINDOW_SAMPLES) {
          const event = await this.#runWindow();
          if (event !== undefined) (events ??= []).push(event);
        }
      }
      return events ?? NO_EVENTS;
    } finally {
      this.#busy = false;
    }
  }

  reset(): void {
    if (this.#busy) throw new ModelError('MODEL_ERR_BUSY', 'reset() called while process() is pending; await it first');
    this.#input.fill(0);
    this.#states[0].fill(0);
    this.#states[1].fill(0);
    this.#parity = 0;
    this.#fill = 0;
    this.#windows = 0;
    this.#probability = 0;
    this.#segmenter.reset();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#busy) throw new ModelError('MODEL_ERR_BUSY', 'close() called while process() is pending; await it first');
    this.#closed = true;
    await this.#session.release();
  }

  async #runWindow(): Promise<VadEvent | undefined> {
    const p = this.#parity;
    await runInto(this.#session, this.#feeds[p], this.#fetches[p], 'Silero VAD');
    this.#parity = p === 0 ? 1 : 0;
    // The last 64 samples of this input are the next window's context.
    this.#input.copyWithin(0, SILERO_WINDOW_SAMPLES, SILERO_INPUT_SAMPLES);
    this.#fill = 0;
    const start = this.#windows * SILERO_WINDOW_SAMPLES;
    this.#windows++;
    const probability = this.#prob[0] as number;
    this.#probability = probability;
    const end = start + SILERO_WINDOW_SAMPLES;
    this.#onProbability?.(probability, end);
    return this.#segmenter.push(probability, start, end);
  }

  #enter(): void {
    if (this.#closed) throw new ModelError('MODEL_ERR_CLOSED', 'the VAD was closed');
    if (this.#busy) throw new ModelError('MODEL_ERR_BUSY', 'process() called before the previous call settled; await each call');
    this.#busy = true;
  }
}
