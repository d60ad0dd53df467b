/**
 * A persona: a named, ordered chain of solvers (OpenVoiceOS ovos-persona). A question goes to each solver in turn;
 * the first one that says something wins, and its sentences stream out as they come. A solver that fails, has
 * nothing to say, or is silent for longer than its `timeoutMs` is skipped, and what happened is reported as a
 * {@link SolverAttempt} value (to `log` and `onAttempt`), never thrown.
 *
 * Time limits: each solver gets `timeoutMs` for its first sentence and again for each next one; only the time the
 * solver spends is counted, not the time the caller spends speaking a sentence. Once a solver has spoken, the chain
 * is committed to it: if it then fails or stalls, the answer just ends there (the words are already out).
 *
 * @module
 */
import { PersonaError, type SolverFailure } from './errors.js';
import type { Solver } from './solver.js';
import { type TimeoutTimers, systemTimers } from '../timers.js';
import { errorCode } from '../errors.js';

/** Timer functions, injectable so that tests fire time limits by hand. */
export type PersonaTimers = TimeoutTimers;

/** How one solver's turn ended. */
export type SolverOutcome =
  /** It answered (possibly cut short by the caller). */
  | 'answered'
  /** It had nothing to say. */
  | 'empty'
  /** It was silent for longer than its time limit. */
  | 'timeout'
  /** It threw. */
  | 'error'
  /** The caller aborted before it said anything. */
  | 'aborted';

/** One solver's turn, for logs and metrics. */
export interface SolverAttempt {
  readonly solverId: string;
  readonly outcome: SolverOutcome;
  /** Sentences it yielded. */
  readonly sentences: number;
  /** Time from the question to the end of its turn, milliseconds. */
  readonly ms: number;
  /** Time from the question to its first sentence, milliseconds. */
  readonly firstSentenceMs?: number;
  /** What went wrong ('timeout' and 'error'). */
  readonly error?: Error;
}

/**
 * What a persona reports to its log. `failure`: a solver failed (refused, timed out, HTTP error, bad body);
 * `firstOfCause` is true the first time this solver fails this way since it last answered, so a log writes one line
 * per cause while metrics and hooks can count every one.
 */
export type PersonaLogEvent =
  | { readonly type: 'attempt'; readonly persona: string; readonly attempt: SolverAttempt }
  | { readonly type: 'failure'; readonly persona: string; readonly failure: SolverFailure; readonly firstOfCause: boolean }
  | { readonly type: 'warning'; readonly persona: string; readonly message: string };

/** A failed attempt as a {@link SolverFailure}. */
export function solverFailure(solver: Solver, attempt: SolverAttempt): SolverFailure {
  const error = attempt.error;
  const code = errorCode(error);
  const detail = (error as { detail?: unknown } | undefined)?.detail;
  return {
    solverId: solver.id,
    role: solver.role ?? 'local',
    ...(solver.endpoint === undefined ? {} : { endpoint: solver.endpoint }),
    code: typeof code === 'string' ? code : attempt.outcome === 'timeout' ? 'PERSONA_ERR_TIMEOUT' : (error?.name ?? 'Error'),
    detail: typeof detail === 'string' ? detail : attempt.outcome === 'timeout' ? 'timeout' : code === 'PERSONA_ERR_BAD_RESPONSE' ? 'bad body' : 'error',
    message: error?.message ?? attempt.outcome,
  };
}

/** Options of {@link Persona}. */
export interface PersonaOptions {
  readonly name: string;
  /** The chain, in order. */
  readonly solvers: readonly Solver[];
  /** Where the persona came from (a file path, or "built-in default persona"). */
  readonly source?: string;
  /** Load-time warnings (unknown keys…), also sent to `log`. */
  readonly warnings?: readonly string[];
  /** Monotonic clock for attempt durations, milliseconds (default `performance.now`). */
  readonly now?: () => number;
  readonly timers?: PersonaTimers;
  readonly log?: (event: PersonaLogEvent) => void;
}

