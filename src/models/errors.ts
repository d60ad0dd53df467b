/**
 * Coded errors of the model layer, shared by `src/vad` and `src/wake` (both re-export {@link ModelError}).
 *
 * Every message about a model file names the file and how to fix it (usually "run scripts/fetch-models").
 * Callers match on `code`; messages are for people and follow "expected X, got Y".
 *
 * @module
 */
import { HivesatError } from '../errors.js';

/** Codes of {@link ModelError}. */
export type ModelErrorCode =
  /** The model file is in none of the model directories. Fix: run `scripts/fetch-models`. */
  | 'MODEL_ERR_MISSING'
  /** The file is there but its sha256 (or size) differs from `models/manifest.json`. Fix: fetch it again. */
  | 'MODEL_ERR_CORRUPT'
  /** onnxruntime could not load the file (not an ONNX model, truncated, unsupported operator…). */
  | 'MODEL_ERR_LOAD'
  /** The model loads but its inputs/outputs are not the ones this detector feeds (wrong names, shapes or types). */
  | 'MODEL_ERR_SIGNATURE'
  /** The model name is not listed in `models/manifest.json`. */
  | 'MODEL_ERR_UNKNOWN'
  /** `models/manifest.json` is missing or malformed. */
  | 'MODEL_ERR_MANIFEST'
  /** The `onnxruntime-node` native binding could not be loaded (missing package, unsupported CPU/OS). */
  | 'MODEL_ERR_RUNTIME'
  /** `session.run` failed while processing audio. */
  | 'MODEL_ERR_INFERENCE'
  /** `process()` was called again before the previous call's promise settled. */
  | 'MODEL_ERR_BUSY'
  /** The detector was used after `close()`. */
  | 'MODEL_ERR_CLOSED'
  /** A detector option is out of range or of the wrong type (threshold, trigger level, durations…). */
  | 'MODEL_ERR_OPTION';

/** A model could not be found, verified, loaded or run, or a detector was misused. */
export class ModelError extends HivesatError<ModelErrorCode> {
  override readonly name = 'ModelError';

  /**
   * @param code - stable code for programs.
   * @param message - what went wrong and, for file problems, which file and how to fix it.
   * @param options - ES2022 `{ cause }`.
   */
  constructor(code: ModelErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** The fix printed with every missing model message. */
export const FETCH_MODELS_HINT = 'run scripts/fetch-models (or point HIVESAT_MODEL_DIR at a directory that has it)';

/**
 * The fix printed with a corrupt model file: fetch it again into the very directory it was found in (fetch-models
 * replaces a file whose sha256 differs from the manifest), since a corrupt copy is reported, never skipped over.
 */
export function corruptModelHint(dir: string): string {
  return `run scripts/fetch-models --dir ${dir} to fetch it again (it replaces a file whose sha256 differs from models/manifest.json)`;
}
