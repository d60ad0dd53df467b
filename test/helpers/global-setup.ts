/**
 * Vitest global setup: runs once per `vitest run`, in the main process — the place for the one notice that the
 * public vectors are absent (a per-file notice would repeat for every test file that reads them).
 */
import { PUBLIC_VECTORS_PRESENT, publicVectorsNotice } from './shared-dir.js';

export default function setup(): void {
  if (!PUBLIC_VECTORS_PRESENT) process.stderr.write(`${publicVectorsNotice()}\n`);
}