/** Options of {@link Persona.stream} and {@link Persona.ask}. */
export interface AskOptions {
  /** Language of the question ("en-us"). */
  readonly lang: string;
  /** Abort the whole answer (barge-in, shutdown). */
  readonly signal?: AbortSignal | undefined;
  /** Called after each solver's turn. */
  readonly onAttempt?: ((attempt: SolverAttempt) => void) | undefined;
}

/** A complete answer. */
export interface PersonaAnswer {
  /** The sentences joined with spaces. */
  readonly text: string;
  readonly sentences: readonly string[];
  /** The solver that answered. */
  readonly solverId: string;
  readonly attempts: readonly SolverAttempt[];
}

/** Read `aborted` afresh (a plain property read would be narrowed by the check before the awaits). */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

const defaultTimers: PersonaTimers = systemTimers;

/** An ordered solver chain. */
export class Persona {
  readonly name: string;
  readonly solvers: readonly Solver[];
  readonly source: string;
  readonly warnings: readonly string[];
  readonly #now: () => number;
  readonly #timers: PersonaTimers;
  readonly #log: ((event: PersonaLogEvent) => void) | undefined;
  /** Causes (`solver|code|detail`) already reported, cleared per solver when it answers again. */
  readonly #reportedCauses = new Set<string>();

  /** @throws {PERSONA_ERR_MALFORMED} an empty chain */
  constructor(options: PersonaOptions) {
    if (options.solvers.length === 0) throw new PersonaError('PERSONA_ERR_MALFORMED', `persona "${options.name}": expected at least one solver, got none`);
    this.name = options.name;
    this.solvers = options.solvers;
    this.source = options.source ?? 'code';
    this.warnings = options.warnings ?? [];
    this.#now = options.now ?? (() => performance.now());
    this.#timers = options.timers ?? defaultTimers;
    this.#log = options.log;
    for (const message of this.warnings) this.#log?.({ type: 'warning', persona: this.name, message });
  }

