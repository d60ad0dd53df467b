/**
 * docs/configuration.md against the schema: every key of the config file's schema has a row (type, unit, default,
 * effect) under its section, no row names a key the schema does not have, and every documented default is the
 * schema's. The defaults are read from the schema itself (src/config/satellite-config.ts and the sections it
 * composes), so a default changed in the code without the doc, or a key added without a row, fails here with the
 * key named.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { main } from '../../src/cli/main.js';
import { SATELLITE_CONFIG_SCHEMA, checkSatelliteConfig, defaultSatelliteConfig } from '../../src/config/satellite-config.js';
import { HOOK_EVENTS } from '../../src/ops/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DOC_PATH = 'docs/configuration.md';
const doc = readFileSync(join(ROOT, DOC_PATH), 'utf8');

/** Keys documented as one row although their schema is an object (a map of names to values). */
const MAP_KEYS = new Set(['ops.hooks.on']);

const NO_DEFAULT = Symbol('no default');
type Default = unknown;

interface SchemaDef {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly defaultValue?: unknown;
}
const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** Every documented key of the schema with its default ({@link NO_DEFAULT} when the schema fills none in). */
function schemaKeys(schema: z.ZodType, prefix = ''): Map<string, Default> {
  const keys = new Map<string, Default>();
  let current = schema;
  let fallback: Default = NO_DEFAULT;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'default' && fallback === NO_DEFAULT) fallback = structuredClone(def.defaultValue);
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else break;
  }
  const def = defOf(current);
  if (def.type === 'object' && def.shape !== undefined && !MAP_KEYS.has(prefix)) {
    if (prefix !== '' && fallback !== NO_DEFAULT) keys.set(prefix, fallback); // e.g. ops.health: null
    for (const [name, child] of Object.entries(def.shape)) for (const [k, v] of schemaKeys(child, prefix === '' ? name : `${prefix}.${name}`)) keys.set(k, v);
    return keys;
  }
  keys.set(prefix, fallback);
  return keys;
}

interface Row {
  readonly key: string;
  readonly section: string;
  readonly cells: readonly string[];
  readonly line: number;
}

/** The rows of every `| key | type | unit | default | effect |` table, with the `##` heading they stand under. */
function documentedRows(text: string): Row[] {
  const rows: Row[] = [];
  let section = '';
  text.split('\n').forEach((line, i) => {
    const heading = /^## (.+)$/.exec(line);
    if (heading !== null) section = (heading[1] ?? '').replace(/`/g, '').trim();
    const row = /^\| `([a-z0-9_.]+)` \|(.*)\|$/.exec(line);
    if (row === null) return;
    const cells = (row[2] ?? '').split(/ \| /).map((c) => c.trim());
    rows.push({ key: row[1] ?? '', section, cells, line: i + 1 });
  });
  return rows;
}

/** The default a row states: its first code span as JSON, or {@link NO_DEFAULT} for a cell starting with `—`. */
function documentedDefault(cell: string): Default {
  if (cell.startsWith('—')) return NO_DEFAULT;
  const code = /`([^`]*)`/.exec(cell);
  if (code === null) return Symbol(`unparsable default cell "${cell}"`);
  try {
    return JSON.parse(code[1] ?? '') as unknown;
  } catch {
    return Symbol(`default "${code[1]}" is not JSON`);
  }
}

const show = (value: Default): string => (value === NO_DEFAULT ? '— (none)' : typeof value === 'symbol' ? String(value.description) : JSON.stringify(value));

describe('docs/configuration.md', () => {
  const keys = schemaKeys(SATELLITE_CONFIG_SCHEMA);
  const rows = documentedRows(doc);

  it('has a row for every key of the schema, and none for keys it does not have', () => {
    const documented = new Set(rows.map((r) => r.key));
    const missing = [...keys].filter(([key]) => !documented.has(key)).map(([key, value]) => `${DOC_PATH}: key \`${key}\` is missing (schema default: ${show(value)})`);
    const unknown = rows.filter((r) => !keys.has(r.key)).map((r) => `${DOC_PATH}:${r.line}: key \`${r.key}\` is not in the schema`);
    const twice = rows.filter((r, i) => rows.findIndex((o) => o.key === r.key) !== i).map((r) => `${DOC_PATH}:${r.line}: key \`${r.key}\` is documented twice`);
    expect([...missing, ...unknown, ...twice]).toEqual([]);
  });

  it('states the schema default of every key', () => {
    const wrong = rows
      .filter((r) => keys.has(r.key))
      .flatMap((r) => {
        const stated = documentedDefault(r.cells[2] ?? '');
        const actual = keys.get(r.key);
        const same = stated === actual || (typeof stated !== 'symbol' && typeof actual !== 'symbol' && JSON.stringify(stated) === JSON.stringify(actual));
        return same ? [] : [`${DOC_PATH}:${r.line}: default of \`${r.key}\`: documented ${show(stated)}, schema has ${show(actual)}`];
      });
    expect(wrong).toEqual([]);
  });

  it('gives every key a type, a unit, a default and an effect, under its section', () => {
    const bad = rows.flatMap((r) => {
      const problems: string[] = [];
      if (r.cells.length !== 4 || r.cells.some((c) => c === '')) problems.push(`${DOC_PATH}:${r.line}: \`${r.key}\` needs 4 filled cells after the key (type | unit | default | effect)`);
      const section = r.key.includes('.') ? r.key.split('.')[0] : 'Top level';
      if (r.section !== section) problems.push(`${DOC_PATH}:${r.line}: \`${r.key}\` stands under "## ${r.section}", expected "## ${section === 'Top level' ? section : `\`${section}\``}"`);
      return problems;
    });
    expect(bad).toEqual([]);
  });

  it('names every hook event', () => {
    const on = rows.find((r) => r.key === 'ops.hooks.on');
    expect(HOOK_EVENTS.filter((event) => !(on?.cells[3] ?? '').includes(`\`${event}\``))).toEqual([]);
  });

  it('has a minimal and a full example, both valid, the full one with every section', () => {
    const examples = [...doc.matchAll(/^## (Minimal|Full) example\n[\s\S]*?```json\n([\s\S]*?)```/gm)].map((m) => ({ kind: m[1], value: JSON.parse(m[2] ?? '') as Record<string, unknown> }));
    expect(examples.map((e) => e.kind)).toEqual(['Minimal', 'Full']);
    for (const { value } of examples) expect(checkSatelliteConfig(value).issues).toEqual([]);
    const full = examples[1]?.value ?? {};
    expect(Object.keys(defaultSatelliteConfig()).filter((section) => !(section in full))).toEqual([]);
  });
});

describe('hivesat config defaults', () => {
  it('prints every section, and what it prints is the defaults', async () => {
    let stdout = '';
    const code = await main(['config', 'defaults'], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => undefined }, env: {} });
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(printed).sort()).toEqual([...new Set([...keys(SATELLITE_CONFIG_SCHEMA)].map((k) => k.split('.')[0] ?? ''))].sort());
    expect(printed['ops']).toEqual({ log: { level: 'info', format: 'text' }, health: null, hooks: { timeout_seconds: 10, max_concurrent: 4, on: {} } });
    expect(checkSatelliteConfig(printed)).toEqual({ config: defaultSatelliteConfig(), issues: [] }); // it reads back as itself
  });

  function keys(schema: z.ZodType): string[] {
    return [...schemaKeys(schema).keys()];
  }
});
