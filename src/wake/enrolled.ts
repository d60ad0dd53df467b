/**
 * The enrolled verifier on disk and which verifier is active. `wake.verifier` is `auto` by default: the verifier
 * `hivesat wake enroll` saved in the state folder when there is one, else the shipped `hey_jarvis_verifier`.
 * `enrolled` requires the enrolled one; a name or path forces that file; null runs without.
 *
 * The file is the enrolled household's voices turned into weights: it is written 0600 (the service user reads it),
 * atomically (temporary file, fsync, rename), so a power cut leaves the old verifier or the new one, never half.
 *
 * @module
 */
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorCode } from '../errors.js';
import { DEFAULT_VERIFIER } from './constants.js';
import { ModelError } from './errors.js';
import { ENROLLED_BY, EnrollError } from './enrollment.js';
import { loadWakeVerifier, parseVerifier, type WakeVerifier } from './verifier.js';

/** `wake.verifier`: use the enrolled verifier when present, else the shipped one. */
export const AUTO_VERIFIER = 'auto';
/** `wake.verifier`: the enrolled verifier, required. */
export const ENROLLED_VERIFIER = 'enrolled';
/** Mode of the enrolled verifier file. */
export const ENROLLED_VERIFIER_MODE = 0o600;

/** Which verifier runs, for doctor and /healthz. */
export interface VerifierInfo {
  /** `shipped` (models/hey_jarvis_verifier.json), `enrolled` (the state folder's), `file` (a path), `none`. */
  readonly kind: 'shipped' | 'enrolled' | 'file' | 'none';
  /** Its file, or null. */
  readonly path: string | null;
  /** Keyword it is for, or null. */
  readonly keyword: string | null;
  /** Enrolled: when, ISO 8601. */
  readonly enrolledAt: string | null;
  /** Enrolled: accepted takes it was trained on. */
  readonly takes: number | null;
  /** `auto` found an enrolled file it could not use (and ran the shipped one): why. */
  readonly problem: string | null;
}

/** The active verifier and what it is. */
export interface ResolvedVerifier {
  readonly verifier: WakeVerifier | undefined;
  readonly info: VerifierInfo;
}

const NONE: VerifierInfo = Object.freeze({ kind: 'none', path: null, keyword: null, enrolledAt: null, takes: null, problem: null });

/** What a loaded verifier is. */
export function describeVerifier(verifier: WakeVerifier | undefined, enrolledPath?: string, problem: string | null = null): VerifierInfo {
  if (verifier === undefined) return { ...NONE, problem };
  const enrolled = verifier.training['by'] === ENROLLED_BY || (enrolledPath !== undefined && verifier.source === enrolledPath);
  const at = verifier.training['enrolled_at'];
  const takes = verifier.training['takes'];
  const shipped = verifier.source.endsWith(`/models/${DEFAULT_VERIFIER}.json`);
  return {
    kind: enrolled ? 'enrolled' : shipped ? 'shipped' : 'file',
    path: verifier.source,
    keyword: verifier.keyword,
    enrolledAt: enrolled && typeof at === 'string' ? at : null,
    takes: enrolled && typeof takes === 'number' ? takes : null,
    problem,
  };
}

/** One line: `enrolled 2026-12-03 00:50 UTC, 6 takes (PATH)`, `shipped (PATH)`, `file PATH`, `none`. */
export function formatVerifierInfo(info: VerifierInfo): string {
  const problem = info.problem === null ? '' : `; ${info.problem}`;
  switch (info.kind) {
    case 'none':
      return `none${problem}`;
    case 'enrolled': {
      const at = info.enrolledAt === null ? 'date unknown' : `${info.enrolledAt.slice(0, 16).replace('T', ' ')} UTC`;
      return `enrolled ${at}, ${info.takes ?? '?'} takes (${info.path ?? ''})${problem}`;
    }
    case 'shipped':
      return `shipped (${info.path ?? ''})${problem}`;
    case 'file':
      return `file ${info.path ?? ''}${problem}`;
  }
}

/**
 * Load the verifier `setting` names (`auto`, `enrolled`, `hey_jarvis_verifier`, a path, or null for none).
 *
 * @param enrolledPath - where `hivesat wake enroll` saves (`<state dir>/wake-verifier.json`).
 * @throws {MODEL_ERR_MISSING} `enrolled` without an enrolled file; a named file that does not exist.
 * @throws {MODEL_ERR_CORRUPT | MODEL_ERR_LOAD} a named or required file that is not a valid verifier.
 */
export async function resolveVerifier(setting: string | null, enrolledPath: string | undefined): Promise<ResolvedVerifier> {
  if (setting === null) return { verifier: undefined, info: NONE };
  if (setting === ENROLLED_VERIFIER) {
    if (enrolledPath === undefined) throw new ModelError('MODEL_ERR_MISSING', 'wake.verifier is "enrolled", but no state folder is known to look in');
    const verifier = await loadWakeVerifier(enrolledPath).catch((error: unknown) => {
      if (error instanceof ModelError && error.code === 'MODEL_ERR_MISSING') {
        throw new ModelError('MODEL_ERR_MISSING', `wake verifier ${enrolledPath} not found: run "hivesat wake enroll" first, or set wake.verifier to "auto"`, { cause: error });
      }
      throw error;
    });
    return { verifier, info: describeVerifier(verifier, enrolledPath) };
  }
  if (setting !== AUTO_VERIFIER) {
    const verifier = await loadWakeVerifier(setting);
    return { verifier, info: describeVerifier(verifier, enrolledPath) };
  }
  let problem: string | null = null;
  if (enrolledPath !== undefined) {
    try {
      const verifier = await loadWakeVerifier(enrolledPath);
      return { verifier, info: describeVerifier(verifier, enrolledPath) };
    } catch (error) {
      // A broken enrolled file must not leave the satellite without its wake word: the shipped verifier runs, and
      // doctor and /healthz say why.
      if (!(error instanceof ModelError && error.code === 'MODEL_ERR_MISSING')) problem = `${(error as Error).message}; using ${DEFAULT_VERIFIER} (enroll again: hivesat wake enroll)`;
    }
  }
  const verifier = await loadWakeVerifier(DEFAULT_VERIFIER);
  return { verifier, info: describeVerifier(verifier, enrolledPath, problem) };
}

/**
 * Save an enrolled verifier document at `path`: validated first (it must load), 0600, atomically.
 *
 * @throws {MODEL_ERR_CORRUPT} the document is not a valid verifier (a bug).
 * @throws {WAKE_ERR_ENROLL_SAVE} the file cannot be written (its message names the path and the system's reason).
 */
export async function saveEnrolledVerifier(path: string, document: Readonly<Record<string, unknown>>): Promise<WakeVerifier> {
  const text = `${JSON.stringify(document)}\n`;
  const verifier = parseVerifier(text, path);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(tmp, 'w', ENROLLED_VERIFIER_MODE);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (cause) {
    await unlink(tmp).catch(() => undefined); // best effort: the temporary file may not exist
    throw new EnrollError('WAKE_ERR_ENROLL_SAVE', `cannot save the enrolled verifier ${path}: ${errorCode(cause) ?? (cause as Error).message}; set control.state_dir to a folder this user can write`, { cause });
  }
  return verifier;
}
