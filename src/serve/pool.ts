/**
 * A bounded pool of per-conversation resources (a hub connection, a persona instance), keyed by conversation.
 *
 * - One user at a time per key: a second request of the same conversation waits for the first (answers of one
 *   conversation must not interleave on one hub session).
 * - At most `max` entries: a new key evicts the least recently used idle entry; when every entry is busy the new
 *   key is refused with `SERVE_ERR_UNAVAILABLE`.
 * - An entry idle for `idleMs` is disposed (its hub connection closed).
 *
 * @module
 */
import { CONVERSATION_IDLE_MS, MAX_CONVERSATIONS } from './constants.js';
import { ServeError } from './errors.js';

/** Timer functions, injectable so tests fire idle timeouts by hand. */
export interface PoolTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers that do not keep the process alive. */
export const unrefTimers: PoolTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Options of {@link KeyedPool}. */
export interface KeyedPoolOptions<T> {
  /** Makes the resource of a new key. */
  readonly create: (key: string) => T;
  /** Disposes a resource (evicted, idle, discarded or at close). Errors are ignored. */
  readonly dispose: (value: T) => Promise<void> | void;
  /** Default {@link MAX_CONVERSATIONS}. */
  readonly max?: number;
  /** Default {@link CONVERSATION_IDLE_MS}. */
  readonly idleMs?: number;
  readonly timers?: PoolTimers;
}

/** Exclusive use of one entry; call exactly one of `release` or `discard`. */
export interface Lease<T> {
  readonly value: T;
  /** True when this lease created the entry. */
  readonly fresh: boolean;
  /** Give the entry back for the next request of its conversation. */
  release(): void;
  /** Drop and dispose the entry (e.g. its connection is dead); the next request makes a new one. */
  discard(): void;
}

interface Entry<T> {
  readonly key: string;
  readonly value: T;
  busy: boolean;
  readonly waiters: (() => void)[];
  idleTimer: unknown;
  removed: boolean;
}

/** See the module comment. */
export class KeyedPool<T> {
  readonly #o: Required<KeyedPoolOptions<T>>;
  /** Insertion order = recency order: a lease re-inserts its entry. */
  readonly #entries = new Map<string, Entry<T>>();
  #closed = false;

  /** @throws {RangeError} for a `max` or `idleMs` that is not a positive integer. */
  constructor(options: KeyedPoolOptions<T>) {
    const max = options.max ?? MAX_CONVERSATIONS;
    const idleMs = options.idleMs ?? CONVERSATION_IDLE_MS;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max: expected a positive integer, got ${String(max)}`);
    if (!Number.isInteger(idleMs) || idleMs < 1) throw new RangeError(`idleMs: expected a positive integer of ms, got ${String(idleMs)}`);
    this.#o = { create: options.create, dispose: options.dispose, max, idleMs, timers: options.timers ?? unrefTimers };
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Lease the entry of `key`, creating it if needed; waits while another request of the same key holds it.
   *
   * @throws {ServeError} `SERVE_ERR_UNAVAILABLE` when the pool is full of busy entries or closed; what `create` throws.
   */
  async acquire(key: string): Promise<Lease<T>> {
    for (;;) {
      if (this.#closed) throw new ServeError('SERVE_ERR_UNAVAILABLE', 'expected a running server, got one shutting down');
      const entry = this.#entries.get(key);
      if (entry === undefined) return this.#lease(this.#add(key), true);
      if (!entry.busy) return this.#lease(entry, false);
      await new Promise<void>((resolve) => entry.waiters.push(resolve));
    }
  }

  /** Dispose every entry and refuse new leases. Leased entries are disposed when they are given back. */
  async close(): Promise<void> {
    this.#closed = true;
    const idle = [...this.#entries.values()].filter((e) => !e.busy);
    await Promise.all(idle.map((e) => this.#remove(e)));
  }

  #add(key: string): Entry<T> {
    if (this.#entries.size >= this.#o.max) {
      const victim = [...this.#entries.values()].find((e) => !e.busy && e.waiters.length === 0);
      if (victim === undefined) {
        throw new ServeError('SERVE_ERR_UNAVAILABLE', `expected a free conversation slot, got all ${this.#o.max} busy; try again shortly`);
      }
      void this.#remove(victim);
    }
    const entry: Entry<T> = { key, value: this.#o.create(key), busy: false, waiters: [], idleTimer: undefined, removed: false };
    this.#entries.set(key, entry);
    return entry;
  }

  #lease(entry: Entry<T>, fresh: boolean): Lease<T> {
    entry.busy = true;
    if (entry.idleTimer !== undefined) {
      this.#o.timers.clearTimeout(entry.idleTimer);
      entry.idleTimer = undefined;
    }
    this.#entries.delete(entry.key);
    this.#entries.set(entry.key, entry);
    let done = false;
    const finish = (discard: boolean): void => {
      if (done) return;
      done = true;
      entry.busy = false;
      if (discard || this.#closed) {
        void this.#remove(entry);
      } else {
        entry.idleTimer = this.#o.timers.setTimeout(() => {
          entry.idleTimer = undefined;
          if (!entry.busy) void this.#remove(entry);
        }, this.#o.idleMs);
      }
      // Wake everyone waiting on this key: the first re-checks and leases (or creates anew after a discard).
      for (const wake of entry.waiters.splice(0)) wake();
    };
    return { value: entry.value, fresh, release: () => finish(false), discard: () => finish(true) };
  }

  async #remove(entry: Entry<T>): Promise<void> {
    if (entry.removed) return;
    entry.removed = true;
    if (entry.idleTimer !== undefined) this.#o.timers.clearTimeout(entry.idleTimer);
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    for (const wake of entry.waiters.splice(0)) wake();
    try {
      await this.#o.dispose(entry.value);
    } catch {
      // Best-effort teardown: a connection that fails to close is gone either way.
    }
  }
}
