/**
 * Hub connection settings, resolved with this precedence for every field:
 * command-line flags > environment (`HIVESAT_*`) > config file > HiveMind identity file > default.
 *
 * - Config file: `$XDG_CONFIG_HOME/hivesat/config.json` (default `~/.config`), or `--config` / `HIVESAT_CONFIG`.
 *   Optional when it is the default path. Connection settings live under its `"hub"` object, whose keys are checked
 *   (unknown ones are refused); other top-level sections belong to other parts of hivesat.
 * - Identity file (HIVEMIND.md §7.3): `access_key`, `password`, `default_master`, `default_port`, `site_id`,
 *   `noise_psk`, `noise_key`, `pinned_noise_keys`; path from `--identity` / `HIVESAT_IDENTITY` or the default.
 * - `host` may be `ws://h`, `wss://h`, `h`, with an optional `:port`; the port defaults to 5678.
 *
 * @module
 */
import { HIVE_CIPHERS, HIVE_ENCODINGS, type HandshakeMode, isHiveCipher, isHiveEncoding } from '../hivemind/index.js';
import { ConfigError } from './errors.js';
import { DEFAULT_LANG, DEFAULT_PORT, DEFAULT_SITE_ID, HANDSHAKE_MODES, type HubSection } from './hub-schema.js';
import { type HiveIdentity, defaultIdentityPath, readIdentity } from './identity.js';
import { loadSatelliteConfig } from './satellite-config.js';
import { defaultConfigPath } from '../config-file.js';

export { DEFAULT_LANG, DEFAULT_PORT, DEFAULT_SITE_ID } from './hub-schema.js';

/** Connection settings as given on the command line (all strings/booleans, unvalidated). */
export interface ConnectionFlags {
  readonly host?: string;
  readonly port?: string;
  readonly accessKey?: string;
  readonly password?: string;
  readonly siteId?: string;
  readonly lang?: string;
  readonly cipher?: string;
  readonly encoding?: string;
  readonly binarize?: boolean;
  readonly selfSigned?: boolean;
  readonly certFingerprint?: string;
  readonly handshake?: string;
  readonly config?: string;
  readonly identity?: string;
}

/** Where a setting came from. */
export type SettingSource = 'flag' | 'env' | 'config' | 'identity' | 'default';

/** The resolved settings. Secrets are present as given; never log them (see {@link describeSettings}). */
export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly accessKey: string;
  readonly password: string | undefined;
  readonly noisePsk: string | undefined;
  readonly presharedKey: string | undefined;
  readonly siteId: string;
  readonly lang: string;
  /** One cipher/encoding to offer exclusively, or undefined for the defaults. */
  readonly ciphers: readonly string[] | undefined;
  readonly encodings: readonly string[] | undefined;
  readonly binarize: boolean;
  readonly selfSigned: boolean;
  readonly certFingerprint256: string | undefined;
  readonly handshake: HandshakeMode;
  readonly identityPath: string;
  readonly noiseKeyPath: string | undefined;
  /** The config file read, if any. */
  readonly configPath: string | undefined;
  /** Source of each setting, for `identity show` and error messages. */
  readonly sources: Readonly<Record<string, SettingSource>>;
}

/** Inputs of {@link resolveConnectionSettings}. */
export interface ResolveInputs {
  readonly flags?: ConnectionFlags;
  readonly env?: NodeJS.ProcessEnv;
  /** Read the identity file (default true). */
  readonly useIdentity?: boolean;
  /**
   * The config file's `"hub"` section, already validated with the rest of the file (and `configPath`, the file it
   * came from). Without it the config file (flag, `HIVESAT_CONFIG` or the default path) is read and validated here.
   */
  readonly config?: { readonly hub: HubSection; readonly path: string; readonly explicit: boolean };
}

/** A host setting split into scheme, name and optional port. */
export interface ParsedHost {
  readonly tls: boolean | undefined;
  readonly host: string;
  readonly port: number | undefined;
}

/**
 * Parse `ws://h`, `wss://h`, `h`, `h:port`, `[v6]:port`.
 *
 * @throws {ConfigError} `CFG_ERR_INVALID_VALUE` for anything else.
 */
