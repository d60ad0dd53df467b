/**
 * The hub as a model: each conversation gets its own HubConnection, whose HiveMind session id is derived from the
 * conversation key, so the hub sees one OVOS session per conversation. The utterance goes out with `ask`; every
 * `speak` is streamed as it arrives. Connection failures become 503 (and the fallback persona, if any), a silent
 * hub 504, a refused utterance 502.
 *
 * @module
 */
import {
  HiveAuthError,
  HiveConnectionError,
  type HiveConnectionErrorCode,
  type HubConnection,
  HivePolicyDeniedError,
} from '../hivemind/index.js';
import { HUB_CONNECT_TIMEOUT_MS, HUB_MODEL_NAME } from './constants.js';
import { sessionIdFor } from './conversation.js';
import { ServeError } from './errors.js';
import { KeyedPool, type PoolTimers, unrefTimers } from './pool.js';
import type { ServeTarget } from './targets.js';
import { errorCode } from '../errors.js';

/** The part of a {@link HubConnection} the hub target uses (a real one in the program, anything alike in tests). */
export type HubSession = Pick<HubConnection, 'state' | 'closeError' | 'connect' | 'close' | 'ask' | 'on' | 'off'>;

/** Options of {@link hubTarget}. */
export interface HubTargetOptions {
  /** Default {@link HUB_MODEL_NAME}. */
  readonly name?: string;
  /** E.g. `HiveMind hub ws://hub.local:5678` (no credentials). */
  readonly description?: string;
  /** Opens a connection for one conversation, with this HiveMind session id (not yet connected). */
  readonly connect: (sessionId: string) => HubSession;
  /** `ask` limits, milliseconds (defaults: the connection's). */
  readonly ask?: { readonly timeoutMs?: number; readonly quietMs?: number; readonly settleMs?: number };
  /** Time to get a session before answering 503, milliseconds. Default {@link HUB_CONNECT_TIMEOUT_MS}. */
  readonly connectTimeoutMs?: number;
  readonly maxConversations?: number;
  readonly idleMs?: number;
  readonly timers?: PoolTimers;
}

/** Connection failures that mean "the hub cannot be reached now" (503, and the fallback persona if any). */
const UNAVAILABLE_CODES: ReadonlySet<HiveConnectionErrorCode> = new Set([
  'HM_ERR_UNREACHABLE',
  'HM_ERR_CONNECTION_LOST',
  'HM_ERR_NOT_READY',
  'HM_ERR_CLOSED',
  'HM_ERR_HANDSHAKE_TIMEOUT',
  'HM_ERR_PONG_TIMEOUT',
  'HM_ERR_TLS',
  'HM_ERR_QUEUE_FULL',
]);

/** A hub failure as the {@link ServeError} a client gets (no credentials in the message). */
export function hubError(error: unknown): ServeError {
  if (error instanceof ServeError) return error;
  if (error instanceof HivePolicyDeniedError) return new ServeError('SERVE_ERR_UPSTREAM', `the hub refused the utterance (${error.denial.denyCode})`, { cause: error });
  if (error instanceof HiveAuthError) return new ServeError('SERVE_ERR_UNAVAILABLE', `the hub refused this satellite's credentials (${error.code}); its operator must fix the serve configuration`, { cause: error });
  if (error instanceof HiveConnectionError) {
    if (error.code === 'HM_ERR_NO_ANSWER' || error.code === 'HM_ERR_TIMEOUT') return new ServeError('SERVE_ERR_TIMEOUT', `the hub did not answer in time (${error.code})`, { cause: error });
    if (UNAVAILABLE_CODES.has(error.code)) return new ServeError('SERVE_ERR_UNAVAILABLE', `the hub cannot be reached (${error.code})`, { cause: error });
  }
  const code = errorCode(error);
  return new ServeError('SERVE_ERR_UPSTREAM', `the hub failed${typeof code === 'string' ? ` (${code})` : ''}`, { cause: error });
}

