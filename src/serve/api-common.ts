/**
 * What the OpenAI and Ollama handlers share: the request and server context types, model lookup, and
 * {@link AnswerRun}, which drives a target's answer under the answer time limit and the client's lifetime.
 *
 * The first sentence is awaited before any response header is written, so a failure before the answer starts
 * (hub unreachable, timeout) still gets its proper HTTP status even on a streaming request.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HiveLogger } from '../hivemind/index.js';
import { ServeError } from './errors.js';
import type { PoolTimers } from './pool.js';
import { type FallbackInfo, type ServeTarget, findTarget } from './targets.js';

/** What a handler knows about the server. */
export interface ApiContext {
  /** Models by name. */
  readonly targets: ReadonlyMap<string, ServeTarget>;
  /** Language of questions (the hub connection's, e.g. "en-US"). */
  readonly lang: string;
  /** Time limit to the first sentence and between sentences, milliseconds. */
  readonly answerTimeoutMs: number;
  readonly timers: PoolTimers;
  /** Monotonic clock, milliseconds. */
  readonly now: () => number;
  /** Wall clock, epoch milliseconds (for `created` fields only). */
  readonly clock: () => number;
  /** When the server started, epoch milliseconds. */
  readonly startedAt: number;
  readonly logger: HiveLogger;
}

/** Secret-free facts about a request, for the access log. */
export interface CallMeta {
  model?: string;
  answeredBy?: string;
  stream?: boolean;
  /** Characters in and out (lengths only, never text). */
  questionChars?: number;
  answerChars?: number;
}

/** One request to a handler. */
export interface ApiCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The parsed JSON body (`{}` for GET). */
  readonly body: Readonly<Record<string, unknown>>;
  /** The client's address (rate limiting, conversation keys). */
  readonly client: string;
  /** Captures of the route pattern (e.g. the model id of `/v1/models/{id}`). */
  readonly params: readonly string[];
  /** Aborted when the client goes away or the server closes. */
  readonly signal: AbortSignal;
  readonly meta: CallMeta;
}

/** A route handler. */
export type Handler = (call: ApiCall, ctx: ApiContext) => Promise<void>;

/**
 * The `model` field of a body, resolved to a target.
 *
 * @throws {ServeError} `SERVE_ERR_BAD_REQUEST` without a string `model`; `SERVE_ERR_UNKNOWN_MODEL` for an unknown one.
 */
export function requireTarget(ctx: ApiContext, body: Readonly<Record<string, unknown>>, call: ApiCall, field = 'model'): ServeTarget {
  const model = body[field];
  if (typeof model !== 'string' || model.trim() === '') {
    throw new ServeError('SERVE_ERR_BAD_REQUEST', `${field}: expected a model name (one of ${[...ctx.targets.keys()].join(', ')}), got ${model === undefined ? 'none' : typeof model}`);
  }
  return lookupTarget(ctx, model, call);
}

/**
 * A model name resolved to a target.
 *
 * @throws {ServeError} `SERVE_ERR_UNKNOWN_MODEL`
 */
export function lookupTarget(ctx: ApiContext, model: string, call: ApiCall): ServeTarget {
  const target = findTarget(ctx.targets, model);
  if (target === undefined) {
    throw new ServeError('SERVE_ERR_UNKNOWN_MODEL', `model '${model.slice(0, 80)}' not found; expected one of ${[...ctx.targets.keys()].join(', ')}`);
  }
  call.meta.model = target.name;
  return target;
}

