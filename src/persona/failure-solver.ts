/**
 * `ovos-solver-failure-plugin`: the last link of a chain. Always answers, politely, that it cannot answer now, in
 * the user's language (English when the language has no entry). hivesat extension: `answer` (a fixed text).
 *
 * @module
 */
import { LOCAL_SOLVER_TIMEOUT_MS } from './constants.js';
import { splitSentences } from './sentences.js';
import type { Solver, SolverConfig, SolverContext } from './solver.js';

/** The failure answer per base language. */
export const FAILURE_ANSWERS: Readonly<Record<string, string>> = {
  en: "Sorry, I can't answer that right now.",
  pt: 'Desculpe, não consigo responder a isso agora.',
  es: 'Lo siento, ahora mismo no puedo responder a eso.',
  fr: 'Désolé, je ne peux pas répondre à cela pour le moment.',
  de: 'Entschuldigung, darauf kann ich gerade nicht antworten.',
  it: 'Mi dispiace, non posso rispondere in questo momento.',
  nl: 'Sorry, daar kan ik nu geen antwoord op geven.',
};

/** Always answers "I can't answer that right now". */
export class FailureSolver implements Solver {
  readonly id: string;
  readonly timeoutMs: number;
  readonly #fixed: string | undefined;

  /** @throws {PERSONA_ERR_INVALID_CONFIG} a bad `answer` or `timeout` */
  constructor(config: SolverConfig) {
    this.id = config.solverId;
    this.timeoutMs = config.timeoutMs(LOCAL_SOLVER_TIMEOUT_MS);
    const fixed = config.string('answer');
    if (fixed?.trim() === '') throw config.fail('answer', 'a non-empty text', '""');
    this.#fixed = fixed;
  }

  /** Yields the apology. */
  async *answer(_question: string, context: SolverContext): AsyncGenerator<string, void, undefined> {
    const base = context.lang.toLowerCase().split(/[-_]/)[0] ?? 'en';
    yield* splitSentences(this.#fixed ?? FAILURE_ANSWERS[base] ?? FAILURE_ANSWERS['en'] ?? '', context.lang);
  }
}
