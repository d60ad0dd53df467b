/**
 * Loads personas in the OpenVoiceOS ovos-persona `persona.json` format:
 *
 * ```json
 * { "name": "My Local LLM",
 *   "handlers": ["ovos-solver-openai-plugin", "hivesat-solver-builtin", "ovos-solver-failure-plugin"],
 *   "ovos-solver-openai-plugin": { "api_url": "http://192.168.1.10:8080/v1", "key": "sk-…", "system_prompt": "…" } }
 * ```
 *
 * `handlers` (current ovos-persona) and `solvers` (legacy alias) are both accepted; `name` defaults to the file
 * name; `memory_module: null` turns conversation memory off. The built-in solver (time, date, sums, status) answers
 * first for its intents in every chain — added in front when the list lacks it, moved there when it is listed later —
 * unless the file says `"builtin": false` (hivesat extension): an LLM asked "what time is it" would guess. Each listed solver's config is the object under its
 * id. An unknown solver id or a bad config field is a {@link PersonaError} at load time naming the file, the solver
 * and the field; config keys hivesat does not use are load warnings (OVOS files carry plugin-specific extras).
 * A persona folder (default `~/.config/ovos_persona`, as ovos-persona) holds one `.json` file per persona.
 *
 * @module
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { BuiltinSolver } from './builtin-solver.js';
import {
  BUILTIN_SOLVER_ID,
  DEFAULT_PERSONA_NAME,
  DEFAULT_SATELLITE_NAME,
  FAILURE_SOLVER_ID,
  HIVEMIND_SOLVER_ID,
  MAX_PERSONA_FILE_BYTES,
  OPENAI_SOLVER_ID,
  OPENAI_SOLVER_LEGACY_ID,
  PERSONA_FILE_EXTENSION,
} from './constants.js';
import { PersonaError } from './errors.js';
import { FailureSolver } from './failure-solver.js';
import { HiveMindSolver } from './hivemind-solver.js';
import { OpenAiChatSolver } from './openai-solver.js';
import { Persona, type PersonaLogEvent, type PersonaTimers } from './persona.js';
import { type ConnectivityStatus, type HiveMindAsker, type HiveMindTarget, type Solver, SolverConfig, type SolverDeps, type SolverFactory, type SolverRegistry } from './solver.js';
import { errorCode } from '../errors.js';

/** The solvers hivesat has, by persona-file id. */
export const BUILTIN_SOLVERS: SolverRegistry = new Map<string, SolverFactory>([
  [OPENAI_SOLVER_ID, (config, deps) => new OpenAiChatSolver(config, deps)],
  [OPENAI_SOLVER_LEGACY_ID, (config, deps) => new OpenAiChatSolver(config, deps)],
  [HIVEMIND_SOLVER_ID, (config, deps) => new HiveMindSolver(config, deps)],
  [BUILTIN_SOLVER_ID, (config, deps) => new BuiltinSolver(config, deps)],
  [FAILURE_SOLVER_ID, (config) => new FailureSolver(config)],
]);

/** What loading needs from the outside world; everything optional, everything injectable. */
export interface PersonaLoadOptions {
  /** HTTP client for remote solvers (default global `fetch`). */
  readonly fetch?: typeof fetch;
  /** Wall clock for date/time answers, epoch ms (default `Date.now`). */
  readonly clock?: () => number;
  /** IANA time zone (default the system's). */
  readonly timeZone?: string;
  /** Hub reachability for "are you online". */
  readonly connectivity?: () => ConnectivityStatus;
  /** Opens HiveMind connections for `ovos-solver-hivemind-plugin`. */
  readonly hivemind?: (target: HiveMindTarget) => HiveMindAsker;
  /** What the satellite calls itself (default "hivesat"). */
  readonly satelliteName?: string;
  /** Solver ids and factories (default {@link BUILTIN_SOLVERS}). */
  readonly registry?: SolverRegistry;
  /** Monotonic clock for attempt durations. */
  readonly now?: () => number;
  readonly timers?: PersonaTimers;
  readonly log?: (event: PersonaLogEvent) => void;
}

/** Top-level keys of a persona file that are not solver configs. */
const PERSONA_KEYS = new Set(['name', 'handlers', 'solvers', 'memory_module', 'description', 'builtin']);

function solverDeps(options: PersonaLoadOptions): SolverDeps {
  return {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    clock: options.clock ?? (() => Date.now()),
    timeZone: options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    connectivity: options.connectivity,
    hivemind: options.hivemind,
    satelliteName: options.satelliteName ?? DEFAULT_SATELLITE_NAME,
  };
}

