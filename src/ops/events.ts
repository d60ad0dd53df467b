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
  /**
   * A persona solver failed (refused, timed out, HTTP error, bad body). Logged at `warn` with the endpoint and the
   * code only when `firstOfCause` (once per cause until the solver answers again); counted in
   * `hivesat_errors_total{kind=code}` and sent to the `error` hook every time.
   */
  solverFailed(e: { readonly solverId: string; readonly endpoint?: string | undefined; readonly code: string; readonly detail: string; readonly message: string; readonly firstOfCause: boolean }): void;
  /**
   * A capture or playback device failed (its process died, hung, is stuck, or vanished mid-clip). Logged at `error`,
   * counted in `hivesat_device_errors_total` (and `hivesat_errors_total`), the `error` hook runs with `kind` = the
   * code and `device`; a capture failure marks health degraded until {@link OpsEvents.deviceRecovered}.
   */
  deviceError(e: DeviceErrorEvent): void;
  /** A device works again after `failures` failures in a row (the capture device delivers audio again). */
  deviceRecovered(e: { readonly device: DeviceRole; readonly failures: number }): void;
  /** The hub connection is ready; `reconnect` when it had been lost before. */
  hubOnline(e: { readonly hub: string; readonly reconnect?: boolean }): void;
  hubOffline(e: { readonly hub: string; readonly reason?: string }): void;
  /** The local persona takes over (active) or hands back to the hub. */
  fallback(e: { readonly active: boolean; readonly reason: string }): void;
  /** "That wasn't me": the last wake was false. */
  falseWake(e: { readonly keyword: string }): void;
  /**
   * Something from the hub was refused by a limit (oversized answer, speak storm, flood). The satellite has logged it
   * already (once per code and interval), so this only counts it in `hivesat_errors_total` and runs the `error` hook.
   */
  hubRefused(e: { readonly code: string; readonly message: string }): void;
  /** A turn ended: the satellite's `turn` report (route, outcome, marks). */
  turnCompleted(turn: TurnSummary): void;
  /** What the satellite is doing (`idle`, `listening`, `thinking`, `speaking`). */
  state(state: string): void;
  /** The microphone was muted or unmuted (by the control API, a button, or the persisted state at start). */
  mute(e: { readonly muted: boolean; readonly source: string }): void;
}

/** Which device failed. */
export type DeviceRole = 'capture' | 'playback';

/** A device failure, as {@link OpsEvents.deviceError} takes it. */
export interface DeviceErrorEvent {
  readonly device: DeviceRole;
  /** The DeviceError code (`AUDIO_ERR_DEVICE_EXIT`, `AUDIO_ERR_DEVICE_STALLED`, `AUDIO_ERR_CAPTURE_STUCK` …). */
  readonly code: string;
  readonly message: string;
  /** When the device is retried automatically: in how many ms (capture). */
  readonly retryMs?: number;
}

/** The sinks; each is optional. */
export interface OpsSinks {
  readonly logger?: Logger;
  readonly metrics?: SatelliteMetrics;
  readonly health?: HealthState;
  /** The hooks (or anything else that takes what they take: the control API's event stream). */
  readonly hooks?: Pick<HookRunner, 'fire'>;
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
      logger.debug('utterance', { ...(e.utterance === undefined ? {} : { chars: e.utterance.length }), lang: e.lang, durationSeconds: e.durationSeconds });
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
    solverFailed(e) {
      if (e.firstOfCause) logger.warn(`solver ${e.solverId} failed: ${e.message}`, { solver: e.solverId, endpoint: e.endpoint ?? null, code: e.code, detail: e.detail });
      metrics?.error(e.code);
      hooks?.fire('error', { kind: e.code, message: `solver ${e.solverId}${e.endpoint === undefined ? '' : ` at ${e.endpoint}`}: ${e.detail}` });
    },
    hubRefused(e) {
      metrics?.error(e.code);
      hooks?.fire('error', { kind: e.code, message: `refused from the hub: ${e.message}` });
    },
    deviceError(e) {
      const message = `${e.device} device failed: ${e.message}${e.retryMs === undefined ? '' : `; retrying in ${e.retryMs} ms`}`;
      logger.error(message, { device: e.device, code: e.code, ...(e.retryMs === undefined ? {} : { retry_ms: e.retryMs }) });
      metrics?.deviceError(e.device, e.code);
      metrics?.error(e.code);
      if (e.device === 'capture') {
        metrics?.captureUp(false);
        health?.captureDown(`${e.code}: ${e.message}`);
      }
      hooks?.fire('error', { kind: e.code, message, device: e.device });
    },
    deviceRecovered(e) {
      logger.info(`${e.device} device recovered`, { device: e.device, failures: e.failures });
      if (e.device === 'capture') {
        metrics?.captureUp(true);
        health?.captureUp();
      }
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
    },
    state(state) {
      health?.setState(state);
    },
    mute(e) {
      logger.info(e.muted ? 'microphone muted: captured audio is dropped' : 'microphone unmuted', { source: e.source });
      metrics?.muted(e.muted);
      health?.setMuted(e.muted);
      hooks?.fire('mute', e);
    },
  };
}
