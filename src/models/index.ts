/**
 * The model layer under `src/vad` and `src/wake`: the model manifest (`models/manifest.json`) and the directories
 * searched for model files, {@link ModelError} and its codes, the lazy onnxruntime loader, session creation with
 * hivesat's session options, signature checks, and the range check of detector options. This file is the layer's
 * only import surface.
 *
 * Importing it does not load onnxruntime-node; {@link loadOnnxRuntime} does, on first use.
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
} from './manifest.js';
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
export { assertRange } from './options.js';
