/**
 * The local answer path: one utterance → local STT → persona → local TTS → playback, with per-stage timings.
 *
 * Used when the hub cannot answer (failover) and by `hivesat demo`. Speech starts with the first sentence: the
 * persona streams sentences and each is synthesised while the one before it plays. Nothing is dropped silently and
 * nothing is answered that was not asked: when nothing was recognised, when the recognizer heard speech it could not
 * verify as one of its phrases, or when no solver could answer, the user hears why. "Not understood" says what does
 * work offline, at length the first time in an outage ({@link OfflineHints}) and briefly after.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import { type Persona, type SolverFailure, spokenFailureReason } from '../persona/index.js';
import type { SpeechToText, TextToSpeech } from '../speech/index.js';
import { errorCode } from '../errors.js';

/** What the local path is made of. */
export interface LocalTurnEngines {
  readonly stt: SpeechToText;
  readonly persona: Persona;
  readonly tts: TextToSpeech;
}

/** Options of {@link answerLocally}. */
export interface LocalTurnOptions {
  /** Language of the utterance ("en-us"). */
  readonly lang: string;
  /** Plays 16 kHz mono PCM; resolves when it has been played (or handed to the sink). */
  readonly play: (pcm: Int16Array) => Promise<unknown>;
  /** Aborts STT, the persona and synthesis (barge-in, shutdown). */
  readonly signal?: AbortSignal;
  /** Monotonic clock, milliseconds (default `performance.now`). */
  readonly now?: () => number;
  /** What was said, when it is already known (text mode transcribed it for the hub): skips the STT. */
  readonly transcript?: string;
  /** Said when nothing was recognised. */
  readonly notHeardText?: string;
  /** Said when no solver answered. */
  readonly noAnswerText?: string;
  /** Picks the long or the short "not understood" reason; default: a fresh one (so the long form). */
  readonly hints?: OfflineHints;
}

/** Per-stage timings of a local turn, milliseconds from the call. */
export interface LocalTurnTimings {
  /** Transcript ready. */
  readonly sttMs: number;
  /** First sentence of the answer ready. */
  readonly firstSentenceMs: number;
  /** First synthesised audio handed to `play`. */
  readonly firstAudioMs: number;
  /** Everything played. */
  readonly totalMs: number;
}

/** The outcome of a local turn. */
export interface LocalTurnResult {
  /** What the STT heard ('' when nothing). */
  readonly transcript: string;
  /** The spoken answer, sentences joined. */
  readonly answer: string;
  readonly sentences: readonly string[];
  /**
   * Why the answer is what it is: `not-heard` nothing recognised; `not-understood` speech the recognizer could not
   * verify as one of its phrases (`transcript` is then '' and `rejected` holds its guess); `no-answer` no solver
   * answered.
   */
  readonly outcome: LocalTurnOutcome;
  /** What a grammar recognizer guessed for a rejected utterance (for debug logs; never answered). */
  readonly rejected?: string;
  readonly timings: LocalTurnTimings;
}

/** See {@link LocalTurnResult.outcome}. */
export type LocalTurnOutcome = 'answered' | 'not-heard' | 'not-understood' | 'no-answer';

const NOT_HEARD = "Sorry, I didn't catch that.";
const NO_ANSWER = "Sorry, I can't answer that right now.";

/** What the user hears when the offline recognizer did not understand: once at length per outage, then briefly. */
export const NOT_UNDERSTOOD_OFFLINE = {
  long: "Sorry, I didn't understand. I'm offline, so I can only tell the time and the date and do sums.",
  short: 'Sorry, offline I only know the time, the date and sums.',
} as const;

/** Where an outage is in explaining what works offline. */
export type OfflineHintState = { readonly kind: 'long-due' } | { readonly kind: 'long-given' };

/** An event of {@link nextOfflineHint}: a reason is to be spoken, or the hub answered again (the outage ended). */
export type OfflineHintEvent = 'explain' | 'hub-back';

