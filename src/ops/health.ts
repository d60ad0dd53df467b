/**
 * The satellite's health, as `/healthz` reports it: lifecycle, what it is doing, the hub link, the last turn,
 * whether the local fallback is answering, and uptime.
 *
 * `status` is `starting` until {@link HealthState.markReady}, `stopping` after {@link HealthState.markStopping};
 * in between `ok` while the hub is connected and the capture device delivers audio, and `degraded` while the hub is
 * not connected (the satellite still answers locally) or the capture device is down (it is being restarted: the
 * satellite cannot hear anyone meanwhile).
 *
 * @module
 */
import type { TurnRoute } from './metrics.js';

/** Lifecycle status. */
export type HealthStatus = 'starting' | 'ok' | 'degraded' | 'stopping';

/** The `/healthz` document. Times are ISO 8601 (UTC). */
export interface HealthSnapshot {
  readonly status: HealthStatus;
  /** What the satellite is doing (`idle`, `listening`, `thinking`, `speaking` …), as it last reported. */
  readonly state: string;
  readonly hub: {
    readonly connected: boolean;
    /** Since when it is connected (or disconnected); null before the first change. */
    readonly since: string | null;
    /** Why it went offline last, if it did. */
    readonly lastError: string | null;
    /**
     * Present only when `"mode": "stream"` gave way to audio mode: the hub dropped the first RAW_AUDIO stream of two
     * sessions in a row; what it needs (until restart).
     */
    readonly streamsRefused?: string;
  };
  /** The microphone: `ok` false from a capture device failure until the restarted device delivers audio again. */
  readonly capture: {
    readonly ok: boolean;
    /** Since when it is up (or down); null before the first failure. */
    readonly since: string | null;
    /** The last capture failure (code: message), if there was one. */
    readonly lastError: string | null;
  };
  readonly lastTurn: { readonly at: string; readonly route: TurnRoute; readonly outcome: string; readonly durationMs: number } | null;
  readonly fallbackActive: boolean;
  /** The microphone is muted: captured audio is dropped before any processing. */
  readonly muted: boolean;
  /** The wake engine and verifier; null until the listener is attached. */
  readonly wake: WakeHealth | null;
  readonly uptimeSeconds: number;
  readonly version: string;
}

/**
 * The wake word as it runs: the engine asked for and the one running (Porcupine falls back to openWakeWord when it
 * cannot start: then the `WAKE_ERR_PORCUPINE_*` code, message and one-line fix), and the second-stage verifier.
 */
export interface WakeHealth {
  readonly requested: string;
  readonly engine: string;
  readonly fallback: { readonly code: string; readonly message: string; readonly fix: string } | null;
  /** `shipped`, `enrolled` (with when and on how many takes), `file` or `none`. */
  readonly verifier: { readonly kind: string; readonly enrolledAt: string | null; readonly takes: number | null };
}

/** Anything that can produce a health snapshot (the HTTP listener needs only this). */
export interface HealthProvider {
  snapshot(): HealthSnapshot;
}

/** Options of {@link HealthState}. */
export interface HealthStateOptions {
  /** Wall clock, ms since the epoch (for the ISO times). Default `Date.now`. */
  readonly now?: () => number;
  /** Monotonic clock, ms (for uptime). Default `performance.now`. */
  readonly monotonic?: () => number;
  readonly version?: string;
}

/** Health state the satellite updates as things happen. */
export class HealthState implements HealthProvider {
  readonly #now: () => number;
  readonly #monotonic: () => number;
  readonly #startedAt: number;
  readonly #version: string;
  #lifecycle: 'starting' | 'running' | 'stopping' = 'starting';
  #state = 'starting';
  #hubConnected = false;
  #hubSince: number | undefined;
  #hubError: string | undefined;
  #streamsRefused: string | undefined;
  #fallback = false;
  #muted = false;
  #wake: WakeHealth | null = null;
  #captureOk = true;
  #captureSince: number | undefined;
  #captureError: string | undefined;
  #lastTurn: { at: number; route: TurnRoute; outcome: string; durationMs: number } | undefined;

  constructor(options: HealthStateOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#monotonic = options.monotonic ?? (() => performance.now());
    this.#startedAt = this.#monotonic();
    this.#version = options.version ?? 'unknown';
  }

  /** Models loaded and the hub (or fallback) ready: the satellite serves. */
  markReady(): void {
    if (this.#lifecycle === 'starting') this.#lifecycle = 'running';
    if (this.#state === 'starting') this.#state = 'idle';
  }

  /** Shutdown has begun. */
  markStopping(): void {
    this.#lifecycle = 'stopping';
    this.#state = 'stopping';
  }

  /** What the satellite is doing now. */
  setState(state: string): void {
    this.#state = state;
  }

  hubOnline(): void {
    if (!this.#hubConnected || this.#hubSince === undefined) this.#hubSince = this.#now();
    this.#hubConnected = true;
  }

  hubOffline(reason?: string): void {
    if (this.#hubConnected || this.#hubSince === undefined) this.#hubSince = this.#now();
    this.#hubConnected = false;
    if (reason !== undefined) this.#hubError = reason;
  }

  /** Stream mode: the hub cannot take RAW_AUDIO streams (`advice`: what it needs); the satellite is in audio mode. */
  streamsRefused(advice: string): void {
    this.#streamsRefused = advice;
  }

  /** The capture device failed (`reason`: code and message); health is `degraded` until {@link captureUp}. */
  captureDown(reason: string): void {
    if (this.#captureOk) this.#captureSince = this.#now();
    this.#captureOk = false;
    this.#captureError = reason;
  }

  /** The capture device delivers audio again. */
  captureUp(): void {
    if (!this.#captureOk) this.#captureSince = this.#now();
    this.#captureOk = true;
  }

  /** The local persona answers (true) or the hub again (false). */
  fallback(active: boolean): void {
    this.#fallback = active;
  }

  /** The microphone was muted or unmuted. */
  setMuted(muted: boolean): void {
    this.#muted = muted;
  }

  /** Which wake engine and verifier run (once, when the listener is attached). */
  setWake(wake: WakeHealth): void {
    this.#wake = wake;
  }

  turnCompleted(turn: { readonly route: TurnRoute; readonly outcome: string; readonly durationMs: number }): void {
    this.#lastTurn = { at: this.#now(), route: turn.route, outcome: turn.outcome, durationMs: Math.round(turn.durationMs) };
  }

  snapshot(): HealthSnapshot {
    const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
    const status: HealthStatus = this.#lifecycle === 'starting' ? 'starting' : this.#lifecycle === 'stopping' ? 'stopping' : this.#hubConnected && this.#captureOk ? 'ok' : 'degraded';
    const turn = this.#lastTurn;
    return {
      status,
      state: this.#state,
      hub: {
        connected: this.#hubConnected, since: iso(this.#hubSince), lastError: this.#hubError ?? null,
        ...(this.#streamsRefused === undefined ? {} : { streamsRefused: this.#streamsRefused }),
      },
      capture: { ok: this.#captureOk, since: iso(this.#captureSince), lastError: this.#captureError ?? null },
      lastTurn: turn === undefined ? null : { at: new Date(turn.at).toISOString(), route: turn.route, outcome: turn.outcome, durationMs: turn.durationMs },
      fallbackActive: this.#fallback,
      muted: this.#muted,
      wake: this.#wake,
      uptimeSeconds: Math.round((this.#monotonic() - this.#startedAt) / 100) / 10,
      version: this.#version,
    };
  }
}
