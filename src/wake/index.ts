/**
 * Wake-word detection: the engine-independent {@link WakeWordDetector} interface and openWakeWord through
 * onnxruntime-node (melspectrogram → embedding → keyword heads). Porcupine can be added later as another
 * implementation of the same interface. A keyword may have a second stage, a {@link WakeVerifier} trained by
 * `scripts/train-verifier` (src/wake/verifier.ts). This file is the layer's only import surface.
 *
 * Importing it does not load onnxruntime-node; {@link createOpenWakeWord} does, on first use.
 *
 * @module
 */
export * from './constants.js';
export { FETCH_MODELS_HINT, ModelError, type ModelErrorCode } from './errors.js';
export { OwwFeatures } from './features.js';
export { createOpenWakeWord, type KeywordOptions, OpenWakeWordDetector, type OpenWakeWordOptions, type VerifierOptions } from './openwakeword.js';
export { type TriggerOptions, WakeTrigger } from './trigger.js';
export type { ScoreListener, WakeDetection, WakeWordDetector } from './types.js';
export { loadWakeVerifier, parseVerifier, type VerifierParameters, verifierThreshold, WakeVerifier } from './verifier.js';
export {
  createPorcupine,
  mapPorcupineError,
  PORCUPINE_ACCESS_KEY_ENV,
  PORCUPINE_FIXES,
  PorcupineDetector,
  type PorcupineEngine,
  type PorcupineModule,
  type PorcupineOptions,
  redactAccessKey,
  resolvePorcupineKeywords,
  WakeError,
  type WakeErrorCode,
} from './porcupine.js';
export { HeadWindowScorer, type HeadWindowScorerOptions, type HopListener } from './window-scorer.js';
export { type TrainedVerifier, trainVerifier, type VerifierSample, verifierDocument, type VerifierTrainingOptions } from './verifier-training.js';
export {
  type AcceptedTake,
  ENROLL_CLIP_MAGNITUDE,
  ENROLL_DEFAULT_TAKES,
  ENROLL_MAX_CLIPPED_FRACTION,
  ENROLL_MAX_TAKE_SECONDS,
  ENROLL_MAX_TAKES,
  ENROLL_MIN_CLIPPED,
  ENROLL_MIN_LEVEL_DBFS,
  ENROLL_MIN_TAKE_SECONDS,
  ENROLL_MIN_TAKES,
  ENROLLED_VERIFIER_FILE,
  ENROLLED_VERIFIER_THRESHOLD,
  ENROLLMENT_NEGATIVE_PHRASES,
  EnrollError,
  type EnrollErrorCode,
  type EnrollmentResult,
  measureTake,
  type TakeLevel,
  WakeEnroller,
  type WakeEnrollerOptions,
  withNoise,
} from './enrollment.js';
export { AUTO_VERIFIER, describeVerifier, formatVerifierInfo, ENROLLED_VERIFIER, ENROLLED_VERIFIER_MODE, type ResolvedVerifier, resolveVerifier, saveEnrolledVerifier, type VerifierInfo } from './enrolled.js';
