/**
 * The soak's spoken turns, made with espeak-ng at start-up: "hey jarvis", a pause, a question the offline persona
 * can also answer, and enough silence after it for the end of speech to be found.
 *
 * @module
 */
import { activeSpan, concat, silence, speak } from '../../test/vad/fixtures.js';

/** One spoken turn. */
export interface SpokenQuestion {
  /** The question as the hub's STT reports it. */
  readonly text: string;
  /** The whole turn: 0.3 s, "hey jarvis", 0.6 s (more than the 0.5 s pre-roll), the question, 1.5 s. */
  readonly audio: Int16Array;
  /** Where the question's speech is in `audio`, samples (what the hub must receive). */
  readonly span: { readonly first: number; readonly end: number };
  /** What a local (offline persona) answer to it looks like. */
  readonly localAnswer: RegExp;
}

const QUESTIONS: readonly { readonly text: string; readonly localAnswer: RegExp }[] = [
  { text: 'what time is it', localAnswer: /\d/ },
  { text: 'what day is it', localAnswer: /day/i },
  { text: 'what is two plus three', localAnswer: /five|\b5\b/i },
];

/** The soak's questions, synthesised (cached on disk by the fixtures module). */
export function spokenQuestions(): SpokenQuestion[] {
  return QUESTIONS.map(({ text, localAnswer }) => {
    const question = speak(text);
    const { audio, starts } = concat(silence(0.3), speak('hey jarvis'), silence(0.6), question, silence(1.5));
    const at = starts[3] as number;
    const span = activeSpan(question);
    return { text, audio, span: { first: at + span.first, end: at + span.end }, localAnswer };
  });
}
