/**
 * Event hooks: run a command when something happens (light an LED on `wake`, log `utterance`s, page someone on
 * `hub_offline`).
 *
 * - Commands are argv arrays run **without a shell** (`["/usr/local/bin/led", "on"]`); a user who wants a shell
 *   writes `["/bin/sh", "-c", "…"]` and owns the quoting.
 * - The event travels in the environment: `HIVESAT_EVENT=wake`, `HIVESAT_KEYWORD=hey_jarvis`, `HIVESAT_SCORE=0.97`,
 *   `HIVESAT_TIME=<ISO 8601>`… (one `HIVESAT_<FIELD>` per field of the event, see {@link HookEventMap}; values
 *   are single-line-safe strings cut at {@link HOOK_ENV_VALUE_MAX_CHARS}). The service's own environment is
 *   **not** inherited — it may hold `HIVESAT_PASSWORD` — only {@link HOOK_INHERITED_ENV} (PATH, HOME, locale…).
 * - {@link HookRunner.fire} never blocks and never throws: hooks start later, at most `maxConcurrent` at once, the
 *   rest wait in a bounded queue (overflow is dropped and reported). A hook running longer than its timeout gets
 *   SIGTERM, then SIGKILL, on its whole process group. Every end is a {@link HookResult} value, logged (failures
 *   at `warn`) and passed to `onResult`.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { type OpsSpawn, type OpsTimers, defaultSpawn, systemTimers } from './clock.js';
import {
  HOOK_DEFAULT_PATH,
  HOOK_ENV_VALUE_MAX_CHARS,
  HOOK_INHERITED_ENV,
  HOOK_KILL_GRACE_MS,
  HOOK_MAX_CONCURRENT,
  HOOK_QUEUE_MAX,
  HOOK_STDERR_TAIL_CHARS,
  HOOK_TIMEOUT_MS,
} from './constants.js';
import { type Logger, nullLogger } from './logger.js';
import { snakeCase } from './redact.js';

/** The events a hook can be bound to, in config spelling. */
export const HOOK_EVENTS = ['wake', 'listening', 'utterance', 'answer', 'speaking_start', 'speaking_end', 'error', 'hub_online', 'hub_offline', 'fallback', 'mute'] as const;

/** A hook event. */
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** True for a {@link HookEvent}. */
export function isHookEvent(value: unknown): value is HookEvent {
  return typeof value === 'string' && (HOOK_EVENTS as readonly string[]).includes(value);
}

/** Where an answer came from. */
export type HookRoute = 'hub' | 'local';

/** The data of each event; each field becomes `HIVESAT_<FIELD>` (`keyword` → `HIVESAT_KEYWORD`). */
export interface HookEventMap {
  wake: { readonly keyword: string; readonly score: number };
  listening: { readonly keyword?: string };
  utterance: { readonly utterance?: string; readonly lang?: string; readonly durationSeconds?: number };
  answer: { readonly answer: string; readonly route: HookRoute; readonly utterance?: string };
  speaking_start: { readonly route?: HookRoute; readonly text?: string };
  speaking_end: { readonly route?: HookRoute };
  /** `device` (`capture`/`playback`) is set for device failures; `kind` is then the DeviceError code. */
  error: { readonly kind: string; readonly message: string; readonly device?: string };
  hub_online: { readonly hub: string };
  hub_offline: { readonly hub: string; readonly reason?: string };
  fallback: { readonly active: boolean; readonly reason: string };
  /** The microphone was muted or unmuted; `source` is `api`, `button` or `startup`. */
  mute: { readonly muted: boolean; readonly source: string };
}

/** A command: program and arguments. */
export type HookCommand = readonly string[];

/** The hooks bound to each event. */
export type HookTable = Readonly<Partial<Record<HookEvent, readonly HookCommand[]>>>;

/** How a hook ended. */
export type HookOutcome =
  /** Exit status 0. */
  | 'ok'
  /** Non-zero exit status, or killed by a signal it did not get from us. */
  | 'failed'
  /** Killed after its timeout. */
  | 'timeout'
  /** Could not be started (no such program, not executable). */
  | 'spawn-error'
  /** Never started: the queue was full, or the runner was closed. */
  | 'dropped';

/** The result of one hook run (or non-run). */
export interface HookResult {
  readonly event: HookEvent;
  readonly argv: HookCommand;
  readonly outcome: HookOutcome;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From start to end, ms (0 when it never started). */
  readonly durationMs: number;
  /** The end of what it wrote on stderr (redacted when logged). */
  readonly stderr: string;
  /** Why it failed to start or was dropped. */
  readonly reason?: string;
}

