/**
 * zod issues as the lines a user reads: a JSON path (`$.wake.keywords[0]`) and what was expected, with "did you
 * mean …?" for an unknown key that is close to a known one. Shared by every layer that validates a config section
 * with zod (the root, like src/errors.ts, so that no layer imports another for it).
 *
 * @module
 */
import type { z } from 'zod';

/** One problem in a config value. */
export interface SchemaIssue {
  /** JSON path, e.g. `$.vad.silence_end_ms` or `$.wake.keywords[0]`. */
  readonly path: string;
  readonly message: string;
}

/** `$.a.b[0]` for a zod path (`root` replaces the `$`). */
export function jsonPath(path: readonly PropertyKey[], root = '$'): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), root);
}

/** Edit distance (insertions, deletions, substitutions) between two short strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known key an unknown one was probably meant to be: the nearest by edit distance when it is within a third of
 * the longer name (a typo, `treshold`), or one that contains the other (`silence` → `silence_end_ms`,
 * `hostname` → `host`). Undefined when nothing is close: a wrong suggestion is worse than none.
 */
export function nearestKey(unknown: string, known: readonly string[]): string | undefined {
  const lower = unknown.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(lower, key.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key, distance };
  }
  if (best !== undefined && best.distance <= Math.floor(Math.max(lower.length, best.key.length) / 3)) return best.key;
  if (lower.length < 3) return undefined;
  return known.find((key) => key.toLowerCase().includes(lower) || (key.length >= 3 && lower.includes(key.toLowerCase())));
}

interface SchemaDef {
  readonly type?: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly element?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The keys of the object `schema` describes at `path` (through defaults, optionals and pipes), if it is one. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current: z.ZodType | undefined = schema;
  let rest = [...path];
  for (let guard = 0; current !== undefined && guard < 64; guard += 1) {
    const def = defOf(current);
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe') current = def.in;
    else if (def.type === 'object' && def.shape !== undefined) {
      if (rest.length === 0) return Object.keys(def.shape);
      const [head, ...tail] = rest;
      current = def.shape[String(head)];
      rest = tail;
    } else if (def.type === 'array' && rest.length > 0) {
      current = def.element;
      rest = rest.slice(1);
    } else return undefined;
  }
  return undefined;
}

/** The message for an unknown key: with the nearest known key when one is close. */
export function unknownKeyMessage(key: string, known: readonly string[] | undefined): string {
  const near = known === undefined ? undefined : nearestKey(key, known);
  return near === undefined ? 'unknown key' : `unknown key (did you mean "${near}"?)`;
}

/** Every problem of a failed parse of `schema`, one per unknown key, paths under `root`. */
export function describeIssues(schema: z.ZodType, error: z.ZodError, root = '$'): SchemaIssue[] {
  return error.issues.flatMap((issue): SchemaIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, issue.path);
      return issue.keys.map((key) => ({ path: jsonPath([...issue.path, key], root), message: unknownKeyMessage(key, known) }));
    }
    return [{ path: jsonPath(issue.path, root), message: issue.message }];
  });
}
