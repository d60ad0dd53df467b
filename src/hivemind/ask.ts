/**
 * `ask(options, text)`: connect to a hub, ask one question, close — for scripts and the `hivesat ask` command.
 *
 * The time limit covers everything: connecting, the handshake and the answer. Terminal failures (wrong password,
 * unknown access key, pin mismatch, 1008) reject at once with their own error; a hub that cannot be reached in time
 * rejects with `HM_ERR_UNREACHABLE` naming the last failure.
 *
 * @module
 */
import { ASK_TIMEOUT_MS } from './connection-constants.js';
import { HiveConnectionError } from './connection-errors.js';
import { systemTimers } from './connection-io.js';
import { HubConnection, type HubConnectionOptions, type ReadyInfo } from './connection.js';
import type { AskOptions, AskResult } from './ask-tracker.js';

export type { AskEnd, AskOptions, AskResult, SpokenAnswer } from './ask-tracker.js';

/** Options of {@link ask}: a connection plus an ask; `timeoutMs` bounds the whole exchange. */
export type AskOnceOptions = HubConnectionOptions & AskOptions & {
  /** Called once the session is ready (e.g. to report what was negotiated). */
  readonly onReady?: (info: ReadyInfo) => void;
};

/**
 * Connect, send `text` as an utterance, collect the spoken answers, close.
 *
 * @throws (as rejections) the connection's terminal errors (`HiveAuthError` …), {HM_ERR_UNREACHABLE} when no
 *   session could be set up in time, and the errors of `HubConnection.ask` ({HM_ERR_NO_ANSWER} …).
 */
export async function ask(options: AskOnceOptions, text: string): Promise<AskResult> {
  const timers = options.timers ?? systemTimers;
  const timeoutMs = options.timeoutMs ?? ASK_TIMEOUT_MS;
  const started = timers.now();
  const conn = new HubConnection(options);
  let lastError: Error | undefined;
  conn.on('error', (error) => {
    lastError = error;
  });
  let timer: unknown;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = timers.setTimeout(() => {
        reject(new HiveConnectionError('HM_ERR_UNREACHABLE', `expected a session with the hub within ${timeoutMs} ms, got none${lastError === undefined ? '' : ` (last: ${lastError.message})`}`, { cause: lastError }));
      }, timeoutMs);
    });
    const info = await Promise.race([conn.connect(), deadline]);
    timers.clearTimeout(timer);
    options.onReady?.(info);
    const remaining = Math.max(1, Math.round(timeoutMs - (timers.now() - started)));
    try {
      return await conn.ask(text, {
        ...(options.lang === undefined ? {} : { lang: options.lang }),
        ...(options.quietMs === undefined ? {} : { quietMs: options.quietMs }),
        ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
        ...(options.context === undefined ? {} : { context: options.context }),
        timeoutMs: remaining,
      });
    } catch (error) {
      // Report the caller's limit, not what was left of it after connecting.
      if (error instanceof HiveConnectionError && error.code === 'HM_ERR_NO_ANSWER') {
        throw new HiveConnectionError('HM_ERR_NO_ANSWER', `expected a spoken answer within ${timeoutMs} ms, got none`, { cause: error });
      }
      throw error;
    }
  } finally {
    timers.clearTimeout(timer);
    await conn.close();
  }
}