/** The pure transition: which form to speak for `explain`, and the next state. */
export function nextOfflineHint(state: OfflineHintState, event: OfflineHintEvent): { readonly state: OfflineHintState; readonly form?: 'long' | 'short' } {
  if (event === 'hub-back') return { state: { kind: 'long-due' } };
  return state.kind === 'long-due' ? { state: { kind: 'long-given' }, form: 'long' } : { state, form: 'short' };
}

/** Holds the {@link OfflineHintState} of one satellite; call {@link hubBack} when the hub is reachable again. */
export class OfflineHints {
  #state: OfflineHintState = { kind: 'long-due' };

  /** The reason to speak now for a "not understood". */
  explain(): string {
    const { state, form } = nextOfflineHint(this.#state, 'explain');
    this.#state = state;
    return form === 'long' ? NOT_UNDERSTOOD_OFFLINE.long : NOT_UNDERSTOOD_OFFLINE.short;
  }

  /** The outage ended: the next "not understood" explains at length again. */
  hubBack(): void {
    this.#state = nextOfflineHint(this.#state, 'hub-back').state;
  }
}

/**
 * Answer one utterance locally and play the answer.
 *
 * @throws whatever `play`, the STT or the TTS throw for broken engines (coded `SpeechError`s), and `AbortError`
 *   when `signal` aborts. A persona that cannot answer is not an error: the user hears `noAnswerText`.
 */
export async function answerLocally(pcm: Int16Array, engines: LocalTurnEngines, options: LocalTurnOptions): Promise<LocalTurnResult> {
  const now = options.now ?? (() => performance.now());
  const start = now();
  const signal = options.signal;
  const heard = options.transcript !== undefined ? { text: options.transcript } : await engines.stt.transcribe(pcm, { lang: options.lang, signal });
  const transcript = heard.text.trim();
  const sttMs = now() - start;

  let firstSentenceMs = Number.NaN;
  let firstAudioMs = Number.NaN;
  const sentences: string[] = [];
  // Playback runs one sentence behind synthesis, so the next sentence is ready when the previous one ends.
  let playing: Promise<unknown> = Promise.resolve();
  const speak = async (sentence: string): Promise<void> => {
    if (Number.isNaN(firstSentenceMs)) firstSentenceMs = now() - start;
    sentences.push(sentence);
    const speech = await engines.tts.synthesize(sentence, { lang: options.lang, signal });
    await playing;
    if (Number.isNaN(firstAudioMs)) firstAudioMs = now() - start;
    playing = options.play(speech.pcm);
  };

  let outcome: LocalTurnOutcome = 'answered';
  if (heard.rejected !== undefined) {
    outcome = 'not-understood';
    await speak((options.hints ?? new OfflineHints()).explain());
  } else if (transcript === '') {
    outcome = 'not-heard';
    await speak(options.notHeardText ?? NOT_HEARD);
  } else {
    let failures: readonly SolverFailure[] = [];
    try {
      for await (const sentence of engines.persona.stream(transcript, { lang: options.lang, signal })) {
        if (sentence.trim() !== '') await speak(sentence);
      }
    } catch (error) {
      // The chain reports "nobody could answer" as an error; anything else (an abort, a broken engine) propagates.
      if (signal?.aborted === true || errorCode(error) !== 'PERSONA_ERR_NO_ANSWER') throw error;
      failures = (error as { failures?: readonly SolverFailure[] }).failures ?? [];
    }
    if (sentences.length === 0) {
      outcome = 'no-answer';
      // Say why when a solver failed ("I can't reach my language model right now"), else the plain apology.
      await speak(spokenFailureReason(failures, options.lang) ?? options.noAnswerText ?? NO_ANSWER);
    }
  }
  await playing;
  const timings = { sttMs, firstSentenceMs, firstAudioMs, totalMs: now() - start };
  return { transcript, answer: sentences.join(' '), sentences, outcome, ...(heard.rejected === undefined ? {} : { rejected: heard.rejected.heard }), timings };
}
