/**
 * systemd integration without a native module: readiness, status and the watchdog heartbeat (sd_notify(3)).
 *
 * The notify protocol is a datagram on the `AF_UNIX`/`SOCK_DGRAM` socket named by `$NOTIFY_SOCKET`; Node has no
 * such sockets (`node:dgram` is UDP only, `node:net` is stream only). So each notification runs `systemd-notify`
 * with the assignments as arguments (`systemd-notify READY=1 STATUS=…`). Since systemd 246 `systemd-notify` waits
 * until the manager has processed the message (a barrier), so the message is attributed to the unit although the
 * helper exits right after; the unit needs `NotifyAccess=all` for a child to be heard. Measured here: 14 ms per
 * notification (x86-64, systemd 252); one heartbeat every `WatchdogSec/4` costs nothing noticeable.
 *
 * Notifications are sent one at a time, in order; a `WATCHDOG=1` already waiting absorbs the next one. They never
 * throw: each resolves with a {@link NotifyOutcome}, and failures are logged.
 *
 * {@link Watchdog}: the audio loop calls `ping()` for every chunk it handles; a timer forwards `WATCHDOG=1` to
 * systemd only while the pings keep coming. A stalled loop (or a blocked event loop) stops the heartbeat, systemd
 * kills the service after `WatchdogSec` and `Restart=always` starts it again.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { type OpsSpawn, type OpsTimers, defaultSpawn, systemTimers } from './clock.js';
import { HOOK_STDERR_TAIL_CHARS, NOTIFY_QUEUE_MAX, NOTIFY_TIMEOUT_MS, WATCHDOG_PINGS_PER_INTERVAL, WATCHDOG_STALL_FRACTION } from './constants.js';
import { OpsError } from './errors.js';
import { type Logger, nullLogger } from './logger.js';

/** What became of a notification. Never a rejection. */
export type NotifyOutcome =
  | { readonly sent: true }
  /** `disabled`: not running under systemd; `merged`: an identical heartbeat was already waiting; `queue-full`. */
  | { readonly sent: false; readonly reason: 'disabled' | 'merged' | 'queue-full' }
  | { readonly sent: false; readonly reason: 'failed'; readonly error: OpsError };

/** Tells the service manager about the service's life. */
export interface ServiceNotifier {
  /** False when not started by systemd with `Type=notify` (no `$NOTIFY_SOCKET`): every call is a no-op. */
  readonly enabled: boolean;
  /** `READY=1`: models loaded and the hub connected, or the local fallback ready. */
  ready(status?: string): Promise<NotifyOutcome>;
  /** `STATUS=…`: one line shown by `systemctl status`. */
  status(text: string): Promise<NotifyOutcome>;
  /** `WATCHDOG=1`: the heartbeat (use a {@link Watchdog} rather than calling this directly). */
  watchdog(): Promise<NotifyOutcome>;
  /** `STOPPING=1`: shutdown has begun. */
  stopping(status?: string): Promise<NotifyOutcome>;
  /** Any assignments (`['WATCHDOG=trigger']`, `['RELOADING=1']`). Values must be single-line. */
  notify(assignments: readonly string[]): Promise<NotifyOutcome>;
}

/** Options of {@link createSystemdNotifier}. */
export interface NotifierOptions {
  /** Environment holding `NOTIFY_SOCKET` (and `PATH` for the helper). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** The helper. Default `systemd-notify`. */
  readonly command?: string;
  readonly spawn?: OpsSpawn;
  readonly timers?: OpsTimers;
  /** The helper is killed after this, ms. Default {@link NOTIFY_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

const DISABLED: NotifyOutcome = Object.freeze({ sent: false, reason: 'disabled' });
const WATCHDOG_1 = 'WATCHDOG=1';

/** A notifier that does nothing (not under systemd). */
export const nullNotifier: ServiceNotifier = {
  enabled: false,
  ready: () => Promise.resolve(DISABLED),
  status: () => Promise.resolve(DISABLED),
  watchdog: () => Promise.resolve(DISABLED),
  stopping: () => Promise.resolve(DISABLED),
  notify: () => Promise.resolve(DISABLED),
};

/** One line, safe as an assignment value (a newline would start a new assignment). */
function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
}

