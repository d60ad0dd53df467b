/**
 * Where the control API listens and how it authenticates, for `hivesat run` and `hivesat ctl` alike. Each resolves
 * with this precedence: flag (`--control HOST:PORT`, `--control-token T`) > environment (`HIVESAT_CONTROL`,
 * `HIVESAT_CONTROL_TOKEN`) > the config's `"control"` section > default.
 *
 * ```json
 * "control": { "listen": "127.0.0.1:8338", "auth": true, "token_file": null }
 * ```
 *
 * The token is a bearer token kept in a 0600 file, generated at first start as `hivesat serve`'s is
 * (`$XDG_CONFIG_HOME/hivesat/control-token`). `"auth": false` turns it off, which is refused unless the address is
 * loopback. `"listen": null` turns the control API off.
 *
 * @module
 */
import { join } from 'node:path';
import { assertToken, defaultTokenPath, isLoopbackHost, loadOrCreateToken, parseListen, type ListenAddress } from '../serve/index.js';
import { OpsError } from './errors.js';

/** Default address of the control API. */
export const DEFAULT_CONTROL_LISTEN = '127.0.0.1:8338';
/** File name of the generated control token (next to serve's). */
export const CONTROL_TOKEN_FILE_NAME = 'control-token';

/** The `"control"` section of the config file, as the schema gives it. */
export interface ControlSection {
  readonly listen: string | null;
  readonly auth: boolean;
  readonly token_file: string | null;
}

/** What `run` or `ctl` was told on the command line. */
export interface ControlFlags {
  readonly listen?: string;
  readonly token?: string;
}

/** Resolved control settings. `token` is a secret: never print or log it. */
export interface ControlSettings {
  readonly listen: ListenAddress;
  /** `undefined`: authentication is off (loopback only). */
  readonly token: string | undefined;
  /** Where the token came from. */
  readonly tokenSource: 'flag' | 'env' | 'file' | 'none';
  /** The token file, when the token came from one. */
  readonly tokenPath?: string;
  /** True when this call generated the token file. */
  readonly created?: boolean;
}

/** `$XDG_CONFIG_HOME/hivesat/control-token`. */
export function defaultControlTokenPath(env: NodeJS.ProcessEnv): string {
  return join(defaultTokenPath(env), '..', CONTROL_TOKEN_FILE_NAME);
}

/** `HOST:PORT` (port required here: the control API has its own default, not serve's). */
export function parseControlListen(value: string, where: string): ListenAddress {
  if (!/:\d{1,5}$/.test(value.trim())) throw new OpsError('OPS_ERR_CONTROL', `${where}: expected HOST:PORT like ${DEFAULT_CONTROL_LISTEN}, got "${value.slice(0, 80)}"`);
  return parseListen(value, where);
}

/**
 * The listen address, or `undefined` when the control API is off (`"listen": null` and no flag or environment).
 *
 * @throws {ConfigError} `CFG_ERR_INVALID_VALUE` / {@link OpsError} `OPS_ERR_CONTROL` for a malformed address.
 */
export function controlAddress(section: ControlSection, flags: ControlFlags, env: NodeJS.ProcessEnv): ListenAddress | undefined {
  const fromEnv = env['HIVESAT_CONTROL'];
  if (flags.listen !== undefined) return parseControlListen(flags.listen, '--control');
  if (fromEnv !== undefined && fromEnv !== '') return parseControlListen(fromEnv, 'HIVESAT_CONTROL');
  return section.listen === null ? undefined : parseControlListen(section.listen, '$.control.listen');
}

/**
 * Resolve the address and the token (reading, or generating, the token file).
 *
 * @returns `undefined` when the control API is off.
 * @throws {OpsError} `OPS_ERR_CONTROL` for authentication off on a non-loopback address; serve's `SERVE_ERR_TOKEN`
 *   for a malformed token or a token file others can read.
 */
export async function resolveControlSettings(section: ControlSection, flags: ControlFlags, env: NodeJS.ProcessEnv): Promise<ControlSettings | undefined> {
  const listen = controlAddress(section, flags, env);
  if (listen === undefined) return undefined;
  const fromEnv = env['HIVESAT_CONTROL_TOKEN'];
  if (flags.token !== undefined) return { listen, token: assertToken(flags.token, '--control-token'), tokenSource: 'flag' };
  if (fromEnv !== undefined && fromEnv !== '') return { listen, token: assertToken(fromEnv, 'HIVESAT_CONTROL_TOKEN'), tokenSource: 'env' };
  if (!section.auth) {
    if (!isLoopbackHost(listen.host)) throw new OpsError('OPS_ERR_CONTROL', `refusing to run the control API on ${listen.host} without a token: only a loopback address may go without authentication`);
    return { listen, token: undefined, tokenSource: 'none' };
  }
  const loaded = await loadOrCreateToken(section.token_file ?? defaultControlTokenPath(env));
  return { listen, token: loaded.token, tokenSource: 'file', tokenPath: loaded.path, created: loaded.created };
}
