/**
 * `ask()`: send an utterance and collect what the hub says back (HIVEMIND.md §5.4, §5.6, Appendix A).
 *
 * Sends BUS `recognizer_loop:utterance` `{utterances: [text], lang}` and gathers the `utterance` of every `speak`
 * until one of:
 * - `ovos.utterance.handled`, `complete_intent_failure` or `ovos.utterance.cancelled`, plus a short settle time
 *   (the hub relays `speak` and the end marker on different paths, so a `speak` may follow the marker);
 * - a quiet period after the last `speak` (hubs whose skills never send an end marker);
 * - the overall timeout: resolves with what was said if anything was, else rejects with `HM_ERR_NO_ANSWER`.
 * A `hive.policy.denied` for the utterance rejects with the {@link HivePolicyDeniedError}; a connection that drops
 * after the utterance left rejects with `HM_ERR_CONNECTION_LOST` (the answer would go to the old peer id).
 *
 * @module
 */
import { ASK_QUIET_MS, ASK_SETTLE_MS, ASK_TIMEOUT_MS } from './connection-constants.js';
import { HiveConnectionError, type HivePolicyDeniedError } from './connection-errors.js';
import type { TimerHandle, Timers } from './connection-io.js';
import type { CloseInfo, HubConnection, StateChange } from './connection.js';
import { type JsonObject, isJsonObject } from './json.js';
import type { OvosMessage } from './session.js';

/** The OVOS type of an utterance. */
export const UTTERANCE_TYPE = 'recognizer_loop:utterance';

/** OVOS messages that end the handling of an utterance, and how `ask()` reports each. */
const END_TYPES: Readonly<Record<string, AskEnd>> = {
  'ovos.utterance.handled': 'handled',
  complete_intent_failure: 'intent-failure',
  'ovos.utterance.cancelled': 'cancelled',
};

/** Options of an ask. */
export interface AskOptions {
  /** Language of the utterance. Default: the connection's `lang`. */
  readonly lang?: string;
  /** Overall limit, ms. Default {@link ASK_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Silence after the last `speak` that ends the answer, ms. Default {@link ASK_QUIET_MS}. */
  readonly quietMs?: number;
  /** Time to keep listening after the end marker, ms. Default {@link ASK_SETTLE_MS}. */
  readonly settleMs?: number;
  /** Extra BUS context (our session is always put in). */
  readonly context?: JsonObject;
}

/** One spoken answer (`speak` data). */
export interface SpokenAnswer {
  readonly utterance: string;
  readonly lang: string | undefined;
  readonly expectResponse: boolean;
  readonly meta: JsonObject | undefined;
}

/** How an ask ended. */
export type AskEnd = 'handled' | 'intent-failure' | 'cancelled' | 'quiet' | 'timeout' | 'connection-lost';

/** The result of an ask. */
export interface AskResult {
  /** The spoken texts, in order. */
  readonly utterances: readonly string[];
  readonly answers: readonly SpokenAnswer[];
  readonly end: AskEnd;
}

function toAnswer(message: OvosMessage): SpokenAnswer | undefined {
  const { utterance, lang, expect_response: expectResponse, meta } = message.data;
  if (typeof utterance !== 'string') return undefined;
  return {
    utterance,
    lang: typeof lang === 'string' ? lang : undefined,
    expectResponse: expectResponse === true,
    meta: isJsonObject(meta) ? meta : undefined,
  };
}

function positive(value: number, what: string): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw new RangeError(`${what}: expected a positive number of ms, got ${String(value)}`);
  return value;
}

/**
 * Run one ask on `connection` (use `HubConnection.ask`, which also serialises asks).
 *
 * @throws (as rejections) {HM_ERR_NO_ANSWER}, {HM_ERR_CONNECTION_LOST} (HiveConnectionError), {HM_ERR_DENIED}
 *   (HivePolicyDeniedError), the errors of `sendBus`, and {RangeError} for bad options.
 */