/** Wait until `conn` has a live session, at most `timeoutMs`. */
async function ensureReady(conn: HubSession, timeoutMs: number, timers: PoolTimers): Promise<void> {
  if (conn.state === 'ready') return;
  if (conn.state === 'closed' || conn.state === 'closing') throw hubError(conn.closeError ?? new HiveConnectionError('HM_ERR_CLOSED', 'expected an open connection, got a closed one'));
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      timers.clearTimeout(timer);
      conn.off('ready', onReady);
      conn.off('state', onState);
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onState = (change: { readonly to: string }): void => {
      if (change.to !== 'closed') return;
      cleanup();
      reject(hubError(conn.closeError ?? new HiveConnectionError('HM_ERR_UNREACHABLE', 'expected a session with the hub, got the connection closed')));
    };
    const timer = timers.setTimeout(() => {
      cleanup();
      reject(new ServeError('SERVE_ERR_UNAVAILABLE', `the hub cannot be reached (no session within ${timeoutMs} ms)`));
    }, timeoutMs);
    conn.on('ready', onReady);
    conn.on('state', onState);
    if (conn.state === 'idle') {
      conn.connect().then(onReady, (error: unknown) => {
        cleanup();
        reject(hubError(error));
      });
    }
  });
}

/** A queue from event callbacks to an async iterator. */
class SentenceQueue {
  readonly #items: string[] = [];
  #end = false;
  #error: unknown;
  #wake: (() => void) | undefined;

  push(item: string): void {
    this.#items.push(item);
    this.#wake?.();
  }

  end(error?: unknown): void {
    this.#end = true;
    this.#error = error;
    this.#wake?.();
  }

  async *drain(): AsyncGenerator<string> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#end) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

/**
 * The hub as a model: each conversation gets its own connection, whose HiveMind session id is derived from the
 * conversation key ({@link sessionIdFor}), so the hub sees one OVOS session per conversation. The utterance goes out
 * with `ask`; every `speak` is streamed as it arrives.
 */
export function hubTarget(options: HubTargetOptions): ServeTarget {
  const name = options.name ?? HUB_MODEL_NAME;
  const timers = options.timers ?? unrefTimers;
  const connectTimeoutMs = options.connectTimeoutMs ?? HUB_CONNECT_TIMEOUT_MS;
  const pool = new KeyedPool<HubSession>({
    create: (key) => options.connect(sessionIdFor(name, key)),
    dispose: (conn) => conn.close(),
    ...(options.maxConversations === undefined ? {} : { max: options.maxConversations }),
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    timers,
  });
  return {
    name,
    kind: 'hub',
    description: options.description ?? 'the HiveMind hub',
    async *answer(request) {
      const lease = await pool.acquire(request.conversation);
      let asked: Promise<unknown> | undefined;
      try {
        // The client may have left (or the time limit passed) while an earlier question of this conversation ran.
        if (request.signal.aborted) throw request.signal.reason;
        try {
          await ensureReady(lease.value, connectTimeoutMs, timers);
        } catch (error) {
          lease.discard();
          throw error;
        }
        const conn = lease.value;
        const queue = new SentenceQueue();
        const onBus = (message: { readonly type: string; readonly data: Readonly<Record<string, unknown>> }): void => {
          const utterance = message.data['utterance'];
          if (message.type === 'speak' && typeof utterance === 'string' && utterance.trim() !== '') queue.push(utterance.trim());
        };
        conn.on('bus', onBus);
        const ask = options.ask ?? {};
        asked = conn
          .ask(request.question, {
            lang: request.lang,
            ...(ask.timeoutMs === undefined ? {} : { timeoutMs: ask.timeoutMs }),
            ...(ask.quietMs === undefined ? {} : { quietMs: ask.quietMs }),
            ...(ask.settleMs === undefined ? {} : { settleMs: ask.settleMs }),
          })
          .then(
            () => queue.end(), // the speaks were streamed from the bus as they came
            (error: unknown) => queue.end(hubError(error)),
          )
          .finally(() => conn.off('bus', onBus));
        yield* queue.drain();
      } finally {
        // The conversation's next question must not start before this ask ends (its speaks would be taken for the
        // next answer), even when the client left early.
        if (asked === undefined) lease.release();
        else void asked.finally(() => (lease.value.state === 'closed' ? lease.discard() : lease.release()));
      }
    },
    close: () => pool.close(),
  };
}
