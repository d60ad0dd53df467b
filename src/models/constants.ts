/**
 * Where model files live, how large they may be, and the onnxruntime session options every detector model gets.
 *
 * @module
 */

/** Environment variable naming an extra model directory (searched first). */
export const MODEL_DIR_ENV = 'HIVESAT_MODEL_DIR';

/** Directory, relative to the package root, where `scripts/fetch-models` puts fetched models by default. */
export const MODEL_CACHE_SUBDIR = 'models/cache';

/** Directory, relative to the package root, of the manifest and of committed (MIT) models. */
export const MODELS_SUBDIR = 'models';

/** Largest model file we read into memory, bytes (the biggest we ship is 2.3 MB; user heads are smaller). */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;

/**
 * onnxruntime session options for every detector model: one thread, sequential execution (otherwise onnxruntime
 * spreads each tiny graph over all cores, which costs more than it saves on a Pi), warnings silenced (the
 * Silero graphs carry unused initializers that onnxruntime warns about on every load).
 */
export const SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
} as const;
