/**
 * The `"ops"` section of the config file: logging, the health/metrics listener and event hooks. This module owns the
 * section's schema ({@link OPS_SECTION_SCHEMA}, composed into the whole file's by src/config) and its defaults.
 * Unknown keys and out-of-range values are refused with `CFG_ERR_INVALID_VALUE` (never ignored or clamped).
 *
 * ```json
 * "ops": {
 *   "log": { "level": "info", "format": "text" },
 *   "health": { "port": 9477, "metrics": true },
 *   "hooks": {
 *     "timeout_seconds": 10,
 *     "max_concurrent": 4,
 *     "on": {
 *       "wake": [["/usr/local/bin/led", "listening"]],
 *       "speaking_end": [["/usr/local/bin/led", "off"]],
 *       "hub_offline": [["/bin/sh", "-c", "echo \"$HIVESAT_REASON\" >> /var/lib/hivesat/offline.log"]]
 *     }
 *   }
 * }
 * ```
 * A hook is one argv array, or a list of them; `"on": {"wake": ["/usr/bin/x", "a"]}` is one command.
 *
 * @module
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeIssues } from '../schema-issues.js';
import { HOOK_MAX_CONCURRENT, HOOK_MAX_CONCURRENT_LIMIT, HOOK_TIMEOUT_MAX_MS, HOOK_TIMEOUT_MS } from './constants.js';
import { HOOK_EVENTS, type HookCommand, type HookEvent, type HookTable } from './hooks.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger.js';

/** The validated `"ops"` section, defaults applied. */
export interface OpsConfig {
  readonly log: { readonly level: LogLevel; readonly format: LogFormat };
  /** Undefined: no listener (the default). */
  readonly health: { readonly port: number; readonly metrics: boolean } | undefined;
  readonly hooks: { readonly timeoutMs: number; readonly maxConcurrent: number; readonly on: HookTable };
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
}

const integer = (min: number, max: number, missing?: string) => {
  const error = (issue: { readonly input?: unknown }): string =>
    issue.input === undefined && missing !== undefined ? missing : `expected an integer ${min}-${max}, got ${JSON.stringify(issue.input)}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const section = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.strictObject(shape, { error: (issue) => (issue.code === 'invalid_type' ? `expected an object, got ${typeName(issue.input)}` : undefined) });

function command(value: unknown, issues: z.core.$ZodRawIssue[], path: PropertyKey[]): HookCommand | undefined {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v): v is string => typeof v === 'string')) {
    issues.push({ code: 'custom', input: value, path, message: `expected a command as an array of strings, e.g. ["/usr/local/bin/led", "on"], got ${JSON.stringify(value)?.slice(0, 80)}` });
    return undefined;
  }
  if (value[0] === '') {
    issues.push({ code: 'custom', input: value, path, message: 'expected a program name, got ""' });
    return undefined;
  }
  return Object.freeze([...value]);
}

/** One argv array, or a list of them: always a list of commands once parsed. */
const COMMANDS_SCHEMA = z.unknown().transform((value, ctx): readonly HookCommand[] => {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) {
    const one = command(value, ctx.issues, []);
    return one === undefined ? z.NEVER : [one];
  }
  if (!Array.isArray(value)) {
    ctx.issues.push({ code: 'custom', input: value, message: `expected a command (array of strings) or a list of commands, got ${typeof value}` });
    return z.NEVER;
  }
  const list = value.map((c, i) => command(c, ctx.issues, [i]));
  return list.every((c): c is HookCommand => c !== undefined) ? list : z.NEVER;
});

/**
 * The `"ops"` section as the config file writes it (keys, units and defaults). Its output keeps the file's shape,
 * so `hivesat config defaults` prints it; {@link opsConfigFromSection} turns it into the {@link OpsConfig} the
 * ops layer runs with.
 */
export const OPS_SECTION_SCHEMA = section({
  log: section({
    /** Lowest level logged (`-v` on the command line means debug). */
    level: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]], { error: (issue) => `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(issue.input)}` }).default('info'),
    /** `text` lines for people, `json` lines for log collectors. */
    format: z.enum(LOG_FORMATS as [LogFormat, ...LogFormat[]], { error: (issue) => `expected one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(issue.input)}` }).default('text'),
  }).prefault({}),
  /** The health/metrics listener on 127.0.0.1; null (the default) means none. */
  health: section({
    port: integer(1, 65_535, 'expected a port 1-65535 (omit "health" to turn the listener off)'),
    metrics: z.boolean({ error: (issue) => `expected true or false, got ${JSON.stringify(issue.input)}` }).default(true),
  })
    .nullable()
    .default(null),
  hooks: section({
    timeout_seconds: integer(1, HOOK_TIMEOUT_MAX_MS / 1000).default(HOOK_TIMEOUT_MS / 1000),
    max_concurrent: integer(1, HOOK_MAX_CONCURRENT_LIMIT).default(HOOK_MAX_CONCURRENT),
    on: section(Object.fromEntries(HOOK_EVENTS.map((event) => [event, COMMANDS_SCHEMA.optional()])) as Record<HookEvent, z.ZodOptional<typeof COMMANDS_SCHEMA>>).default({}),
  }).prefault({}),
}).prefault({});

/** The parsed `"ops"` section, in the config file's shape. */
export type OpsSection = z.output<typeof OPS_SECTION_SCHEMA>;

/** The {@link OpsConfig} of a parsed section. */
export function opsConfigFromSection(section: OpsSection): OpsConfig {
  const on: Partial<Record<HookEvent, readonly HookCommand[]>> = {};
  for (const event of HOOK_EVENTS) {
    const commands = section.hooks.on[event];
    if (commands !== undefined) on[event] = commands;
  }
  return {
    log: { level: section.log.level, format: section.log.format },
    health: section.health === null ? undefined : { port: section.health.port, metrics: section.health.metrics },
    hooks: { timeoutMs: section.hooks.timeout_seconds * 1000, maxConcurrent: section.hooks.max_concurrent, on },
  };
}

/** The defaults: text logs at info, no listener, no hooks. */
export const DEFAULT_OPS_CONFIG: OpsConfig = Object.freeze(opsConfigFromSection(OPS_SECTION_SCHEMA.parse(undefined)));

/**
 * Validate an `"ops"` section (undefined → the defaults). The whole config file is validated by src/config, which
 * includes this section's schema; this is for the section on its own (tests, embedders).
 *
 * @param where - where it came from, for messages (`/etc/hivesat/config.json: ops`).
 * @throws {ConfigError} `CFG_ERR_INVALID_VALUE` for an unknown key, a bad level/format/port/timeout, an unknown
 *   hook event or a command that is not an array of strings (the first problem).
 */
export function parseOpsConfig(section: unknown, where = 'ops'): OpsConfig {
  if (section === undefined || section === null) return DEFAULT_OPS_CONFIG;
  const result = OPS_SECTION_SCHEMA.safeParse(section);
  if (!result.success) {
    const [first] = describeIssues(OPS_SECTION_SCHEMA, result.error, where);
    throw new ConfigError('CFG_ERR_INVALID_VALUE', `${first?.path ?? where}: ${first?.message ?? 'invalid'}`);
  }
  return opsConfigFromSection(result.data);
}
