/**
 * What a {@link Satellite} is built from and what it reports.
 *
 * @module
 */
import type { AudioSink, Timers } from '../audio/index.js';
import type { HivesatError } from '../errors.js';
import type { HiveLogger } from '../hivemind/index.js';
import type { Listener } from '../listener/index.js';
import type { SpeechToText, TextToSpeech } from '../speech/index.js';
import type { SatelliteLimits } from './limits.js';
import type { SessionInput, SessionState } from './session.js';
import type { SoundLibrary } from './sounds.js';
import type { AnswerLocally, HubLink, SatelliteMode, TurnReport } from './types.js';
import type { VolumeOptions } from './volume.js';

/** Options of {@link Satellite} (src/satellite/satellite.ts). */
export interface SatelliteOptions {
  readonly mode: SatelliteMode;
  /** The listener (wake word, VAD, endpointing); the satellite drives its speaking flag. */
  readonly listener: Listener;
  /** The hub connection; `undefined` when no hub is configured (every turn is local). */
  readonly link: HubLink | undefined;
  readonly sink: AudioSink;
  readonly lang: string;
  readonly siteId: string;
  /** Local STT (text mode). */
  readonly stt?: SpeechToText;
  /** Local TTS (text mode, announcements, fallback). */
  readonly tts?: TextToSpeech;
  /** The failover hook. */
  readonly answerLocally?: AnswerLocally;
  readonly answerTimeoutMs?: number;
  readonly synthTimeoutMs?: number;
  readonly stream?: { readonly preRollMs: number; readonly tailMs: number; readonly maxStreamMs: number };
  readonly sounds?: { readonly onWake: boolean; readonly startListening: string; readonly error: string };
  readonly volume?: VolumeOptions;
  readonly soundLibrary?: SoundLibrary;
  readonly timers?: Timers;
  readonly logger?: HiveLogger;
  /** Start muted (the persisted mute switch): nothing fed is heard until {@link Satellite.setMuted}. */
  readonly muted?: boolean;
  /** What a (misbehaving) hub may make the satellite hold or do; see src/satellite/limits.ts for the defaults. */
  readonly limits?: SatelliteLimits;
}

/**
 * Events of a {@link Satellite} (src/satellite/satellite.ts). `refused`: something from the hub was refused (a coded error), emitted with its one
 * log line, so at most once per code and `limits.warnIntervalMs`. `state`: the session changed (ops follow it); emitted before the transition's effects run, so a transition they cause comes after it and each `previous` is the last `next`.
 */
export type SatelliteEvents = {
  turn: [report: TurnReport];
  failover: [turnId: number, reason: string];
  refused: [error: HivesatError];
  /** A `speak` was the hub's late answer to a turn already answered locally: dropped, not played. */
  lateAnswer: [turnId: number];
  /** Stream mode: the hub cannot take RAW_AUDIO streams; `advice` says what it needs. Audio mode until restart. */
  streamsRefused: [advice: string];
  state: [next: SessionState, previous: SessionState, input: SessionInput];
};
