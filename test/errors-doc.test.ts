/**
 * Every error code any module can throw is documented in docs/errors.md, and the document lists no code that no
 * longer exists (STYLE.md: "List the codes in docs/errors.md and test them in one table").
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const CODE = /'([A-Z]+_ERR_[A-Z0-9_]+)'/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const codesInSource = new Set(sources(join(ROOT, 'src')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(CODE)].map((m) => m[1] ?? '')));
const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
const codesInDoc = new Set([...doc.matchAll(/`([A-Z]+_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1] ?? ''));

describe('docs/errors.md', () => {
  it('finds the codes in the sources', () => {
    expect(codesInSource.size).toBeGreaterThan(20);
  });

  it.each([...codesInSource].sort())('documents %s', (code) => {
    expect(codesInDoc.has(code)).toBe(true);
  });

  it('lists no code that the sources do not use', () => {
    expect([...codesInDoc].filter((c) => !codesInSource.has(c))).toEqual([]);
  });
});
