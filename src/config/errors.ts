/**
 * Coded errors of the configuration layer. {@link ConfigError} is defined at the root (`src/errors.ts`) because
 * every layer validates its own options with it; this module is the config layer's name for it.
 *
 * @module
 */
export { ConfigError, type ConfigErrorCode } from '../errors.js';
