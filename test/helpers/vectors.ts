/**
 * Loading the protocol test vectors.
 *
 * `test/vectors/` holds the reference vectors produced for hivesat by the Python implementation (committed).
 * The third-party `public/` vectors stay in `../shared/protocol/vectors/public/` and are never committed: tests
 * that read them skip, with a visible notice, where that folder is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Folder of the committed reference vectors. */
export const REFERENCE_VECTOR_DIR = resolve(here, '../vectors');

/** Folder of the third-party public vectors (outside the repository). */
export const PUBLIC_VECTOR_DIR = resolve(here, '../../../shared/protocol/vectors/public');

/** Read one reference vector file (`test/vectors/NAME`). */
export function loadReferenceVectors<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(REFERENCE_VECTOR_DIR, name), 'utf8')) as T;
}

/** True when the public vector folder is present beside the checkout. */
export const PUBLIC_VECTORS_PRESENT = existsSync(PUBLIC_VECTOR_DIR);

if (!PUBLIC_VECTORS_PRESENT) {
  // A skipped suite is easy to miss in a green run: say why, once, on stderr.
  process.stderr.write(`NOTICE: ${PUBLIC_VECTOR_DIR} is absent: the public HiveMind-js/MicroPython vector tests are skipped.\n`);
}

/** Read one public vector file, or `undefined` when the public folder is absent. */
export function loadPublicVectors<T = unknown>(name: string): T | undefined {
  if (!PUBLIC_VECTORS_PRESENT) return undefined;
  return JSON.parse(readFileSync(join(PUBLIC_VECTOR_DIR, name), 'utf8')) as T;
}

/** Hex string → bytes. */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Bytes → lowercase hex string. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
