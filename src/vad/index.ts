/**
 * Voice activity detection (Silero VAD v5/v6) and the model plumbing shared with `src/wake`: the model manifest,
 * model directories, {@link ModelError} and the lazy onnxruntime loader. This file is the layer's only import surface.
 *
 * Importing it does not load onnxruntime-node; {@link createSileroVad} does, on first use.
 *
 * @module
 */
export * from './constants.js';
export { FETCH_MODELS_HINT, ModelError, type ModelErrorCode, corruptModelHint } from './errors.js';
export {
  assertManifest,
  defaultModelDirs,
  findModel,
  MANIFEST_PATH,
  type ModelEntry,
  type ModelFile,
  type ModelKind,
  type ModelLocatorOptions,
  type ModelManifest,
  type ModelSource,
  PACKAGE_ROOT,
  readManifest,
  readModel,
  readModelPath,
  verifyModel,
} from './models.js';
export {
  type CheckedTensor,
  checkSignature,
  createSession,
  loadOnnxRuntime,
  type OrtModule,
  type OrtSession,
  type OrtTensor,
  runInto,
  type TensorMap,
  type TensorSpec,
} from './onnx.js';
export { assertRange, type SegmenterOptions, SpeechSegmenter } from './segmenter.js';
export { createSileroVad, SileroVad, type SileroVadOptions } from './silero.js';
export type { ProbabilityListener, VadEvent, VoiceActivityDetector } from './types.js';
