/**
 * Server-Sent Events of the satellite's events (`GET /v1/events` of the control API): every event the hooks get
 * (`wake`, `listening`, `utterance`, `answer`, `speaking_start`, `speaking_end`, `error`, `hub_online`,
 * `hub_offline`, `fallback`, `mute`) plus `state` changes, each as
 *
 * ```
 * event: wake
 * data: {"keyword":"hey_jarvis","score":0.97,"time":"2026-12-02T21:00:00.000Z"}
 * ```
 *
 * A subscriber that does not read (its socket buffer holds more than {@link SSE_MAX_BUFFERED_BYTES}) is cut off
 * rather than buffered without bound; at most {@link SSE_MAX_SUBSCRIBERS} are connected at once. A comment line
 * every {@link SSE_HEARTBEAT_MS} keeps proxies and idle timeouts from closing a quiet stream.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { type OpsTimers, systemTimers } from './clock.js';

/** Subscribers at once; more get 503. */
export const SSE_MAX_SUBSCRIBERS = 8;
/** Unsent bytes a subscriber may have before it is cut off. */
export const SSE_MAX_BUFFERED_BYTES = 256 * 1024;
/** Interval of the keep-alive comment, ms. */
export const SSE_HEARTBEAT_MS = 15_000;

/** The event fan-out of `GET /v1/events`. */
export class EventStream {
  readonly #subscribers = new Set<ServerResponse>();
  readonly #observers: ((event: string, data: Readonly<Record<string, unknown>>) => void)[] = [];
  readonly #timers: OpsTimers;
  readonly #now: () => number;
  #heartbeat: unknown;

  constructor(options: { readonly timers?: OpsTimers; readonly now?: () => number } = {}) {
    this.#timers = options.timers ?? systemTimers;
    this.#now = options.now ?? Date.now;
  }

  /** Connected subscribers. */
  get size(): number {
    return this.#subscribers.size;
  }

  /**
   * Answer `res` with an event stream and keep it subscribed until the client leaves.
   *
   * @returns false (nothing written) when {@link SSE_MAX_SUBSCRIBERS} are connected already.
   */
  subscribe(res: ServerResponse): boolean {
    if (this.#subscribers.size >= SSE_MAX_SUBSCRIBERS) return false;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Content-Type-Options': 'nosniff' });
    res.write(': hivesat events\n\n');
    this.#subscribers.add(res);
    res.on('close', () => this.#drop(res));
    if (this.#heartbeat === undefined) this.#beat();
    return true;
  }

  /** Call `observer` with every event published (in process: the LEDs). It must not throw. */
  observe(observer: (event: string, data: Readonly<Record<string, unknown>>) => void): void {
    this.#observers.push(observer);
  }

  /** Send one event to every observer and subscriber (`time` is added for subscribers). Never throws. */
  publish(event: string, data: Readonly<Record<string, unknown>>): void {
    for (const observer of this.#observers) observer(event, data);
    if (this.#subscribers.size === 0) return;
    this.#send(`event: ${event}\ndata: ${JSON.stringify({ ...data, time: new Date(this.#now()).toISOString() })}\n\n`);
  }

  /** End every stream. */
  close(): void {
    for (const res of [...this.#subscribers]) {
      res.end();
      this.#drop(res);
    }
  }

  /** Schedule the next keep-alive comment (timers are unref'd: a quiet stream keeps no process alive). */
  #beat(): void {
    this.#heartbeat = this.#timers.setTimeout(() => {
      this.#send(': keep-alive\n\n');
      if (this.#subscribers.size > 0) this.#beat();
    }, SSE_HEARTBEAT_MS);
  }

  #send(text: string): void {
    for (const res of [...this.#subscribers]) {
      if (res.writableLength > SSE_MAX_BUFFERED_BYTES) {
        res.destroy();
        this.#drop(res);
        continue;
      }
      res.write(text);
    }
  }

  #drop(res: ServerResponse): void {
    this.#subscribers.delete(res);
    if (this.#subscribers.size === 0 && this.#heartbeat !== undefined) {
      this.#timers.clearTimeout(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }
}
