/**
 * The only place that loads `onnxruntime-node`, lazily, so that importing `src/models`, `src/vad` or `src/wake` (config,
 * cli, unit tests) never loads the native binding. Also: session creation with hivesat's options, signature checks, and a
 * `run` wrapper that turns onnxruntime failures into coded errors.
 *
 * @module
 */
import type * as Ort from 'onnxruntime-node';
import { SESSION_OPTIONS } from './constants.js';
import { ModelError } from './errors.js';
import type { ModelFile } from './manifest.js';

/** The `onnxruntime-node` module. */
export type OrtModule = typeof Ort;
/** An onnxruntime inference session. */
export type OrtSession = Ort.InferenceSession;
/** An onnxruntime tensor. */
export type OrtTensor = Ort.Tensor;
/** Feeds or pre-allocated fetches of one `run`: tensor by input/output name. */
export type TensorMap = Record<string, OrtTensor>;

let runtime: Promise<OrtModule> | undefined;

/** onnxruntime's environment switch for its telemetry (`1`: off). A user may set it to `0` to allow it. */
export const ORT_TELEMETRY_ENV = 'ORT_DISABLE_TELEMETRY';

/**
 * Import `onnxruntime-node` once.
 *
 * @throws {MODEL_ERR_RUNTIME} when the package or its native binding cannot be loaded.
 */
export function loadOnnxRuntime(): Promise<OrtModule> {
  // onnxruntime 1.30 starts a telemetry client at load (a device id and an event store under
  // $XDG_CACHE_HOME or ~/.cache/Microsoft/DeveloperTools/.onnxruntime/, HTTPS uploads); its own switch turns it off.
  // Read by the native library, so it must be set before the first import.
  process.env[ORT_TELEMETRY_ENV] ??= '1';
  runtime ??= import('onnxruntime-node').catch((cause: unknown) => {
    runtime = undefined;
    throw new ModelError(
      'MODEL_ERR_RUNTIME',
      `cannot load onnxruntime-node (64-bit Linux x64/arm64 only): ${(cause as Error).message}`,
      { cause },
    );
  });
  return runtime;
}

/**
 * Create a session for a model file with {@link SESSION_OPTIONS}.
 *
 * @throws {MODEL_ERR_LOAD} when onnxruntime rejects the bytes.
 */
export async function createSession(ort: OrtModule, file: ModelFile): Promise<OrtSession> {
  try {
    return await ort.InferenceSession.create(file.bytes, SESSION_OPTIONS);
  } catch (cause) {
    const fix = file.entry !== undefined ? '; run scripts/fetch-models --force to fetch it again' : '';
    throw new ModelError('MODEL_ERR_LOAD', `cannot load model file ${file.path}: ${(cause as Error).message}${fix}`, {
      cause,
    });
  }
}

/** What a detector expects of one model input or output. */
export interface TensorSpec {
  /** Required name, or undefined to accept any name at this position. */
  readonly name?: string;
  /** Element type. */
  readonly type: 'float32' | 'int64';
  /** Expected shape; `null` accepts any size (symbolic or fixed) in that dimension. */
  readonly shape: readonly (number | null)[];
}

/** The metadata of a checked tensor: its actual name and shape with symbolic dimensions as -1. */
export interface CheckedTensor {
  /** Name in the graph. */
  readonly name: string;
  /** Shape, -1 for symbolic dimensions. */
  readonly dims: readonly number[];
}

/**
 * Check a session's inputs and outputs against what the caller will feed and read, by position.
 *
 * @returns the actual names and shapes (heads name their input `x.1` or `onnx::Flatten_0`, for instance).
 * @throws {MODEL_ERR_SIGNATURE} on a count, name, type or shape mismatch.
 */
export function checkSignature(
  session: OrtSession,
  path: string,
  inputs: readonly TensorSpec[],
  outputs: readonly TensorSpec[],
): { inputs: CheckedTensor[]; outputs: CheckedTensor[] } {
  const check = (which: 'input' | 'output', meta: readonly Ort.InferenceSession.ValueMetadata[], specs: readonly TensorSpec[]) => {
    const fail = (why: string): never => {
      throw new ModelError('MODEL_ERR_SIGNATURE', `model file ${path} does not fit this detector: ${which} ${why}`);
    };
    if (meta.length !== specs.length) fail(`count: expected ${specs.length}, got ${meta.length}`);
    return specs.map((spec, i): CheckedTensor => {
      const m = meta[i];
      if (m === undefined || !m.isTensor) return fail(`#${i}: expected a tensor`);
      if (spec.name !== undefined && m.name !== spec.name) fail(`#${i}: expected name "${spec.name}", got "${m.name}"`);
      if (m.type !== spec.type) fail(`"${m.name}": expected type ${spec.type}, got ${m.type}`);
      const dims = m.shape.map((d) => (typeof d === 'number' ? d : -1));
      const shown = `[${m.shape.map((d) => (typeof d === 'number' ? d : `'${d}'`)).join(', ')}]`;
      const want = `[${spec.shape.map((d) => d ?? '?').join(', ')}]`;
      if (dims.length !== spec.shape.length) fail(`"${m.name}": expected shape ${want}, got ${shown}`);
      spec.shape.forEach((want1, d) => {
        const got = dims[d] ?? -1;
        if (want1 !== null && got !== -1 && got !== want1) fail(`"${m.name}": expected shape ${want}, got ${shown}`);
      });
      return { name: m.name, dims };
    });
  };
  return { inputs: check('input', session.inputMetadata, inputs), outputs: check('output', session.outputMetadata, outputs) };
}

/**
 * Run a session with pre-built feeds and pre-allocated fetches (onnxruntime-node writes the outputs into the
 * fetches' own buffers, so callers read results from arrays they allocated once).
 *
 * @throws {MODEL_ERR_INFERENCE} when onnxruntime fails.
 */
export async function runInto(session: OrtSession, feeds: TensorMap, fetches: TensorMap, what: string): Promise<void> {
  try {
    await session.run(feeds, fetches);
  } catch (cause) {
    throw new ModelError('MODEL_ERR_INFERENCE', `${what} inference failed: ${(cause as Error).message}`, { cause });
  }
}
