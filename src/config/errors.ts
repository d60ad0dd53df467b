/**
 * Coded errors of the configuration layer. Messages name the file and the field, never a secret's value.
 *
 * @module
 */
import { HivesatError } from '../errors.js';

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
