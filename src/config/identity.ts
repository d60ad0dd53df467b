/**
 * The HiveMind identity file, `~/.config/hivemind/_identity.json` (HIVEMIND.md §7.3), shared with the Python
 * `hivemind-client set-identity`: a satellite paired with the Python tools works unchanged, and the other way round.
 *
 * The file holds the access key and password, so it is always written with mode 0600 (its folder 0700), through a
 * temporary file and a rename so a crash never leaves half a file. Keys we do not know are kept as they are.
 *
 * @module
 */
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from './errors.js';
import { errorCode } from '../errors.js';

/** The identity fields hivesat reads and writes; other keys in the file are preserved untouched. */
export interface HiveIdentity {
  /** Access key, sent in the `authorization` query. Secret-ish: never logged in full. */
  readonly access_key?: string;
  /** Shared password (password handshake, Noise PSK input). Secret: never logged. */
  readonly password?: string;
  /** Hub address including the scheme (`ws://host` or `wss://host`), as `set-identity --host` writes it. */
  readonly default_master?: string;
  /** Hub port (default 5678). */
  readonly default_port?: number;
  /** Location id of this satellite. */
  readonly site_id?: string;
  /** Node label (default "unnamed-node"). */
  readonly name?: string;
  /** RSA public key PEM (HELLO `pubkey`). */
  readonly public_key?: string;
  /** Path to the RSA private key PEM. */
  readonly secret_key?: string;
  /** Path to the X25519 static key file (64 hex chars) for Noise. */
  readonly noise_key?: string;
  /** TOFU pins of hub Noise static keys: `{"host:port": "<hex X25519 public key>"}`. */
  readonly pinned_noise_keys?: Readonly<Record<string, string>>;
  /** Pre-computed Noise PSK (hex), for devices too slow for argon2id. Secret. hivesat extension. */
  readonly noise_psk?: string;
  /** Any other key found in the file. */
  readonly [other: string]: unknown;
}

/** Mode of files that hold secrets: owner read/write only. */
export const SECRET_FILE_MODE = 0o600;
/** Mode of folders that hold secret files. */
export const SECRET_DIR_MODE = 0o700;

/** Where the Python tools keep the identity: `$XDG_CONFIG_HOME/hivemind/_identity.json` (default `~/.config`). */
export function defaultIdentityPath(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== '' ? env['XDG_CONFIG_HOME'] : join(homedir(), '.config');
  return join(configHome, 'hivemind', '_identity.json');
}

const STRING_FIELDS = ['access_key', 'password', 'default_master', 'site_id', 'name', 'public_key', 'secret_key', 'noise_key', 'noise_psk'] as const;

function validateIdentity(value: unknown, path: string): HiveIdentity {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('CFG_ERR_MALFORMED', `${path}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const record = value as Record<string, unknown>;
  for (const field of STRING_FIELDS) {
    const v = record[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw new ConfigError('CFG_ERR_INVALID_VALUE', `${path}: expected "${field}" to be a string, got ${typeof v}`);
    }
  }
  const port = record['default_port'];
  if (port !== undefined && port !== null && !(typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new ConfigError('CFG_ERR_INVALID_VALUE', `${path}: expected "default_port" to be an integer 1-65535, got ${JSON.stringify(port)}`);
  }
  const pins = record['pinned_noise_keys'];
  if (pins !== undefined && pins !== null) {
    if (typeof pins !== 'object' || Array.isArray(pins) || Object.values(pins).some((p) => typeof p !== 'string')) {
      throw new ConfigError('CFG_ERR_INVALID_VALUE', `${path}: expected "pinned_noise_keys" to map "host:port" to hex strings`);
    }
  }
  return record as HiveIdentity;
}

/**
 * Read an identity file. Returns `undefined` when it does not exist.
 *
 * @throws {ConfigError} `CFG_ERR_MALFORMED` / `CFG_ERR_INVALID_VALUE` for a broken file, `CFG_ERR_IO` when unreadable.
 */
export async function readIdentity(path: string = defaultIdentityPath()): Promise<HiveIdentity | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (errorCode(cause) === 'ENOENT') return undefined;
    throw new ConfigError('CFG_ERR_IO', `${path}: cannot read the identity file (${errorCode(cause) ?? 'error'})`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError('CFG_ERR_MALFORMED', `${path}: expected JSON, got text that does not parse`, { cause });
  }
  return validateIdentity(parsed, path);
}

/**
 * Write an identity file with mode 0600 (folder 0700), atomically. Existing keys not in `identity` are dropped:
 * pass the result of {@link readIdentity} merged with your changes to keep them (see {@link updateIdentity}).
 *
 * @throws {ConfigError} `CFG_ERR_IO` when the file cannot be written.
 */
export async function writeIdentity(identity: HiveIdentity, path: string = defaultIdentityPath()): Promise<void> {
  const dir = dirname(path);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dir, { recursive: true, mode: SECRET_DIR_MODE });
    // Create with 0600 from the first byte: a chmod after writing would leave a window where others could read it.
    const handle = await open(tmp, 'w', SECRET_FILE_MODE);
    try {
      await handle.writeFile(`${JSON.stringify(identity, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(tmp, SECRET_FILE_MODE); // the umask may have narrowed it further; 0600 is what the Python tools expect
    await rename(tmp, path);
  } catch (cause) {
    await unlink(tmp).catch(() => undefined); // best-effort cleanup of the temporary file
    throw new ConfigError('CFG_ERR_IO', `${path}: cannot write the identity file (${errorCode(cause) ?? 'error'})`, { cause });
  }
}

/** Read, merge `changes` (a value of `undefined` removes the key) and write back, keeping every other key. */
export async function updateIdentity(changes: Readonly<Record<string, unknown>>, path: string = defaultIdentityPath()): Promise<HiveIdentity> {
  const merged: Record<string, unknown> = { ...((await readIdentity(path)) ?? {}) };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  const identity = validateIdentity(merged, path);
  await writeIdentity(identity, path);
  return identity;
}

/** Keys whose values are secrets and must be masked for display. */
export const SECRET_IDENTITY_KEYS: ReadonlySet<string> = new Set(['password', 'noise_psk', 'access_key']);

/** Mask a secret for display: never more than the first 4 characters of an access key, nothing of a password. */
export function maskSecret(key: string, value: string): string {
  if (key === 'access_key' && value.length > 8) return `${value.slice(0, 4)}…(${value.length} chars)`;
  return `***(${value.length} chars)`;
}

/** A copy of the identity safe to print: secrets masked. */
export function maskIdentity(identity: HiveIdentity): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(identity)) {
    out[key] = SECRET_IDENTITY_KEYS.has(key) && typeof value === 'string' ? maskSecret(key, value) : value;
  }
  return out;
}
