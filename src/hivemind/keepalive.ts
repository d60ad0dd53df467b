/**
 * WebSocket keep-alive of a ready connection (HIVEMIND.md §1.4): a ping every `intervalMs`; a pong must follow
 * within `timeoutMs`, else the hub is presumed dead and `onDead` is called once. With the defaults (25 s / 10 s,
 * as the newest reference client) a dead hub is detected at most 35 s after it died — on a machine that keeps up:
 * the pong deadline counts only time in which our event loop ran ({@link attentiveDeadline}), so a stall of this
 * process (CPU starvation, GC) never makes a live hub look dead.
 *
 * @module
 */
import { PING_INTERVAL_MS, PONG_TIMEOUT_MS } from './connection-constants.js';
import { type TimerHandle, type Timers, attentiveDeadline } from './connection-io.js';

/** Options of {@link KeepAlive}. */
export interface KeepAliveOptions {
  readonly timers: Timers;
  /** Sends one ping. */
  readonly ping: () => void;
  /** Called once when a pong is overdue. */
  readonly onDead: () => void;
  /** Interval between pings, ms. Default {@link PING_INTERVAL_MS}. */
  readonly intervalMs?: number;
  /** Pong deadline after a ping, ms. Default {@link PONG_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/** Pings on a timer and watches for pongs. */
export class KeepAlive {
  readonly #options: KeepAliveOptions;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  #pingTimer: TimerHandle | undefined;
  /** Cancels the pong deadline of the outstanding ping. */
  #cancelPongDeadline: (() => void) | undefined;
  #running = false;

  /** @throws {RangeError} for a non-positive interval or timeout. */
  constructor(options: KeepAliveOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? PING_INTERVAL_MS;
    this.#timeoutMs = options.timeoutMs ?? PONG_TIMEOUT_MS;
    if (!(this.#intervalMs > 0) || !(this.#timeoutMs > 0)) {
      throw new RangeError(`keep-alive: expected positive interval and timeout (ms), got ${this.#intervalMs} and ${this.#timeoutMs}`);
    }
  }

  /** Start pinging (no-op when running). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedulePing();
  }

  /** Stop pinging and forget an outstanding ping. */
  stop(): void {
    this.#running = false;
    const { timers } = this.#options;
    if (this.#pingTimer !== undefined) timers.clearTimeout(this.#pingTimer);
    this.#pingTimer = undefined;
    this.pong();
  }

  /** A pong arrived. */
  pong(): void {
    this.#cancelPongDeadline?.();
    this.#cancelPongDeadline = undefined;
  }

  #schedulePing(): void {
    this.#pingTimer = this.#options.timers.setTimeout(() => {
      this.#pingTimer = undefined;
      if (!this.#running) return;
      this.#cancelPongDeadline ??= attentiveDeadline(this.#options.timers, this.#timeoutMs, () => {
        this.#cancelPongDeadline = undefined;
        if (!this.#running) return;
        this.stop();
        this.#options.onDead();
      });
      this.#options.ping();
      this.#schedulePing();
    }, this.#intervalMs);
  }
}
