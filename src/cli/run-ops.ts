/**
 * The operations layer of `hivesat run` (see docs/operations.md): the ops logger (secrets redacted), systemd
 * readiness/watchdog/stopping, the health and metrics listener, event hooks, and `SIGHUP` reloads — fed by the
 * listener's, the hub connection's and the satellite's events through one {@link OpsEvents}. What the satellite is
 * doing (online, failover, playing, listening, thinking, muted) is its session (src/satellite/session.ts): reported
 * from its transitions, never tracked here.
 *
 * Hot-reloaded on `SIGHUP`: the log level and format, and the hooks. Everything else (hub, audio, wake word, VAD,
 * persona, the health port …) is reported as changed and applies after a restart.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { type AudioSink, DeviceError, type PcmInput, type PlaybackResult, type PlayOptions, type SupervisedSource } from '../audio/index.js';
import type { SatelliteConfig } from '../config/index.js';
import type { HubConnection } from '../hivemind/index.js';
import type { Listener } from '../listener/index.js';
import {
  type ControlSettings,
  EventStream,
  HealthState,
  type MuteSwitch,
  OpsError,
  HookRunner,
  type LogFields,
  type LogFormat,
  type LogLevel,
  type Logger,
  type MetricsRegistry,
  type OpsConfig,
  type OpsEvents,
  type OpsServer,
  type ServiceNotifier,
  Watchdog,
  createLogger,
  createMetrics,
  createOpsEvents,
  createRedactor,
  createSystemdNotifier,
  opsConfigFromSection,
  startOpsServer,
  OPS_HTTP_HOST,
  WATCHDOG_PINGS_PER_INTERVAL,
  createControlApi,
  type RouteHandler,
} from '../ops/index.js';
import { controlTarget } from './run-control.js';
import { type Satellite, isPlaying, satelliteActivity, speechForLog } from '../satellite/index.js';
import { errorCode } from '../errors.js';

/** The hivesat version (package.json two folders up from src/cli/ and dist/cli/). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    // Best effort: a missing package.json only affects the version label.
    return 'unknown';
  }
}

/** Options of {@link startRunOps}. */
export interface RunOpsOptions {
  readonly config: SatelliteConfig;
  /** `--log-format`; overrides the config's `ops.log.format`. */
  readonly logFormat?: LogFormat;
  /** `-v`: log at `debug` whatever the config says. */
  readonly verbose?: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly stderr: { write(text: string): unknown };
  /** The persisted mute switch (the control API sets it; the satellite's session is what is muted, and reported). */
  readonly mute?: MuteSwitch;
}

/** What the satellite's pieces are wired to. */
export interface SatelliteParts {
  readonly listener: Listener;
  readonly satellite: Satellite;
  readonly link: HubConnection | undefined;
  /** `ws://host:port` of the hub (for logs and hooks). */
  readonly hubUrl: string;
}

/** The running operations layer of one `hivesat run`. */
export interface RunOps {
  /** Redacting, reloadable logger (also a HiveLogger for the hub connection and the satellite). */
  readonly logger: Logger;
  readonly events: OpsEvents;
  readonly health: HealthState;
  readonly notifier: ServiceNotifier;
  /** The health/metrics listener, when `ops.health` is configured. */
  readonly server: OpsServer | undefined;
  /** The control API's listener (with `/healthz` and `/metrics`), once {@link RunOps.serveControl} started it. */
  readonly controlServer: OpsServer | undefined;
  /**
   * Start the control API (docs/control.md) on the shared listener (after the models loaded: a bad model is the one
   * line said). `required`: its address was asked for (flag, environment), so failing to listen there is fatal;
   * the default address being taken is only a warning. `routes` are mounted on the same listener before the control
   * API's (serve's endpoints when `serve.enabled`, see src/cli/run-serve.ts).
   */
  serveControl(settings: ControlSettings, required: boolean, routes?: readonly RouteHandler[]): Promise<void>;
  /** The event stream of `GET /v1/events`. */
  readonly stream: EventStream;
  /** Register a secret value (password, access key) for redaction. */
  addSecret(value: string | undefined): void;
  /**
   * A sink that reports a playback device failure (aplay died or vanished mid-clip) as {@link OpsEvents.deviceError}
   * before passing it on (the playback queue then ends the clip as `failed`; the next clip opens the device again).
   * `speaking_start`/`speaking_end` follow the satellite's session (a clip at the sink), not this sink.
   */
  wrapSink(sink: AudioSink): AudioSink;
  /** Wire the listener, hub connection and satellite events to {@link RunOps.events}. */
  attach(parts: SatelliteParts): void;
  /**
   * Report a supervised capture source's failures (`deviceError`: log, metrics, `error` hook, health degraded) and
   * recoveries (health back to `ok`). The source restarts itself; nothing here restarts the service.
   */
  watchCapture(source: SupervisedSource): void;
  /** Called for every fed audio chunk: the watchdog's heartbeat source (a clock read, no I/O). */
  ping(): void;
  /** Models loaded and the hub (or local fallback) ready: health `ok`/`degraded`, watchdog on, `READY=1`. */
  ready(status: string): Promise<void>;
  /** Shutdown has begun: health `stopping`, watchdog off, `STOPPING=1`. Idempotent. */
  stopping(): Promise<void>;
  /** Apply a re-read configuration; returns the changes (logged). */
  reload(next: SatelliteConfig): readonly string[];
  /** Let running hooks finish (bounded), then stop hooks and the listener. */
  close(): Promise<void>;
}

