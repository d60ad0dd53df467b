/**
 * Second-stage wake-word verifier: a logistic regression over the embeddings a keyword head has just read, in the
 * spirit of openWakeWord's "custom verifier". The head is a general model trained by others; the verifier is ours,
 * small, trained by `scripts/train-verifier` on generated audio. A hop counts only if both the head and the verifier
 * accept it, so the verifier can only remove detections, never add one; it costs one dot product (768 multiply-adds
 * for the shipped file) per hop.
 *
 * File format (JSON, see models/manifest.json `verifiers`): `format` = {@link VERIFIER_FORMAT}, `keyword`, `frames`
 * (embeddings read, the newest last), `dim` (96), `weights` (frames × dim numbers, row-major like the head's input),
 * `bias`, `threshold` (the probability a hop needs, in (0, 1)), and free-form `training` metadata.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { assertRange, MANIFEST_PATH, PACKAGE_ROOT } from '../models/index.js';
import { DEFAULT_VERIFIER, EMBEDDING_DIM, MAX_HEAD_FRAMES, VERIFIER_FORMAT } from './constants.js';
import { ModelError } from './errors.js';
import { errorCode } from '../errors.js';

/** A verifier's parameters, as stored in its file. */
export interface VerifierParameters {
  /** Keyword the verifier was trained for (checked against the head it is attached to). */
  readonly keyword: string;
  /** Embeddings read: the newest `frames` of the head's window. */
  readonly frames: number;
  /** Size of one embedding (96). */
  readonly dim: number;
  /** frames × dim weights, oldest embedding first. */
  readonly weights: Float32Array;
  readonly bias: number;
  /** Default probability a hop needs to count, in (0, 1). */
  readonly threshold: number;
  /** The file's free-form `training` metadata (who trained it, when, on what). Default empty. */
  readonly training?: Readonly<Record<string, unknown>>;
}

/** A loaded verifier. Pure and allocation-free per call. */
export class WakeVerifier {
  readonly keyword: string;
  readonly frames: number;
  /** Default acceptance threshold from the file (callers may override it). */
  readonly threshold: number;
  /** Where it came from (for messages). */
  readonly source: string;
  /** The file's `training` metadata (an enrolled verifier's date and takes, see src/wake/enrollment.ts). */
  readonly training: Readonly<Record<string, unknown>>;
  readonly #weights: Float32Array;
  readonly #bias: number;

  /** @throws {MODEL_ERR_CORRUPT} the parameters are inconsistent. */
  constructor(params: VerifierParameters, source = 'verifier') {
    const bad = (why: string): never => {
      throw new ModelError('MODEL_ERR_CORRUPT', `wake verifier ${source} is invalid: ${why}`);
    };
    if (params.dim !== EMBEDDING_DIM) bad(`expected dim ${EMBEDDING_DIM}, got ${params.dim}`);
    if (!Number.isInteger(params.frames) || params.frames < 1 || params.frames > MAX_HEAD_FRAMES) bad(`expected frames in [1, ${MAX_HEAD_FRAMES}], got ${params.frames}`);
    if (params.weights.length !== params.frames * params.dim) bad(`expected ${params.frames * params.dim} weights, got ${params.weights.length}`);
    if (!params.weights.every(Number.isFinite) || !Number.isFinite(params.bias)) bad('expected finite weights and bias');
    if (!(params.threshold > 0 && params.threshold < 1)) bad(`expected threshold in (0, 1), got ${params.threshold}`);
    this.keyword = params.keyword;
    this.frames = params.frames;
    this.threshold = params.threshold;
    this.source = source;
    this.training = params.training ?? {};
    this.#weights = params.weights;
    this.#bias = params.bias;
  }

  /**
   * Probability that the window is the keyword.
   *
   * @param window - the head's input, `[n, 96]` row-major with n ≥ {@link WakeVerifier.frames}; the newest
   *   `frames` rows are read.
   */
  probability(window: Float32Array): number {
    const w = this.#weights;
    const offset = window.length - w.length;
    let z = this.#bias;
    for (let i = 0; i < w.length; i++) z += (w[i] as number) * (window[offset + i] as number);
    return 1 / (1 + Math.exp(-z));
  }

