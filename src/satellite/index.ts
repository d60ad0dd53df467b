/**
 * The satellite layer: wiring and policy over the listener, the hub link and playback (ARCHITECTURE.md). This file
 * is the layer's only import surface.
 *
 * @module
 */
export * from './constants.js';
export { SatelliteError, type SatelliteErrorCode } from './errors.js';
export type {
  AnswerLocally,
  BinaryMessage,
  HubLink,
  LocalAnswerIo,
  LocalAnswerSummary,
  OvosMessage,
  SatelliteMode,
  TurnFigures,
  TurnMarks,
  TurnOutcome,
  TurnReport,
  TurnRoute,
} from './types.js';
export { Satellite } from './satellite.js';
export type { SatelliteEvents, SatelliteOptions } from './satellite-options.js';
export { TurnTimeline, relativeMarks, timelineFigures, withMark, type TimelineTimes, type TurnStep } from './timeline.js';
export { answerable, lateAnswer, type LocalOutcome, type SessionTurn, type TurnPhase, type TurnTimer } from './session-turns.js';
export { HubTtsWaits, type HubAudio, type HubTtsSource } from './hub-tts.js';
export {
  initialSession, isOnline, isPlaying, isSpeaking, satelliteActivity, transition, type Activity, type MuteOrigin, type SatelliteActivity, type CaptureMarks, type Fallback, type LinkStatus, type SessionEffect,
  type SessionInput, type SessionSettings, type SessionState, type SessionStep, type SynthPolicy, type TtsRequest,
} from './session.js';
export { SpeechOutput, type PendingSpeech, type SpeechMarks, type SpeechOutputOptions } from './speech-output.js';
export { RawAudioStreamer, type StreamerOptions, type StreamSendFailure } from './streamer.js';
export {
  INITIAL_STREAM_STATE,
  STREAM_DROPS_BEFORE_AUDIO_MODE,
  effectiveMode,
  listensWithoutWake,
  streamTransition,
  type CaptureFate,
  type HubStreams,
  type StreamEffect,
  type StreamFlow,
  type StreamInput,
  type StreamLink,
  type StreamModeState,
  type StreamRoute,
  type StreamTransition,
} from './stream-machine.js';
export { fitMetadata, ttsMetadataFits, wire1MetadataBytes } from './binary-metadata.js';
export { routeBus, type BusActions, type HubListenEvent } from './bus-router.js';
export { sendUtteranceAudio, sendUtteranceText, type SenderIdentity } from './hub-send.js';
export { BUNDLED_SOUNDS_DIR, SoundLibrary, resolveSoundUri } from './sounds.js';
export { VolumeControl, type VolumeOptions, type VolumeState } from './volume.js';
export {
  answerLocally,
  nextOfflineHint,
  NOT_UNDERSTOOD_OFFLINE,
  OfflineHints,
  type LocalTurnEngines,
  type LocalTurnOptions,
  type LocalTurnOutcome,
  type LocalTurnResult,
  type LocalTurnTimings,
  type OfflineHintEvent,
  type OfflineHintState,
} from './local-turn.js';
export { redactReport, speechForLog } from './transcripts.js';
export {
  DEFAULT_MAX_ANSWER_SECONDS,
  DEFAULT_MAX_IGNORED_PER_INTERVAL,
  DEFAULT_MAX_SPEAKS_PER_TURN,
  DEFAULT_MAX_TTS_BYTES,
  DEFAULT_MAX_UNSOLICITED_SPEAKS,
  DEFAULT_WARN_INTERVAL_MS,
  resolveSatelliteLimits,
  type ResolvedSatelliteLimits,
  type SatelliteLimits,
} from './limits.js';
export { IgnoredMeter, RefusalLog, type IgnoredMeterOptions, type RefusalLogOptions } from './refusals.js';
export { SpeakGate, speakFloodError, type SpeakDrop, type SpeakGateOptions } from './speak-gate.js';