/** Sections of the config file that need a restart. */
const RESTART_SECTIONS = (config: SatelliteConfig): string[] => Object.keys(config).filter((k) => k !== 'ops');

/** A logger whose target can be swapped (reloads) while the hub connection and satellite keep their reference. */
function switchableLogger(initial: Logger): { logger: Logger; set(next: Logger): void } {
  let current = initial;
  const build = (base: LogFields): Logger => {
    const log = (level: LogLevel, message: string, fields?: LogFields): void => current.log(level, message, fields === undefined ? base : { ...base, ...fields });
    return {
      get redactor() {
        return current.redactor;
      },
      log,
      debug: (m, f) => log('debug', m, f),
      info: (m, f) => log('info', m, f),
      warn: (m, f) => log('warn', m, f),
      error: (m, f) => log('error', m, f),
      child: (fields) => build({ ...base, ...fields }),
      isLevelEnabled: (level) => current.isLevelEnabled(level),
    };
  };
  return { logger: build({}), set: (next) => (current = next) };
}

/** Start the operations layer (the health listener included, when configured). */
export async function startRunOps(options: RunOpsOptions): Promise<RunOps> {
  const version = packageVersion();
  const redactor = createRedactor();
  const makeLogger = (ops: OpsConfig): Logger =>
    createLogger({ format: options.logFormat ?? ops.log.format, level: options.verbose === true ? 'debug' : ops.log.level, stream: options.stderr, env: options.env, redactor });
  let ops = opsConfigFromSection(options.config.ops);
  let config = options.config;
  const switchable = switchableLogger(makeLogger(ops));
  const logger = switchable.logger;
  const notifier = createSystemdNotifier({ env: options.env, logger: logger.child({ component: 'systemd' }) });
  const watchdog = new Watchdog({ notifier, env: options.env, logger });
  const metrics: MetricsRegistry = createMetrics({ version });
  const health = new HealthState({ version });
  const makeHooks = (o: OpsConfig): HookRunner => new HookRunner({ hooks: o.hooks.on, timeoutMs: o.hooks.timeoutMs, maxConcurrent: o.hooks.maxConcurrent, env: options.env, logger: logger.child({ component: 'hooks' }) });
  let hooks = makeHooks(ops);
  const stream = new EventStream();
  // What the hooks get goes to the control API's event stream too.
  const hookTee: Pick<HookRunner, 'fire'> = {
    fire: (event, data) => {
      hooks.fire(event, data);
      stream.publish(event, data);
    },
  };
  let current = createOpsEvents({ logger, metrics, health, hooks: hookTee });
  // The satellite holds this facade; a reload swaps what is behind it.
  const events: OpsEvents = {
    wake: (e) => current.wake(e),
    listening: (e) => current.listening(e),
    utterance: (e) => current.utterance(e),
    answer: (e) => current.answer(e),
    speakingStart: (e) => current.speakingStart(e),
    speakingEnd: (e) => current.speakingEnd(e),
    error: (e) => current.error(e),
    solverFailed: (e) => current.solverFailed(e),
    hubRefused: (e) => current.hubRefused(e),
    deviceError: (e) => current.deviceError(e),
    deviceRecovered: (e) => current.deviceRecovered(e),
    hubOnline: (e) => current.hubOnline(e),
    hubOffline: (e) => current.hubOffline(e),
    fallback: (e) => current.fallback(e),
    falseWake: (e) => current.falseWake(e),
    turnCompleted: (t) => current.turnCompleted(t),
    state: (s) => {
      current.state(s);
      stream.publish('state', { state: s });
    },
    mute: (e) => current.mute(e),
  };
  // The control API is bound to the satellite at attach(); until then it answers 503.
  let target: ReturnType<typeof controlTarget> | undefined;
  const starting = (): never => {
    throw new OpsError('OPS_ERR_CONTROL', 'the satellite is still starting; try again in a moment');
  };
  let controlServer: OpsServer | undefined;
  const server = ops.health === undefined ? undefined : await startOpsServer({ port: ops.health.port, health, ...(ops.health.metrics ? { metrics } : {}), logger });
  const serveControl = async (settings: ControlSettings, required: boolean, routes: readonly RouteHandler[] = []): Promise<void> => {
    if (server !== undefined && server.port === settings.listen.port && settings.listen.host === OPS_HTTP_HOST) {
      // The health listener has that address already: one listener cannot be two; keep health there and say so.
      logger.warn(`control API off: ${settings.listen.host}:${settings.listen.port} is ops.health.port; give the control API its own port`);
      return;
    }
    controlServer = await startOpsServer({
      host: settings.listen.host,
      port: settings.listen.port,
      health,
      metrics,
      logger,
      ...(settings.token === undefined ? {} : { token: settings.token }),
      routes: [
        ...routes,
        createControlApi({
          events: stream,
          auth: settings.token === undefined ? { disabled: true } : { token: settings.token },
          logger: logger.child({ component: 'control' }),
          target: {
            status: () => (target ?? starting()).status(),
            setMuted: (m) => (target ?? starting()).setMuted(m),
            listen: () => (target ?? starting()).listen(),
            stop: () => (target ?? starting()).stop(),
            say: (t) => (target ?? starting()).say(t),
            setVolume: (v) => (target ?? starting()).setVolume(v),
          },
        }),
      ],
    }).catch((error: unknown) => {
      if (required) throw error;
      logger.warn(`control API off: ${(error as Error).message}`);
      return undefined;
    });
    if (controlServer !== undefined && settings.created === true) logger.info('control token generated', { path: settings.tokenPath });
  };
  let retiredHooks: Promise<void>[] = [];
  let stopping: Promise<void> | undefined;
  /**
   * While the capture device is down its supervisor retries on this event loop, but no audio pings the watchdog: this
   * timer does, so an unplugged mic degrades health instead of getting the whole service restarted by systemd. A
   * blocked event loop blocks this timer too, so a real hang is still caught.
   */
  let captureKeepalive: ReturnType<typeof setInterval> | undefined;
  const stopCaptureKeepalive = (): void => {
    if (captureKeepalive !== undefined) clearInterval(captureKeepalive);
    captureKeepalive = undefined;
  };

  const mute = options.mute;
  // A change of the switch is a session transition (below); its state at start is not.
  if (mute?.muted === true) events.mute({ muted: true, source: 'startup' });
  const attach = ({ listener, satellite, link, hubUrl }: SatelliteParts): void => {
    if (mute !== undefined) target = controlTarget({ satellite, listener, link, health, mute, events });
    const { wakeEngine } = listener;
    health.setWake({ requested: wakeEngine.requested, engine: wakeEngine.engine, fallback: wakeEngine.fallback, verifier: { kind: listener.verifier.kind, enrolledAt: listener.verifier.enrolledAt, takes: listener.verifier.takes } });
    listener.on('wake', (e) => {
      events.wake({ keyword: e.keyword, score: e.score });
      events.listening({ keyword: e.keyword });
    });
    // In audio mode the hub transcribes, so the hook learns that an utterance was captured and how long it was.
    listener.on('utterance', (u) => events.utterance({ durationSeconds: Math.round(u.durationSeconds * 100) / 100 }));
    listener.on('error', (error) => events.error({ kind: errorCode(error) ?? error.name, message: `listener: ${error.message}` }));
    satellite.on('refused', (error) => events.hubRefused({ code: error.code, message: error.message }));
    satellite.on('streamsRefused', (advice) => health.streamsRefused(advice)); // logged (warn) by the satellite
    satellite.on('turn', (report) => {
      // What the local STT heard is the user's speech: debug level only, and hidden by speech.redact_transcripts.
      if (report.transcript !== undefined) logger.debug('transcript', { turn: report.id, route: report.route, outcome: report.outcome, text: speechForLog(report.transcript, config.speech.redact_transcripts) });
      events.turnCompleted(report);
      for (const answer of report.answers) events.answer({ answer, route: report.route });
    });
    // Online/offline, the failover in force, what plays, what the satellite is doing and mute are the satellite's
    // session (src/satellite/session.ts): reported as it changes, never tracked here.
    satellite.on('state', (next, previous, input) => {
      // The failover is reported before the hub's loss that caused it.
      if (next.fallback !== previous.fallback) events.fallback(next.fallback);
      if (next.link !== previous.link && next.link.kind === 'online' && previous.link.kind !== 'online') events.hubOnline({ hub: hubUrl, reconnect: previous.everOnline });
      // Our own close at shutdown is not an outage.
      if (next.link !== previous.link && next.link.kind === 'offline' && previous.link.kind !== 'offline' && stopping === undefined) events.hubOffline({ hub: hubUrl, reason: next.link.reason });
      if (next.muted !== previous.muted) events.mute({ muted: next.muted, source: input.type === 'mute' ? input.source : 'api' });
      const [now, before] = [satelliteActivity(next), satelliteActivity(previous)];
      if (now === before) return;
      if (isPlaying(next)) events.speakingStart({}); // health says speaking
      else {
        if (isPlaying(previous)) events.speakingEnd({});
        events.state(now);
      }
    });
    if (link === undefined) return;
    link.on('error', (error) => events.error({ kind: errorCode(error) ?? error.name, message: `hub: ${error.message}` }));
  };

  const wrapSink = (sink: AudioSink): AudioSink => ({
    get name() {
      return sink.name;
    },
    get gain() {
      return sink.gain;
    },
    set gain(value: number) {
      sink.gain = value;
    },
    async play(audio: PcmInput, playOptions?: PlayOptions): Promise<PlaybackResult> {
      try {
        return await sink.play(audio, playOptions);
      } catch (error) {
        if (error instanceof DeviceError) events.deviceError({ device: 'playback', code: error.code, message: `${sink.name}: ${error.message}` });
        throw error;
      }
    },
    stop: () => sink.stop(),
    close: () => sink.close(),
  });

  return {
    logger,
    events,
    health,
    notifier,
    server,
    get controlServer() {
      return controlServer;
    },
    serveControl,
    stream,
    addSecret: (value) => {
      if (value !== undefined && value !== '') redactor.addSecret(value);
    },
    wrapSink,
    attach,
    watchCapture(source) {
      source.on('deviceError', (error, retry) => {
        events.deviceError({ device: 'capture', code: error.code, message: error.message, retryMs: retry.delayMs });
        const period = watchdog.timeoutMs === undefined ? undefined : watchdog.timeoutMs / WATCHDOG_PINGS_PER_INTERVAL;
        if (period !== undefined && captureKeepalive === undefined && stopping === undefined) {
          captureKeepalive = setInterval(() => watchdog.ping(), period);
          captureKeepalive.unref();
        }
      });
      source.on('recovered', (failures) => {
        stopCaptureKeepalive();
        events.deviceRecovered({ device: 'capture', failures });
      });
    },
    ping: () => watchdog.ping(),
    async ready(status) {
      health.markReady();
      watchdog.start();
      logger.info('ready', { status, ...(server === undefined ? {} : { health: server.url }), ...(controlServer === undefined ? {} : { control: controlServer.url }), watchdog_ms: watchdog.timeoutMs });
      await notifier.ready(status);
    },
    stopping() {
      stopping ??= (async () => {
        stopCaptureKeepalive();
        health.markStopping();
        watchdog.stop();
        await notifier.stopping('shutting down');
      })();
      return stopping;
    },
    reload(next) {
      const nextOps = opsConfigFromSection(next.ops);
      const changes: string[] = [];
      if (JSON.stringify(nextOps.log) !== JSON.stringify(ops.log)) {
        switchable.set(makeLogger(nextOps));
        changes.push(`log: ${ops.log.level}/${ops.log.format} → ${nextOps.log.level}/${nextOps.log.format} (applied${options.logFormat === undefined ? '' : '; --log-format still wins'}${options.verbose === true ? '; -v still wins' : ''})`);
      }
      if (JSON.stringify(nextOps.hooks) !== JSON.stringify(ops.hooks)) {
        const old = hooks;
        hooks = makeHooks(nextOps);
        retiredHooks.push(old.idle().then(() => old.close()));
        changes.push('hooks (applied)');
      }
      if (JSON.stringify(nextOps.health) !== JSON.stringify(ops.health)) changes.push('ops.health (not hot-reloaded: restart to apply)');
      for (const key of new Set([...RESTART_SECTIONS(config), ...RESTART_SECTIONS(next)])) {
        const a = JSON.stringify((config as Record<string, unknown>)[key]);
        const b = JSON.stringify((next as Record<string, unknown>)[key]);
        if (a !== b) changes.push(`${key} (not hot-reloaded: restart to apply)`);
      }
      current = createOpsEvents({ logger, metrics, health, hooks });
      ops = nextOps;
      config = next;
      logger.info(changes.length === 0 ? 'configuration unchanged' : 'configuration changed', { changes: changes.join('; ') });
      return changes;
    },
    async close() {
      stopCaptureKeepalive();
      watchdog.stop();
      await hooks.idle(1_000);
      stream.close();
      await Promise.all([hooks.close(), ...retiredHooks, server?.close(), controlServer?.close()]);
      retiredHooks = [];
    },
  };
}
