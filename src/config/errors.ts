/**
 * Coded errors of the configuration layer. {@link ConfigError} is defined at the root (`src/errors.ts`) because
 * every layer validates its own options with it; this module is the config layer's name for it.
 *
 * @module
 */
export { ConfigError, type ConfigErrorCode } from '../errors.js';

/**
 * Exit code of `hivesat run` when its configuration cannot start (sysexits.h `EX_CONFIG`): the systemd unit lists it
 * in `RestartPreventExitStatus=`, so a config that cannot start is reported once instead of restarted in a loop.
 */
export const EXIT_CANNOT_START = 78;
