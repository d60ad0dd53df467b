/**
 * The satellite's interfaces: what it needs from a hub connection and from the local answer path, and what it
 * reports.
 *
 * @module
 */
import type { HubConnection, HubConnectionEvents } from '../hivemind/index.js';
import type { Utterance } from '../listener/index.js';

/** An OVOS bus message as the connection delivers it. */
export type OvosMessage = HubConnectionEvents['bus'][0];

/** A BINARY message as the connection delivers it. */
export type BinaryMessage = HubConnectionEvents['binary'][0];

/** What the satellite uses of a {@link HubConnection} (tests may pass the real one or a fake). */
export type HubLink = Pick<HubConnection, 'state' | 'sessionId' | 'sendBus' | 'sendBinary' | 'on' | 'off'>;

/** How utterances reach the hub (HIVEMIND.md §6). */
export type SatelliteMode = 'audio' | 'stream' | 'text';

/** What {@link AnswerLocally} gets besides the utterance. */
export interface LocalAnswerIo {
  /** Language of the utterance ("en-US"). */
  readonly lang: string;
  /** Plays 16 kHz mono PCM after what is queued; resolves when it has been played (or stopped). */
  readonly play: (pcm: Int16Array) => Promise<unknown>;
  /** Aborted on barge-in, `mycroft.stop` and shutdown. */
  readonly signal: AbortSignal;
}

/** What the local path says it did (src/satellite/local-turn.ts's `LocalTurnResult` has this shape). */
export interface LocalAnswerSummary {
  /** What the local STT heard ('' when nothing). */
  readonly transcript: string;
  /** The spoken answer. */
  readonly answer: string;
  /** `answered`, `not-heard`, `not-understood`, `no-answer` (src/satellite/local-turn.ts). */
  readonly outcome: string;
}

/**
 * The failover hook: answer one utterance without the hub (local STT → persona → local TTS) and speak through
 * `io.play`. Called with the very Utterance the hub did not answer; it must not throw for "no answer" (it speaks an
 * apology instead).
 */
export type AnswerLocally = (utterance: Utterance, io: LocalAnswerIo) => Promise<LocalAnswerSummary>;

/** Where a turn was answered. */
export type TurnRoute = 'hub' | 'local';

/** How a turn ended. */
export type TurnOutcome =
  /** An answer was played to the end. */
  | 'answered'
  /**
   * Nothing usable was heard: the hub's STT (error sound and hint played), or the local recognizer heard nothing or
   * speech it could not verify as one of its phrases (the reason spoken says what works offline).
   */
  | 'not-understood'
  /** Playback was interrupted (barge-in, `mycroft.stop`). */
  | 'interrupted'
  /** Nothing could be played: no hub and no local path, or every clip failed. */
  | 'failed';

/** Times of a turn, milliseconds on the satellite's clock relative to its first mark (absent when it did not happen). */
export interface TurnMarks {
  /** Wake word detected. */
  readonly wake?: number;
  /** End of speech decided by the listener. */
  readonly speechEnd?: number;
  /** The utterance was fully written to the hub (audio: the BINARY; text: the utterance; stream: the last chunk). */
  readonly sent?: number;
  /** First `speak` (or `speech.recognition.unknown`) from the hub. */
  readonly firstSpeak?: number;
  /** First TTS request sent (`speak:synth` / `speak:b64_audio`). */
  readonly ttsRequested?: number;
  /** First TTS audio received. */
  readonly ttsReceived?: number;
  /** First sample of the answer handed to the sink. */
  readonly playbackStart?: number;
  /** Last clip of the answer ended. */
  readonly playbackEnd?: number;
}

/** Figures derived from {@link TurnMarks}, milliseconds (absent when a mark is missing). */
export interface TurnFigures {
  /** End of speech → utterance fully sent. */
  readonly speechEndToSentMs?: number;
  /** The hub's own time: sent → first speak, plus TTS requested → TTS received. */
  readonly hubMs?: number;
  /** TTS audio received → first sample at the sink. */
  readonly ttsToFirstSampleMs?: number;
  /** Everything between end of speech and the first sample that is not the hub's own processing. */
  readonly overheadMs?: number;
  /** End of speech → first sample (what the user waits). */
  readonly responseMs?: number;
}

/** The `turn` event: one utterance and its answer. */
export interface TurnReport {
  /** 1-based turn number. */
  readonly id: number;
  readonly mode: SatelliteMode;
  readonly route: TurnRoute;
  readonly outcome: TurnOutcome;
  /** Why the turn went local (`hub not ready`, `no answer in 15000 ms`, `link dropped`), if it did. */
  readonly failover?: string;
  /** Why the answer could not be heard: the playback device failed (`AUDIO_ERR_DEVICE_EXIT: aplay exited …`). */
  readonly playbackError?: string;
  /**
   * What the local speech-to-text heard (local answers and text mode); '' when it heard nothing or could not verify
   * what it heard (then `outcome` is `not-understood`). Absent when the hub transcribed. User speech: print it, log it
   * only at debug level (the `speech.redact_transcripts` switch hides it).
   */
  readonly transcript?: string;
  /** The spoken answers, in order. */
  readonly answers: readonly string[];
  readonly marks: TurnMarks;
  readonly figures: TurnFigures;
}
