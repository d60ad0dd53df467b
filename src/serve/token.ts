/**
 * The serve token: a random bearer token generated at first start and kept in a 0600 file
 * (`$XDG_CONFIG_HOME/hivesat/serve-token`), and its constant-time check.
 *
 * The file is created with mode 0600 from its first byte (`open(…, 'wx', 0o600)`, so two starts racing cannot both
 * write it), in a 0700 folder. A token file that others can read is refused, as ssh refuses such a key: whoever can
 * read it can talk to the hub as this satellite.
 *
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { MAX_TOKEN_FILE_BYTES, MIN_TOKEN_CHARS, TOKEN_BYTES, TOKEN_FILE_NAME, TOKEN_PREFIX } from './constants.js';
import { ServeError } from './errors.js';
import { errorCode } from '../errors.js';

/** Mode of the token file: owner read/write only. */
const TOKEN_FILE_MODE = 0o600;
/** Mode of a folder created for it. */
const TOKEN_DIR_MODE = 0o700;
/** Permission bits that must be clear on the token file (group and others). */
const GROUP_OTHER_BITS = 0o077;

/** `$XDG_CONFIG_HOME/hivesat/serve-token` (default `~/.config/hivesat/serve-token`). */
export function defaultTokenPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== '' ? env['XDG_CONFIG_HOME'] : join(homedir(), '.config');
  return join(base, 'hivesat', TOKEN_FILE_NAME);
}

/** A new token: {@link TOKEN_PREFIX} and 256 random bits in base64url. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/**
 * Check a token's shape: at least {@link MIN_TOKEN_CHARS} printable ASCII characters without spaces (it travels in an
 * HTTP header). Returns it.
 *
 * @throws {ServeError} `SERVE_ERR_TOKEN` otherwise; the message gives the length, never the token.
 */
export function assertToken(token: string, where: string): string {
  if (token.length < MIN_TOKEN_CHARS || !/^[\x21-\x7e]+$/.test(token)) {
    throw new ServeError('SERVE_ERR_TOKEN', `${where}: expected a token of at least ${MIN_TOKEN_CHARS} printable characters without spaces, got ${token.length} characters`);
  }
  return token;
}

/** What {@link loadOrCreateToken} found. */
export interface LoadedToken {
  readonly token: string;
  readonly path: string;
  /** True when this call generated and wrote it. */
  readonly created: boolean;
}

/**
 * Read the token file, or generate a token and write it (0600, folder 0700) when there is none.
 *
 * @throws {ServeError} `SERVE_ERR_TOKEN` when the file is readable by group/others, too large, malformed or cannot
 *   be read or written.
 */
export async function loadOrCreateToken(path: string): Promise<LoadedToken> {
  const existing = await readTokenFile(path);
  if (existing !== undefined) return { token: existing, path, created: false };
  const token = generateToken();
  try {
    await mkdir(dirname(path), { recursive: true, mode: TOKEN_DIR_MODE });
    const handle = await open(path, 'wx', TOKEN_FILE_MODE);
    try {
      await handle.writeFile(`${token}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(path, TOKEN_FILE_MODE); // the umask may have narrowed it; 0600 is what the check on read expects
  } catch (cause) {
    // Another start won the race and wrote it first: use that one.
    if (errorCode(cause) === 'EEXIST') {
      const raced = await readTokenFile(path);
      if (raced !== undefined) return { token: raced, path, created: false };
    }
    throw new ServeError('SERVE_ERR_TOKEN', `${path}: cannot write the token file (${errorCode(cause) ?? 'error'})`, { cause });
  }
  return { token, path, created: true };
}

async function readTokenFile(path: string): Promise<string | undefined> {
  let info;
  try {
    info = await stat(path);
  } catch (cause) {
    if (errorCode(cause) === 'ENOENT') return undefined;
    throw new ServeError('SERVE_ERR_TOKEN', `${path}: cannot read the token file (${errorCode(cause) ?? 'error'})`, { cause });
  }
  if (!info.isFile()) throw new ServeError('SERVE_ERR_TOKEN', `${path}: expected a regular file, got something else`);
  if ((info.mode & GROUP_OTHER_BITS) !== 0) {
    throw new ServeError('SERVE_ERR_TOKEN', `${path}: expected mode 0600 (owner only), got ${(info.mode & 0o777).toString(8).padStart(4, '0')}; run "chmod 600 ${path}"`);
  }
  if (info.size > MAX_TOKEN_FILE_BYTES) throw new ServeError('SERVE_ERR_TOKEN', `${path}: expected at most ${MAX_TOKEN_FILE_BYTES} bytes, got ${info.size}`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ServeError('SERVE_ERR_TOKEN', `${path}: cannot read the token file (${errorCode(cause) ?? 'error'})`, { cause });
  }
  return assertToken(text.trim(), path);
}

/** Checks `Authorization` headers against one token in constant time. */
export class BearerCheck {
  readonly #digest: Buffer;

  /** @throws {ServeError} `SERVE_ERR_TOKEN` for a malformed token (see {@link assertToken}). */
  constructor(token: string) {
    this.#digest = sha256(assertToken(token, 'token'));
  }

  /**
   * True when `header` is `Bearer <the token>` (scheme case-insensitive). Both sides are hashed first, so the
   * comparison takes the same time whatever the length or content of the guess.
   */
  verify(header: string | undefined): boolean {
    if (header === undefined) return false;
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (m === null) return false;
    return timingSafeEqual(sha256(m[1] ?? ''), this.#digest);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
