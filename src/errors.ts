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

/** Exhaustiveness guard for `switch` statements over discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new TypeError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
