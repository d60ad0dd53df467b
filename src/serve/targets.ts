/**
 * What a model name answers with (a {@link ServeTarget}): the contract, persona targets (one persona instance per
 * conversation, so a solver's memory follows its conversation), and a hub target that falls back to a persona when
 * the hub cannot be reached. The hub target itself is in hub-target.ts.
 *
 * A target answers one question as a stream of sentences (the hub: each `speak` as it arrives; a persona: each
 * sentence of the winning solver). Failures are {@link ServeError}s with the HTTP status they should be answered with.
 *
 * @module
 */
import { type Persona, PersonaError } from '../persona/index.js';
import { LATEST_TAG, PERSONA_MODEL_PREFIX } from './constants.js';
import { ServeError } from './errors.js';
import { KeyedPool, type PoolTimers, unrefTimers } from './pool.js';
import { errorCode } from '../errors.js';

/** One question for a target. */
export interface AnswerRequest {
  /** The utterance (already checked: not blank, not too long). */
  readonly question: string;
  /** The conversation key (conversation.ts). */
  readonly conversation: string;
  /** BCP-47 language of the question. */
  readonly lang: string;
  /** Aborted when the client goes away or the answer takes too long. */
  readonly signal: AbortSignal;
  /** Told when a fallback target answers instead. */
  readonly onFallback?: ((info: FallbackInfo) => void) | undefined;
}

/** A fallback happened. */
export interface FallbackInfo {
  /** The model asked. */
  readonly from: string;
  /** The model that answers instead. */
  readonly to: string;
  /** Why (`SERVE_ERR_UNAVAILABLE`). */
  readonly error: ServeError;
}

/** A model. */
export interface ServeTarget {
  /** The model name clients use. */
  readonly name: string;
  readonly kind: 'hub' | 'persona';
  /** One line for `/api/show` and logs (no secrets). */
  readonly description: string;
  /**
   * Answer one question, sentence by sentence.
   *
   * @throws {ServeError} `SERVE_ERR_UNAVAILABLE` (503), `SERVE_ERR_TIMEOUT` (504), `SERVE_ERR_UPSTREAM` (502); the
   *   signal's reason when it aborts.
   */
  answer(request: AnswerRequest): AsyncIterable<string>;
  /** Close every conversation (hub connections). */
  close(): Promise<void>;
}

/** The model name of a persona: `persona:` and its name in lower-case ASCII, runs of other characters as `-`. */
export function personaModelName(personaName: string): string {
  const slug = personaName
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '') // accents go, their letters stay: "Ünïcode" → "unicode"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${PERSONA_MODEL_PREFIX}${slug === '' ? 'unnamed' : slug}`;
}

/** The target a requested model name means: exact, case-insensitive, or with Ollama's `:latest` tag removed. */
export function findTarget(targets: ReadonlyMap<string, ServeTarget>, requested: string): ServeTarget | undefined {
  const exact = targets.get(requested);
  if (exact !== undefined) return exact;
  const lower = requested.toLowerCase();
  const bare = lower.endsWith(LATEST_TAG) ? lower.slice(0, -LATEST_TAG.length) : lower;
  for (const target of targets.values()) {
    if (target.name.toLowerCase() === lower || target.name.toLowerCase() === bare) return target;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------------ personas

/** Options of {@link personaTarget}. */
export interface PersonaTargetOptions {
  /** The persona's name (its `name` field); the model is {@link personaModelName} of it unless `model` is given. */
  readonly personaName: string;
  readonly model?: string;
  /** Makes a fresh instance of the persona (one per conversation: solver memory is per instance). */
  readonly create: () => Persona;
  readonly maxConversations?: number;
  readonly idleMs?: number;
  readonly timers?: PoolTimers;
}

/** A persona failure as the {@link ServeError} a client gets. */
export function personaError(error: unknown): ServeError {
  if (error instanceof ServeError) return error;
  if (error instanceof PersonaError) {
    const everyoneTimedOut = error.code === 'PERSONA_ERR_TIMEOUT' || (error.cause instanceof AggregateError && error.cause.errors.length > 0 && error.cause.errors.every((e: unknown) => errorCode(e) === 'PERSONA_ERR_TIMEOUT'));
    if (everyoneTimedOut) return new ServeError('SERVE_ERR_TIMEOUT', 'no solver of the persona answered in time', { cause: error });
    // Name each failed solver's endpoint and cause, so the client sees "127.0.0.1:8080 ECONNREFUSED", not just 502.
    const causes = error.failures.map((f) => `${f.solverId}${f.endpoint === undefined ? '' : ` at ${f.endpoint}`}: ${f.code} ${f.detail}`);
    return new ServeError('SERVE_ERR_UPSTREAM', `the persona did not answer (${error.code}${causes.length === 0 ? '' : `; ${causes.join('; ')}`})`, { cause: error });
  }
  return new ServeError('SERVE_ERR_UPSTREAM', 'the persona failed', { cause: error });
}

/** A persona as a model: its solver chain, streamed sentence by sentence. */
export function personaTarget(options: PersonaTargetOptions): ServeTarget {
  const name = options.model ?? personaModelName(options.personaName);
  const pool = new KeyedPool<Persona>({
    create: () => options.create(),
    dispose: () => undefined,
    ...(options.maxConversations === undefined ? {} : { max: options.maxConversations }),
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    timers: options.timers ?? unrefTimers,
  });
  return {
    name,
    kind: 'persona',
    description: `persona "${options.personaName}"`,
    async *answer(request) {
      const lease = await pool.acquire(request.conversation);
      try {
        yield* lease.value.stream(request.question, { lang: request.lang, signal: request.signal });
      } catch (error) {
        if (request.signal.aborted && error === request.signal.reason) throw error;
        throw personaError(error);
      } finally {
        lease.release();
      }
    },
    close: () => pool.close(),
  };
}

// ------------------------------------------------------------------------------------------------------ fallback

/**
 * `primary` (the hub), answered by `fallback` (a persona) whenever `primary` fails with `SERVE_ERR_UNAVAILABLE`
 * before saying anything. The model keeps `primary`'s name; `request.onFallback` is told.
 */
export function withFallback(primary: ServeTarget, fallback: ServeTarget): ServeTarget {
  return {
    name: primary.name,
    kind: primary.kind,
    description: `${primary.description}, falling back to ${fallback.description}`,
    async *answer(request) {
      let said = false;
      try {
        for await (const sentence of primary.answer(request)) {
          said = true;
          yield sentence;
        }
        return;
      } catch (error) {
        if (said || !(error instanceof ServeError) || error.code !== 'SERVE_ERR_UNAVAILABLE') throw error;
        request.onFallback?.({ from: primary.name, to: fallback.name, error });
      }
      yield* fallback.answer(request);
    },
    close: async () => {
      await Promise.all([primary.close(), fallback.close()]);
    },
  };
}