export function parseHost(value: string, where: string): ParsedHost {
  const m = /^(?:(wss?):\/\/)?(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+)(?::(\d{1,5}))?\/?$/i.exec(value.trim());
  if (m === null) throw new ConfigError('CFG_ERR_INVALID_VALUE', `${where}: expected a host like "hub.local", "ws://hub.local" or "wss://hub.local:5678", got "${value.slice(0, 80)}"`);
  const [, scheme, host = '', port] = m;
  return { tls: scheme === undefined ? undefined : scheme.toLowerCase() === 'wss', host: host.replace(/^\[|\]$/g, ''), port: port === undefined ? undefined : parsePort(port, where) };
}

function parsePort(value: string | number, where: string): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new ConfigError('CFG_ERR_INVALID_VALUE', `${where}: expected a port 1-65535, got "${String(value).slice(0, 20)}"`);
  return n;
}

function parseBool(value: string, where: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new ConfigError('CFG_ERR_INVALID_VALUE', `${where}: expected true/false, got "${value.slice(0, 20)}"`);
}

interface Candidate<T> {
  readonly value: T | undefined;
  readonly source: SettingSource;
  readonly where: string;
}

function pick<T>(candidates: readonly Candidate<T>[]): Candidate<T> | undefined {
  return candidates.find((c) => c.value !== undefined && c.value !== null && c.value !== '');
}

const MISSING_HINTS: Readonly<Record<string, string>> = {
  host: 'pass --host, set HIVESAT_HOST or run "hivesat identity set --host …"',
  accessKey: 'pass --access-key, set HIVESAT_ACCESS_KEY or run "hivesat identity set --access-key …"',
  password: 'pass --password, set HIVESAT_PASSWORD or run "hivesat identity set --password …"',
};

/**
 * Resolve the connection settings.
 *
 * @throws {ConfigError} `CFG_ERR_MISSING` without a host, access key or password (or PSK/pre-shared key);
 *   `CFG_ERR_INVALID_VALUE` for a bad port, host, cipher, encoding, handshake mode or boolean; the errors of the
 *   config and identity readers.
 */