function personaOptions(options: PersonaLoadOptions): Pick<ConstructorParameters<typeof Persona>[0], 'now' | 'timers' | 'log'> {
  return {
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.timers !== undefined ? { timers: options.timers } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  };
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Build a persona from a parsed persona file.
 *
 * @param source names the file in messages
 * @param fallbackName used when the file has no `name`
 * @throws {PERSONA_ERR_MALFORMED} not an object, or no solver list
 * @throws {PERSONA_ERR_UNKNOWN_SOLVER} a listed solver hivesat does not have
 * @throws {PERSONA_ERR_INVALID_CONFIG} a bad field (persona or solver)
 * @throws {PERSONA_ERR_UNAVAILABLE} a solver needs something not wired (HiveMind client)
 */
export function personaFromJson(value: unknown, source: string, options: PersonaLoadOptions = {}, fallbackName = 'unnamed'): Persona {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PersonaError('PERSONA_ERR_MALFORMED', `${source}: expected a JSON object, got ${typeName(value)}`);
  }
  const file = value as Record<string, unknown>;
  const name = file['name'] ?? fallbackName;
  if (typeof name !== 'string' || name.trim() === '') throw new PersonaError('PERSONA_ERR_INVALID_CONFIG', `${source}: field "name": expected a non-empty string, got ${typeName(name)}`);
  const builtin = file['builtin'] ?? true;
  if (typeof builtin !== 'boolean') throw new PersonaError('PERSONA_ERR_INVALID_CONFIG', `${source}: field "builtin": expected true or false, got ${typeName(builtin)}`);
  const listed = solverList(file, source);
  const registry = options.registry ?? BUILTIN_SOLVERS;
  const ids = builtin && registry.has(BUILTIN_SOLVER_ID) ? [BUILTIN_SOLVER_ID, ...listed.filter((id) => id !== BUILTIN_SOLVER_ID)] : listed;
  const memoryModule = file['memory_module'];
  if (memoryModule !== undefined && memoryModule !== null && typeof memoryModule !== 'string') {
    throw new PersonaError('PERSONA_ERR_INVALID_CONFIG', `${source}: field "memory_module": expected a plugin name or null, got ${typeName(memoryModule)}`);
  }
  const unknown = ids.filter((id) => !registry.has(id));
  if (unknown.length > 0) {
    throw new PersonaError(
      'PERSONA_ERR_UNKNOWN_SOLVER',
      `${source}: expected solver ids hivesat has (${[...registry.keys()].join(', ')}), got unknown ${unknown.map((u) => `"${u}"`).join(', ')}`,
    );
  }
  const deps = solverDeps(options);
  const warnings: string[] = [];
  const solvers: Solver[] = ids.map((id) => {
    const raw = file[id] ?? {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new PersonaError('PERSONA_ERR_INVALID_CONFIG', `${source}: solver "${id}": expected its config to be an object, got ${typeName(raw)}`);
    }
    const config = new SolverConfig(source, id, raw as Record<string, unknown>, memoryModule !== null);
    const factory = registry.get(id);
    if (factory === undefined) throw new PersonaError('PERSONA_ERR_UNKNOWN_SOLVER', `${source}: unknown solver "${id}"`);
    const solver = factory(config, deps);
    const unread = config.unreadKeys();
    if (unread.length > 0) warnings.push(`${source}: solver "${id}": ignoring field(s) hivesat does not use: ${unread.join(', ')}`);
    return solver;
  });
  for (const [key, v] of Object.entries(file)) {
    if (!PERSONA_KEYS.has(key) && !ids.includes(key) && (typeof v !== 'object' || v === null || Array.isArray(v))) {
      warnings.push(`${source}: ignoring top-level field "${key}"`);
    }
  }
  return new Persona({ name, solvers, source, warnings, ...personaOptions(options) });
}

function solverList(file: Record<string, unknown>, source: string): string[] {
  const handlers = file['handlers'];
  const solvers = file['solvers'];
  if (handlers !== undefined && solvers !== undefined && JSON.stringify(handlers) !== JSON.stringify(solvers)) {
    throw new PersonaError('PERSONA_ERR_INVALID_CONFIG', `${source}: expected one solver list, got both "handlers" and "solvers" with different contents`);
  }
  const key = handlers !== undefined ? 'handlers' : 'solvers';
  const list = handlers ?? solvers;
  if (list === undefined) throw new PersonaError('PERSONA_ERR_MALFORMED', `${source}: expected "handlers" (or "solvers"), a non-empty list of solver ids, got neither`);
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s.trim() !== '')) {
    throw new PersonaError('PERSONA_ERR_MALFORMED', `${source}: field "${key}": expected a non-empty list of solver ids, got ${Array.isArray(list) ? `a list of ${list.length} with non-string or empty items` : typeName(list)}`);
  }
  const ids = list as string[];
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw new PersonaError('PERSONA_ERR_INVALID_CONFIG', `${source}: field "${key}": expected each solver once, got "${duplicate}" twice`);
  return ids;
}

