/**
 * The `"ops"` section of the config file: logging, the health/metrics listener and event hooks. Unknown keys and
 * out-of-range values are refused with `CFG_ERR_INVALID_VALUE` (never ignored or clamped).
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
import { ConfigError } from '../errors.js';
import { HOOK_MAX_CONCURRENT, HOOK_TIMEOUT_MAX_MS, HOOK_TIMEOUT_MS } from './constants.js';
import { HOOK_EVENTS, type HookCommand, type HookEvent, type HookTable, isHookEvent } from './hooks.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, isLogFormat, isLogLevel } from './logger.js';

/** The validated `"ops"` section, defaults applied. */
export interface OpsConfig {
  readonly log: { readonly level: LogLevel; readonly format: LogFormat };
  /** Undefined: no listener (the default). */
  readonly health: { readonly port: number; readonly metrics: boolean } | undefined;
  readonly hooks: { readonly timeoutMs: number; readonly maxConcurrent: number; readonly on: HookTable };
}

/** The defaults: text logs at info, no listener, no hooks. */
export const DEFAULT_OPS_CONFIG: OpsConfig = Object.freeze({
  log: { level: 'info' as const, format: 'text' as const },
  health: undefined,
  hooks: { timeoutMs: HOOK_TIMEOUT_MS, maxConcurrent: HOOK_MAX_CONCURRENT, on: {} },
});

type Obj = Readonly<Record<string, unknown>>;

function bad(where: string, message: string): never {
  throw new ConfigError('CFG_ERR_INVALID_VALUE', `${where}: ${message}`);
}

function object(value: unknown, where: string, keys: readonly string[]): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad(where, `expected an object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  for (const key of Object.keys(value)) if (!keys.includes(key)) bad(`${where}.${key}`, `unknown key (expected one of ${keys.join(', ')})`);
  return value as Obj;
}

function integer(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) bad(where, `expected an integer ${min}-${max}, got ${JSON.stringify(value)}`);
  return value;
}

function command(value: unknown, where: string): HookCommand {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v): v is string => typeof v === 'string')) {
    bad(where, `expected a command as an array of strings, e.g. ["/usr/local/bin/led", "on"], got ${JSON.stringify(value)?.slice(0, 80)}`);
  }
  if (value[0] === '') bad(where, 'expected a program name, got ""');
  return Object.freeze([...value]);
}

function commands(value: unknown, where: string): readonly HookCommand[] {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return [command(value, where)];
  if (!Array.isArray(value)) bad(where, `expected a command (array of strings) or a list of commands, got ${typeof value}`);
  return value.map((c, i) => command(c, `${where}[${i}]`));
}

/**
 * Validate an `"ops"` section (undefined → the defaults).
 *
 * @param where - where it came from, for messages (`/etc/hivesat/config.json: ops`).
 * @throws {ConfigError} `CFG_ERR_INVALID_VALUE` for an unknown key, a bad level/format/port/timeout, an unknown
 *   hook event or a command that is not an array of strings.
 */
export function parseOpsConfig(section: unknown, where = 'ops'): OpsConfig {
  if (section === undefined || section === null) return DEFAULT_OPS_CONFIG;
  const ops = object(section, where, ['log', 'health', 'hooks']);
  let log = DEFAULT_OPS_CONFIG.log;
  if (ops['log'] !== undefined) {
    const l = object(ops['log'], `${where}.log`, ['level', 'format']);
    const level = l['level'] ?? log.level;
    const format = l['format'] ?? log.format;
    if (!isLogLevel(level)) bad(`${where}.log.level`, `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
    if (!isLogFormat(format)) bad(`${where}.log.format`, `expected one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    log = { level, format };
  }
  let health: OpsConfig['health'];
  if (ops['health'] !== undefined && ops['health'] !== null) {
    const h = object(ops['health'], `${where}.health`, ['port', 'metrics']);
    if (h['port'] === undefined) bad(`${where}.health.port`, 'expected a port 1-65535 (omit "health" to turn the listener off)');
    const port = integer(h['port'], `${where}.health.port`, 1, 65_535);
    const metrics = h['metrics'] ?? true;
    if (typeof metrics !== 'boolean') bad(`${where}.health.metrics`, `expected true or false, got ${JSON.stringify(metrics)}`);
    health = { port, metrics };
  }
  let hooks = DEFAULT_OPS_CONFIG.hooks;
  if (ops['hooks'] !== undefined) {
    const h = object(ops['hooks'], `${where}.hooks`, ['timeout_seconds', 'max_concurrent', 'on']);
    const timeoutMs = h['timeout_seconds'] === undefined ? hooks.timeoutMs : integer(h['timeout_seconds'], `${where}.hooks.timeout_seconds`, 1, HOOK_TIMEOUT_MAX_MS / 1000) * 1000;
    const maxConcurrent = h['max_concurrent'] === undefined ? hooks.maxConcurrent : integer(h['max_concurrent'], `${where}.hooks.max_concurrent`, 1, 32);
    const on: Partial<Record<HookEvent, readonly HookCommand[]>> = {};
    if (h['on'] !== undefined) {
      const table = object(h['on'], `${where}.hooks.on`, HOOK_EVENTS);
      for (const [event, value] of Object.entries(table)) {
        if (isHookEvent(event)) on[event] = commands(value, `${where}.hooks.on.${event}`);
      }
    }
    hooks = { timeoutMs, maxConcurrent, on };
  }
  return { log, health, hooks };
}
