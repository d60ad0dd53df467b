/**
 * Where the shared folder (protocol spec, third-party public vectors, design docs) is: `$HIVESAT_SHARED_DIR`, else
 * `../shared` beside the checkout. Plain Node (no vitest import), so the global setup and the tests agree.
 *
 * A fresh clone has no shared folder: the public-vector tests then skip, and the global setup says so once. CI also
 * runs those tests with `HIVESAT_SHARED_DIR` pointed at an empty folder, which counts as absent.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The environment variable that points the tests at the shared folder. */
export const SHARED_DIR_ENV = 'HIVESAT_SHARED_DIR';

/** The shared folder the tests read. */
export const SHARED_DIR = ((): string => {
  const fromEnv = process.env[SHARED_DIR_ENV];
  return fromEnv === undefined || fromEnv === '' ? resolve(here, '../../../shared') : resolve(fromEnv);
})();

/** Folder of the third-party public vectors (outside the repository, never committed). */
export const PUBLIC_VECTOR_DIR = join(SHARED_DIR, 'protocol', 'vectors', 'public');

/** True when the public vector folder is there. */
export const PUBLIC_VECTORS_PRESENT = existsSync(PUBLIC_VECTOR_DIR);

/** The one notice a run without the public vectors prints. */
export function publicVectorsNotice(): string {
  return `NOTICE: ${PUBLIC_VECTOR_DIR} is absent (set ${SHARED_DIR_ENV} to the shared folder): the public HiveMind-js/MicroPython vector tests are skipped.`;
}