export async function resolveConnectionSettings(inputs: ResolveInputs = {}): Promise<ConnectionSettings> {
  const flags = inputs.flags ?? {};
  const env = inputs.env ?? process.env;
  const e = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const explicitConfig = inputs.config?.explicit === false ? undefined : (inputs.config?.path ?? flags.config ?? e('HIVESAT_CONFIG'));
  const configPath = inputs.config?.path ?? explicitConfig ?? defaultConfigPath(env);
  const hub: HubSection = inputs.config?.hub ?? (await loadSatelliteConfig(configPath, explicitConfig !== undefined)).hub;
  const configRead = Object.values(hub).some((v) => v !== undefined) || explicitConfig !== undefined ? configPath : undefined;
  const identityPath = flags.identity ?? e('HIVESAT_IDENTITY') ?? nonEmpty(hub.identity) ?? defaultIdentityPath(env);
  const identity: HiveIdentity = inputs.useIdentity === false ? {} : ((await readIdentity(identityPath)) ?? {});
  const sources: Record<string, SettingSource> = {};

  const str = (name: string, flag: string | undefined, envName: string, cfg: string | null | undefined, id: string | undefined, idKey?: string): Candidate<string> | undefined => {
    const c = pick<string>([
      { value: flag, source: 'flag', where: `--${name.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}` },
      { value: e(envName), source: 'env', where: envName },
      { value: cfg ?? undefined, source: 'config', where: `${configPath}: hub` },
      { value: id, source: 'identity', where: `${identityPath}: ${idKey ?? name}` },
    ]);
    if (c !== undefined) sources[name] = c.source;
    return c;
  };

  const hostC = str('host', flags.host, 'HIVESAT_HOST', hub.host, identity.default_master, 'default_master');
  if (hostC?.value === undefined) throw new ConfigError('CFG_ERR_MISSING', `no hub host configured: ${MISSING_HINTS['host']}`);
  const parsed = parseHost(hostC.value, hostC.where);
  // A port written into the host counts at the host's precedence, just after an explicit port of the same source.
  const portCandidates: { value: string | undefined; source: SettingSource; where: string; order: number }[] = [
    { value: flags.port, source: 'flag', where: '--port', order: 0 },
    { value: e('HIVESAT_PORT'), source: 'env', where: 'HIVESAT_PORT', order: 10 },
    { value: hub.port === undefined || hub.port === null ? undefined : String(hub.port), source: 'config', where: `${configPath}: hub.port`, order: 20 },
    { value: identity.default_port === undefined ? undefined : String(identity.default_port), source: 'identity', where: `${identityPath}: default_port`, order: 30 },
    { value: parsed.port === undefined ? undefined : String(parsed.port), source: sources['host'] ?? 'default', where: hostC.where, order: rank(sources['host']) * 10 + 1 },
  ];
  const portC = portCandidates.filter((c) => c.value !== undefined && c.value !== '').sort((a, b) => a.order - b.order)[0];
  const port = portC?.value === undefined ? DEFAULT_PORT : parsePort(portC.value, portC.where);
  sources['port'] = portC?.source ?? 'default';

  const accessKey = str('accessKey', flags.accessKey, 'HIVESAT_ACCESS_KEY', hub.access_key, identity.access_key, 'access_key')?.value;
  if (accessKey === undefined) throw new ConfigError('CFG_ERR_MISSING', `no access key configured: ${MISSING_HINTS['accessKey']}`);
  const password = str('password', flags.password, 'HIVESAT_PASSWORD', hub.password, identity.password)?.value;
  const noisePsk = str('noisePsk', undefined, 'HIVESAT_NOISE_PSK', hub.noise_psk, identity.noise_psk, 'noise_psk')?.value;
  const presharedKey = str('presharedKey', undefined, 'HIVESAT_PRESHARED_KEY', hub.preshared_key, undefined)?.value;
  if (password === undefined && noisePsk === undefined && presharedKey === undefined) {
    throw new ConfigError('CFG_ERR_MISSING', `no password configured: ${MISSING_HINTS['password']}`);
  }
  if (noisePsk !== undefined && !/^[0-9a-fA-F]{64}$/.test(noisePsk)) throw new ConfigError('CFG_ERR_INVALID_VALUE', `noise PSK (${sources['noisePsk']}): expected 64 hex characters, got ${noisePsk.length} characters`);
  if (presharedKey !== undefined && [...presharedKey].length !== 16) throw new ConfigError('CFG_ERR_INVALID_VALUE', `pre-shared key (${sources['presharedKey']}): expected 16 characters, got ${[...presharedKey].length}`);

  const siteId = str('siteId', flags.siteId, 'HIVESAT_SITE_ID', hub.site_id, identity.site_id, 'site_id')?.value ?? DEFAULT_SITE_ID;
  const lang = str('lang', flags.lang, 'HIVESAT_LANG', hub.lang, undefined)?.value ?? DEFAULT_LANG;
  const cipherC = str('cipher', flags.cipher, 'HIVESAT_CIPHER', hub.cipher, undefined);
  if (cipherC?.value !== undefined && !isHiveCipher(cipherC.value)) throw new ConfigError('CFG_ERR_INVALID_VALUE', `${cipherC.where}: expected ${HIVE_CIPHERS.join(' or ')}, got "${cipherC.value.slice(0, 40)}"`);
  const encodingC = str('encoding', flags.encoding, 'HIVESAT_ENCODING', hub.encoding, undefined);
  if (encodingC?.value !== undefined && !isHiveEncoding(encodingC.value)) {
    throw new ConfigError('CFG_ERR_INVALID_VALUE', `${encodingC.where}: expected one of ${HIVE_ENCODINGS.join(', ')}, got "${encodingC.value.slice(0, 40)}"`);
  }
  const handshakeC = str('handshake', flags.handshake, 'HIVESAT_HANDSHAKE', hub.handshake, undefined);
  const handshake = handshakeC?.value ?? 'auto';
  if (!isHandshakeMode(handshake)) {
    throw new ConfigError('CFG_ERR_INVALID_VALUE', `${handshakeC?.where ?? 'handshake'}: expected one of ${HANDSHAKE_MODES.join(', ')}, got "${handshake.slice(0, 20)}"`);
  }
  const bool = (name: string, flag: boolean | undefined, envName: string, cfg: boolean | null | undefined): boolean => {
    if (flag !== undefined) {
      sources[name] = 'flag';
      return flag;
    }
    const fromEnv = e(envName);
    if (fromEnv !== undefined) {
      sources[name] = 'env';
      return parseBool(fromEnv, envName);
    }
    if (cfg !== undefined && cfg !== null) {
      sources[name] = 'config';
      return cfg;
    }
    sources[name] = 'default';
    return false;
  };
  const binarize = bool('binarize', flags.binarize, 'HIVESAT_BINARIZE', hub.binarize);
  const selfSigned = bool('selfSigned', flags.selfSigned, 'HIVESAT_SELF_SIGNED', hub.self_signed);
  const certFingerprint256 = str('certFingerprint', flags.certFingerprint, 'HIVESAT_CERT_FINGERPRINT', hub.cert_fingerprint, undefined)?.value;
  if (certFingerprint256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(certFingerprint256.replace(/:/g, ''))) {
    throw new ConfigError('CFG_ERR_INVALID_VALUE', `certificate fingerprint (${sources['certFingerprint']}): expected a SHA-256 fingerprint (64 hex digits, colons optional)`);
  }
  return {
    host: parsed.host,
    port,
    tls: parsed.tls ?? false,
    accessKey,
    password,
    noisePsk,
    presharedKey,
    siteId,
    lang,
    ciphers: cipherC?.value === undefined ? undefined : [cipherC.value],
    encodings: encodingC?.value === undefined ? undefined : [encodingC.value],
    binarize,
    selfSigned,
    certFingerprint256,
    handshake,
    identityPath,
    noiseKeyPath: identity.noise_key,
    configPath: configRead,
    sources,
  };
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : value;
}