/** A boolean field: `fallback` when absent. @throws {ServeError} `SERVE_ERR_BAD_REQUEST` for a non-boolean. */
export function booleanField(body: Readonly<Record<string, unknown>>, field: string, fallback: boolean): boolean {
  const value = body[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new ServeError('SERVE_ERR_BAD_REQUEST', `${field}: expected true or false, got ${typeof value}`);
  return value;
}

/** Joins sentences into one text: each piece after the first gets a leading space. */
export class SentenceJoiner {
  #count = 0;
  #chars = 0;

  /** The piece to send for `sentence`. */
  piece(sentence: string): string {
    const piece = this.#count === 0 ? sentence : ` ${sentence}`;
    this.#count += 1;
    this.#chars += piece.length;
    return piece;
  }

  /** Characters sent so far. */
  get chars(): number {
    return this.#chars;
  }
}

/** One answer of a target, step by step; see the module comment. */
export class AnswerRun {
  readonly #iterator: AsyncIterator<string>;
  readonly #controller = new AbortController();
  readonly #ctx: ApiContext;
  readonly #target: ServeTarget;
  #fallback: FallbackInfo | undefined;
  #finished = false;

  constructor(ctx: ApiContext, target: ServeTarget, question: string, conversation: string, call: ApiCall) {
    this.#ctx = ctx;
    this.#target = target;
    const outer = call.signal;
    if (outer.aborted) this.#controller.abort(outer.reason);
    else outer.addEventListener('abort', () => this.#controller.abort(outer.reason), { once: true });
    call.meta.questionChars = question.length;
    call.meta.answeredBy = target.name;
    this.#iterator = target
      .answer({
        question,
        conversation,
        lang: ctx.lang,
        signal: this.#controller.signal,
        onFallback: (info) => {
          this.#fallback = info;
          call.meta.answeredBy = info.to;
          ctx.logger.log('warn', 'answering from the fallback persona', { model: info.from, fallback: info.to, code: info.error.code });
        },
      })
      [Symbol.asyncIterator]();
  }

  /** The fallback that answers, once known (after the first step). */
  get fallback(): FallbackInfo | undefined {
    return this.#fallback;
  }

  /**
   * The next sentence, or `undefined` at the end.
   *
   * @throws {ServeError} the target's errors; `SERVE_ERR_TIMEOUT` after the answer time limit; the abort reason
   *   when the client goes away.
   */
  next(): Promise<string | undefined> {
    const signal = this.#controller.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<string | undefined>((resolve, reject) => {
      const onAbort = (): void => {
        cleanup();
        reject(signal.reason);
      };
      const timer = this.#ctx.timers.setTimeout(() => {
        this.#controller.abort(new ServeError('SERVE_ERR_TIMEOUT', `${this.#target.name}: expected a sentence within ${this.#ctx.answerTimeoutMs} ms, got none in time`));
      }, this.#ctx.answerTimeoutMs);
      const cleanup = (): void => {
        this.#ctx.timers.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#iterator.next().then(
        (step) => {
          cleanup();
          if (step.done === true) this.#finished = true;
          resolve(step.done === true ? undefined : step.value);
        },
        (error: unknown) => {
          cleanup();
          this.#finished = true;
          reject(error);
        },
      );
    });
  }

  /** Stop early (client gone, error): abort the target's work and let its generator clean up. */
  stop(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
    if (this.#finished) return;
    this.#finished = true;
    // Not awaited: a generator busy in `next()` runs its `finally` once that step settles.
    Promise.resolve()
      .then(() => this.#iterator.return?.())
      .catch(() => undefined);
  }
}

/** Headers telling which model answered when a fallback did. */
export function fallbackHeaders(run: AnswerRun): Record<string, string> {
  return run.fallback === undefined ? {} : { 'X-Hivesat-Answered-By': run.fallback.to };
}

/** Collect a whole answer. Partial text is kept if the target fails after speaking. */
export async function collectAnswer(run: AnswerRun): Promise<string> {
  const joiner = new SentenceJoiner();
  let text = '';
  try {
    for (let sentence = await run.next(); sentence !== undefined; sentence = await run.next()) text += joiner.piece(sentence);
  } catch (error) {
    // Policy: words already said are the answer (as a persona commits to a solver once it spoke); the failure
    // after them only ends it. Nothing said: the failure is the answer.
    if (text === '') throw error;
    run.stop(error);
  }
  return text;
}

/** Thrown after a streamed answer failed midway and its error event was already written: the server only logs it. */
export class AnswerBrokeOff extends Error {
  override readonly name = 'AnswerBrokeOff';

  constructor(cause: unknown) {
    super('the answer broke off after it started', { cause });
  }
}
