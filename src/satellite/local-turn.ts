/**
 * The local answer path: one utterance → local STT → persona → local TTS → playback, with per-stage timings.
 *
 * Used when the hub cannot answer (failover) and by `hivesat demo`. Speech starts with the first sentence: the
 * persona streams sentences and each is synthesised while the one before it plays. Nothing is dropped silently:
 * when nothing was recognised, or no solver could answer, the user hears why.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import type { Persona } from '../persona/index.js';
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
  /** Why the answer is what it is. */
  readonly outcome: 'answered' | 'not-heard' | 'no-answer';
  readonly timings: LocalTurnTimings;
}

const NOT_HEARD = "Sorry, I didn't catch that.";
const NO_ANSWER = "Sorry, I can't answer that right now.";

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
  const transcript = (options.transcript ?? (await engines.stt.transcribe(pcm, { lang: options.lang, signal })).text).trim();
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

  let outcome: LocalTurnResult['outcome'] = 'answered';
  if (transcript === '') {
    outcome = 'not-heard';
    await speak(options.notHeardText ?? NOT_HEARD);
  } else {
    try {
      for await (const sentence of engines.persona.stream(transcript, { lang: options.lang, signal })) {
        if (sentence.trim() !== '') await speak(sentence);
      }
    } catch (error) {
      // The chain reports "nobody could answer" as an error; anything else (an abort, a broken engine) propagates.
      if (signal?.aborted === true || errorCode(error) !== 'PERSONA_ERR_NO_ANSWER') throw error;
    }
    if (sentences.length === 0) {
      outcome = 'no-answer';
      await speak(options.noAnswerText ?? NO_ANSWER);
    }
  }
  await playing;
  return { transcript, answer: sentences.join(' '), sentences, outcome, timings: { sttMs, firstSentenceMs, firstAudioMs, totalMs: now() - start } };
}
