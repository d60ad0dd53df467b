/**
 * Checking an output file flag (`run --output`, `demo --output`) before any work: a path that cannot be written is
 * one line naming the path and why, at start — not a turn that fails later for a reason that blames the hub.
 *
 * @module
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from './errors.js';
import { errorCode } from '../errors.js';

function errno(error: unknown): string | undefined {
  return errorCode(error);
}

function why(error: unknown): string {
  const code = errno(error);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  return error instanceof Error ? error.message : String(error);
}

/**
 * @throws {UsageError} `flag path: …` when `path` is a directory, its folder is missing or not a folder, or neither
 *   the folder nor an existing file there can be written.
 */
export async function checkOutputPath(flag: string, path: string): Promise<void> {
  const say = (problem: string): UsageError => new UsageError(`${flag} ${path}: ${problem}`);
  const existing = await stat(path).catch((error: unknown) => {
    if (errno(error) === 'ENOENT') return undefined;
    if (errno(error) === 'ENOTDIR') throw say(`${dirname(path)} is not a folder`);
    throw say(`cannot write there (${why(error)})`);
  });
  if (existing?.isDirectory() === true) throw say('is a directory, expected a file name');
  const folder = dirname(path);
  const dir = await stat(folder).catch((error: unknown) => {
    throw say(errno(error) === 'ENOENT' ? `the folder ${folder} does not exist` : `cannot use the folder ${folder} (${why(error)})`);
  });
  if (!dir.isDirectory()) throw say(`${folder} is not a folder`);
  await access(existing === undefined ? folder : path, constants.W_OK).catch((error: unknown) => {
    throw say(existing === undefined ? `cannot create files in ${folder} (${why(error)})` : `cannot overwrite it (${why(error)})`);
  });
}