export function runAsk(connection: HubConnection, timers: Timers, text: string, options: AskOptions = {}): Promise<AskResult> {
  return new Promise<AskResult>((resolve, reject) => {
    const timeoutMs = positive(options.timeoutMs ?? ASK_TIMEOUT_MS, 'timeoutMs');
    const quietMs = positive(options.quietMs ?? ASK_QUIET_MS, 'quietMs');
    const settleMs = positive(options.settleMs ?? ASK_SETTLE_MS, 'settleMs');
    if (typeof text !== 'string' || text.trim() === '') throw new RangeError('ask: expected a non-empty utterance, got an empty one');
    const answers: SpokenAnswer[] = [];
    let end: AskEnd | undefined;
    let sent = false;
    let settled = false;
    let quietTimer: TimerHandle | undefined;
    let settleTimer: TimerHandle | undefined;

    const cleanup = (): void => {
      settled = true;
      timers.clearTimeout(overall);
      if (quietTimer !== undefined) timers.clearTimeout(quietTimer);
      if (settleTimer !== undefined) timers.clearTimeout(settleTimer);
      connection.off('bus', onBus);
      connection.off('close', onClose);
      connection.off('denied', onDenied);
    };
    const finish = (how: AskEnd): void => {
      if (settled) return;
      cleanup();
      resolve({ utterances: answers.map((a) => a.utterance), answers, end: how });
    };
    const fail = (error: Error): void => {
      if (settled) return;
      cleanup();
      reject(error);
    };
    const startSettle = (): void => {
      if (settleTimer !== undefined) timers.clearTimeout(settleTimer);
      settleTimer = timers.setTimeout(() => finish(end ?? 'handled'), settleMs);
    };
    const onBus = (message: OvosMessage): void => {
      if (message.type === 'speak') {
        const answer = toAnswer(message);
        if (answer === undefined) return;
        answers.push(answer);
        if (quietTimer !== undefined) timers.clearTimeout(quietTimer);
        quietTimer = timers.setTimeout(() => finish('quiet'), quietMs);
        if (end !== undefined) startSettle();
        return;
      }
      const ended = END_TYPES[message.type];
      if (ended !== undefined && end === undefined) {
        end = ended;
        startSettle();
      }
    };
    const onClose = (info: CloseInfo): void => {
      if (!sent) return; // still queued: it goes out on the next session
      if (answers.length > 0) finish('connection-lost');
      else fail(new HiveConnectionError('HM_ERR_CONNECTION_LOST', `expected an answer, got the connection closed (${info.code}) after the utterance was sent`, { cause: info.error }));
    };
    const onDenied = (error: HivePolicyDeniedError): void => {
      if (error.denial.deniedType === UTTERANCE_TYPE) fail(error);
    };
    const overall = timers.setTimeout(() => {
      if (answers.length > 0) finish('timeout');
      else fail(new HiveConnectionError('HM_ERR_NO_ANSWER', `expected a spoken answer within ${timeoutMs} ms, got none${end === undefined ? '' : ` (the hub reported ${end})`}`));
    }, timeoutMs);

    connection.on('bus', onBus);
    connection.on('close', onClose);
    connection.on('denied', onDenied);
    connection.sendBus(UTTERANCE_TYPE, { utterances: [text], lang: options.lang ?? 'en-US' }, options.context ?? {}).then(
      () => {
        sent = true;
      },
      (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
    );
  });
}

/**
 * Wait for a BUS message matching `predicate` on `connection` (`HubConnection.waitFor`).
 *
 * @throws (as rejections) {HM_ERR_TIMEOUT} after `timeoutMs`; {HM_ERR_CLOSED} (with the close error as cause) if the
 *   connection closes for good; whatever `predicate` throws.
 */
export function waitForBus(
  connection: HubConnection,
  timers: Timers,
  predicate: (message: OvosMessage) => boolean,
  timeoutMs: number,
  closeError: () => Error | undefined,
): Promise<OvosMessage> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      timers.clearTimeout(timer);
      connection.off('bus', onBus);
      connection.off('state', onState);
    };
    const onBus = (message: OvosMessage): void => {
      let matched = false;
      try {
        matched = predicate(message);
      } catch (error) {
        cleanup();
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (!matched) return;
      cleanup();
      resolve(message);
    };
    const onState = (change: StateChange): void => {
      if (change.to !== 'closed') return;
      cleanup();
      reject(new HiveConnectionError('HM_ERR_CLOSED', 'expected a matching message, got the connection closed', { cause: closeError() }));
    };
    const timer = timers.setTimeout(() => {
      cleanup();
      reject(new HiveConnectionError('HM_ERR_TIMEOUT', `expected a matching message within ${timeoutMs} ms, got none`));
    }, timeoutMs);
    connection.on('bus', onBus);
    connection.on('state', onState);
  });
}
