/**
 * The per-turn timeline: absolute clock times of the steps of a turn (wake, end of speech, utterance sent, first
 * `speak`, TTS requested and received, playback start and end), and the figures the `turn` event and the log line
 * report. The times are plain data ({@link TimelineTimes}, kept in the session's turn state); {@link TurnTimeline} is
 * the same as a small mutable object.
 *
 * @module
 */
import type { TurnFigures, TurnMarks } from './types.js';

/** A step of a turn. */
export type TurnStep = keyof TurnMarks;

/** Absolute clock times of a turn's steps (ms). */
export type TimelineTimes = Readonly<Partial<Record<TurnStep, number>>>;

/** Steps whose last occurrence counts (the others keep their first). */
const LAST_WINS: ReadonlySet<TurnStep> = new Set(['playbackEnd']);

const ORDER: readonly TurnStep[] = ['wake', 'speechEnd', 'sent', 'firstSpeak', 'ttsRequested', 'ttsReceived', 'playbackStart', 'playbackEnd'];

/** `times` with `step` at `atMs` (the first time, or the last one for `playbackEnd`). */
export function withMark(times: TimelineTimes, step: TurnStep, atMs: number): TimelineTimes {
  return times[step] === undefined || LAST_WINS.has(step) ? { ...times, [step]: atMs } : times;
}

/** Marks relative to the first one, milliseconds, rounded to 0.1 ms. */
export function relativeMarks(times: TimelineTimes): TurnMarks {
  const origin = Math.min(...Object.values(times));
  const out: Partial<Record<TurnStep, number>> = {};
  for (const step of ORDER) {
    const at = times[step];
    if (at !== undefined) out[step] = round(at - origin);
  }
  return out;
}

/** The derived figures (see {@link TurnFigures}). */
export function timelineFigures(times: TimelineTimes): TurnFigures {
  const diff = (a: TurnStep, b: TurnStep): number | undefined => {
    const x = times[a];
    const y = times[b];
    return x === undefined || y === undefined ? undefined : round(y - x);
  };
  const speechEndToSentMs = diff('speechEnd', 'sent');
  const toSpeak = diff('sent', 'firstSpeak');
  const tts = diff('ttsRequested', 'ttsReceived');
  const hubMs = toSpeak === undefined ? undefined : round(toSpeak + (tts ?? 0));
  const ttsToFirstSampleMs = diff('ttsReceived', 'playbackStart');
  const responseMs = diff('speechEnd', 'playbackStart');
  const overheadMs = responseMs === undefined || hubMs === undefined ? undefined : round(responseMs - hubMs);
  const out: { -readonly [K in keyof TurnFigures]: TurnFigures[K] } = {};
  if (speechEndToSentMs !== undefined) out.speechEndToSentMs = speechEndToSentMs;
  if (hubMs !== undefined) out.hubMs = hubMs;
  if (ttsToFirstSampleMs !== undefined) out.ttsToFirstSampleMs = ttsToFirstSampleMs;
  if (overheadMs !== undefined) out.overheadMs = overheadMs;
  if (responseMs !== undefined) out.responseMs = responseMs;
  return out;
}

/** Clock times of one turn's steps, as a mutable object. */
export class TurnTimeline {
  #times: TimelineTimes = {};

  /** Record `step` at clock time `atMs` (the first time, or the last one for `playbackEnd`). */
  mark(step: TurnStep, atMs: number): void {
    this.#times = withMark(this.#times, step, atMs);
  }

  /** Whether `step` was recorded. */
  has(step: TurnStep): boolean {
    return this.#times[step] !== undefined;
  }

  /** Marks relative to the first one, milliseconds, rounded to 0.1 ms. */
  marks(): TurnMarks {
    return relativeMarks(this.#times);
  }

  /** The derived figures (see {@link TurnFigures}). */
  figures(): TurnFigures {
    return timelineFigures(this.#times);
  }

  /** One log line: `wake 0.0 · speechEnd 1834.2 · sent 1835.0 …`. */
  line(): string {
    const marks = this.marks() as Record<string, number>;
    return ORDER.filter((s) => marks[s] !== undefined)
      .map((s) => `${s} ${(marks[s] as number).toFixed(1)}`)
      .join(' · ');
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
