/**
 * One keyword head over the openWakeWord features, exposing the embedding window the head read at every hop: what
 * a verifier is trained on (enrollment, `scripts/train-verifier`). The detector ({@link OpenWakeWordDetector})
 * hides the window; this does not, and it is not meant for the live audio path.
 *
 * @module
 */
import { createSession, loadOnnxRuntime, type ModelLocatorOptions, type OrtModule, type OrtSession, readModel, runInto } from '../models/index.js';
import { DEFAULT_HEAD_FRAMES, DEFAULT_KEYWORD, EMBEDDING_DIM, EMBEDDING_MODEL, HOP_SAMPLES, MEL_MODEL, WARMUP_HOPS } from './constants.js';
import { OwwFeatures } from './features.js';

/** Called for every complete hop: the head's (warm-up-masked) score, the stream position and the head's window. */
export type HopListener = (score: number, endSample: number, window: Float32Array) => void;

/** Options of {@link HeadWindowScorer.create}. */
export interface HeadWindowScorerOptions extends ModelLocatorOptions {
  /** Built-in head name. Default `hey_jarvis`. */
  readonly keyword?: string;
  /** Loads onnxruntime (default: the lazy `import('onnxruntime-node')`). */
  readonly loadRuntime?: () => Promise<OrtModule>;
}

/** A head and the shared features, scoring whole clips. */
export class HeadWindowScorer {
  readonly keyword: string;
  readonly #features: OwwFeatures;
  readonly #head: OrtSession;
  readonly #input = new Float32Array(DEFAULT_HEAD_FRAMES * EMBEDDING_DIM);
  readonly #score = new Float32Array(1);
  readonly #feeds;
  readonly #fetches;
  #position = 0;
  #fill = 0;

  private constructor(ort: OrtModule, keyword: string, features: OwwFeatures, head: OrtSession) {
    this.keyword = keyword;
    this.#features = features;
    this.#head = head;
    this.#feeds = { [head.inputNames[0] as string]: new ort.Tensor('float32', this.#input, [1, DEFAULT_HEAD_FRAMES, EMBEDDING_DIM]) };
    this.#fetches = { [head.outputNames[0] as string]: new ort.Tensor('float32', this.#score, [1, 1]) };
  }

  /** Load the feature models and the head (a standard 16-embedding head). */
  static async create(options: HeadWindowScorerOptions = {}): Promise<HeadWindowScorer> {
    const keyword = options.keyword ?? DEFAULT_KEYWORD;
    const ort = await (options.loadRuntime ?? loadOnnxRuntime)();
    const [mel, embedding, headFile] = await Promise.all([
      readModel(MEL_MODEL, 'wake-features', options),
      readModel(EMBEDDING_MODEL, 'wake-features', options),
      readModel(keyword, 'wake-head', options),
    ]);
    const features = await OwwFeatures.create(ort, mel, embedding, DEFAULT_HEAD_FRAMES);
    const head = await createSession(ort, headFile);
    return new HeadWindowScorer(ort, keyword, features, head);
  }

  /** Back to the freshly primed state (each clip is then scored as if the detector had just started). */
  reset(): void {
    this.#features.reset();
    this.#position = 0;
    this.#fill = 0;
  }

  /** Feed audio (16 kHz mono s16); `onHop` for every complete hop. The window is reused: copy what you keep. */
  async feed(audio: Int16Array, onHop: HopListener): Promise<void> {
    const features = this.#features;
    const buffer = features.hopInput;
    for (let i = 0; i < audio.length; i++) {
      buffer[features.hopOffset + this.#fill++] = audio[i] as number;
      if (this.#fill < HOP_SAMPLES) continue;
      this.#fill = 0;
      await features.hop();
      this.#input.set(features.history.subarray(features.history.length - this.#input.length));
      await runInto(this.#head, this.#feeds, this.#fetches, `openWakeWord head ${this.keyword}`);
      this.#position += HOP_SAMPLES;
      onHop(features.hops <= WARMUP_HOPS ? 0 : (this.#score[0] as number), this.#position, this.#input);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#features.release(), this.#head.release()]);
  }
}
