/**
 * openWakeWord through onnxruntime-node: the shared feature pipeline ({@link OwwFeatures}) plus one small
 * classifier ("head") per keyword reading the last 16 (or more) embeddings, scored every 80 ms.
 *
 * Built-in heads come from `models/manifest.json` (`hey_jarvis`, `alexa`, `hey_mycroft`, `hey_rhasspy`, `weather`;
 * CC BY-NC-SA 4.0, fetched by `scripts/fetch-models`, never committed); a user-trained head is loaded by path.
 *
 * A keyword may have a second stage, a {@link WakeVerifier}: it scores the embedding window the head just read, and a
 * hop counts towards the trigger only if the head's score reaches the head threshold and the verifier's probability
 * reaches the verifier threshold. The head thus proposes and the verifier disposes: it can only remove detections.
 *
 * @module
 */
import { basename } from 'node:path';
import {
  checkSignature,
  createSession,
  loadOnnxRuntime,
  type ModelLocatorOptions,
  type OrtModule,
  type OrtSession,
  readModel,
  readModelPath,
  runInto,
  type TensorMap,
} from '../models/index.js';
import { SAMPLES_PER_MS } from '../audio/index.js';
import {
  DEFAULT_KEYWORD,
  EMBEDDING_DIM,
  EMBEDDING_MODEL,
  HOP_SAMPLES,
  MAX_HEAD_FRAMES,
  MEL_MODEL,
  WARMUP_HOPS,
} from './constants.js';
import { ModelError } from './errors.js';
import { OwwFeatures } from './features.js';
import { type TriggerOptions, WakeTrigger } from './trigger.js';
import type { ScoreListener, WakeDetection, WakeWordDetector } from './types.js';
import { loadWakeVerifier, type WakeVerifier, verifierThreshold } from './verifier.js';

/** Second-stage options, per keyword or as defaults for all keywords. */
export interface VerifierOptions {
  /**
   * A verifier for the keyword: a loaded {@link WakeVerifier}, `hey_jarvis_verifier` (shipped in models/) or the path
   * of a verifier JSON file. Default: none.
   */
  readonly verifier?: WakeVerifier | string;
  /** Probability the verifier must give a hop for it to count, in (0, 1). Default: the threshold in its file. */
  readonly verifierThreshold?: number;
}

/** One keyword to listen for. */
export interface KeywordOptions extends TriggerOptions, VerifierOptions {
  /**
   * A built-in head's manifest name (`hey_jarvis`, `alexa`, …) or the path of a user-supplied openWakeWord `.onnx`
   * head (anything containing `/` or ending in `.onnx`).
   */
  readonly model: string;
  /** Name reported in detections. Default: the manifest name, or the file name without `.onnx` and `_vX.Y`. */
  readonly name?: string;
}

/** Options of {@link createOpenWakeWord}. */
export interface OpenWakeWordOptions extends ModelLocatorOptions, TriggerOptions {
  /** Verifier threshold applied to every keyword that has a verifier and no threshold of its own. */
  readonly verifierThreshold?: number;
  /** Keywords, as manifest names/paths or full options. Default `['hey_jarvis']`. Trigger options given here are defaults. */
  readonly keywords?: readonly (string | KeywordOptions)[];
  /**
   * Monotonic clock for refractory periods, milliseconds. Default: the stream's own sample clock
   * (position / 16), which makes results independent of processing speed.
   */
  readonly now?: () => number;
  /** Called for every hop and keyword with its score (metrics, tuning, tests). Runs per hop: keep it cheap. */
  readonly onScore?: ScoreListener;
  /** Loads onnxruntime (default: the lazy `import('onnxruntime-node')`). */
  readonly loadRuntime?: () => Promise<OrtModule>;
}

/** A loaded keyword head with its preallocated tensors and decision state. */
interface Head {
  readonly name: string;
  /** What to call it in inference errors (built once: no string building per hop). */
  readonly label: string;
  readonly session: OrtSession;
  /** Embeddings the head reads. */
  readonly frames: number;
  readonly input: Float32Array;
  readonly score: Float32Array;
  readonly feeds: TensorMap;
  readonly fetches: TensorMap;
  readonly trigger: WakeTrigger;
  /** Second stage, if any, and the probability it requires. */
  readonly verifier: WakeVerifier | undefined;
  readonly verifierThreshold: number;
}

const NO_DETECTIONS: readonly WakeDetection[] = Object.freeze([]);

/**
 * Load the feature models and every keyword head; return a ready detector.
 *
 * @throws {MODEL_ERR_MISSING | MODEL_ERR_CORRUPT | MODEL_ERR_LOAD | MODEL_ERR_UNKNOWN} a model file.
 * @throws {MODEL_ERR_SIGNATURE} a head is not an openWakeWord head with one score output.
 * @throws {MODEL_ERR_OPTION} no keywords, duplicate names, a trigger option out of range, or a verifier that does not
 *   fit its head (other keyword, longer window).
 * @throws {MODEL_ERR_MISSING | MODEL_ERR_CORRUPT | MODEL_ERR_LOAD} a verifier file.
 * @throws {MODEL_ERR_RUNTIME} onnxruntime-node cannot be loaded.
 */
