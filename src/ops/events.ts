/**
 * One call per satellite event, fanned out to the logs, the metrics, the health state and the hooks. The satellite
 * holds an {@link OpsEvents} and never needs to know which of those are configured.
 *
 * Every method returns at once and never throws (hooks start on a later tick; metrics and health are in-memory).
 *
 * @module
 */
import type { HealthState } from './health.js';
import type { HookRoute, HookRunner } from './hooks.js';
import { type Logger, nullLogger } from './logger.js';
import { type SatelliteMetrics, type TurnSummary, turnStages } from './metrics.js';

/** What the satellite reports. */
export interface OpsEvents {
  wake(e: { readonly keyword: string; readonly score: number }): void;
  /** Recording started (after a wake, or a follow-up question). */
  listening(e?: { readonly keyword?: string }): void;
  /** The user's utterance was captured: its length, and the transcript when it is known here (local STT). */
  utterance(e: { readonly utterance?: string; readonly lang?: string; readonly durationSeconds?: number }): void;
  answer(e: { readonly answer: string; readonly route: HookRoute; readonly utterance?: string }): void;
  speakingStart(e?: { readonly route?: HookRoute; readonly text?: string }): void;
  speakingEnd(e?: { readonly route?: HookRoute }): void;
  /** An error the satellite handled (kind = error code). */
  error(e: { readonly kind: string; readonly message: string }): void;
  /** The hub connection is ready; `reconnect` when it had been lost before. */
  hubOnline(e: { readonly hub: string; readonly reconnect?: boolean }): void;
  hubOffline(e: { readonly hub: string; readonly reason?: string }): void;
  /** The local persona takes over (active) or hands back to the hub. */
  fallback(e: { readonly active: boolean; readonly reason: string }): void;
  /** "That wasn't me": the last wake was false. */
  falseWake(e: { readonly keyword: string }): void;
  /** A turn ended: the satellite's `turn` report (route, outcome, marks). */
  turnCompleted(turn: TurnSummary): void;
  /** What the satellite is doing (`idle`, `listening`, `thinking`, `speaking`). */
  state(state: string): void;
}

/** The sinks; each is optional. */
export interface OpsSinks {
  readonly logger?: Logger;
  readonly metrics?: SatelliteMetrics;
  readonly health?: HealthState;
  readonly hooks?: HookRunner;
}

/** An {@link OpsEvents} writing to `sinks`. */
export function createOpsEvents(sinks: OpsSinks): OpsEvents {
  const { metrics, health, hooks } = sinks;
  const logger = sinks.logger ?? nullLogger;
  return {
    wake(e) {
      logger.info('wake word', { keyword: e.keyword, score: Math.round(e.score * 1000) / 1000 });
      metrics?.wake(e.keyword);
      hooks?.fire('wake', e);
    },
    listening(e = {}) {
      logger.debug('listening', e);
      hooks?.fire('listening', e);
    },
    utterance(e) {
      // The transcript is the user's speech: debug only, so the journal does not keep a diary of the kitchen.
      logger.debug('utterance', { chars: e.utterance?.length ?? 0, lang: e.lang, durationSeconds: e.durationSeconds });
      hooks?.fire('utterance', e);
    },
    answer(e) {
      logger.debug('answer', { route: e.route, chars: e.answer.length });
      hooks?.fire('answer', e);
    },
    speakingStart(e = {}) {
      health?.setState('speaking');
      hooks?.fire('speaking_start', e);
    },
    speakingEnd(e = {}) {
      hooks?.fire('speaking_end', e);
    },
    error(e) {
      logger.warn(e.message, { kind: e.kind });
      metrics?.error(e.kind);
      hooks?.fire('error', e);
    },
    hubOnline(e) {
      logger.info('hub online', { hub: e.hub, reconnect: e.reconnect === true });
      metrics?.hubConnected(true);
      if (e.reconnect === true) metrics?.reconnect();
      health?.hubOnline();
      hooks?.fire('hub_online', { hub: e.hub });
    },
    hubOffline(e) {
      logger.warn('hub offline', { hub: e.hub, reason: e.reason });
      metrics?.hubConnected(false);
      health?.hubOffline(e.reason);
      hooks?.fire('hub_offline', e);
    },
    fallback(e) {
      logger.info(e.active ? 'answering locally (fallback)' : 'answering through the hub again', { reason: e.reason });
      if (e.active) metrics?.fallback(e.reason);
      health?.fallback(e.active);
      hooks?.fire('fallback', e);
    },
    falseWake(e) {
      logger.info('false wake reported', { keyword: e.keyword });
      metrics?.falseWake(e.keyword);
    },
    turnCompleted(t) {
      const stages = turnStages(t.marks);
      logger.info('turn', { route: t.route, outcome: t.outcome, ...Object.fromEntries(Object.entries(stages).map(([k, v]) => [`${k}_ms`, Math.round(v)])) });
      metrics?.turnCompleted(t);
      health?.turnCompleted({ route: t.route, outcome: t.outcome, durationMs: stages.total ?? 0 });
      health?.setState('idle');
    },
    state(state) {
      health?.setState(state);
    },
  };
}
