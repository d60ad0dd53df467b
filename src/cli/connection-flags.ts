/**
 * The connection flags shared by every command that talks to a hub, their help text, and the step from resolved
 * settings to `HubConnection` options.
 *
 * @module
 */
import type { ParseArgsConfig } from 'node:util';
import { type ConnectionFlags, type ConnectionSettings, fileNoiseKeyStore } from '../config/index.js';
import { type HiveLogger, type HubConnectionOptions, streamLogger } from '../hivemind/index.js';
import type { CliIo } from './cli-io.js';

/** `parseArgs` options of the connection flags. */
export const CONNECTION_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'access-key': { type: 'string' },
  password: { type: 'string' },
  'site-id': { type: 'string' },
  lang: { type: 'string' },
  cipher: { type: 'string' },
  encoding: { type: 'string' },
  binarize: { type: 'boolean' },
  'self-signed': { type: 'boolean' },
  'cert-fingerprint': { type: 'string' },
  handshake: { type: 'string' },
  config: { type: 'string' },
  identity: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** Help text of the connection flags. */
export const CONNECTION_HELP = `Connection (flags > HIVESAT_* environment > config file > identity file):
  --host HOST            hub: ws://host, wss://host or host[:port]           (HIVESAT_HOST)
  --port PORT            hub port, default 5678                              (HIVESAT_PORT)
  --access-key KEY       access key                                          (HIVESAT_ACCESS_KEY)
  --password PASSWORD    password                                            (HIVESAT_PASSWORD)
  --site-id ID           site id of this satellite, default "unknown"        (HIVESAT_SITE_ID)
  --lang LANG            language, default en-US                             (HIVESAT_LANG)
  --cipher NAME          offer only AES-GCM or CHACHA20-POLY1305             (HIVESAT_CIPHER)
  --encoding NAME        offer only this encoding, e.g. JSON-HEX             (HIVESAT_ENCODING)
  --binarize             ask for binary (WIRE-1) frames                      (HIVESAT_BINARIZE)
  --handshake MODE       auto (Noise when offered), password or noise        (HIVESAT_HANDSHAKE)
  --self-signed          accept a self-signed TLS certificate (wss://)       (HIVESAT_SELF_SIGNED)
  --cert-fingerprint FP  pin the hub certificate's SHA-256 fingerprint       (HIVESAT_CERT_FINGERPRINT)
  --config PATH          config file, default ~/.config/hivesat/config.json  (HIVESAT_CONFIG)
  --identity PATH        identity file, default ~/.config/hivemind/_identity.json (HIVESAT_IDENTITY)
  -v, --verbose          log the connection's progress to stderr`;

/** Parsed values of the connection flags. */
export type ConnectionFlagValues = { readonly [K in keyof typeof CONNECTION_OPTIONS]?: (typeof CONNECTION_OPTIONS)[K]['type'] extends 'string' ? string : boolean };

/** The connection flags as {@link ConnectionFlags}. */
export function toConnectionFlags(values: ConnectionFlagValues): ConnectionFlags {
  const out: Record<string, string | boolean> = {};
  const set = (key: keyof ConnectionFlags, value: string | boolean | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('host', values.host);
  set('port', values.port);
  set('accessKey', values['access-key']);
  set('password', values.password);
  set('siteId', values['site-id']);
  set('lang', values.lang);
  set('cipher', values.cipher);
  set('encoding', values.encoding);
  set('binarize', values.binarize);
  set('selfSigned', values['self-signed']);
  set('certFingerprint', values['cert-fingerprint']);
  set('handshake', values.handshake);
  set('config', values.config);
  set('identity', values.identity);
  return out as ConnectionFlags;
}

/** The logger of a command: warnings always (errors are reported as one sentence), everything with `--verbose`. */
export function cliLogger(io: CliIo, verbose: boolean): HiveLogger {
  return verbose ? streamLogger(io.stderr, { minLevel: 'debug' }) : streamLogger(io.stderr, { minLevel: 'warn', skip: ['error'] });
}

/**
 * `HubConnection` options for one-shot commands: the identity file's Noise key and pins, and a short reconnect
 * budget (a command should fail fast: 3 attempts, from 0.5 s; one 1005 before HELLO means an unknown access key).
 */
export function commandConnectionOptions(settings: ConnectionSettings, logger: HiveLogger): HubConnectionOptions {
  return {
    host: settings.host,
    port: settings.port,
    tls: settings.tls,
    accessKey: settings.accessKey,
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(settings.noisePsk === undefined ? {} : { noisePsk: settings.noisePsk }),
    ...(settings.presharedKey === undefined ? {} : { presharedKey: settings.presharedKey }),
    siteId: settings.siteId,
    lang: settings.lang,
    handshake: settings.handshake,
    ...(settings.ciphers === undefined ? {} : { ciphers: settings.ciphers }),
    ...(settings.encodings === undefined ? {} : { encodings: settings.encodings }),
    binarize: settings.binarize,
    selfSigned: settings.selfSigned,
    ...(settings.certFingerprint256 === undefined ? {} : { certFingerprint256: settings.certFingerprint256 }),
    keyStore: fileNoiseKeyStore({ identityPath: settings.identityPath, ...(settings.noiseKeyPath === undefined ? {} : { noiseKeyPath: settings.noiseKeyPath }) }),
    reconnect: { initialDelayMs: 500, maxAttempts: 3 },
    unknownKeyCloses: 1,
    logger,
  };
}

/**
 * Parse `--timeout SEC` (seconds, decimals allowed) to ms.
 *
 * @throws {RangeError} unless it is a positive number of at most a day.
 */
export function parseTimeoutSeconds(value: string | undefined, defaultSeconds: number): number {
  if (value === undefined) return defaultSeconds * 1000;
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(seconds > 0) || seconds > 86_400) throw new RangeError(`--timeout: expected a number of seconds in (0, 86400], got "${value.slice(0, 20)}"`);
  return Math.round(seconds * 1000);
}
