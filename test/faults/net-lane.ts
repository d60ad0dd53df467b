/**
 * One direction of a proxied connection: an ordered queue of byte pieces and calls, released to the destination
 * socket after a fixed latency and at a bounded rate, with backpressure both ways (a slow destination pauses the
 * source; so does a queue over its byte bound). Calls run when the pieces queued before them have been written, so
 * "message passed" and "fault fired" happen exactly after the bytes that precede them.
 *
 * @module
 */
import type { Socket } from 'node:net';
import type { TimerHandle, Timers } from '../../src/timers.js';

/** Granularity of throttling, ms: a throttled lane writes one slice of `bytesPerSecond · 20 / 1000` bytes per tick. */
export const THROTTLE_TICK_MS = 20;

type Item = { readonly kind: 'bytes'; bytes: Buffer; readonly due: number } | { readonly kind: 'call'; readonly run: () => void; readonly due: number };

/** Options of {@link Lane}. */
export interface LaneOptions {
  readonly timers: Timers;
  readonly maxBufferedBytes: number;
  /** Called with each piece just written (for counters). */
  readonly written: (bytes: number) => void;
}

/** A one-way, shaped byte queue. */
export class Lane {
  readonly #o: LaneOptions;
  readonly #src: Socket;
  #dst: Socket | undefined;
  #queue: Item[] = [];
  #queued = 0;
  #timer: TimerHandle | undefined;
  #blocked = false;
  #pausedSource = false;
  #stopped = false;
  #nextSliceAt = 0;
  delayMs = 0;
  bytesPerSecond: number | undefined;

  constructor(src: Socket, options: LaneOptions) {
    this.#src = src;
    this.#o = options;
  }

  /** Bytes waiting. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /** Where bytes go (set once the upstream exists; nothing is written before). */
  attach(dst: Socket): void {
    this.#dst = dst;
    this.#pump();
  }

  /** Queue bytes (after the current latency). */
  push(bytes: Buffer): void {
    if (this.#stopped || bytes.length === 0) return;
    this.#queue.push({ kind: 'bytes', bytes, due: this.#o.timers.now() + this.delayMs });
    this.#queued += bytes.length;
    if (this.#queued > this.#o.maxBufferedBytes && !this.#pausedSource) {
      this.#pausedSource = true;
      this.#src.pause();
    }
    this.#pump();
  }

  /** Run `run` once everything queued so far has been written. */
  call(run: () => void): void {
    if (this.#stopped) return;
    this.#queue.push({ kind: 'call', run, due: this.#o.timers.now() + this.delayMs });
    this.#pump();
  }

  /** Stop for good: forget the queue and the timer (the sockets are the connection's business). */
  stop(): void {
    this.#stopped = true;
    this.#queue = [];
    this.#queued = 0;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pausedSource) this.#src.resume();
    this.#pausedSource = false;
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, ms);
  }

  #pump(): void {
    while (!this.#stopped && this.#timer === undefined && !this.#blocked) {
      const head = this.#queue[0];
      if (head === undefined) break;
      const now = this.#o.timers.now();
      if (head.due > now) {
        this.#schedule(head.due - now);
        return;
      }
      if (head.kind === 'call') {
        this.#queue.shift();
        head.run();
        continue;
      }
      const dst = this.#dst;
      if (dst === undefined || dst.destroyed) return;
      let piece = head.bytes;
      if (this.bytesPerSecond !== undefined) {
        if (now < this.#nextSliceAt) {
          this.#schedule(this.#nextSliceAt - now);
          return;
        }
        const slice = Math.max(1, Math.floor((this.bytesPerSecond * THROTTLE_TICK_MS) / 1000));
        piece = head.bytes.subarray(0, slice);
        this.#nextSliceAt = now + THROTTLE_TICK_MS;
      }
      if (piece.length === head.bytes.length) this.#queue.shift();
      else head.bytes = head.bytes.subarray(piece.length);
      this.#queued -= piece.length;
      this.#o.written(piece.length);
      if (!dst.write(piece)) {
        this.#blocked = true;
        dst.once('drain', () => {
          this.#blocked = false;
          this.#pump();
        });
      }
    }
    if (this.#pausedSource && this.#queued <= this.#o.maxBufferedBytes / 2) {
      this.#pausedSource = false;
      this.#src.resume();
    }
  }
}