  /** A copy of the weights and the bias (a prior for training, see src/wake/verifier-training.ts). */
  parameters(): { readonly weights: Float32Array; readonly bias: number } {
    return { weights: this.#weights.slice(), bias: this.#bias };
  }
}

/**
 * Parse a verifier file's text.
 *
 * @throws {MODEL_ERR_CORRUPT} not JSON, wrong format, or inconsistent fields.
 */
export function parseVerifier(text: string, source: string): WakeVerifier {
  const bad = (why: string): never => {
    throw new ModelError('MODEL_ERR_CORRUPT', `wake verifier ${source} is invalid: ${why}`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new ModelError('MODEL_ERR_CORRUPT', `wake verifier ${source} is invalid: expected JSON, got a parse error (${(cause as Error).message})`, { cause });
  }
  if (typeof doc !== 'object' || doc === null) return bad('expected a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.format !== VERIFIER_FORMAT) bad(`expected format "${VERIFIER_FORMAT}", got ${JSON.stringify(d.format)}`);
  if (typeof d.keyword !== 'string' || d.keyword === '') bad('expected a keyword name');
  if (typeof d.frames !== 'number' || typeof d.dim !== 'number' || typeof d.bias !== 'number' || typeof d.threshold !== 'number') {
    bad('expected numeric frames, dim, bias and threshold');
  }
  if (!Array.isArray(d.weights) || !d.weights.every((x) => typeof x === 'number')) bad('expected "weights" to be an array of numbers');
  return new WakeVerifier(
    {
      keyword: d.keyword as string,
      frames: d.frames as number,
      dim: d.dim as number,
      weights: Float32Array.from(d.weights as number[]),
      bias: d.bias as number,
      threshold: d.threshold as number,
      ...(typeof d.training === 'object' && d.training !== null && !Array.isArray(d.training) && { training: d.training as Record<string, unknown> }),
    },
    source,
  );
}

/**
 * Load a verifier: {@link DEFAULT_VERIFIER} (the file shipped in models/, checked against its sha256 in
 * models/manifest.json `verifiers`) or the path of a verifier JSON file.
 *
 * @throws {MODEL_ERR_MISSING} the file does not exist.
 * @throws {MODEL_ERR_CORRUPT} it is not a valid verifier, or the shipped one differs from the manifest.
 * @throws {MODEL_ERR_LOAD} it cannot be read.
 */
export async function loadWakeVerifier(nameOrPath: string): Promise<WakeVerifier> {
  const shipped = nameOrPath === DEFAULT_VERIFIER;
  const path = shipped ? join(PACKAGE_ROOT, 'models', `${DEFAULT_VERIFIER}.json`) : isAbsolute(nameOrPath) ? nameOrPath : join(process.cwd(), nameOrPath);
  const bytes = await readVerifierFile(path);
  if (shipped) {
    const expected = await shippedSha256();
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected) {
      throw new ModelError('MODEL_ERR_CORRUPT', `wake verifier ${path} is invalid: expected sha256 ${expected ?? '(no entry in models/manifest.json verifiers)'}, got ${actual}`);
    }
  }
  return parseVerifier(bytes.toString('utf8'), path);
}

async function readVerifierFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    if (errorCode(cause) === 'ENOENT') throw new ModelError('MODEL_ERR_MISSING', `wake verifier ${path} not found`, { cause });
    throw new ModelError('MODEL_ERR_LOAD', `wake verifier ${path} could not be read: ${(cause as Error).message}`, { cause });
  }
}

/** The shipped verifier's sha256 from the manifest, if listed. */
async function shippedSha256(): Promise<string | undefined> {
  let doc: { verifiers?: unknown };
  try {
    doc = JSON.parse(await readFile(MANIFEST_PATH, 'utf8')) as { verifiers?: unknown };
  } catch (cause) {
    throw new ModelError('MODEL_ERR_MANIFEST', `invalid model manifest ${MANIFEST_PATH}: ${(cause as Error).message}`, { cause });
  }
  const entry = Array.isArray(doc.verifiers) ? (doc.verifiers as { name?: unknown; sha256?: unknown }[]).find((v) => v.name === DEFAULT_VERIFIER) : undefined;
  return typeof entry?.sha256 === 'string' ? entry.sha256 : undefined;
}

/** Check a verifier threshold option. @throws {MODEL_ERR_OPTION} */
export function verifierThreshold(value: number): number {
  return assertRange('verifierThreshold', value, 0, 1, true);
}
