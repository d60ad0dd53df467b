/**
 * Settings of `hivesat serve`, resolved with this precedence for every field: command-line flags > environment
 * (`HIVESAT_SERVE_*`) > the `"serve"` object of the config file > default.
 *
 * ```json
 * { "serve": { "listen": "127.0.0.1:8337", "token_file": "~/.config/hivesat/serve-token", "auth": true,
 *              "fallback": "hivesat offline", "persona_dir": "~/.config/ovos_persona",
 *              "hub_model": "hivemind", "rate_limit_per_minute": 120 } }
 * ```
 *
 * The security rules live here: authentication is on unless explicitly turned off (`--no-auth`, `"auth": false`),
 * and turning it off is refused unless the listen address is loopback. Without a token given (flag or
 * environment), the token file is read, or created with a new random token at first start.
 *
 * @module
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { defaultConfigPath, readConfigSection } from '../config-file.js';
import { defaultPersonaDir } from '../persona/index.js';
import { DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT, HUB_MODEL_NAME, RATE_LIMIT_PER_MINUTE } from './constants.js';
import { isLoopbackHost } from './address.js';
import { ServeError } from './errors.js';
import { assertToken, defaultTokenPath, loadOrCreateToken } from './token.js';
import { SERVE_CONFIG_KEYS } from './config-schema.js';

export { SERVE_CONFIG_KEYS } from './config-schema.js';

/** A listen address. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** The serve flags, as given (unvalidated). */
export interface ServeFlags {
  readonly listen?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly noAuth?: boolean;
  readonly fallback?: string;
  readonly personaDir?: string;
  readonly config?: string;
}

/** How clients authenticate, and where the token came from (never the token itself in messages). */
export type ResolvedAuth =
  | { readonly kind: 'token'; readonly token: string; readonly source: 'flag' | 'env' | 'file'; readonly path?: string; readonly created?: boolean }
  | { readonly kind: 'none' };

/** The resolved settings. `auth.token` is a secret: never print or log it. */
export interface ServeSettings {
  readonly listen: ListenAddress;
  readonly auth: ResolvedAuth;
  /** Persona (name or model name) answering for the hub when it is unreachable. */
  readonly fallback: string | undefined;
  readonly personaDir: string;
  /** Name of the hub model; `undefined` when the config turns the hub model off (`"hub_model": null`). */
  readonly hubModel: string | undefined;
  readonly rateLimitPerMinute: number;
}

/** Inputs of {@link resolveServeSettings}. */
export interface ResolveServeInputs {
  readonly flags?: ServeFlags;
  readonly env?: NodeJS.ProcessEnv;
}

/** The config file's `"serve"` object, typed by {@link SERVE_CONFIG_KEYS} (`null`: unset). */
export type ServeSection = { -readonly [K in keyof typeof SERVE_CONFIG_KEYS]?: ((typeof SERVE_CONFIG_KEYS)[K] extends 'string' ? string : (typeof SERVE_CONFIG_KEYS)[K] extends 'number' ? number : boolean) | null };

/**
 * Parse `host:port`, `[v6]:port`, `host` (default port) or `:port` (default host); port 0 picks a free one.
 *
 * @throws {ConfigError} `CFG_ERR_INVALID_VALUE`
 */
export function parseListen(value: string, where: string): ListenAddress {
  const v = value.trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/]*))(?::(\d{1,5}))?$/.exec(v);
  if (m === null || v === '') throw new ConfigError('CFG_ERR_INVALID_VALUE', `${where}: expected an address like 127.0.0.1:8337, [::1]:8337 or :8337, got "${v.slice(0, 80)}"`);
  const host = m[1] ?? (m[2] === undefined || m[2] === '' ? DEFAULT_LISTEN_HOST : m[2]);
  const port = m[3] === undefined ? DEFAULT_LISTEN_PORT : Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError('CFG_ERR_INVALID_VALUE', `${where}: expected a port 0-65535 (0: any free port), got ${m[3] ?? ''}`);
  return { host, port };
}

/**
 * Read the `"serve"` object of a config file (other top-level sections belong to other parts of hivesat). A missing
 * file is fine unless `required`.
 *
 * @throws {ConfigError} `CFG_ERR_IO`, `CFG_ERR_MALFORMED`, or `CFG_ERR_INVALID_VALUE` for an unknown key or a wrong type.
 */
export async function readServeConfig(path: string, required: boolean): Promise<ServeSection> {
  return ((await readConfigSection(path, required, 'serve', SERVE_CONFIG_KEYS)) ?? {}) as ServeSection;
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value.trim() === '' ? undefined : value;
}