export function createOpenWakeWord(options: OpenWakeWordOptions = {}): Promise<OpenWakeWordDetector> {
  return OpenWakeWordDetector.create(options);
}

/** A streaming openWakeWord detector. Create with {@link createOpenWakeWord}. */
export class OpenWakeWordDetector implements WakeWordDetector {
  readonly keywords: readonly string[];

  readonly #features: OwwFeatures;
  readonly #heads: readonly Head[];
  /** Per head, the view of the embedding history it reads (made once; the history is updated in place). */
  readonly #sources: readonly Float32Array[];
  readonly #now: (() => number) | undefined;
  readonly #onScore: ScoreListener | undefined;
  /** Samples in the current, incomplete hop. */
  #fill = 0;
  #busy = false;
  #closed = false;

  private constructor(features: OwwFeatures, heads: readonly Head[], now?: () => number, onScore?: ScoreListener) {
    this.#features = features;
    this.#heads = heads;
    const history = features.history;
    this.#sources = heads.map((h) => history.subarray(history.length - h.input.length));
    this.#now = now;
    this.#onScore = onScore;
    this.keywords = Object.freeze(heads.map((h) => h.name));
  }

  /** Same as {@link createOpenWakeWord}. */
  static async create(options: OpenWakeWordOptions = {}): Promise<OpenWakeWordDetector> {
    const specs = (options.keywords ?? [DEFAULT_KEYWORD]).map((k) => (typeof k === 'string' ? { model: k } : k));
    if (specs.length === 0) throw new ModelError('MODEL_ERR_OPTION', 'keywords: expected at least one keyword, got none');
    const names = specs.map((s) => s.name ?? defaultKeywordName(s.model));
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) throw new ModelError('MODEL_ERR_OPTION', `keywords: expected unique names, got "${duplicate}" twice`);
    const triggers = specs.map((s) => new WakeTrigger({ ...pick(options), ...pick(s) }));
    const verifiers = await Promise.all(specs.map((s) => (typeof s.verifier === 'string' ? loadWakeVerifier(s.verifier) : s.verifier)));
    const verifierThresholds = specs.map((s, i) => {
      const v = verifiers[i];
      const t = s.verifierThreshold ?? options.verifierThreshold ?? v?.threshold;
      return t === undefined ? 1 : verifierThreshold(t);
    });
    verifiers.forEach((v, i) => {
      const model = defaultKeywordName((specs[i] as KeywordOptions).model);
      if (v !== undefined && v.keyword !== model && v.keyword !== names[i]) {
        throw new ModelError('MODEL_ERR_OPTION', `verifier: expected one trained for "${model}", got ${v.source} for "${v.keyword}"`);
      }
    });

    const [melFile, embeddingFile, ...headFiles] = await Promise.all([
      readModel(MEL_MODEL, 'wake-features', options),
      readModel(EMBEDDING_MODEL, 'wake-features', options),
      ...specs.map((s) => (isPath(s.model) ? readModelPath(s.model) : readModel(s.model, 'wake-head', options))),
    ]);
    const ort = await (options.loadRuntime ?? loadOnnxRuntime)();

