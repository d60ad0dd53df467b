/**
 * The listening state machine and pipeline: idle → awake (wake word) → recording (with pre-roll) → end of speech →
 * {@link Utterance} or `no_speech`; barge-in while the satellite speaks; listening again without a wake word. This
 * file is the layer's only import surface.
 *
 * Importing it does not load onnxruntime-node; {@link createListener} does.
 *
 * @module
 */
export * from './constants.js';
export { EnergyGate, type GateState, type GateStats, type GateTiming, initialGate, nextGate } from './energy-gate.js';
export { ListenerError, type ListenerErrorCode } from './errors.js';
export {
  type AwakeState,
  type Effect,
  type IdleState,
  INITIAL_STATE,
  type ListenerInput,
  type ListenerState,
  type ListenerStateKind,
  NONE,
  nextDeadline,
  type RecordingState,
  transition,
  type Transition,
  type UtteranceSpan,
  type VoiceTrack,
  type WakeInfo,
} from './machine.js';
export {
  DEFAULT_LISTENER_SETTINGS,
  type ListenerSettings,
  type ListenerTiming,
  listenerTiming,
  type ResolvedListenerSettings,
  resolveListenerSettings,
  toSamples,
} from './settings.js';
export {
  INITIAL_SPEECH_STREAM,
  nextStreamDeadline,
  type SpeechStream,
  type SpeechStreamCut,
  type SpeechStreamEffect,
  type SpeechStreamEnd,
  type SpeechStreamOff,
  type SpeechStreamOn,
  type SpeechStreamSettings,
  type SpeechStreamStep,
  type SpeechStreamTiming,
  speechStreamTiming,
  stepSpeechStream,
} from './speech-stream.js';
export {
  type CancelledEvent,
  dbfs,
  type Loudness,
  loudness,
  type NoSpeechEvent,
  type SpeechEndEvent,
  type SpeechStartEvent,
  type Stamp,
  stamp,
  type StateChangeEvent,
  type StreamChunkEvent,
  type StreamEndEvent,
  type StreamStartEvent,
  type Utterance,
  type UtteranceTimes,
  type WakeEvent,
  type WakeRejectedEvent,
} from './utterance.js';
export { type CreateListenerOptions, createListener } from './create-listener.js';
export { Listener, type ListenerEvents, type ListenerOptions, type WakeEngineInfo } from './listener.js';
export { MAX_CONFIG_REFRACTORY_MS, MAX_KEYWORDS, MAX_POST_ROLL_MS, VAD_MODELS, VAD_SECTION_SCHEMA, type VadSection, WAKE_SECTION_SCHEMA, type WakeSection } from './config-schema.js';