/** The listen address: flag > environment > `serve.listen` > the default. */
function listenAddress(config: ServeSection, configFile: string, flags: ServeFlags, e: (name: string) => string | undefined): ListenAddress {
  const listenFlag = nonEmpty(flags.listen);
  const listenEnv = e('HIVESAT_SERVE_LISTEN');
  const listenConfig = nonEmpty(config.listen);
  if (listenFlag !== undefined) return parseListen(listenFlag, '--listen');
  if (listenEnv !== undefined) return parseListen(listenEnv, 'HIVESAT_SERVE_LISTEN');
  if (listenConfig !== undefined) return parseListen(listenConfig, `${configFile}: serve.listen`);
  return { host: DEFAULT_LISTEN_HOST, port: DEFAULT_LISTEN_PORT };
}

/** A path from the config file: a leading `~/` is the home folder (as people write it in JSON). */
function configPath(value: string | null | undefined): string | undefined {
  const v = nonEmpty(value);
  return v !== undefined && v.startsWith('~/') ? join(homedir(), v.slice(2)) : v;
}

/**
 * Resolve the serve settings; creates the token file (0600) when authentication is on and no token was given.
 *
 * @throws {ServeError} `SERVE_ERR_INSECURE` for authentication off on a non-loopback address; `SERVE_ERR_TOKEN`
 *   for a bad token or token file.
 * @throws {ConfigError} for a bad listen address, rate or config file.
 */
export async function resolveServeSettings(inputs: ResolveServeInputs = {}): Promise<ServeSettings> {
  const flags = inputs.flags ?? {};
  const env = inputs.env ?? process.env;
  const explicitConfig = flags.config ?? nonEmpty(env['HIVESAT_CONFIG']);
  const configFile = explicitConfig ?? defaultConfigPath(env);
  return resolveServeSection(await readServeConfig(configFile, explicitConfig !== undefined), configFile, inputs);
}

/**
 * {@link resolveServeSettings} from a `"serve"` object already read (`configFile` names it in messages). With
 * `listen` given — the address of the server the endpoints are mounted on, as in `hivesat run` — the listen flag,
 * environment and `serve.listen` are not consulted, and authentication off is checked against that address.
 *
 * @throws the errors of {@link resolveServeSettings}.
 */
export async function resolveServeSection(config: ServeSection, configFile: string, inputs: ResolveServeInputs & { readonly listen?: ListenAddress } = {}): Promise<ServeSettings> {
  const flags = inputs.flags ?? {};
  const env = inputs.env ?? process.env;
  const e = (name: string): string | undefined => nonEmpty(env[name]);
  const listen = inputs.listen ?? listenAddress(config, configFile, flags, e);

  const rate = config.rate_limit_per_minute ?? RATE_LIMIT_PER_MINUTE;
  if (!Number.isInteger(rate) || rate < 1 || rate > 100_000) throw new ConfigError('CFG_ERR_INVALID_VALUE', `${configFile}: expected "serve.rate_limit_per_minute" to be an integer 1-100000, got ${String(rate)}`);

  const tokenFlag = nonEmpty(flags.token);
  const tokenEnv = e('HIVESAT_SERVE_TOKEN');
  const authOff = flags.noAuth === true || (flags.noAuth === undefined && tokenFlag === undefined && tokenEnv === undefined && config.auth === false);
  let auth: ResolvedAuth;
  if (tokenFlag !== undefined && flags.noAuth === true) {
    throw new ConfigError('CFG_ERR_INVALID_VALUE', '--token and --no-auth: expected one of them, got both');
  } else if (authOff) {
    if (!isLoopbackHost(listen.host)) {
      throw new ServeError('SERVE_ERR_INSECURE', `refusing to turn authentication off on ${listen.host}: only a loopback address (127.0.0.1, ::1, localhost) may go without a token`);
    }
    auth = { kind: 'none' };
  } else if (tokenFlag !== undefined) {
    auth = { kind: 'token', token: assertToken(tokenFlag, '--token'), source: 'flag' };
  } else if (tokenEnv !== undefined) {
    auth = { kind: 'token', token: assertToken(tokenEnv, 'HIVESAT_SERVE_TOKEN'), source: 'env' };
  } else {
    const path = nonEmpty(flags.tokenFile) ?? e('HIVESAT_SERVE_TOKEN_FILE') ?? configPath(config.token_file) ?? defaultTokenPath(env);
    const loaded = await loadOrCreateToken(path);
    auth = { kind: 'token', token: loaded.token, source: 'file', path: loaded.path, created: loaded.created };
  }

  return {
    listen,
    auth,
    fallback: nonEmpty(flags.fallback) ?? e('HIVESAT_SERVE_FALLBACK') ?? nonEmpty(config.fallback),
    personaDir: nonEmpty(flags.personaDir) ?? e('HIVESAT_PERSONA_DIR') ?? configPath(config.persona_dir) ?? defaultPersonaDir(env),
    hubModel: config.hub_model === null ? undefined : (nonEmpty(config.hub_model) ?? HUB_MODEL_NAME),
    rateLimitPerMinute: rate,
  };
}
