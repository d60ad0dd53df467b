/**
 * Loading the protocol test vectors.
 *
 * `test/vectors/` holds the reference vectors produced for hivesat by the Python implementation (committed).
 * The third-party `public/` vectors stay in the shared folder (`$HIVESAT_SHARED_DIR`, else `../shared`; see
 * shared-dir.ts) and are never committed: tests that read them skip where that folder is absent, and the global
 * setup prints one notice.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { PUBLIC_VECTOR_DIR, PUBLIC_VECTORS_PRESENT } from './shared-dir.js';

export { PUBLIC_VECTOR_DIR, PUBLIC_VECTORS_PRESENT } from './shared-dir.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Folder of the committed reference vectors. */
export const REFERENCE_VECTOR_DIR = resolve(here, '../vectors');

/** Read one reference vector file (`test/vectors/NAME`). */
export function loadReferenceVectors<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(REFERENCE_VECTOR_DIR, name), 'utf8')) as T;
}

/** Read one public vector file, or `undefined` when the public folder is absent. */
export function loadPublicVectors<T = unknown>(name: string): T | undefined {
  if (!PUBLIC_VECTORS_PRESENT) return undefined;
  return JSON.parse(readFileSync(join(PUBLIC_VECTOR_DIR, name), 'utf8')) as T;
}

/**
 * A suite over one public vector file: `body` gets the parsed file. Without the public folder the suite is one
 * skipped test — vitest runs a skipped suite's body to collect it, so the body must never run with no vectors.
 */
export function describeWithPublicVectors<T>(title: string, file: string, body: (vectors: T) => void): void {
  const vectors = loadPublicVectors<T>(file);
  if (vectors === undefined) {
    describe.skip(title, () => it(`needs ${file} from the public vectors`, () => undefined));
    return;
  }
  describe(title, () => body(vectors));
}

/** Hex string → bytes. */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Bytes → lowercase hex string. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
