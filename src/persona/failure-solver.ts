/**
 * `ovos-solver-failure-plugin`: the last link of a chain. Always answers, politely, that it cannot answer now, in
 * the user's language (English when the language has no entry). hivesat extension: `answer` (a fixed text).
 *
 * @module
 */
import { LOCAL_SOLVER_TIMEOUT_MS } from './constants.js';
import type { SolverFailure, SolverRole } from './errors.js';
import { splitSentences } from './sentences.js';
import type { Solver, SolverConfig, SolverContext } from './solver.js';

/** Why the answer failed, per base language and failed solver's role (a language without an entry says the apology). */
export const FAILURE_REASONS: Readonly<Record<string, Readonly<Partial<Record<SolverRole, string>>>>> = {
  en: {
    'language-model': "Sorry, I can't reach my language model right now.",
    hub: "Sorry, I can't reach the other HiveMind hub right now.",
  },
};

/**
 * The reason the user hears when solvers failed on their question: the first remote solver's ("I can't reach my
 * language model right now"), or undefined when none of the failures has a spoken reason in `lang`.
 */
export function spokenFailureReason(failures: readonly SolverFailure[], lang: string): string | undefined {
  const base = lang.toLowerCase().split(/[-_]/)[0] ?? 'en';
  for (const failure of failures) {
    const reason = FAILURE_REASONS[base]?.[failure.role];
    if (reason !== undefined) return reason;
  }
  return undefined;
}

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

/** Always answers: why, when a solver before it failed ("I can't reach my language model right now"), else "I can't answer that right now". */
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

  /** Yields the reason, or the apology. */
  async *answer(_question: string, context: SolverContext): AsyncGenerator<string, void, undefined> {
    const base = context.lang.toLowerCase().split(/[-_]/)[0] ?? 'en';
    const reason = this.#fixed === undefined ? spokenFailureReason(context.failures ?? [], context.lang) : undefined;
    yield* splitSentences(reason ?? this.#fixed ?? FAILURE_ANSWERS[base] ?? FAILURE_ANSWERS['en'] ?? '', context.lang);
  }
}
