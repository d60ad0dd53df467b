/**
 * Voice activity detection (Silero VAD v5/v6) on the model layer (`src/models`: manifest, onnxruntime, {@link
 * ModelError}). This file is the layer's only import surface.
 *
 * Importing it does not load onnxruntime-node; {@link createSileroVad} does, on first use.
 *
 * @module
 */
export * from './constants.js';
export { ModelError, type ModelErrorCode } from '../models/index.js';
export { type SegmenterOptions, SpeechSegmenter } from './segmenter.js';
export { createSileroVad, SileroVad, type SileroVadOptions } from './silero.js';
export type { ProbabilityListener, VadEvent, VoiceActivityDetector } from './types.js';