/** Parse a persona file's text. JSON syntax errors give a line and column, never a quote of the text (it may hold keys). */
function parsePersonaText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    let where = '';
    if (position !== undefined) {
      const before = text.slice(0, Number(position)).split('\n');
      where = ` at line ${before.length}, column ${(before[before.length - 1]?.length ?? 0) + 1}`;
    }
    throw new PersonaError('PERSONA_ERR_MALFORMED', `${source}: expected valid JSON, got a syntax error${where}`);
  }
}

async function readPersonaText(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (info.size > MAX_PERSONA_FILE_BYTES) throw new PersonaError('PERSONA_ERR_MALFORMED', `${path}: expected at most ${MAX_PERSONA_FILE_BYTES} bytes, got ${info.size}`);
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof PersonaError) throw err;
    throw new PersonaError('PERSONA_ERR_IO', `${path}: could not read the persona file: ${errorCode(err) ?? (err as Error).message}`, { cause: err });
  }
}

/**
 * Load one persona file.
 *
 * @throws {PERSONA_ERR_IO} unreadable; and everything {@link personaFromJson} throws
 */
export async function loadPersonaFile(path: string, options: PersonaLoadOptions = {}): Promise<Persona> {
  const text = await readPersonaText(path);
  return personaFromJson(parsePersonaText(text, path), path, options, basename(path, extname(path)));
}

/** A persona file in a folder. */
export interface PersonaFileEntry {
  /** The file's `name`, else its file name without `.json`. */
  readonly name: string;
  readonly path: string;
}

/**
 * The persona files in `dir` (sorted by file name). Files that are not valid JSON objects are listed under their
 * file name (loading them reports the problem). A missing folder lists nothing.
 *
 * @throws {PERSONA_ERR_IO} the folder exists but cannot be read
 */
export async function listPersonas(dir: string): Promise<PersonaFileEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw new PersonaError('PERSONA_ERR_IO', `${dir}: could not list the persona folder: ${errorCode(err) ?? (err as Error).message}`, { cause: err });
  }
  const entries: PersonaFileEntry[] = [];
  for (const file of names.filter((n) => n.endsWith(PERSONA_FILE_EXTENSION)).sort()) {
    const path = join(dir, file);
    let name = basename(file, PERSONA_FILE_EXTENSION);
    try {
      const parsed = JSON.parse(await readPersonaText(path)) as { name?: unknown } | null;
      if (typeof parsed?.name === 'string' && parsed.name.trim() !== '') name = parsed.name;
    } catch {
      // listed under its file name; loading it reports the problem
    }
    entries.push({ name, path });
  }
  return entries;
}

/**
 * Load the persona called `name` (its `name` field or file name, case-insensitive) from `dir`; without a name,
 * the only persona in the folder.
 *
 * @throws {PERSONA_ERR_NOT_FOUND} no such persona, or no name given and the folder holds zero or several
 */
export async function loadPersonaFromDir(dir: string, name: string | undefined, options: PersonaLoadOptions = {}): Promise<Persona> {
  const entries = await listPersonas(dir);
  const wanted = name?.toLowerCase();
  const match = wanted === undefined ? (entries.length === 1 ? entries[0] : undefined) : entries.find((e) => e.name.toLowerCase() === wanted || basename(e.path, PERSONA_FILE_EXTENSION).toLowerCase() === wanted);
  if (match === undefined) {
    const have = entries.length === 0 ? 'none' : entries.map((e) => `"${e.name}"`).join(', ');
    const expected = name === undefined ? 'exactly one persona (or a persona name)' : `a persona named "${name}"`;
    throw new PersonaError('PERSONA_ERR_NOT_FOUND', `${dir}: expected ${expected}, got ${have}`);
  }
  return loadPersonaFile(match.path, options);
}

/** The persona used when the user has none: the built-in offline answers, then a polite failure. */
export function createDefaultPersona(options: PersonaLoadOptions = {}): Persona {
  return personaFromJson({ name: DEFAULT_PERSONA_NAME, handlers: [BUILTIN_SOLVER_ID, FAILURE_SOLVER_ID] }, 'built-in default persona', { ...options, registry: BUILTIN_SOLVERS });
}

/**
 * The persona named `name` from `dir`; when no name is given and the folder has no persona, the default persona.
 *
 * @throws as {@link loadPersonaFromDir}
 */
export async function loadPersonaOrDefault(dir: string, name: string | undefined, options: PersonaLoadOptions = {}): Promise<Persona> {
  if (name === undefined && (await listPersonas(dir)).length === 0) return createDefaultPersona(options);
  return loadPersonaFromDir(dir, name, options);
}

/** ovos-persona's persona folder: `$XDG_CONFIG_HOME/ovos_persona` (default `~/.config/ovos_persona`). */
export function defaultPersonaDir(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== '' ? env['XDG_CONFIG_HOME'] : join(homedir(), '.config');
  return join(configHome, 'ovos_persona');
}
