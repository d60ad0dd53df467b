/**
 * The models of `hivesat serve` from configuration: `hivemind` for the hub of the connection settings (one HiveMind
 * session per conversation), the built-in offline persona, and one `persona:<name>` per persona file in the persona
 * folder; optionally the hub model falls back to one of the personas when the hub cannot be reached.
 *
 * A persona file that does not load is skipped with a warning (the others still serve). Persona files are read once;
 * each conversation gets its own instance built from that JSON, so a solver's memory stays within its conversation.
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ConfigError } from '../errors.js';
import { HubConnection, type HubConnectionOptions } from '../hivemind/index.js';
import {
  DEFAULT_PERSONA_NAME,
  MAX_PERSONA_FILE_BYTES,
  type Persona,
  type PersonaLoadOptions,
  createDefaultPersona,
  listPersonas,
  personaFromJson,
} from '../persona/index.js';
import type { PoolTimers } from './pool.js';
import { type HubSession, type HubTargetOptions, hubTarget } from './hub-target.js';
import { type ServeTarget, findTarget, personaModelName, personaTarget, withFallback } from './targets.js';

/** Options of {@link loadServeTargets}. */
export interface ServeTargetsOptions {
  /** The hub model; omitted when no hub is configured. */
  readonly hub?: {
    /** Connection options of every conversation's connection (a session id is added per conversation). */
    readonly connection: HubConnectionOptions;
    /** E.g. `HiveMind hub ws://hub.local:5678` (never credentials). */
    readonly description: string;
    /** Default `hivemind`. */
    readonly name?: string;
    readonly ask?: HubTargetOptions['ask'];
    readonly connectTimeoutMs?: number;
    /** Default: `new HubConnection(options)`. */
    readonly createConnection?: (options: HubConnectionOptions) => HubSession;
  };
  /** The persona folder (`~/.config/ovos_persona`). */
  readonly personaDir: string;
  /** A persona (its name or model name) to answer for the hub when the hub cannot be reached. */
  readonly fallback?: string | undefined;
  /** How personas are built (HTTP client, clock, time zone…). */
  readonly persona?: PersonaLoadOptions;
  readonly maxConversations?: number;
  readonly idleMs?: number;
  readonly timers?: PoolTimers;
  /** Load warnings (skipped persona files, ignored fields). */
  readonly warn?: (message: string) => void;
}

async function readPersonaJson(path: string): Promise<unknown> {
  const info = await stat(path);
  if (info.size > MAX_PERSONA_FILE_BYTES) throw new Error(`expected at most ${MAX_PERSONA_FILE_BYTES} bytes, got ${info.size}`);
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

/**
 * Build the models.
 *
 * @throws {ConfigError} `CFG_ERR_INVALID_VALUE` when `fallback` names no persona; `PERSONA_ERR_IO` (PersonaError)
 *   when the persona folder exists but cannot be listed.
 */
export async function loadServeTargets(options: ServeTargetsOptions): Promise<ServeTarget[]> {
  const warn = options.warn ?? (() => undefined);
  const personaOptions = options.persona ?? {};
  const pool = {
    ...(options.maxConversations === undefined ? {} : { maxConversations: options.maxConversations }),
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    ...(options.timers === undefined ? {} : { timers: options.timers }),
  };
  const personas = new Map<string, ServeTarget>();
  const add = (target: ServeTarget): void => {
    if (personas.has(target.name)) {
      warn(`two personas are both served as "${target.name}"; keeping the first`);
      return;
    }
    personas.set(target.name, target);
  };

  for (const entry of await listPersonas(options.personaDir)) {
    let json: unknown;
    let first: Persona;
    try {
      json = await readPersonaJson(entry.path);
      first = personaFromJson(json, entry.path, personaOptions, basename(entry.path, extname(entry.path)));
    } catch (error) {
      warn(`${entry.path}: not served: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    for (const message of first.warnings) warn(message);
    let spare: Persona | undefined = first;
    add(
      personaTarget({
        personaName: first.name,
        // The instance built to validate the file serves the first conversation; later ones are built afresh.
        create: () => {
          const persona = spare ?? personaFromJson(json, entry.path, personaOptions, basename(entry.path, extname(entry.path)));
          spare = undefined;
          return persona;
        },
        ...pool,
      }),
    );
  }
  if (!personas.has(personaModelName(DEFAULT_PERSONA_NAME))) {
    add(personaTarget({ personaName: DEFAULT_PERSONA_NAME, create: () => createDefaultPersona(personaOptions), ...pool }));
  }

  const targets: ServeTarget[] = [];
  if (options.hub !== undefined) {
    const hub = options.hub;
    const create = hub.createConnection ?? ((o: HubConnectionOptions): HubSession => new HubConnection(o));
    let target = hubTarget({
      ...(hub.name === undefined ? {} : { name: hub.name }),
      description: hub.description,
      connect: (sessionId) => create({ ...hub.connection, sessionId }),
      ...(hub.ask === undefined ? {} : { ask: hub.ask }),
      ...(hub.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: hub.connectTimeoutMs }),
      ...pool,
    });
    if (options.fallback !== undefined) {
      const fallback = findTarget(personas, options.fallback) ?? findTarget(personas, personaModelName(options.fallback));
      if (fallback === undefined) {
        throw new ConfigError('CFG_ERR_INVALID_VALUE', `fallback: expected a persona (one of ${[...personas.keys()].join(', ')}), got "${options.fallback.slice(0, 80)}"`);
      }
      target = withFallback(target, fallback);
    }
    targets.push(target);
  } else if (options.fallback !== undefined) {
    warn('a fallback persona is configured but no hub: the fallback is not used');
  }
  return [...targets, ...personas.values()];
}