/** Options of {@link HookRunner}. */
export interface HookRunnerOptions {
  readonly hooks: HookTable;
  /** Default {@link HOOK_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Default {@link HOOK_MAX_CONCURRENT}. */
  readonly maxConcurrent?: number;
  /** Default {@link HOOK_QUEUE_MAX}. */
  readonly maxQueued?: number;
  /** The service environment, filtered by {@link HOOK_INHERITED_ENV}. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory of hooks. Default: the service's. */
  readonly cwd?: string;
  readonly spawn?: OpsSpawn;
  readonly timers?: OpsTimers;
  /** Wall clock for `HIVESAT_TIME`. Default `Date.now`. */
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Called with every result (tests, metrics). Must not throw. */
  readonly onResult?: (result: HookResult) => void;
}

interface Job {
  readonly event: HookEvent;
  readonly argv: HookCommand;
  readonly env: NodeJS.ProcessEnv;
}

/** `HIVESAT_*` variables of an event. */
export function hookEnvironment<E extends HookEvent>(event: E, data: HookEventMap[E], time: Date): Record<string, string> {
  const vars: Record<string, string> = { HIVESAT_EVENT: event, HIVESAT_TIME: time.toISOString() };
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
    // The value of an environment variable cannot hold NUL; cut very long texts so argv+env stay far below ARG_MAX.
    vars[`HIVESAT_${snakeCase(key).toUpperCase()}`] = text.replace(/\0/g, '').slice(0, HOOK_ENV_VALUE_MAX_CHARS);
  }
  return vars;
}

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what}: expected a positive integer, got ${value}`);
  return value;
}

/** Runs hooks, bounded and detached from the caller. */
export class HookRunner {
  readonly #hooks: HookTable;
  readonly #timeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  readonly #baseEnv: NodeJS.ProcessEnv;
  readonly #cwd: string | undefined;
  readonly #spawn: OpsSpawn;
  readonly #timers: OpsTimers;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #onResult: ((result: HookResult) => void) | undefined;
  readonly #queue: Job[] = [];
  readonly #running = new Set<ChildProcess>();
  readonly #idleWaiters: (() => void)[] = [];
  #closed = false;

  /** @throws {RangeError} for a non-positive timeout, concurrency or queue size, or an empty command. */
  constructor(options: HookRunnerOptions) {
    for (const [event, commands] of Object.entries(options.hooks)) {
      if (!isHookEvent(event)) throw new RangeError(`hooks: unknown event "${event}" (expected one of ${HOOK_EVENTS.join(', ')})`);
      for (const argv of commands ?? []) {
        if (argv.length === 0 || argv[0] === '') throw new RangeError(`hooks.${event}: expected a command ["program", "arg"…], got an empty one`);
      }
    }
    this.#hooks = options.hooks;
    this.#timeoutMs = options.timeoutMs ?? HOOK_TIMEOUT_MS;
    if (!(this.#timeoutMs > 0)) throw new RangeError(`timeoutMs: expected a positive number of ms, got ${this.#timeoutMs}`);
    this.#maxConcurrent = positiveInt(options.maxConcurrent ?? HOOK_MAX_CONCURRENT, 'maxConcurrent');
    this.#maxQueued = positiveInt(options.maxQueued ?? HOOK_QUEUE_MAX, 'maxQueued');
    const env = options.env ?? process.env;
    const base: NodeJS.ProcessEnv = {};
    for (const name of HOOK_INHERITED_ENV) if (env[name] !== undefined) base[name] = env[name];
    base['PATH'] ??= HOOK_DEFAULT_PATH;
    this.#baseEnv = base;
    this.#cwd = options.cwd;
    this.#spawn = options.spawn ?? defaultSpawn;
    this.#timers = options.timers ?? systemTimers;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? nullLogger;
    this.#onResult = options.onResult;
  }

  /** Whether any hook is bound to `event` (skip building expensive event data otherwise). */
  has(event: HookEvent): boolean {
    return (this.#hooks[event]?.length ?? 0) > 0;
  }

  /** Hooks running now. */
  get running(): number {
    return this.#running.size;
  }

  /** Hooks waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Run the hooks of `event`, later. Returns at once; never throws. */
  fire<E extends HookEvent>(event: E, data: HookEventMap[E]): void {
    const commands = this.#hooks[event];
    if (commands === undefined || commands.length === 0) return;
    const env = { ...this.#baseEnv, ...hookEnvironment(event, data, new Date(this.#now())) };
    for (const argv of commands) {
      if (this.#closed || this.#queue.length >= this.#maxQueued) {
        this.#report({ event, argv, outcome: 'dropped', exitCode: null, signal: null, durationMs: 0, stderr: '', reason: this.#closed ? 'hooks are closed' : `${this.#queue.length} hooks already waiting` });
        continue;
      }
      this.#queue.push({ event, argv, env });
    }
    // Start on a later tick: the caller (the audio path) never pays for a spawn.
    setImmediate(() => this.#pump());
  }

  /** Resolves when no hook is running or waiting (or after `timeoutMs`, resolving false). */
  idle(timeoutMs = this.#timeoutMs + HOOK_KILL_GRACE_MS + 1_000): Promise<boolean> {
    if (this.#running.size === 0 && this.#queue.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.#timers.setTimeout(() => resolve(false), timeoutMs);
      this.#idleWaiters.push(() => {
        this.#timers.clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Drop waiting hooks, stop running ones (SIGTERM, then SIGKILL), refuse new ones. Resolves when all have ended. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) {
      this.#report({ event: job.event, argv: job.argv, outcome: 'dropped', exitCode: null, signal: null, durationMs: 0, stderr: '', reason: 'hooks are closed' });
    }
    for (const child of this.#running) this.#killGroup(child, 'SIGTERM');
    const killer = this.#timers.setTimeout(() => {
      for (const child of this.#running) this.#killGroup(child, 'SIGKILL');
    }, HOOK_KILL_GRACE_MS);
    await this.idle(HOOK_KILL_GRACE_MS * 2);
    this.#timers.clearTimeout(killer);
  }

  #pump(): void {
    while (this.#running.size < this.#maxConcurrent) {
      const job = this.#queue.shift();
      if (job === undefined) break;
      this.#start(job);
    }
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#running.size > 0 || this.#queue.length > 0) return;
    for (const waiter of this.#idleWaiters.splice(0)) waiter();
  }

  #killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal); // the hook runs in its own process group: its children go too
    } catch {
      // Best-effort teardown: the group may already be gone (ESRCH).
      child.kill(signal);
    }
  }

  #start(job: Job): void {
    const started = this.#timers.now();
    const [program = '', ...args] = job.argv;
    let stderr = '';
    let timedOut = false;
    let child: ChildProcess;
    const end = (outcome: HookOutcome, exitCode: number | null, signal: NodeJS.Signals | null, reason?: string): void => {
      this.#report({ event: job.event, argv: job.argv, outcome, exitCode, signal, durationMs: Math.round(this.#timers.now() - started), stderr, ...(reason === undefined ? {} : { reason }) });
    };
    try {
      child = this.#spawn(program, args, {
        env: job.env,
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true, // its own process group, so a timeout kills what it started as well
        shell: false,
        ...(this.#cwd === undefined ? {} : { cwd: this.#cwd }),
      });
    } catch (error) {
      end('spawn-error', null, null, (error as Error).message);
      this.#pump();
      return;
    }
    this.#running.add(child);
    let termTimer: unknown;
    let killTimer: unknown;
    termTimer = this.#timers.setTimeout(() => {
      timedOut = true;
      this.#killGroup(child, 'SIGTERM');
      killTimer = this.#timers.setTimeout(() => this.#killGroup(child, 'SIGKILL'), HOOK_KILL_GRACE_MS);
    }, this.#timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-HOOK_STDERR_TAIL_CHARS);
    });
    let finished = false;
    const finish = (outcome: HookOutcome, exitCode: number | null, signal: NodeJS.Signals | null, reason?: string): void => {
      if (finished) return;
      finished = true;
      this.#timers.clearTimeout(termTimer);
      if (killTimer !== undefined) this.#timers.clearTimeout(killTimer);
      termTimer = undefined;
      this.#running.delete(child);
      end(outcome, exitCode, signal, reason);
      this.#pump();
    };
    child.once('error', (error) => finish('spawn-error', null, null, error.message));
    child.once('close', (code, signal) => {
      if (timedOut) finish('timeout', code, signal);
      else finish(code === 0 ? 'ok' : 'failed', code, signal);
    });
  }

  #report(result: HookResult): void {
    const fields = {
      event: result.event,
      command: basename(result.argv[0] ?? ''),
      outcome: result.outcome,
      duration_ms: result.durationMs,
      ...(result.exitCode === null ? {} : { exit_code: result.exitCode }),
      ...(result.signal === null ? {} : { signal: result.signal }),
      ...(result.reason === undefined ? {} : { reason: result.reason }),
      ...(result.stderr === '' || result.outcome === 'ok' ? {} : { stderr: result.stderr.trim() }),
    };
    if (result.outcome === 'ok') this.#logger.debug('hook ran', fields);
    else this.#logger.warn(`hook ${result.outcome === 'dropped' ? 'dropped' : 'failed'}`, fields);
    try {
      this.#onResult?.(result);
    } catch (error) {
      // Supervision boundary: a broken observer must not break the runner; say so once per result.
      this.#logger.error('hook result observer threw', { error });
    }
  }
}
