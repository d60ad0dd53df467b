/**
 * A per-client token bucket: each client address may make `burst` requests at once, then `perMinute` a minute.
 * The clock is injected (monotonic milliseconds), so tests drive it by hand. The table of clients is bounded: when
 * full, the client seen least recently is forgotten (a `Map` keeps insertion order; a hit re-inserts).
 *
 * @module
 */
import { RATE_LIMIT_BURST, RATE_LIMIT_MAX_CLIENTS, RATE_LIMIT_PER_MINUTE } from './constants.js';

/** Options of {@link RateLimiter}. */
export interface RateLimitOptions {
  /** Sustained requests per minute per client. Default {@link RATE_LIMIT_PER_MINUTE}. */
  readonly perMinute?: number;
  /** Bucket size. Default {@link RATE_LIMIT_BURST}. */
  readonly burst?: number;
  /** Clients remembered. Default {@link RATE_LIMIT_MAX_CLIENTS}. */
  readonly maxClients?: number;
  /** Monotonic clock, milliseconds. Default `performance.now`. */
  readonly now?: () => number;
}

/** The verdict on one request. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterS: number };

interface Bucket {
  tokens: number;
  at: number;
}

const MS_PER_MINUTE = 60_000;

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what}: expected a positive integer, got ${String(value)}`);
  return value;
}

/** The per-client token buckets. */
export class RateLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  /** @throws {RangeError} for a rate, burst or client count that is not a positive integer. */
  constructor(options: RateLimitOptions = {}) {
    this.#perMs = positiveInteger(options.perMinute ?? RATE_LIMIT_PER_MINUTE, 'perMinute') / MS_PER_MINUTE;
    this.#burst = positiveInteger(options.burst ?? RATE_LIMIT_BURST, 'burst');
    this.#maxClients = positiveInteger(options.maxClients ?? RATE_LIMIT_MAX_CLIENTS, 'maxClients');
    this.#now = options.now ?? (() => performance.now());
  }

  /** Take one token for `client`; refuse with the seconds until the next one when the bucket is empty. */
  take(client: string): RateDecision {
    const now = this.#now();
    const bucket = this.#buckets.get(client) ?? { tokens: this.#burst, at: now };
    this.#buckets.delete(client);
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    this.#buckets.set(client, bucket);
    if (this.#buckets.size > this.#maxClients) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000)) };
  }

  /** Clients currently remembered. */
  get clients(): number {
    return this.#buckets.size;
  }
}