function isHandshakeMode(value: string): value is HandshakeMode {
  return (HANDSHAKE_MODES as readonly string[]).includes(value);
}

const RANKS: Readonly<Record<SettingSource, number>> = { flag: 0, env: 1, config: 2, identity: 3, default: 4 };

function rank(source: SettingSource | undefined): number {
  return RANKS[source ?? 'default'];
}

/** Mask an access key for messages: its first 4 characters and an ellipsis. */
export function maskAccessKey(accessKey: string): string {
  return accessKey.length <= 4 ? '…' : `${accessKey.slice(0, 4)}…`;
}

/** `ws://host:port` / `wss://host:port` of the settings (no credentials). */
export function hubAddress(settings: Pick<ConnectionSettings, 'host' | 'port' | 'tls'>): string {
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return `${settings.tls ? 'wss' : 'ws'}://${host}:${settings.port}`;
}

/** A printable, secret-free description of the settings and where each came from. */
export function describeSettings(settings: ConnectionSettings): Record<string, string> {
  const src = (k: string): string => ` (${settings.sources[k] ?? 'default'})`;
  return {
    hub: `${hubAddress(settings)}${src('host')}`,
    access_key: `${maskAccessKey(settings.accessKey)}${src('accessKey')}`,
    password: settings.password === undefined ? 'not set' : `set${src('password')}`,
    noise_psk: settings.noisePsk === undefined ? 'not set' : `set${src('noisePsk')}`,
    site_id: `${settings.siteId}${src('siteId')}`,
    lang: `${settings.lang}${src('lang')}`,
    handshake: `${settings.handshake}${src('handshake')}`,
    cipher: `${settings.ciphers?.[0] ?? 'default (by CPU)'}${src('cipher')}`,
    encoding: `${settings.encodings?.[0] ?? 'default (JSON-B64, JSON-HEX)'}${src('encoding')}`,
    binarize: `${String(settings.binarize)}${src('binarize')}`,
    tls: settings.tls ? `yes${settings.selfSigned ? ', self-signed accepted' : ''}${settings.certFingerprint256 === undefined ? '' : ', pinned'}` : 'no',
    identity: settings.identityPath,
    config: settings.configPath ?? 'none',
  };
}
