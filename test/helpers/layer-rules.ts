import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * The layer rules of docs/architecture.md, checked on every import of src/ as TypeScript parses it (static
 * `import`/`export … from`, `import()` and `import('…')` types with a literal path):
 * 1. a folder of src/ is imported from outside only through its `index.ts`;
 * 2. no folder imports a folder of a higher layer (folders of one layer may import each other, acyclically);
 * 3. no cycle between folders;
 * 4. every folder has an `index.ts`, whose re-exports are named (`export *` only of its `constants.ts`, or as a
 *    namespace).
 *
 * @module
 */

/** The root files of src/ (`errors.ts`, …): below every folder. */
export const ROOT = '(root)';

/** Bottom to top; a folder may import folders of its own layer or lower ones, never higher. */
export const LAYERS: readonly (readonly string[])[] = [
  [ROOT],
  ['hivemind', 'audio', 'models'],
  ['vad', 'wake', 'speech', 'persona'],
  ['listener'],
  ['satellite'],
  ['serve'],
  ['ops'],
  ['config'],
  ['cli'],
];

/** One relative import: `from` and `to` are paths below src/ with `/` separators (`config/index.ts`). */
interface ImportEdge {
  readonly from: string;
  readonly spec: string;
  readonly to: string;
}

/** The relative module specifiers a file imports or re-exports, in source order. */
export function importSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteralLike(node.arguments[0])) {
      specs.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specs.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs.filter((spec) => spec.startsWith('./') || spec.startsWith('../'));
}

/** `config/index.ts` → `config`; `errors.ts` → the root. */
function folderOf(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? ROOT : path.slice(0, slash);
}

function rankOf(folder: string, layers: readonly (readonly string[])[]): number {
  return layers.findIndex((layer) => layer.includes(folder));
}

/** The folder-level cycles of `edges` (strongly connected components of more than one folder), each sorted. */
function folderCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const [a, b] = [folderOf(from), folderOf(to)];
    if (a === b) continue;
    if (!next.has(a)) next.set(a, new Set());
    if (!next.has(b)) next.set(b, new Set());
    next.get(a)!.add(b);
  }
  // Tarjan's algorithm; the graph has a dozen nodes, so recursion depth is no concern.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const target of next.get(node) ?? []) {
      if (!index.has(target)) {
        connect(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) connect(node);
  return components;
}

/** Re-exports an `index.ts` may make wholesale: its folder's constants, or a sub-folder as a namespace. */
function wholesaleExports(path: string, text: string): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return source.statements
    .filter((s): s is ts.ExportDeclaration => ts.isExportDeclaration(s) && s.exportClause === undefined && s.moduleSpecifier !== undefined)
    .map((s) => (s.moduleSpecifier as ts.StringLiteral).text)
    .filter((spec) => spec !== './constants.js');
}

/**
 * Every violation of the rules by the files of a source tree (`files`: path below src/ with `/` → text), one line
 * each, sorted. An empty list means the tree follows the rules.
 */
export function layerViolations(files: ReadonlyMap<string, string>, layers: readonly (readonly string[])[] = LAYERS): string[] {
  const out: string[] = [];
  const edges: ImportEdge[] = [];
  for (const [from, text] of files) {
    for (const spec of importSpecifiers(from, text)) {
      const to = posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, '.ts');
      if (to.startsWith('../')) out.push(`${from} imports ${spec}, outside src/`);
      else edges.push({ from, spec, to });
    }
  }
  const folders = new Set([...files.keys()].map(folderOf));
  for (const folder of folders) {
    if (folder === ROOT) continue;
    if (rankOf(folder, layers) < 0) out.push(`${folder}/ has no layer (add it to LAYERS and docs/architecture.md)`);
    if (!files.has(`${folder}/index.ts`)) out.push(`${folder}/ has no index.ts`);
  }
  for (const [path, text] of files) {
    if (!path.endsWith('/index.ts')) continue;
    for (const spec of wholesaleExports(path, text)) out.push(`${path} re-exports all of ${spec} (name what it exports)`);
  }
  for (const edge of edges) {
    const [from, to] = [folderOf(edge.from), folderOf(edge.to)];
    if (from === to) continue;
    const label = `${edge.from} imports ${edge.spec}`;
    if (to !== ROOT && edge.to !== `${to}/index.ts`) out.push(`${label}: deep import (go through ${to}/index.ts)`);
    const [fromRank, toRank] = [rankOf(from, layers), rankOf(to, layers)];
    if (fromRank >= 0 && toRank > fromRank) out.push(`${label}: ${from} may not import ${to}, a higher layer`);
  }
  for (const cycle of folderCycles(edges)) {
    const witnesses = edges.filter((e) => folderOf(e.from) !== folderOf(e.to) && cycle.includes(folderOf(e.from)) && cycle.includes(folderOf(e.to)));
    out.push(`folder cycle ${cycle.join(' ⇄ ')}: ${witnesses.map((e) => `${e.from} → ${e.spec}`).join('; ')}`);
  }
  return out.sort();
}

/** Every `.ts` file below `dir`, by path relative to it with `/` separators. */
export function sourceTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(relative(dir, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

