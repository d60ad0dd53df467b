/**
 * Noise v3 key material kept on disk (HIVEMIND.md §2.9, §7.3):
 * - our static X25519 private key: 64 hex characters in the file named by identity `noise_key` (default
 *   `~/.config/hivemind/<name>_noise.key`), mode 0600, created on first use;
 * - the hubs' static public keys, pinned on first use per `host:port` in identity `pinned_noise_keys`.
 *
 * The connection uses the {@link NoiseKeyStore} interface, so tests and embedders can keep keys in memory.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from './errors.js';
import { type NoiseKeyStore, memoryNoiseKeyStore } from '../hivemind/index.js';

export { type NoiseKeyStore, memoryNoiseKeyStore };
import { SECRET_DIR_MODE, SECRET_FILE_MODE, defaultIdentityPath, readIdentity, updateIdentity } from './identity.js';
import { errorCode } from '../errors.js';

/** X25519 key length, bytes. */
const X25519_KEY_BYTES = 32;

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function parseKeyHex(text: string, where: string): Uint8Array {
  const trimmed = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(trimmed)) {
    throw new ConfigError('CFG_ERR_MALFORMED', `${where}: expected ${X25519_KEY_BYTES * 2} hex characters, got ${trimmed.length} characters that are not`);
  }
  return new Uint8Array(Buffer.from(trimmed, 'hex'));
}

/** Default static key path of the reference client: `<identity folder>/<name>_noise.key`. */
export function defaultNoiseKeyPath(identityPath: string, name = 'unnamed-node'): string {
  return join(dirname(identityPath), `${name.replace(/[/\\]/g, '_')}_noise.key`);
}

async function readOrCreateKey(path: string): Promise<Uint8Array> {
  try {
    return parseKeyHex(await readFile(path, 'utf8'), path);
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    if (errorCode(cause) !== 'ENOENT') {
      throw new ConfigError('CFG_ERR_IO', `${path}: cannot read the Noise key (${errorCode(cause) ?? 'error'})`, { cause });
    }
  }
  const key = new Uint8Array(randomBytes(X25519_KEY_BYTES));
  try {
    await mkdir(dirname(path), { recursive: true, mode: SECRET_DIR_MODE });
    // 'wx': never overwrite a key another process created meanwhile; mode 0600 from the first byte.
    const handle = await open(path, 'wx', SECRET_FILE_MODE);
    try {
      await handle.writeFile(`${toHex(key)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if (errorCode(cause) === 'EEXIST') return parseKeyHex(await readFile(path, 'utf8'), path);
    throw new ConfigError('CFG_ERR_IO', `${path}: cannot write the Noise key (${errorCode(cause) ?? 'error'})`, { cause });
  }
  return key;
}

/** Options of {@link fileNoiseKeyStore}. */
export interface FileNoiseKeyStoreOptions {
  /** Identity file holding `noise_key` and `pinned_noise_keys`. Default {@link defaultIdentityPath}. */
  readonly identityPath?: string;
  /** Static key file; default: identity `noise_key`, else {@link defaultNoiseKeyPath}. */
  readonly noiseKeyPath?: string;
}

/** The store the Python tools share: static key file plus pins in the identity file. */
export function fileNoiseKeyStore(options: FileNoiseKeyStoreOptions = {}): NoiseKeyStore {
  const identityPath = options.identityPath ?? defaultIdentityPath();
  let cachedKey: Promise<Uint8Array> | undefined;
  return {
    staticPrivateKey: () => {
      cachedKey ??= (async () => {
        const identity = await readIdentity(identityPath);
        const path = options.noiseKeyPath ?? identity?.noise_key ?? defaultNoiseKeyPath(identityPath, identity?.name);
        return readOrCreateKey(path);
      })();
      cachedKey.catch(() => {
        cachedKey = undefined;
      });
      return cachedKey.then((k) => k.slice());
    },
    pinnedKey: async (hostPort) => {
      const pin = (await readIdentity(identityPath))?.pinned_noise_keys?.[hostPort];
      return pin === undefined ? undefined : parseKeyHex(pin, `${identityPath}: pinned_noise_keys["${hostPort}"]`);
    },
    pin: async (hostPort, key) => {
      const pins = { ...((await readIdentity(identityPath))?.pinned_noise_keys ?? {}), [hostPort]: toHex(key) };
      await updateIdentity({ pinned_noise_keys: pins }, identityPath);
    },
  };
}
