import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAYERS, ROOT, importSpecifiers, layerViolations, sourceTree } from './helpers/layer-rules.js';

/** The layer rules of docs/architecture.md (see ./helpers/layer-rules.ts) on the real src/, and on made-up trees. */
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

describe('layer rules of src/ (docs/architecture.md)', () => {
  it('src/ follows them', () => {
    const tree = sourceTree(SRC);
    expect(tree.size).toBeGreaterThan(100);
    expect(layerViolations(tree)).toEqual([]);
  });

  it('docs/architecture.md describes every folder of every layer', () => {
    const doc = readFileSync(join(SRC, '..', 'docs', 'architecture.md'), 'utf8');
    const missing = LAYERS.flat().filter((folder) => folder !== ROOT && !doc.includes(`| \`${folder}/\` |`));
    expect(missing).toEqual([]);
  });

  it('reads every kind of import, and not those in comments or strings', () => {
    const text = [
      "// import { a } from '../commented/x.js';",
      "import type { X } from '../b/y.js';",
      "import {\n  c,\n} from '../c/index.js';",
      "export * as n from './sub/index.js';",
      "export { d } from '../d/index.js';",
      "const s = \"import { z } from '../str/z.js'\";",
      "const m = await import('../e/index.js');",
      "type T = typeof import('../f/g.js');",
      "import '../side/effect.js';",
      "import { readFile } from 'node:fs';",
    ].join('\n');
    expect(importSpecifiers('a/x.ts', text)).toEqual(['../b/y.js', '../c/index.js', './sub/index.js', '../d/index.js', '../e/index.js', '../f/g.js', '../side/effect.js']);
  });

  it('reports a deep import, an upward import, a cycle, a missing index and a wholesale re-export', () => {
    const layers = [[ROOT], ['low'], ['mid', 'peer'], ['high']];
    const tree = new Map([
      ['errors.ts', 'export class E {}'],
      ['low/index.ts', "export { a } from './a.js';"],
      ['low/a.ts', "import { E } from '../errors.js';\nimport { h } from '../high/index.js';\nexport const a = 1;"],
      ['mid/index.ts', "export * from './m.js';"],
      ['mid/m.ts', "import { a } from '../low/a.js';\nimport { p } from '../peer/index.js';"],
      ['peer/index.ts', "export { p } from './p.js';"],
      ['peer/p.ts', "import { m } from '../mid/index.js';"],
      ['high/index.ts', "export { h } from './h.js';"],
      ['high/h.ts', "import { a } from '../low/index.js';\nconst later = () => import('../low/a.js');"],
      ['stray/s.ts', "import { a } from '../low/index.js';"],
    ]);
    expect(layerViolations(tree, layers)).toEqual([
      'folder cycle high ⇄ low: low/a.ts → ../high/index.js; high/h.ts → ../low/index.js; high/h.ts → ../low/a.js',
      'folder cycle mid ⇄ peer: mid/m.ts → ../peer/index.js; peer/p.ts → ../mid/index.js',
      'high/h.ts imports ../low/a.js: deep import (go through low/index.ts)',
      'low/a.ts imports ../high/index.js: low may not import high, a higher layer',
      'mid/index.ts re-exports all of ./m.js (name what it exports)',
      'mid/m.ts imports ../low/a.js: deep import (go through low/index.ts)',
      'stray/ has no index.ts',
      'stray/ has no layer (add it to LAYERS and docs/architecture.md)',
    ]);
  });

  it('accepts imports down the layers and between peers of one layer', () => {
    const layers = [[ROOT], ['low'], ['mid', 'peer']];
    const tree = new Map([
      ['errors.ts', 'export class E {}'],
      ['low/index.ts', "export * from './constants.js';\nexport { E } from '../errors.js';"],
      ['low/constants.ts', 'export const C = 1;'],
      ['mid/index.ts', "import { C } from '../low/index.js';\nimport { p } from '../peer/index.js';\nexport * as inner from './inner/index.js';"],
      ['mid/inner/index.ts', "import { E } from '../../errors.js';"],
      ['peer/index.ts', "export type { T } from '../low/index.js';"],
    ]);
    expect(layerViolations(tree, layers)).toEqual([]);
  });
});