    const sessions: OrtSession[] = [];
    try {
      const heads: Head[] = [];
      for (const [i, file] of headFiles.entries()) {
        const session = await createSession(ort, file);
        sessions.push(session);
        const head = makeHead(ort, session, file.path, names[i] as string, triggers[i] as WakeTrigger, verifiers[i], verifierThresholds[i] as number);
        if (head.verifier !== undefined && head.verifier.frames > head.frames) {
          throw new ModelError('MODEL_ERR_OPTION', `verifier: ${head.verifier.source} reads ${head.verifier.frames} embeddings, but head ${head.name} has only ${head.frames}`);
        }
        heads.push(head);
      }
      const historyFrames = Math.max(...heads.map((h) => h.frames));
      const features = await OwwFeatures.create(ort, melFile, embeddingFile, historyFrames);
      return new OpenWakeWordDetector(features, heads, options.now, options.onScore);
    } catch (error) {
      // Best-effort teardown of the sessions already made; the original error is what matters.
      await Promise.allSettled(sessions.map((s) => s.release()));
      throw error;
    }
  }

  get position(): number {
    return this.#features.hops * HOP_SAMPLES + this.#fill;
  }

  async process(chunk: Int16Array): Promise<readonly WakeDetection[]> {
    if (this.#closed) throw new ModelError('MODEL_ERR_CLOSED', 'the wake-word detector was closed');
    if (this.#busy) throw new ModelError('MODEL_ERR_BUSY', 'process() called before the previous call settled; await each call');
    this.#busy = true;
    try {
      let detections: WakeDetection[] | undefined;
      const input = this.#features.hopInput;
      const offset = this.#features.hopOffset;
      const n = chunk.length;
      let i = 0;
      while (i < n) {
        const take = Math.min(n - i, HOP_SAMPLES - this.#fill);
        const base = offset + this.#fill - i;
        // The melspectrogram model takes raw s16 values as floats (no scaling).
        for (let end = i + take; i < end; i++) input[base + i] = chunk[i] as number;
        this.#fill += take;
        if (this.#fill === HOP_SAMPLES) {
          this.#fill = 0;
          detections = await this.#hop(detections);
        }
      }
      return detections ?? NO_DETECTIONS;
    } finally {
      this.#busy = false;
    }
  }

  reset(): void {
    if (this.#busy) throw new ModelError('MODEL_ERR_BUSY', 'reset() called while process() is pending; await it first');
    this.#features.reset();
    this.#fill = 0;
    for (const h of this.#heads) h.trigger.reset();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#busy) throw new ModelError('MODEL_ERR_BUSY', 'close() called while process() is pending; await it first');
    this.#closed = true;
    await Promise.all([this.#features.release(), ...this.#heads.map((h) => h.session.release())]);
  }

  async #hop(detections: WakeDetection[] | undefined): Promise<WakeDetection[] | undefined> {
    const features = this.#features;
    await features.hop();
    const end = features.hops * HOP_SAMPLES;
    const nowMs = this.#now !== undefined ? this.#now() : end / SAMPLES_PER_MS;
    const heads = this.#heads;
    for (let k = 0; k < heads.length; k++) {
      const head = heads[k] as Head;
      head.input.set(this.#sources[k] as Float32Array);
      await runInto(head.session, head.feeds, head.fetches, head.label);
      // openWakeWord reports 0 while its buffers still hold start-up padding.
      const score = features.hops <= WARMUP_HOPS ? 0 : (head.score[0] as number);
      // The verifier is cheap (one dot product) and scored on every hop so that listeners can tune its threshold.
      const verified = head.verifier === undefined || score === 0 ? undefined : head.verifier.probability(head.input);
      this.#onScore?.(head.name, score, end, verified);
      // A hop the verifier rejects breaks the run like a low score.
      const counted = verified !== undefined && verified < head.verifierThreshold ? 0 : score;
      if (head.trigger.push(counted, nowMs)) (detections ??= []).push({ keyword: head.name, score, sample: end });
    }
    return detections;
  }
}

function makeHead(
  ort: OrtModule,
  session: OrtSession,
  path: string,
  name: string,
  trigger: WakeTrigger,
  verifier: WakeVerifier | undefined,
  verifierThreshold: number,
): Head {
  const { inputs } = checkSignature(
    session,
    path,
    [{ type: 'float32', shape: [1, null, EMBEDDING_DIM] }],
    [{ type: 'float32', shape: [1, 1] }],
  );
  const input0 = inputs[0];
  const frames = input0?.dims[1] ?? -1;
  if (input0 === undefined || frames === -1) {
    // Heads exported with a symbolic window length cannot tell us how many embeddings they read.
    return fail(path, 'input: expected a fixed window length [1, N, 96]');
  }
  if (frames < 1 || frames > MAX_HEAD_FRAMES) return fail(path, `input: expected 1–${MAX_HEAD_FRAMES} embeddings, got ${frames}`);
  const input = new Float32Array(frames * EMBEDDING_DIM);
  const score = new Float32Array(1);
  return {
    name,
    label: `openWakeWord head ${name}`,
    session,
    frames,
    input,
    score,
    feeds: { [input0.name]: new ort.Tensor('float32', input, [1, frames, EMBEDDING_DIM]) },
    fetches: { [session.outputNames[0] as string]: new ort.Tensor('float32', score, [1, 1]) },
    trigger,
    verifier,
    verifierThreshold,
  };
}

function fail(path: string, why: string): never {
  throw new ModelError('MODEL_ERR_SIGNATURE', `model file ${path} is not an openWakeWord keyword head: ${why}`);
}

function isPath(model: string): boolean {
  return model.includes('/') || model.endsWith('.onnx');
}

/** `hey_jarvis` → `hey_jarvis`; `/x/my_word_v0.2.onnx` → `my_word`. */
function defaultKeywordName(model: string): string {
  if (!isPath(model)) return model;
  return basename(model).replace(/\.onnx$/, '').replace(/_v\d+(\.\d+)*$/, '');
}

/** Only the trigger options that are set, so that `undefined` never overrides a default under exactOptionalPropertyTypes. */
function pick(o: TriggerOptions): TriggerOptions {
  return {
    ...(o.threshold !== undefined && { threshold: o.threshold }),
    ...(o.triggerLevel !== undefined && { triggerLevel: o.triggerLevel }),
    ...(o.refractoryMs !== undefined && { refractoryMs: o.refractoryMs }),
  };
}

