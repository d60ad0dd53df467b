/**
 * Model files: every model of `models/manifest.json` is looked up in the model directories and its sha256 checked.
 * The default VAD, the openWakeWord feature models and the default keyword are required; other heads are optional.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ModelEntry, defaultModelDirs, readManifest } from '../../models/index.js';
import { DEFAULT_KEYWORD } from '../../wake/index.js';
import type { DetailValue, DoctorCheck } from './types.js';

/** Where scripts/install puts the models (the unit and /usr/local/bin/hivesat set HIVESAT_MODEL_DIR to it). */
export const INSTALLED_MODEL_DIR = '/var/lib/hivesat/models';

/** The models the satellite cannot start without (the default VAD and keyword, and the wake features). */
export function isRequiredModel(entry: ModelEntry, keyword: string = DEFAULT_KEYWORD): boolean {
  return entry.name === 'silero_vad_v5' || entry.kind === 'wake-features' || entry.name === keyword;
}

type Found = { readonly state: 'ok'; readonly path: string } | { readonly state: 'missing' } | { readonly state: 'corrupt'; readonly path: string };

async function locate(entry: ModelEntry, dirs: readonly string[]): Promise<Found> {
  for (const dir of dirs) {
    const path = join(dir, entry.file);
    try {
      if (!(await stat(path)).isFile()) continue;
    } catch {
      continue; // probe: not in this directory
    }
    const bytes = await readFile(path);
    const sha = createHash('sha256').update(bytes).digest('hex');
    return bytes.byteLength === entry.size && sha === entry.sha256 ? { state: 'ok', path } : { state: 'corrupt', path };
  }
  return { state: 'missing' };
}

/** Presence and sha256 of every manifest model. */
export const modelsCheck: DoctorCheck = {
  id: 'models',
  group: 'models',
  title: 'Models (sha256)',
  run: async (ctx) => {
    let models: readonly ModelEntry[];
    try {
      models = (await readManifest()).models;
    } catch (error) {
      return { status: 'fail', summary: (error as Error).message, fix: 'reinstall hivesat: models/manifest.json is part of the package' };
    }
    const dirs = ctx.modelDirs ?? defaultModelDirs(ctx.env);
    const details: Record<string, DetailValue> = {};
    const missingRequired: string[] = [];
    const missingOptional: string[] = [];
    const corrupt: string[] = [];
    for (const entry of models) {
      const found = await locate(entry, dirs);
      details[entry.name] = found.state === 'missing' ? 'missing' : `${found.state} ${found.path}`;
      if (found.state === 'corrupt') corrupt.push(`${entry.name} (${found.path})`);
      else if (found.state === 'missing') (isRequiredModel(entry) ? missingRequired : missingOptional).push(entry.name);
    }
    const present = models.length - missingRequired.length - missingOptional.length - corrupt.length;
    const envDir = ctx.env['HIVESAT_MODEL_DIR'];
    const dirHint = envDir === undefined || envDir === '' ? '' : ` --dir ${envDir}`;
    // An installed satellite run without its settings (node /opt/hivesat/dist/cli/main.js …) looks in the package.
    const installedHint = (envDir === undefined || envDir === '') && ctx.modelDirs === undefined && existsSync(INSTALLED_MODEL_DIR)
      ? `; the installed models are in ${INSTALLED_MODEL_DIR}: run the installed command (hivesat doctor), which sets HIVESAT_MODEL_DIR, or set it yourself`
      : '';
    const fix = `fetch them: scripts/fetch-models${dirHint} (in the hivesat folder; it checks sha256)${installedHint}`;
    let summary = `${present} of ${models.length} verified`;
    if (corrupt.length > 0) summary += `; corrupt: ${corrupt.join(', ')}`;
    if (missingRequired.length > 0) summary += `; missing: ${missingRequired.join(', ')}`;
    if (missingOptional.length > 0) summary += `; not installed (optional): ${missingOptional.join(', ')}`;
    if (corrupt.length > 0 || missingRequired.length > 0) return { status: 'fail', summary, details, fix };
    return { status: 'ok', summary: `${summary} in ${dirs.join(', ')}`, details };
  },
};