  /**
   * Ask the chain; yields the winning solver's sentences as they come.
   *
   * @throws {PERSONA_ERR_NO_ANSWER} every solver failed or had nothing to say (the `cause` is an AggregateError of
   *   their errors)
   * @throws the signal's reason when `signal` aborts
   */
  async *stream(question: string, options: AskOptions): AsyncGenerator<string, void, undefined> {
    const attempts: SolverAttempt[] = [];
    const failures: SolverFailure[] = [];
    const outer = options.signal;
    for (const solver of this.solvers) {
      if (outer?.aborted === true) throw outer.reason;
      const controller = new AbortController();
      const onOuterAbort = (): void => controller.abort(outer?.reason);
      outer?.addEventListener('abort', onOuterAbort, { once: true });
      const started = this.#now();
      let firstSentenceMs: number | undefined;
      let count = 0;
      let outcome: SolverOutcome | undefined;
      let error: Error | undefined;
      let iterator: AsyncIterator<string> | undefined;
      let finished = false;
      try {
        iterator = solver.answer(question, { lang: options.lang, signal: controller.signal, failures: [...failures] })[Symbol.asyncIterator]();
        for (;;) {
          const step = await this.#next(iterator, controller, solver);
          if (step.done === true) {
            finished = true;
            break;
          }
          const sentence = typeof step.value === 'string' ? step.value.trim() : '';
          if (sentence === '') continue;
          count += 1;
          firstSentenceMs ??= this.#now() - started;
          yield sentence;
        }
        outcome = count > 0 ? 'answered' : 'empty';
      } catch (err) {
        if (isAborted(outer)) {
          outcome = count > 0 ? 'answered' : 'aborted';
          throw outer?.reason;
        }
        const timedOut = controller.signal.aborted && controller.signal.reason === err;
        outcome = timedOut ? 'timeout' : 'error';
        error = err instanceof Error ? err : new Error(String(err));
      } finally {
        outer?.removeEventListener('abort', onOuterAbort);
        if (!finished) {
          // Stop the solver's work (HTTP request, child process); the caller may have stopped listening.
          if (!controller.signal.aborted) controller.abort(new PersonaError('PERSONA_ERR_NO_ANSWER', `${solver.id}: answer no longer wanted`));
          if (iterator?.return !== undefined) {
            const it = iterator;
            Promise.resolve()
              .then(() => it.return?.())
              .catch(() => undefined);
          }
        }
        const attempt: SolverAttempt = {
          solverId: solver.id,
          outcome: outcome ?? (count > 0 ? 'answered' : 'aborted'),
          sentences: count,
          ms: this.#now() - started,
          ...(firstSentenceMs !== undefined ? { firstSentenceMs } : {}),
          ...(error !== undefined ? { error } : {}),
        };
        attempts.push(attempt);
        this.#log?.({ type: 'attempt', persona: this.name, attempt });
        if (attempt.outcome === 'error' || attempt.outcome === 'timeout') failures.push(this.#reportFailure(solver, attempt));
        else if (attempt.outcome === 'answered') this.#clearCauses(solver.id);
        options.onAttempt?.(attempt);
      }
      if (count > 0) return;
    }
    const summary = attempts.map((a) => `${a.solverId}: ${a.outcome}${a.error !== undefined ? ` (${errorCode(a.error) ?? a.error.name})` : ''}`).join('; ');
    const errors = attempts.flatMap((a) => (a.error !== undefined ? [a.error] : []));
    throw new PersonaError('PERSONA_ERR_NO_ANSWER', `persona "${this.name}": expected one of ${attempts.length} solvers to answer, got none (${summary})`, {
      cause: new AggregateError(errors, 'solver errors'),
      failures,
    });
  }

  #reportFailure(solver: Solver, attempt: SolverAttempt): SolverFailure {
    const failure = solverFailure(solver, attempt);
    const cause = `${solver.id}|${failure.code}|${failure.detail}`;
    const firstOfCause = !this.#reportedCauses.has(cause);
    this.#reportedCauses.add(cause);
    this.#log?.({ type: 'failure', persona: this.name, failure, firstOfCause });
    return failure;
  }

  #clearCauses(solverId: string): void {
    for (const cause of this.#reportedCauses) if (cause.startsWith(`${solverId}|`)) this.#reportedCauses.delete(cause);
  }

  /**
   * Ask the chain and wait for the whole answer.
   *
   * @throws {PERSONA_ERR_NO_ANSWER} as {@link stream}
   */
  async ask(question: string, options: AskOptions): Promise<PersonaAnswer> {
    const attempts: SolverAttempt[] = [];
    const sentences: string[] = [];
    for await (const sentence of this.stream(question, {
      ...options,
      onAttempt: (attempt) => {
        attempts.push(attempt);
        options.onAttempt?.(attempt);
      },
    })) {
      sentences.push(sentence);
    }
    const winner = attempts.find((a) => a.sentences > 0);
    return { text: sentences.join(' '), sentences, solverId: winner?.solverId ?? '', attempts };
  }

  /** The next step of a solver, bounded by its time limit and by aborts. */
  #next(iterator: AsyncIterator<string>, controller: AbortController, solver: Solver): Promise<IteratorResult<string>> {
    const { signal } = controller;
    return new Promise<IteratorResult<string>>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        cleanup();
        reject(signal.reason);
      };
      const timer = this.#timers.setTimeout(() => {
        controller.abort(new PersonaError('PERSONA_ERR_TIMEOUT', `${solver.id}: expected a sentence within ${solver.timeoutMs} ms, got none in time`));
      }, solver.timeoutMs);
      const cleanup = (): void => {
        this.#timers.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      iterator.next().then(
        (step) => {
          cleanup();
          resolve(step);
        },
        (err: unknown) => {
          cleanup();
          reject(err);
        },
      );
    });
  }
}
