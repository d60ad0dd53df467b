import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOT_IN_UNIT_TESTS, UNIT_TESTS } from './unit-tests.js';

/** The test's own text and that of every helper under test/ it imports, transitively. */
/** This check and its list name the patterns they look for; they are not scanned. */
const CHECKER = new Set(['test/unit-tests.test.ts', 'test/unit-tests.ts']);

function sourcesOf(file: string, seen = new Set<string>(CHECKER)): Map<string, string> {
  const out = new Map<string, string>();
  if (seen.has(file)) return out;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  out.set(file, text);
  for (const match of text.matchAll(/from '(\.[^']+)'|import\('(\.[^']+)'\)/g)) {
    const target = normalize(join(dirname(file), (match[1] ?? match[2] ?? '').replace(/\.js$/, '.ts')));
    if (target.startsWith('test/') && existsSync(target)) for (const [k, v] of sourcesOf(target, seen)) out.set(k, v);
  }
  return out;
}

describe('the unit test list (npm run test:unit)', () => {
  it('names existing test files, once each', () => {
    expect(new Set(UNIT_TESTS).size).toBe(UNIT_TESTS.length);
    for (const file of UNIT_TESTS) expect(existsSync(file), file).toBe(true);
  });

  it.each(UNIT_TESTS)('%s uses no model, process, socket, server or worker', (file) => {
    const offences: string[] = [];
    for (const [source, text] of sourcesOf(file)) for (const pattern of NOT_IN_UNIT_TESTS) if (pattern.test(text)) offences.push(`${source}: ${String(pattern)}`);
    expect(offences).toEqual([]);
  });

  it('catches a test that starts a process', () => {
    expect(NOT_IN_UNIT_TESTS.some((p) => p.test("import { spawn } from 'node:child_process';"))).toBe(true);
    expect(NOT_IN_UNIT_TESTS.some((p) => p.test("import { createServer } from 'node:http';"))).toBe(true);
    expect(NOT_IN_UNIT_TESTS.some((p) => p.test('const idleSpeaking = 1;'))).toBe(false);
  });
});
