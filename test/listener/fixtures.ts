/**
 * Helpers for the listener tests: run a real listener (Silero VAD + openWakeWord) over generated speech, feeding it
 * in chunks of a chosen size with control calls at chosen stream positions, and record every event as plain data.
 */
import { createListener, type CreateListenerOptions, type Listener, type Utterance } from '../../src/listener/index.js';

/** One event as the listener emitted it, reduced to comparable data (positions in samples). */
export type Seen =
  | { readonly type: 'wake'; readonly keyword: string; readonly score: number; readonly sample: number; readonly bargeIn: boolean }
  | { readonly type: 'barge_in'; readonly keyword: string; readonly score: number; readonly sample: number; readonly bargeIn: boolean }
  | { readonly type: 'speech_start'; readonly sample: number }
  | { readonly type: 'speech_end'; readonly sample: number; readonly decided: number; readonly truncated: boolean }
  | { readonly type: 'utterance'; readonly start: number; readonly end: number; readonly speechStart: number; readonly speechEnd: number; readonly truncated: boolean }
  | { readonly type: 'no_speech'; readonly sample: number }
  | { readonly type: 'cancelled'; readonly sample: number; readonly reason: string }
  | { readonly type: 'wake_rejected'; readonly keyword: string; readonly score: number; readonly sample: number; readonly reason: string };

/** A control call made once `at` samples have been fed. */
export interface Step {
  readonly at: number;
  readonly act: (listener: Listener) => void;
}

/** Options of {@link runListener}. */
export interface RunOptions extends CreateListenerOptions {
  /** Chunk size fed, samples. Default 1,280. */
  readonly chunk?: number;
  /** Await `drained()` after every chunk (pieces then follow the chunks); otherwise feed everything at once. Default true. */
  readonly drainEach?: boolean;
  /** Control calls. */
  readonly steps?: readonly Step[];
  /** Call `end()` after the audio. Default false. */
  readonly end?: boolean;
}

/** What a run produced. */
export interface RunResult {
  readonly events: Seen[];
  readonly utterances: Utterance[];
  /** Stream position (processed samples) at the moment each event was emitted, same order as `events`. */
  readonly emittedAt: number[];
  /** State changes as `from→to`. */
  readonly states: string[];
  readonly errors: Error[];
}

/** Run a fresh listener over `audio`. */
export async function runListener(audio: Int16Array, options: RunOptions = {}): Promise<RunResult> {
  const listener = await createListener({ ...options, log: () => undefined });
  const result: RunResult = { events: [], utterances: [], emittedAt: [], states: [], errors: [] };
  const seen = (e: Seen) => {
    result.events.push(e);
    result.emittedAt.push(listener.position);
  };
  listener.on('wake', (e) => seen({ type: 'wake', keyword: e.keyword, score: e.score, sample: e.at.sample, bargeIn: e.bargeIn }));
  listener.on('barge_in', (e) => seen({ type: 'barge_in', keyword: e.keyword, score: e.score, sample: e.at.sample, bargeIn: e.bargeIn }));
  listener.on('speech_start', (e) => seen({ type: 'speech_start', sample: e.at.sample }));
  listener.on('speech_end', (e) => seen({ type: 'speech_end', sample: e.at.sample, decided: e.decided.sample, truncated: e.truncated }));
  listener.on('utterance', (u) => {
    result.utterances.push(u);
    seen({ type: 'utterance', start: u.times.start.sample, end: u.times.end.sample, speechStart: u.times.speechStart.sample, speechEnd: u.times.speechEnd.sample, truncated: u.truncated });
  });
  listener.on('no_speech', (e) => seen({ type: 'no_speech', sample: e.at.sample }));
  listener.on('cancelled', (e) => seen({ type: 'cancelled', sample: e.at.sample, reason: e.reason }));
  listener.on('wake_rejected', (e) => seen({ type: 'wake_rejected', keyword: e.keyword, score: e.score, sample: e.at.sample, reason: e.reason }));
  listener.on('state', (e) => result.states.push(`${e.from}→${e.to}${e.speaking ? ' (speaking)' : ''}`));
  listener.on('error', (e) => result.errors.push(e));
  try {
    await feedWithSteps(listener, audio, options.chunk ?? 1_280, options.drainEach ?? true, options.steps ?? []);
    if (options.end === true) await listener.end();
    else await listener.drained();
  } finally {
    await listener.close();
  }
  return result;
}

/** Feed `audio` in chunks of `size`, cut so that each step runs exactly when `step.at` samples have been fed. */
export async function feedWithSteps(listener: Listener, audio: Int16Array, size: number, drainEach: boolean, steps: readonly Step[]): Promise<void> {
  const todo = [...steps].sort((a, b) => a.at - b.at);
  let i = 0;
  for (;;) {
    while (todo.length > 0 && (todo[0] as Step).at <= i) (todo.shift() as Step).act(listener);
    if (i >= audio.length) break;
    const next = todo[0];
    const end = Math.min(audio.length, i + size, next === undefined ? Number.POSITIVE_INFINITY : next.at);
    listener.feed(audio.subarray(i, end));
    if (drainEach) await listener.drained();
    i = end;
  }
}

/** The event types, in order. */
export function types(result: RunResult): string[] {
  return result.events.map((e) => e.type);
}

/** The first event of a type. */
export function first<T extends Seen['type']>(result: RunResult, type: T): Extract<Seen, { type: T }> {
  const e = result.events.find((x) => x.type === type);
  if (e === undefined) throw new Error(`no ${type} event in ${types(result).join(', ')}`);
  return e as Extract<Seen, { type: T }>;
}
