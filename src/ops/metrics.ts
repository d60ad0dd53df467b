/**
 * Satellite metrics in the Prometheus text format, on `prom-client` (the maintained Node client): a small typed API
 * the satellite calls at each event, plus the process metrics (`process_resident_memory_bytes`,
 * `nodejs_eventloop_lag_seconds` and its percentiles, heap, GC) from prom-client's default collectors.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `hivesat_turns_total` | counter | `route` (hub/local), `outcome` |
 * | `hivesat_wakes_total` | counter | `keyword` |
 * | `hivesat_false_wakes_total` | counter | `keyword` (reports of "that wasn't me") |
 * | `hivesat_fallbacks_total` | counter | `reason` |
 * | `hivesat_reconnects_total` | counter | |
 * | `hivesat_errors_total` | counter | `kind` |
 * | `hivesat_device_errors_total` | counter | `device` (capture/playback), `code` |
 * | `hivesat_capture_up` | gauge | (1 while the microphone delivers audio, 0 while it is being restarted) |
 * | `hivesat_turn_stage_seconds` | histogram | `stage`, `route` |
 * | `hivesat_hub_connected` | gauge | |
 * | `hivesat_build_info` | gauge (1) | `version`, `node` |
 *
 * Label values are cut to {@link METRIC_LABEL_MAX_CHARS} characters and limited to {@link METRIC_LABEL_MAX_VALUES}
 * distinct values per label (then `other`), so a stream of odd error kinds cannot grow the registry without bound.
 * No method throws: metrics must never break the satellite.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { METRIC_LABEL_MAX_CHARS, METRIC_LABEL_MAX_VALUES, TURN_STAGE_BUCKETS_S } from './constants.js';

/** Where a turn was answered. */
export type TurnRoute = 'hub' | 'local';

/**
 * The moments of one turn on the satellite's monotonic clock, ms (any origin; absent when it did not happen). The
 * same keys as the satellite's `TurnMarks`, so its `turn` report can be passed as is.
 */
export interface TurnMoments {
  /** Wake word detected. */
  readonly wake?: number;
  /** End of speech decided by the listener. */
  readonly speechEnd?: number;
  /** The utterance was fully sent to the hub. */
  readonly sent?: number;
  /** First `speak` from the hub. */
  readonly firstSpeak?: number;
  /** First TTS request sent. */
  readonly ttsRequested?: number;
  /** First TTS audio received. */
  readonly ttsReceived?: number;
  /** First sample of the answer handed to the sink. */
  readonly playbackStart?: number;
  /** Last clip of the answer ended. */
  readonly playbackEnd?: number;
}

/** One finished turn, as the satellite's `turn` event reports it (extra fields are ignored). */
export interface TurnSummary {
  readonly route: TurnRoute;
  /** `answered`, `not-understood`, `interrupted`, `failed` … */
  readonly outcome: string;
  readonly marks: TurnMoments;
}

/**
 * The stages measured from {@link TurnMoments} (the `stage` label of `hivesat_turn_stage_seconds`):
 *
 * | stage | from → to |
 * |---|---|
 * | `capture` | `wake` → `speechEnd` (the user speaking) |
 * | `upload` | `speechEnd` → `sent` |
 * | `hub` | `sent` → `firstSpeak` (the hub's STT, intent and skill) |
 * | `tts` | `ttsRequested` → `ttsReceived` |
 * | `response` | `speechEnd` → `playbackStart`: what the user waits for after speaking |
 * | `playback` | `playbackStart` → `playbackEnd` |
 * | `total` | `wake` (else `speechEnd`) → `playbackEnd` |
 */
export type TurnStage = 'capture' | 'upload' | 'hub' | 'tts' | 'response' | 'playback' | 'total';

/** Stage durations of a turn, ms; stages whose moments are missing (or out of order) are left out. */
export function turnStages(m: TurnMoments): Partial<Record<TurnStage, number>> {
  const out: Partial<Record<TurnStage, number>> = {};
  const span = (stage: TurnStage, from: number | undefined, to: number | undefined): void => {
    if (from === undefined || to === undefined || !Number.isFinite(from) || !Number.isFinite(to) || to < from) return;
    out[stage] = to - from;
  };
  span('capture', m.wake, m.speechEnd);
  span('upload', m.speechEnd, m.sent);
  span('hub', m.sent, m.firstSpeak);
  span('tts', m.ttsRequested, m.ttsReceived);
  span('response', m.speechEnd, m.playbackStart);
  span('playback', m.playbackStart, m.playbackEnd);
  span('total', m.wake ?? m.speechEnd, m.playbackEnd);
  return out;
}

/** What the satellite reports. */
export interface SatelliteMetrics {
  /** A wake word was detected. */
  wake(keyword: string): void;
  /** The user said a wake was false ("that wasn't me"). */
  falseWake(keyword: string): void;
  /** A turn ended (answered or not): the satellite's `turn` report. */
  turnCompleted(turn: TurnSummary): void;
  /** The local persona answered instead of the hub. */
  fallback(reason: string): void;
  /** The hub connection was re-established after a loss. */
  reconnect(): void;
  /** An error of some kind (a `code` such as `AUDIO_ERR_DEVICE_EXIT`, or a class name). */
  error(kind: string): void;
  /** The hub connection went up or down. */
  hubConnected(connected: boolean): void;
  /** A capture or playback device failed (`code` such as `AUDIO_ERR_DEVICE_EXIT`, `AUDIO_ERR_CAPTURE_STUCK`). */
  deviceError(device: string, code: string): void;
  /** The capture device went down (failed) or up again (delivers audio). */
  captureUp(up: boolean): void;
  /** The microphone was muted (no audio is processed) or unmuted. */
  muted(muted: boolean): void;
}

