/**
 * Guards the rule that every protocol vector file is consumed by a test: adding a vector file without a test that
 * reads it fails here. Also checks that the committed reference copies equal the shared originals.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLIC_VECTOR_DIR, PUBLIC_VECTORS_PRESENT, REFERENCE_VECTOR_DIR } from './helpers/vectors.js';

const TEST_DIR = resolve(REFERENCE_VECTOR_DIR, '..');
const SHARED_REFERENCE_DIR = resolve(PUBLIC_VECTOR_DIR, '../reference');

function listFiles(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full, suffix));
    else if (name.endsWith(suffix)) out.push(full);
  }
  return out;
}

const testSources = listFiles(TEST_DIR, '.test.ts')
  .filter((file) => !file.endsWith('vectors-coverage.test.ts'))
  .map((file) => ({ file: relative(TEST_DIR, file), text: readFileSync(file, 'utf8') }));

function consumers(vectorFile: string): string[] {
  return testSources.filter((s) => s.text.includes(`'${vectorFile}'`)).map((s) => s.file);
}

describe('every vector file is consumed by a test', () => {
  const referenceFiles = readdirSync(REFERENCE_VECTOR_DIR).filter((f) => f.endsWith('.json'));

  it('has the reference vector files', () => {
    expect(referenceFiles.length).toBeGreaterThanOrEqual(6);
  });

  it.each(referenceFiles)('reference/%s is read by a test', (file) => {
    expect(consumers(file), `no test under test/ loads '${file}'`).not.toEqual([]);
  });

  const publicFiles = PUBLIC_VECTORS_PRESENT ? readdirSync(PUBLIC_VECTOR_DIR).filter((f) => f.endsWith('.json')) : [];
  it.skipIf(!PUBLIC_VECTORS_PRESENT).each(publicFiles)('public/%s is read by a test', (file) => {
    expect(consumers(file), `no test under test/ loads '${file}'`).not.toEqual([]);
  });

  it.skipIf(!PUBLIC_VECTORS_PRESENT)('the committed reference vectors equal the shared originals', () => {
    const shared = readdirSync(SHARED_REFERENCE_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(referenceFiles.slice().sort()).toEqual(shared);
    for (const file of shared) {
      const committed = readFileSync(join(REFERENCE_VECTOR_DIR, file));
      const original = readFileSync(join(SHARED_REFERENCE_DIR, file));
      expect(committed.equals(original), `test/vectors/${file} differs from shared/protocol/vectors/reference/${file}`).toBe(true);
    }
  });
});
