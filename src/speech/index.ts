/**
 * The speech layer: local and HTTP speech-to-text and text-to-speech engines behind two small interfaces. This
 * file is the layer's only import surface.
 *
 * - STT: {@link PocketsphinxStt} (Debian pocketsphinx, biased with a JSGF grammar), {@link OpenAiTranscriber}.
 * - TTS: {@link EspeakNgTts} (default), {@link FliteTts}, {@link PiperTts}, {@link OpenAiSpeechSynthesizer}.
 *
 * @module
 */
export type { SpeechToText, TextToSpeech, TranscribeOptions, Transcript, SynthesizeOptions, SynthesizedSpeech } from './types.js';
export { SpeechError, type SpeechErrorCode } from './errors.js';
export * from './constants.js';
export { buildJsgf, grammarWords, mergeGrammarSpecs, normalizeGrammarText, type GrammarSpec } from './grammar.js';
export { xorshift32 } from './noise-floor.js';
export { DEFAULT_NOISE_REDUCTION, reduceNoise, type NoiseReductionParams } from './noise-reduction.js';
export { DEFAULT_VOCAL_TRACT_WARP, medianPitchHz, vocalTractWarp, type VocalTractWarpParams } from './pitch.js';
export { DEFAULT_NOISE_FLOOR_DB, PocketsphinxStt, type PocketsphinxOptions, type SpottingOptions } from './pocketsphinx.js';
export {
  coverage,
  decide,
  DEFAULT_REJECTION,
  paramsFor,
  speechSpan,
  spottingThreshold,
  type PhraseClass,
  type RejectionParams,
  type SpottingParams,
  type RejectionReason,
  type TimeSpan,
  type Verdict,
  type VerificationFeatures,
} from './rejection.js';
export { parseSpottedSpans, PRIMING_GAP_MS, primedAudio, spottedFrom, wordsFrom, type PrimedLayout } from './priming.js';
export { FallbackStt, type FallbackSttOptions } from './fallback.js';
export { OpenAiTranscriber, OpenAiSpeechSynthesizer, type OpenAiSpeechEndpoint, type OpenAiTranscriberOptions, type OpenAiSpeechSynthesizerOptions } from './openai.js';
export { EspeakNgTts, FliteTts, PiperTts, type CliEngineOptions, type EspeakNgOptions, type FliteOptions, type PiperOptions } from './local-tts.js';
export { detectSpeechEngines, findExecutable, type SpeechEngineReport } from './detect.js';
export { defaultSpawn, defaultTimers, type SpawnFn, type SpeechTimers } from './process.js';
export type { FetchFn } from './http.js';