/** Metrics an HTTP endpoint can serve. */
export interface MetricsSource {
  /** `Content-Type` of {@link MetricsSource.render}'s output. */
  readonly contentType: string;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Collect process/Node metrics (RSS, event-loop lag, heap, GC). Default true. */
  readonly processMetrics?: boolean;
  /** hivesat version for `hivesat_build_info`. */
  readonly version?: string;
}

/** Bounds the distinct values of one label. */
class LabelGuard {
  readonly #seen = new Set<string>();

  value(raw: string): string {
    const v = (raw === '' ? 'unknown' : raw).slice(0, METRIC_LABEL_MAX_CHARS);
    if (this.#seen.has(v)) return v;
    if (this.#seen.size >= METRIC_LABEL_MAX_VALUES) return 'other';
    this.#seen.add(v);
    return v;
  }
}

/** The registry behind the API (also a {@link MetricsSource}). */
export interface MetricsRegistry extends SatelliteMetrics, MetricsSource {
  /** The prom-client registry, for adding metrics of your own. */
  readonly registry: Registry;
}

/** A fresh registry with the satellite metrics. */
export function createMetrics(options: MetricsOptions = {}): MetricsRegistry {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const turns = new Counter({ name: 'hivesat_turns_total', help: 'Turns (wake or listen to answer), by route and outcome.', labelNames: ['route', 'outcome'], registers: [registry] });
  const wakes = new Counter({ name: 'hivesat_wakes_total', help: 'Wake-word detections.', labelNames: ['keyword'], registers: [registry] });
  const falseWakes = new Counter({ name: 'hivesat_false_wakes_total', help: 'Wake-word detections reported as false.', labelNames: ['keyword'], registers: [registry] });
  const fallbacks = new Counter({ name: 'hivesat_fallbacks_total', help: 'Turns answered by the local persona instead of the hub.', labelNames: ['reason'], registers: [registry] });
  const reconnects = new Counter({ name: 'hivesat_reconnects_total', help: 'Hub connections re-established after a loss.', registers: [registry] });
  const errors = new Counter({ name: 'hivesat_errors_total', help: 'Errors, by kind (error code).', labelNames: ['kind'], registers: [registry] });
  const stages = new Histogram({
    name: 'hivesat_turn_stage_seconds',
    help: 'Duration of each stage of a turn: capture, upload, hub, tts, response (end of speech to first answer audio), playback, total.',
    labelNames: ['stage', 'route'],
    buckets: [...TURN_STAGE_BUCKETS_S],
    registers: [registry],
  });
  const deviceErrors = new Counter({ name: 'hivesat_device_errors_total', help: 'Capture and playback device failures, by device and error code.', labelNames: ['device', 'code'], registers: [registry] });
  const captureUp = new Gauge({ name: 'hivesat_capture_up', help: '1 while the capture device delivers audio, 0 while it is down and being restarted.', registers: [registry] });
  const muted = new Gauge({ name: 'hivesat_muted', help: '1 while the microphone is muted (captured audio is dropped before any processing).', registers: [registry] });
  const hub = new Gauge({ name: 'hivesat_hub_connected', help: '1 while the hub connection is up.', registers: [registry] });
  const info = new Gauge({ name: 'hivesat_build_info', help: 'Version of hivesat and Node.js.', labelNames: ['version', 'node'], registers: [registry] });
  info.set({ version: options.version ?? 'unknown', node: process.versions.node }, 1);
  hub.set(0);
  muted.set(0);
  captureUp.set(1);
  const keywordLabels = new LabelGuard();
  const falseLabels = new LabelGuard();
  const reasonLabels = new LabelGuard();
  const kindLabels = new LabelGuard();
  const outcomeLabels = new LabelGuard();
  const deviceLabels = new LabelGuard();
  const codeLabels = new LabelGuard();

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    wake: (keyword) => wakes.inc({ keyword: keywordLabels.value(keyword) }),
    falseWake: (keyword) => falseWakes.inc({ keyword: falseLabels.value(keyword) }),
    fallback: (reason) => fallbacks.inc({ reason: reasonLabels.value(reason) }),
    reconnect: () => reconnects.inc(),
    error: (kind) => errors.inc({ kind: kindLabels.value(kind) }),
    hubConnected: (connected) => hub.set(connected ? 1 : 0),
    deviceError: (device, code) => deviceErrors.inc({ device: deviceLabels.value(device), code: codeLabels.value(code) }),
    captureUp: (up) => captureUp.set(up ? 1 : 0),
    muted: (on) => muted.set(on ? 1 : 0),
    turnCompleted: (turn) => {
      turns.inc({ route: turn.route, outcome: outcomeLabels.value(turn.outcome) });
      for (const [stage, ms] of Object.entries(turnStages(turn.marks))) stages.observe({ stage, route: turn.route }, ms / 1000);
    },
  };
}
