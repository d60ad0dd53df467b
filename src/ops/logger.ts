/**
 * The service logger: one line per event, for journald.
 *
 * - `text`: `info hub online cipher=AES-GCM rtt_ms=12` (logfmt-style fields; values with spaces, quotes or `=` are
 *   JSON-quoted); `json`: `{"level":"info","msg":"hub online","cipher":"AES-GCM","rtt_ms":12}`.
 * - Under systemd (`$JOURNAL_STREAM` set) each line starts with a syslog priority (`<6>`), which journald turns into
 *   the entry's priority (so `journalctl -p warning` works) and strips; no timestamp is written, journald adds one.
 *   Elsewhere lines start with an ISO timestamp.
 * - Newlines and other control characters never split an entry: text values are escaped, JSON escapes them.
 * - Every message and field goes through a {@link Redactor} (secret keys and secret-looking values).
 *
 * A {@link Logger} is also a {@link HiveLogger}, so it can be handed to `HubConnection` and the other layers.
 *
 * @module
 */
import type { HiveLogger, LogLevel } from '../hivemind/index.js';
import { LOG_FIELD_MAX_DEPTH, LOG_MESSAGE_MAX_CHARS } from './constants.js';
import { type Redactor, createRedactor } from './redact.js';

export type { LogLevel };

/** Output format. */
export type LogFormat = 'json' | 'text';

/** The formats, for config validation. */
export const LOG_FORMATS: readonly LogFormat[] = Object.freeze(['json', 'text']);
/** The levels, least severe first. */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error']);

/** Structured fields of an entry. Values may be anything; they are redacted and serialised. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The logger every part of the service writes to. */
export interface Logger extends HiveLogger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every entry (e.g. `{ component: 'hooks' }`). */
  child(fields: LogFields): Logger;
  /** Whether entries of `level` are written (guard expensive debug fields with it). */
  isLevelEnabled(level: LogLevel): boolean;
  /** The redactor in use (register secret values with `redactor.addSecret`). */
  readonly redactor: Redactor;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Default `'text'`. */
  readonly format?: LogFormat;
  /** Lowest level written. Default `'info'`. */
  readonly level?: LogLevel;
  /** Where lines go. Default `process.stderr` (journald reads stdout and stderr alike). */
  readonly stream?: { write(text: string): unknown };
  /** Start lines with `<N>` syslog priorities. Default: when `env.JOURNAL_STREAM` is set (running under systemd). */
  readonly syslogPrefix?: boolean;
  /** Write a timestamp. Default: when not using the syslog prefix (journald timestamps entries itself). */
  readonly timestamps?: boolean;
  /** Wall clock, ms since the epoch, for timestamps. Default `Date.now`. */
  readonly now?: () => number;
  /** Default: a fresh {@link createRedactor}. */
  readonly redactor?: Redactor;
  /** Fields added to every entry. */
  readonly fields?: LogFields;
  /** Environment read for `JOURNAL_STREAM`. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };
/** syslog priorities (sd-daemon(3)): debug 7, info 6, warning 4, err 3. */
const SYSLOG_PRIORITY: Readonly<Record<LogLevel, number>> = { debug: 7, info: 6, warn: 4, error: 3 };
const RESERVED = new Set(['time', 'level', 'msg']);

/** True for a {@link LogLevel}. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && value in RANK;
}

/** True for a {@link LogFormat}. */
export function isLogFormat(value: unknown): value is LogFormat {
  return value === 'json' || value === 'text';
}

function cut(text: string): string {
  return text.length > LOG_MESSAGE_MAX_CHARS ? `${text.slice(0, LOG_MESSAGE_MAX_CHARS)}…` : text;
}

/** One-line form of a message: control characters escaped as in JSON. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

function textValue(value: unknown): string {
  if (typeof value === 'string') return value !== '' && /^[^\s"=\\\u0000-\u001f\u007f]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? 'undefined';
}

/** A {@link Logger}. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'text';
  const min = RANK[options.level ?? 'info'];
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const syslog = options.syslogPrefix ?? (env['JOURNAL_STREAM'] !== undefined && env['JOURNAL_STREAM'] !== '');
  const timestamps = options.timestamps ?? !syslog;
  const now = options.now ?? Date.now;
  const redactor = options.redactor ?? createRedactor();
  return build(options.fields ?? {});

  function build(base: LogFields): Logger {
    const write = (level: LogLevel, message: string, fields?: LogFields): void => {
      if (RANK[level] < min) return;
      const msg = redactor.redactString(cut(message));
      const merged: Record<string, unknown> = {};
      for (const [key, value] of Object.entries({ ...base, ...fields })) {
        if (value === undefined) continue;
        merged[RESERVED.has(key) ? `${key}_` : key] = value;
      }
      const safe = redactor.redactValue(merged, LOG_FIELD_MAX_DEPTH) as Record<string, unknown>;
      const prefix = syslog ? `<${SYSLOG_PRIORITY[level]}>` : '';
      let line: string;
      if (format === 'json') {
        const entry: Record<string, unknown> = timestamps ? { time: new Date(now()).toISOString(), level, msg } : { level, msg };
        line = JSON.stringify(Object.assign(entry, safe));
      } else {
        const head = timestamps ? `${new Date(now()).toISOString()} ${level.padEnd(5)}` : level;
        const extra = Object.entries(safe).map(([k, v]) => ` ${k}=${textValue(v)}`).join('');
        line = `${head} ${oneLine(msg)}${extra}`;
      }
      stream.write(`${prefix}${line}\n`);
    };
    return {
      redactor,
      log: write,
      debug: (message, fields) => write('debug', message, fields),
      info: (message, fields) => write('info', message, fields),
      warn: (message, fields) => write('warn', message, fields),
      error: (message, fields) => write('error', message, fields),
      child: (fields) => build({ ...base, ...fields }),
      isLevelEnabled: (level) => RANK[level] >= min,
    };
  }
}

/** A logger that writes nothing (tests, library use). */
export const nullLogger: Logger = createLogger({ level: 'error', stream: { write: () => undefined } });
