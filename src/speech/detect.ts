/**
 * Which speech engines are installed here, for `hivesat doctor` and for picking defaults: searches PATH for the
 * programs and checks the Debian model files.
 *
 * @module
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { ESPEAK_NG_BINARY, FLITE_BINARY, PIPER_BINARY, POCKETSPHINX_BINARY, POCKETSPHINX_EN_US_DICT, POCKETSPHINX_EN_US_HMM_DIR } from './constants.js';

/**
 * The absolute path of an executable `name` on `PATH` (or `name` itself when it contains a slash and is
 * executable), else undefined.
 */
export async function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidates = name.includes('/') ? [name] : (env['PATH'] ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next PATH entry
    }
  }
  return undefined;
}

/** What {@link detectSpeechEngines} found. Paths are absolute; undefined means not installed. */
export interface SpeechEngineReport {
  readonly espeakNg: string | undefined;
  readonly flite: string | undefined;
  readonly piper: string | undefined;
  readonly pocketsphinx: string | undefined;
  /** The Debian `pocketsphinx-en-us` model and dictionary are present. */
  readonly pocketsphinxEnUs: boolean;
}

/** Look for every engine this layer can drive. */
export async function detectSpeechEngines(env: NodeJS.ProcessEnv = process.env): Promise<SpeechEngineReport> {
  const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
  const [espeakNg, flite, piper, pocketsphinx, mdef, dict] = await Promise.all([
    findExecutable(ESPEAK_NG_BINARY, env),
    findExecutable(FLITE_BINARY, env),
    findExecutable(PIPER_BINARY, env),
    findExecutable(POCKETSPHINX_BINARY, env),
    exists(join(POCKETSPHINX_EN_US_HMM_DIR, 'mdef')),
    exists(POCKETSPHINX_EN_US_DICT),
  ]);
  return { espeakNg, flite, piper, pocketsphinx, pocketsphinxEnUs: mdef && dict };
}
