/**
 * Where the config file is and how to read one of its top-level sections raw. At the root because layers below
 * `config/` (`serve/`) read their own section and must not import the config layer that composes them.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, errorCode } from './errors.js';

/** `$XDG_CONFIG_HOME/hivesat/config.json` (default `~/.config/hivesat/config.json`). */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== '' ? env['XDG_CONFIG_HOME'] : join(homedir(), '.config');
  return join(base, 'hivesat', 'config.json');
}

/** The JSON type of each key of a config file section. */
export type SectionKeys = Readonly<Record<string, 'string' | 'number' | 'boolean'>>;

/**
 * Read one top-level section of a config file, checking its keys and their JSON types (other sections belong to
 * other parts of hivesat). Returns `undefined` for a missing file (only when not `required`) and `{}` for a missing
 * section.
 *
 * @throws {ConfigError} `CFG_ERR_IO`, `CFG_ERR_MALFORMED` or `CFG_ERR_INVALID_VALUE` (unknown key, wrong type).
 */
export async function readConfigSection(path: string, required: boolean, section: string, keys: SectionKeys): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const errno = errorCode(cause);
    if (errno === 'ENOENT' && !required) return undefined;
    throw new ConfigError('CFG_ERR_IO', `${path}: cannot read the config file (${errno ?? 'error'})`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError('CFG_ERR_MALFORMED', `${path}: expected JSON, got text that does not parse`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError('CFG_ERR_MALFORMED', `${path}: expected a JSON object`);
  const found = (parsed as Record<string, unknown>)[section];
  if (found === undefined) return {};
  if (typeof found !== 'object' || found === null || Array.isArray(found)) throw new ConfigError('CFG_ERR_INVALID_VALUE', `${path}: expected "${section}" to be an object`);
  for (const [key, value] of Object.entries(found)) {
    const type = keys[key];
    if (type === undefined) throw new ConfigError('CFG_ERR_INVALID_VALUE', `${path}: unknown key "${section}.${key}" (expected one of ${Object.keys(keys).join(', ')})`);
    if (value !== null && typeof value !== type) throw new ConfigError('CFG_ERR_INVALID_VALUE', `${path}: expected "${section}.${key}" to be a ${type}, got ${typeof value}`);
  }
  return found as Record<string, unknown>;
}