interface Pending {
  readonly assignments: readonly string[];
  readonly resolve: (outcome: NotifyOutcome) => void;
}

/**
 * A {@link ServiceNotifier} that runs `systemd-notify`, or {@link nullNotifier} when `$NOTIFY_SOCKET` is unset.
 *
 * @throws {RangeError} for a timeout that is not a positive number of ms.
 */
export function createSystemdNotifier(options: NotifierOptions = {}): ServiceNotifier {
  const env = options.env ?? process.env;
  const socket = env['NOTIFY_SOCKET'];
  if (socket === undefined || socket === '') return nullNotifier;
  const command = options.command ?? 'systemd-notify';
  const spawn = options.spawn ?? defaultSpawn;
  const timers = options.timers ?? systemTimers;
  const logger = options.logger ?? nullLogger;
  const timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs: expected a positive number of ms, got ${timeoutMs}`);
  const childEnv: NodeJS.ProcessEnv = { NOTIFY_SOCKET: socket, PATH: env['PATH'] ?? '/usr/bin:/bin' };
  const queue: Pending[] = [];
  let busy = false;

  const runOne = (assignments: readonly string[]): Promise<NotifyOutcome> =>
    new Promise((resolve) => {
      let stderr = '';
      let settled = false;
      let child: ChildProcess;
      const fail = (message: string, cause?: unknown): void => {
        if (settled) return;
        settled = true;
        const error = new OpsError('OPS_ERR_NOTIFY', message, cause === undefined ? undefined : { cause });
        logger.warn('systemd notification not delivered', { assignments: assignments.map((a) => a.split('=')[0]).join(','), error: error.message });
        resolve({ sent: false, reason: 'failed', error });
      };
      try {
        child = spawn(command, assignments, { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv });
      } catch (cause) {
        fail(`cannot run ${command}: ${(cause as Error).message}`, cause);
        return;
      }
      const timer = timers.setTimeout(() => {
        child.kill('SIGKILL');
        fail(`${command} did not finish within ${timeoutMs} ms`);
      }, timeoutMs);
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-HOOK_STDERR_TAIL_CHARS);
      });
      child.once('error', (cause) => {
        timers.clearTimeout(timer);
        fail(`cannot run ${command}: ${cause.message}`, cause);
      });
      child.once('close', (code, signal) => {
        timers.clearTimeout(timer);
        if (code === 0) {
          if (!settled) {
            settled = true;
            resolve({ sent: true });
          }
          return;
        }
        const said = stderr.trim().split('\n').pop() ?? '';
        fail(`${command} exited with ${code ?? signal ?? 'nothing'}${said === '' ? '' : `: ${said}`}`);
      });
    });

  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) next.resolve(await runOne(next.assignments));
    } finally {
      busy = false;
    }
  };

  const notify = (assignments: readonly string[]): Promise<NotifyOutcome> => {
    if (assignments.length === 1 && assignments[0] === WATCHDOG_1 && queue.some((p) => p.assignments.length === 1 && p.assignments[0] === WATCHDOG_1)) {
      return Promise.resolve({ sent: false, reason: 'merged' });
    }
    if (queue.length >= NOTIFY_QUEUE_MAX) {
      logger.warn('systemd notification dropped: too many waiting', { waiting: queue.length });
      return Promise.resolve({ sent: false, reason: 'queue-full' });
    }
    const clean = assignments.map((a) => {
      const eq = a.indexOf('=');
      return eq < 0 ? singleLine(a) : `${a.slice(0, eq)}=${singleLine(a.slice(eq + 1))}`;
    });
    return new Promise((resolve) => {
      queue.push({ assignments: clean, resolve });
      void pump();
    });
  };

  const withStatus = (first: string, status: string | undefined): readonly string[] => (status === undefined ? [first] : [first, `STATUS=${status}`]);
  return {
    enabled: true,
    ready: (status) => notify(withStatus('READY=1', status)),
    status: (text) => notify([`STATUS=${text}`]),
    watchdog: () => notify([WATCHDOG_1]),
    stopping: (status) => notify(withStatus('STOPPING=1', status)),
    notify,
  };
}

/**
 * The watchdog timeout systemd asked for, ms: `$WATCHDOG_USEC` (µs), when `$WATCHDOG_PID` is unset or names this
 * process. Undefined when the unit has no `WatchdogSec=`.
 */
export function watchdogTimeoutMs(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): number | undefined {
  const usec = env['WATCHDOG_USEC'];
  if (usec === undefined || !/^\d+$/.test(usec)) return undefined;
  const forPid = env['WATCHDOG_PID'];
  if (forPid !== undefined && forPid !== '' && forPid !== String(pid)) return undefined;
  const ms = Number(usec) / 1000;
  return ms > 0 ? ms : undefined;
}

/** Options of {@link Watchdog}. */
export interface WatchdogOptions {
  readonly notifier: ServiceNotifier;
  /** Default `process.env` (`WATCHDOG_USEC`, `WATCHDOG_PID`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Default `process.pid`. */
  readonly pid?: number;
  /** Override the timeout, ms (tests); default from the environment. */
  readonly timeoutMs?: number;
  readonly timers?: OpsTimers;
  readonly logger?: Logger;
}

/**
 * The heartbeat of the audio loop. Enabled only under systemd with `WatchdogSec=`; otherwise every method is a no-op.
 *
 * Every `timeout/4` it sends `WATCHDOG=1` if the loop pinged within the last `timeout/2`; otherwise it withholds the
 * heartbeat (and logs once), so systemd restarts a service whose audio loop hangs.
 */
export class Watchdog {
  /** `WatchdogSec` in ms, or undefined when disabled. */
  readonly timeoutMs: number | undefined;
  readonly #notifier: ServiceNotifier;
  readonly #timers: OpsTimers;
  readonly #logger: Logger;
  #lastPing = 0;
  #timer: unknown;
  #running = false;
  #stalled = false;

  constructor(options: WatchdogOptions) {
    this.#notifier = options.notifier;
    this.#timers = options.timers ?? systemTimers;
    this.#logger = options.logger ?? nullLogger;
    const timeout = options.timeoutMs ?? watchdogTimeoutMs(options.env, options.pid);
    if (timeout !== undefined && !(timeout > 0)) throw new RangeError(`timeoutMs: expected a positive number of ms, got ${timeout}`);
    this.timeoutMs = options.notifier.enabled ? timeout : undefined;
  }

  /** Whether heartbeats are sent at all. */
  get enabled(): boolean {
    return this.timeoutMs !== undefined;
  }

  /** Time since the last {@link ping}, ms (0 before {@link start}). */
  get sinceLastPingMs(): number {
    return this.#running ? this.#timers.now() - this.#lastPing : 0;
  }

  /** Start sending heartbeats (call when the audio loop starts). Sends one at once. */
  start(): void {
    if (this.timeoutMs === undefined || this.#running) return;
    this.#running = true;
    this.#lastPing = this.#timers.now();
    this.#tick();
  }

  /** The audio loop is alive. Called per audio chunk: no allocation, no I/O. */
  ping(): void {
    this.#lastPing = this.#timers.now();
  }

  /** Stop sending heartbeats (shutdown). */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (!this.#running || this.timeoutMs === undefined) return;
    const age = this.#timers.now() - this.#lastPing;
    if (age <= this.timeoutMs * WATCHDOG_STALL_FRACTION) {
      if (this.#stalled) this.#logger.info('audio loop running again: watchdog heartbeat resumed', { stalled_ms: Math.round(age) });
      this.#stalled = false;
      void this.#notifier.watchdog();
    } else if (!this.#stalled) {
      this.#stalled = true;
      this.#logger.error('audio loop stalled: withholding the watchdog heartbeat, systemd will restart the service', { stalled_ms: Math.round(age), watchdog_ms: this.timeoutMs });
    }
    this.#timer = this.#timers.setTimeout(() => this.#tick(), this.timeoutMs / WATCHDOG_PINGS_PER_INTERVAL);
  }
}
