/**
 * The logging interface of the HiveMind connection layer, injected so the satellite decides where logs go.
 *
 * Rule: no secret ever reaches a logger — no password, key, PSK, envelope or frame plaintext. Log lengths, codes,
 * states and peer ids.
 *
 * @module
 */

/** Log levels, least severe first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where the connection layer logs. `fields` are small, secret-free values (codes, lengths, states). */
export interface HiveLogger {
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>): void;
}

/** A logger that drops everything (the default of library use). */
export const silentLogger: HiveLogger = { log: () => undefined };

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Options of {@link streamLogger}. */
export interface StreamLoggerOptions {
  /** Lowest level written. Default `'info'`. */
  readonly minLevel?: LogLevel;
  /** Levels never written, whatever `minLevel` says. */
  readonly skip?: readonly LogLevel[];
  /** Prefix of each line. Default `'hivesat'`. */
  readonly prefix?: string;
}

/** A logger writing one line per entry (`prefix level: message key=value…`) to a writable such as `process.stderr`. */
export function streamLogger(stream: { write(text: string): unknown }, options: StreamLoggerOptions = {}): HiveLogger {
  const min = RANK[options.minLevel ?? 'info'];
  const skip = new Set(options.skip ?? []);
  const prefix = options.prefix ?? 'hivesat';
  return {
    log(level, message, fields) {
      if (RANK[level] < min || skip.has(level)) return;
      const extra = fields === undefined ? '' : Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}=${String(v)}`).join('');
      stream.write(`${prefix} ${level}: ${message}${extra}\n`);
    },
  };
}
