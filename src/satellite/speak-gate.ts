/**
 * The storm policy for `speak`s (hostile-hub guard): a turn plays its first `maxPerTurn` speaks and drops the rest;
 * speaks no turn asked for (announcements) may have at most `maxUnsolicited` clips queued or playing, and further
 * ones are dropped until one ends. Dropped speaks never reach a turn, the TTS or the playback queue, so
 * memory and work stay bounded whatever the hub sends. O(1) per speak.
 *
 * @module
 */
import { SatelliteError } from './errors.js';

/** Options of {@link SpeakGate}. */
export interface SpeakGateOptions {
  readonly maxPerTurn: number;
  readonly maxUnsolicited: number;
}

/** Why a speak was dropped. */
export type SpeakDrop = 'turn' | 'unsolicited';

/** Speaks of the current turn, and unsolicited clips queued or playing. */
export interface SpeakCounts {
  readonly thisTurn: number;
  readonly unsolicited: number;
}

/** The storm policy, pure: the counts after one speak, and why it is dropped (undefined: admitted). */
export function admitSpeak(counts: SpeakCounts, solicited: boolean, limits: SpeakGateOptions): { readonly counts: SpeakCounts; readonly drop: SpeakDrop | undefined } {
  if (solicited) return counts.thisTurn >= limits.maxPerTurn ? { counts, drop: 'turn' } : { counts: { ...counts, thisTurn: counts.thisTurn + 1 }, drop: undefined };
  return counts.unsolicited >= limits.maxUnsolicited ? { counts, drop: 'unsolicited' } : { counts: { ...counts, unsolicited: counts.unsolicited + 1 }, drop: undefined };
}

/** Counts speaks per turn and unsolicited clips in flight. */
export class SpeakGate {
  readonly #o: SpeakGateOptions;
  #thisTurn = 0;
  #unsolicited = 0;
  #dropped = 0;

  constructor(options: SpeakGateOptions) {
    this.#o = options;
  }

  /** Speaks dropped so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Unsolicited clips queued or playing. */
  get unsolicitedInFlight(): number {
    return this.#unsolicited;
  }

  /** A new turn began: its speaks are counted from zero. */
  turnBegan(): void {
    this.#thisTurn = 0;
  }

  /**
   * May this speak be played? `solicited`: a turn waits for an answer. An admitted unsolicited speak must be
   * followed by {@link unsolicitedEnded} when its clip ends.
   *
   * @returns undefined when admitted, else why it is dropped.
   */
  admit(solicited: boolean): SpeakDrop | undefined {
    const { counts, drop } = admitSpeak({ thisTurn: this.#thisTurn, unsolicited: this.#unsolicited }, solicited, this.#o);
    this.#thisTurn = counts.thisTurn;
    this.#unsolicited = counts.unsolicited;
    return drop === undefined ? undefined : this.#drop(drop);
  }

  /** An admitted unsolicited clip ended (played, failed or stopped). */
  unsolicitedEnded(): void {
    this.#unsolicited = Math.max(0, this.#unsolicited - 1);
  }

  #drop(why: SpeakDrop): SpeakDrop {
    this.#dropped++;
    return why;
  }
}

/** The one-line error of a dropped speak (`SAT_ERR_SPEAK_FLOOD`), for the refusal log. */
export function speakFloodError(drop: SpeakDrop, limits: { readonly maxSpeaksPerTurn: number; readonly maxUnsolicitedSpeaks: number }): SatelliteError {
  const { maxSpeaksPerTurn, maxUnsolicitedSpeaks } = limits;
  return new SatelliteError(
    'SAT_ERR_SPEAK_FLOOD',
    drop === 'turn'
      ? `expected at most ${maxSpeaksPerTurn} speak messages for one turn, got more: the first ${maxSpeaksPerTurn} are played, the rest dropped`
      : `expected at most ${maxUnsolicitedSpeaks} unsolicited speak messages or sounds queued, got more: dropped until one has played`,
  );
}
