/**
 * The root of every error hivesat throws on purpose.
 *
 * Each layer declares its own subclasses and a string-literal union of stable codes (`HM_ERR_*`, `AUDIO_ERR_*`,
 * `CFG_ERR_*` …). Callers match on `code`, never on the message: messages are for people and may be reworded.
 * Messages never contain keys, passwords, envelopes or plaintext (see docs/errors.md).
 *
 * @module
 */
export abstract class HivesatError<C extends string = string> extends Error {
  /** A stable, documented code for programs to match on. */
  readonly code: C;

  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/* Configuration errors live at the root: every layer validates its own options and reports them the same way. */

/** Codes of {@link ConfigError}. */
export type ConfigErrorCode =
  /** A file is not valid JSON or not a JSON object. */
  | 'CFG_ERR_MALFORMED'
  /** A field has the wrong type or an out-of-range value. */
  | 'CFG_ERR_INVALID_VALUE'
  /** A required setting (host, access key, password…) is missing from flags, environment, config and identity. */
  | 'CFG_ERR_MISSING'
  /** A file could not be read or written (permissions, disk). */
  | 'CFG_ERR_IO';

/** A configuration or identity problem the user must fix. */
export class ConfigError extends HivesatError<ConfigErrorCode> {
  override readonly name = 'ConfigError';
}

/** Exhaustiveness guard for `switch` statements over discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new TypeError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/**
 * The `code` of a thrown value, when it has a string one: a {@link HivesatError}'s code, a Node system error's errno
 * name (`ENOENT`, `ECONNREFUSED`), a `ws` or undici code. The one place that looks inside an unknown error for it.
 */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
