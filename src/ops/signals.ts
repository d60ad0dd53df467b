/**
 * Signals of a long-running service: `SIGHUP` reloads, `SIGTERM`/`SIGINT` shut down cleanly within a bound.
 *
 * - `SIGHUP` → `reload()`. Reloads never overlap: a `SIGHUP` during a reload runs one more reload after it.
 *   A failing reload is logged; the service keeps running on its old settings.
 * - `SIGTERM`/`SIGINT` → `shutdown(signal)` once, then `exit(0)` (`exit(1)` if it threw). If it has not finished
 *   within {@link SHUTDOWN_TIMEOUT_MS} (2 s), the process exits with 1 anyway; a second signal exits at once.
 *   systemd's `TimeoutStopSec=` (10 s) is the outer bound; this one keeps restarts fast.
 *
 * @module
 */
import { SHUTDOWN_TIMEOUT_MS } from './constants.js';
import { type Logger, nullLogger } from './logger.js';

/** What the service does on each signal. */
export interface SignalHandlers {
  /** `SIGHUP`: re-read the configuration. */
  readonly reload?: () => void | Promise<void>;
  /** `SIGTERM`/`SIGINT`: stop capture, close the hub connection, flush. */
  readonly shutdown: (signal: NodeJS.Signals) => void | Promise<void>;
}

/** The part of `process` the handlers use (injectable for tests). */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Options of {@link installSignalHandlers}. */
export interface SignalOptions {
  /** Bound of a clean shutdown, ms. Default {@link SHUTDOWN_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Ends the process. Default `process.exit`. */
  readonly exit?: (code: number) => void;
  /** Default `process`. */
  readonly target?: SignalTarget;
  readonly logger?: Logger;
}

const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Install the handlers. Returns a function that removes them.
 *
 * @throws {RangeError} for a timeout that is not a positive number of ms.
 */
export function installSignalHandlers(handlers: SignalHandlers, options: SignalOptions = {}): () => void {
  const timeoutMs = options.timeoutMs ?? SHUTDOWN_TIMEOUT_MS;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs: expected a positive number of ms, got ${timeoutMs}`);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const target: SignalTarget = options.target ?? process;
  const logger = options.logger ?? nullLogger;
  let shuttingDown = false;
  let exited = false;
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;

  const finish = (code: number): void => {
    if (exited) return;
    exited = true;
    exit(code);
  };

  const runReload = async (): Promise<void> => {
    do {
      reloadAgain = false;
      try {
        await handlers.reload?.();
        logger.info('configuration reloaded');
      } catch (error) {
        // Supervision boundary: a bad config must not take the service down; it keeps its old settings.
        logger.error('reload failed; keeping the previous configuration', { error });
      }
    } while (reloadAgain && !shuttingDown);
    reloading = undefined;
  };

  const onHup = (): void => {
    if (shuttingDown) return;
    if (handlers.reload === undefined) {
      logger.info('SIGHUP ignored: nothing to reload');
      return;
    }
    if (reloading !== undefined) {
      reloadAgain = true;
      return;
    }
    reloading = runReload();
  };

  const onStop = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      logger.warn('second stop signal: exiting now', { signal });
      finish(1);
      return;
    }
    shuttingDown = true;
    logger.info('shutting down', { signal });
    const started = performance.now();
    const timer = setTimeout(() => {
      logger.error('shutdown did not finish in time: exiting', { signal, timeout_ms: timeoutMs });
      finish(1);
    }, timeoutMs);
    timer.unref();
    Promise.resolve()
      .then(() => handlers.shutdown(signal))
      .then(
        () => {
          clearTimeout(timer);
          logger.info('stopped', { duration_ms: Math.round(performance.now() - started) });
          finish(0);
        },
        (error: unknown) => {
          // Supervision boundary: the process is ending either way; say why it was not clean.
          clearTimeout(timer);
          logger.error('shutdown failed', { error });
          finish(1);
        },
      );
  };

  target.on('SIGHUP', onHup);
  for (const signal of SHUTDOWN_SIGNALS) target.on(signal, onStop);
  return () => {
    target.off('SIGHUP', onHup);
    for (const signal of SHUTDOWN_SIGNALS) target.off(signal, onStop);
  };
}
