/**
 * Errors of the wake-word layer. Model problems share one class with the VAD layer, {@link ModelError}
 * (`MODEL_ERR_*`, declared in `src/models/errors.ts`), so callers handle both detectors the same way.
 *
 * @module
 */
export { FETCH_MODELS_HINT, ModelError, type ModelErrorCode } from '../models/index.js';
