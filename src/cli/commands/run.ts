/**
 * `hivesat run [--config FILE] [--input FILE.wav|-] [--output FILE.wav] [--once] [-v]`: the satellite service.
 *
 * Reads the config file (validated; `hivesat config check` prints every problem), connects to the hub from its
 * `"hub"` section (plus `HIVESAT_*` and the identity file), listens on the microphone (or `--input`: a WAV file, or
 * stdin with `-`: a WAV or raw 16 kHz mono s16le) and plays answers on the speaker (or into `--output`, a WAV file). With
 * `--once` it exits after the first turn: 0 when it was answered and played, 1 with the reason otherwise. With a file
 * input and no `--once` it exits when the input ended and every turn was answered.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AplaySink, type AudioInput, type AudioSink, CommandSink, CommandSource, openAudioInput, preloadMp3Decoder, SupervisedSource, ArecordSource, WavFileSink } from '../../audio/index.js';
import {
  type SatelliteConfig,
  type StartupRefusal,
  defaultConfigPath,
  formatRefusal,
  loadSatelliteConfig,
  loadStartupConfig,
  prepareStartup,
} from '../../config/index.js';
import { HiveAuthError, HubConnection } from '../../hivemind/index.js';
import type { Listener } from '../../listener/index.js';
import { answerLocally, type AnswerLocally, OfflineHints, redactReport, Satellite, type TurnReport } from '../../satellite/index.js';
import { Apa102Leds, DebugRecorder, GpioButton, MUTE_FILE_NAME, MuteSwitch, defaultStateDir, installSignalHandlers, isLogFormat, ledsFollow, resolveControlSettings, type ControlSettings } from '../../ops/index.js';
import { type ControlParts, buttonAction } from '../run-control.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type ConnectionFlagValues, toConnectionFlags } from '../connection-flags.js';
import { checkOutputPath } from '../output-path.js';
import { type RunOps, startRunOps } from '../run-ops.js';
import { type RunServe, type RunServeInputs, hubLinkOptions, startRunServe } from '../run-serve.js';
import { errorCode } from '../../errors.js';
import { STOPPED, stopRace } from '../../stop-race.js';

const HELP = `Usage: hivesat run [options]

Run the voice satellite: wake word, utterance to the hub, spoken answer; answers locally when the hub is down.

Options (the config file is --config, below; check it with "hivesat config check"):
  --input FILE.wav   read the microphone audio from a WAV file (any length) instead of the microphone; "-" reads
                     stdin: a WAV (arecord/sox into a pipe, sizes unknown) or raw 16 kHz mono s16le
  --output FILE.wav  write everything the satellite would play into a WAV file instead of the speaker
  --once             exit after the first turn: 0 if it was answered and played, 1 (with the reason) if not
  --control HOST:PORT  the control API (docs/control.md; default: the config's control.listen, 127.0.0.1:8338,
                     with the microphone or stdin; with --input FILE only when given, and then run keeps serving
                     after the file ended until SIGTERM/SIGINT)
  --save DIR         debug recordings: each utterance as sent and the audio around each wake, as WAV with a JSON
                     sidecar, bounded by the config's debug.max_recordings/max_bytes (default: debug.save_dir)
  --control-token T  bearer token of the control API (default: HIVESAT_CONTROL_TOKEN, else the 0600 token file
                     ~/.config/hivesat/control-token, generated at first start)
  --log-format FMT   "text" or "json" log lines on stderr (default: the config's ops.log.format, else text)
  -v, --verbose      log at debug level (the connection and every turn's timeline)
  -h, --help         show this help

${CONNECTION_HELP}

Signals: SIGTERM/SIGINT stop cleanly within 2 s (exit 0); SIGHUP re-reads the config file (log level/format and
hooks apply at once; other changes are logged and need a restart). Health, metrics and hooks: the "ops" section
(docs/operations.md).

Exit codes: 0 done, 1 failure (devices, input/output files, a turn that could not be answered with --once),
78 the configuration cannot start (each reason on its own line with what to fix; "hivesat config check" says the
same without starting; systemd does not restart it).`;

/** The wait for the hub before a file input is fed (so its first turn can go to the hub), ms. */
const FILE_INPUT_CONNECT_WAIT_MS = 10_000;

/** A session id stable across restarts: a UUID-shaped hash of the access key and the site (no secret in it). */
export function stableSessionId(accessKey: string, siteId: string): string {
  const h = createHash('sha256').update(`hivesat-session\0${accessKey}\0${siteId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const cleanup: (() => Promise<unknown>)[] = [];
  let removeSignalHandlers: (() => void) | undefined;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  try {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      options: { ...CONNECTION_OPTIONS, input: { type: 'string' }, output: { type: 'string' }, once: { type: 'boolean' }, control: { type: 'string' }, 'control-token': { type: 'string' }, save: { type: 'string' }, 'log-format': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help === true) {
      io.stdout.write(`${HELP}\n`);
      return EXIT.OK;
    }
    const explicit = values.config ?? (io.env['HIVESAT_CONFIG'] === '' ? undefined : io.env['HIVESAT_CONFIG']);
    const configPath = explicit ?? defaultConfigPath(io.env);
    // One start-up validation, shared with `config check` and `doctor`: the file first (logging comes from it), then
    // everything built from it (models, hub settings, persona, speech engines, sounds), every refusal on its own line.
    const loaded = await loadStartupConfig(configPath, explicit !== undefined);
    if (!loaded.ok) return cannotStart(io, loaded.refusals);
    const { config } = loaded;
    // The input and output are checked before models, hub and logs: a wrong path is the one line printed.
    const input = values.input === undefined ? undefined : await openAudioInput(values.input);
    if (values.output !== undefined) await checkOutputPath('--output', values.output);
    const logFormat = values['log-format'];
    if (logFormat !== undefined && !isLogFormat(logFormat)) throw new Error(`--log-format: expected text or json, got ${JSON.stringify(logFormat)}`);
    const { mute, problem: muteProblem } = await MuteSwitch.load(join(config.control.state_dir ?? defaultStateDir(io.env), MUTE_FILE_NAME));
    const ops = await startRunOps({ config, ...(logFormat === undefined ? {} : { logFormat }), verbose: values.verbose === true, env: io.env, stderr: io.stderr, mute });
    cleanup.push(() => ops.close());
    const logger = ops.logger;
    let link: HubConnection | undefined;
    const prepared = await prepareStartup(config, {
      configPath, explicit: explicit !== undefined, flags: toConnectionFlags(values as ConnectionFlagValues), env: io.env, connectivity: () => ({ hub: link?.state === 'ready' }),
      personaLog: (event) => {
        if (event.type === 'failure') ops.events.solverFailed({ ...event.failure, firstOfCause: event.firstOfCause });
      },
      onSttFallback: (error) => logger.log('warn', `speech.stt_url failed, transcribing with the grammar recognizer: ${error instanceof Error ? error.message : String(error)}`),
    });
    if (!prepared.ok) return cannotStart(io, prepared.refusals);
    const { listener, settings, lang, stt, tts, persona, sounds } = prepared.startup;
    cleanup.push(() => prepared.startup.close());
    for (const note of prepared.startup.notes) logger.log('warn', note);
    if (muteProblem !== undefined) logger.warn(muteProblem);
    // The control API: asked for (flag/environment) or, with a live input, from the config.
    const controlAsked = values.control !== undefined || (io.env['HIVESAT_CONTROL'] ?? '') !== '';
    const fileInput = values.input !== undefined && values.input !== '-';
    const controlFlags = { ...(values.control === undefined ? {} : { listen: values.control }), ...(values['control-token'] === undefined ? {} : { token: values['control-token'] }) };
    const controlSettings = controlAsked || !fileInput ? await resolveControlSettings(config.control, controlFlags, io.env) : undefined;
    ops.addSecret(controlSettings?.token);
    // One link configuration for the satellite and serve's conversations: the same client to the hub.
    const linkOptions = settings === undefined ? undefined : hubLinkOptions(settings, config, logger);
    const served = await serveInRun(config, controlSettings, { configPath, env: io.env, logger, hub: settings === undefined || linkOptions === undefined ? undefined : { settings, options: linkOptions } });
    if (served !== undefined) cleanup.push(() => served.routes.close());
    ops.addSecret(served?.token);
    if (controlSettings !== undefined) await ops.serveControl(controlSettings, controlAsked, served === undefined ? [] : [served.routes]);
    if (served !== undefined && ops.controlServer === undefined) logger.warn('serve endpoints off: the control API\'s listener is not running');
    for (const secret of [settings?.password, settings?.accessKey, settings?.noisePsk, settings?.presharedKey]) ops.addSecret(typeof secret === 'string' ? secret : undefined);
    ops.addSecret(config.speech.stt_key ?? undefined);

    const sink: AudioSink = ops.wrapSink(
      values.output === undefined
        ? config.audio.playback_command !== null
          ? new CommandSink({ argv: config.audio.playback_command, rateHz: config.audio.playback_rate_hz, channels: config.audio.playback_channels, env: io.env })
          : new AplaySink({ device: config.audio.playback_device, rateHz: config.audio.playback_rate_hz, channels: config.audio.playback_channels, env: io.env })
        : new WavFileSink({ path: values.output }),
    );
    cleanup.push(() => sink.close());
    // "Not understood" explains at length what works offline once per outage, briefly after.
    const hints = new OfflineHints();
    const local: AnswerLocally = (u, localIo) => answerLocally(u.pcm, { stt, persona, tts }, { ...localIo, hints });
    link =
      settings === undefined
        ? undefined
        : new HubConnection({ ...(linkOptions ?? hubLinkOptions(settings, config, logger)), reconnect: {}, unknownKeyCloses: 3, sessionId: config.session_id ?? stableSessionId(settings.accessKey, settings.siteId) });
    const hubLink = link;
    if (hubLink !== undefined) cleanup.push(() => hubLink.close());
    hubLink?.on('ready', () => hints.hubBack());
    void preloadMp3Decoder();

    const satellite = new Satellite({
      mode: config.mode, listener, link, sink, lang, siteId: settings?.siteId ?? 'unknown', stt, tts, answerLocally: local,
      answerTimeoutMs: config.answer_timeout_ms, synthTimeoutMs: config.synth_timeout_ms,
      stream: { preRollMs: config.vad.pre_roll_ms, tailMs: config.stream.tail_ms, maxStreamMs: config.stream.max_stream_ms },
      sounds: { onWake: config.sounds.on_wake, startListening: config.sounds.start_listening, error: config.sounds.error },
      volume: { initialPercent: config.volume.initial_percent, stepPercent: config.volume.step_percent, maxGain: config.volume.max_gain },
      limits: {
        maxTtsBytes: config.limits.max_tts_bytes, maxAnswerSeconds: config.limits.max_answer_seconds, maxSpeaksPerTurn: config.limits.max_speaks_per_turn,
        maxUnsolicitedSpeaks: config.limits.max_unsolicited_speaks, maxIgnoredPerInterval: config.limits.max_ignored_per_interval, warnIntervalMs: config.limits.warn_interval_ms,
      },
      soundLibrary: sounds,
      logger,
      muted: mute.muted,
    });
    cleanup.push(() => satellite.close());
    cleanup.push(() => ops.stopping()); // first step of the teardown: STOPPING=1, /healthz 503
    ops.attach({ listener, satellite, link, hubUrl: settings === undefined ? 'none' : `${settings.tls ? 'wss' : 'ws'}://${settings.host}:${settings.port}` });
    cleanup.push(...startHardware(config, { satellite, listener, link, health: ops.health, mute, events: ops.events }, ops, io.env));
    const firstTurn = new Promise<TurnReport>((resolve) => satellite.once('turn', resolve));
    let stopRequested: () => void = () => undefined;
    const stop = new Promise<void>((resolve) => (stopRequested = resolve));
    removeSignalHandlers = installSignalHandlers({ reload: () => reloadConfig(ops, configPath, explicit !== undefined), shutdown: () => shutdown(ops, satellite, stopRequested, done) }, { logger });

    // Ready (READY=1) once the hub is connected — or its first attempt failed (the local fallback answers), or it
    // keeps us waiting: never wait for the hub forever.
    const hubSettled: Promise<string> =
      link === undefined
        ? Promise.resolve('local only (no hub configured)')
        : Promise.race([
            link.connect().then(() => 'hub connected', () => 'hub unreachable: answering locally'),
            new Promise<string>((r) => link.on('state', (change) => (change.to === 'backing-off' || change.to === 'closed' ? r('hub unreachable: answering locally') : undefined))),
            new Promise<string>((r) => setTimeout(() => r('hub not connected yet: answering locally meanwhile'), FILE_INPUT_CONNECT_WAIT_MS).unref()),
          ]);
    // A file's first turn should go to the hub: wait for it before feeding (a microphone starts at once).
    if (values.input !== undefined) await hubSettled;
    void hubSettled.then((status) => ops.ready(status));

    const saveDir = values.save ?? config.debug.save_dir;
    const recorder = saveDir === null ? undefined : startRecorder(saveDir, config, listener, satellite, ops);
    if (recorder !== undefined) cleanup.push(() => recorder.finish());
    // Mute means deaf: while the session is muted, captured audio is dropped here, before the listener, the streamer
    // and any file (the satellite drops it too).
    const feed = (chunk: Int16Array): void => {
      if (!satellite.session.muted) {
        satellite.feed(chunk);
        recorder?.feed(chunk);
      }
      ops.ping();
    };
    const deviceError = (error: Error, retryMs?: number): void =>
      ops.events.error({ kind: errorCode(error) ?? error.name, message: `capture: ${error.message}${retryMs === undefined ? '' : `; retrying in ${retryMs} ms`}` });
    const inputDone = feedInput(input, feed, listener, () => satellite.end(), config, io, stop, deviceError, (source) => ops.watchCapture(source));
    if (values.once === true) {
      const result = await Promise.race([firstTurn, inputDone.then(async () => (satellite.openTurns === 0 ? undefined : firstTurn))]);
      if (result === undefined) throw new Error('no turn: the input ended without a wake word and an utterance');
      io.stdout.write(`${JSON.stringify(redactReport(result, config.speech.redact_transcripts))}\n`);
      if (result.outcome !== 'answered') throw new Error(`the turn was not answered (${result.outcome}): ${whyNotAnswered(result, link)}`);
      return EXIT.OK;
    }
    satellite.on('turn', (report) => io.stdout.write(`${JSON.stringify(redactReport(report, config.speech.redact_transcripts))}\n`));
    await inputDone;
    logger.info('input ended', { open_turns: satellite.openTurns });
    let stopped = false;
    void stop.then(() => (stopped = true));
    while (satellite.openTurns > 0 && !stopped) await Promise.race([new Promise((resolve) => satellite.once('turn', resolve)), stop]);
    // Asked for a control API with a file input: keep serving it until SIGTERM/SIGINT.
    if (controlAsked && ops.controlServer !== undefined) await stop;
    return EXIT.OK;
  } catch (error) {
    const code = errorCode(error);
    io.stderr.write(`hivesat run: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` (${code})` : ''}\n`);
    return EXIT.FAILURE;
  } finally {
    removeSignalHandlers?.();
    for (const step of cleanup.reverse()) await step().catch(() => undefined); // best-effort teardown
    finished();
  }
}

/**
 * The real cause of a turn that was not answered, for the one line `--once` prints: the playback (or output file)
 * failure if there was one — whatever the route, nothing could be heard then — else why the hub did not answer,
 * with what the link knows (no hub configured, refused, unreachable) rather than the session's "hub not ready".
 */
export function whyNotAnswered(report: TurnReport, link: Pick<HubConnection, 'state' | 'closeError'> | undefined): string {
  const hub = (): string => {
    if (link === undefined) return 'no hub configured';
    const error = link.closeError;
    if (error !== undefined) {
      return `${error instanceof HiveAuthError ? 'the hub refused us' : 'the hub is unreachable'}: ${error.message}`;
    }
    return link.state === 'ready' ? 'the hub did not answer' : `the hub is unreachable (link ${link.state})`;
  };
  const failover = report.failover === undefined ? undefined : report.failover === 'hub not ready' ? hub() : report.failover;
  if (report.playbackError !== undefined) return `the answer could not be played (${report.playbackError})${failover === undefined ? '' : `; the turn had gone local: ${failover}`}`;
  return failover ?? 'nothing was played';
}

/** Longest wait for an answer that is playing when SIGTERM/SIGINT arrives (the whole shutdown is bounded by 2 s). */
const SHUTDOWN_ANSWER_WAIT_MS = 1_000;

/** SIGTERM/SIGINT: STOPPING=1, let a short answer finish, stop the input, then wait for the teardown in `run`. */
async function shutdown(ops: RunOps, satellite: Satellite, stopInput: () => void, torndown: Promise<void>): Promise<void> {
  await ops.stopping();
  if (satellite.openTurns > 0) {
    await Promise.race([
      new Promise<void>((resolve) => {
        const check = (): void => (satellite.openTurns === 0 ? resolve() : void satellite.once('turn', check));
        check();
      }),
      new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_ANSWER_WAIT_MS).unref()),
    ]);
  }
  stopInput();
  await torndown;
}

/** SIGHUP: re-read the config file and apply what can change at run time. */
async function reloadConfig(ops: RunOps, path: string, explicit: boolean): Promise<void> {
  ops.reload(await loadSatelliteConfig(path, explicit));
}

/** Print why the config cannot start, one line per reason with what to fix, and give the exit code for it. */
function cannotStart(io: CliIo, refusals: readonly StartupRefusal[]): number {
  for (const refusal of refusals) io.stderr.write(`hivesat run: cannot start: ${formatRefusal(refusal)}\n`);
  return EXIT.CANNOT_START;
}

/**
 * Feed the input; resolves when a finite input (file, stdin) ended or `stop` resolved (SIGINT/SIGTERM). A file or
 * stdin is read no faster than the listener keeps up; a read or format error rejects (one line, exit 1).
 */
async function feedInput(
  input: AudioInput | undefined, feed: (chunk: Int16Array) => void, listener: Listener, endInput: () => Promise<void>, config: SatelliteConfig, io: CliIo, stop: Promise<void>,
  reportError: (error: Error, retryMs?: number) => void, watchCapture: (source: SupervisedSource) => void,
): Promise<void> {
  if (input !== undefined) {
    // A stop (SIGTERM) must not wait for the next read: stdin may stay open with nothing more to say.
    const untilStopped = stopRace(stop);
    const pieces = input[Symbol.asyncIterator]();
    for (;;) {
      const next = await untilStopped(pieces.next());
      if (next === STOPPED) {
        void pieces.return?.(); // settles once the pending read does; the process is ending
        break;
      }
      if (next.done === true) break;
      feed(next.value);
      await listener.drained();
    }
    await endInput();
    return;
  }
  const { audio } = config;
  const source = new SupervisedSource(
    audio.capture_command !== null
      ? new CommandSource({ argv: audio.capture_command, rateHz: audio.capture_rate_hz, channels: audio.capture_channels, env: io.env })
      : new ArecordSource({ device: audio.capture_device, rateHz: audio.capture_rate_hz, channels: audio.capture_channels, env: io.env }),
    {
      stallTimeoutMs: audio.capture_stall_ms === 0 ? null : audio.capture_stall_ms,
      stuckTimeoutMs: audio.capture_stuck_ms === 0 ? null : audio.capture_stuck_ms,
    },
  );
  source.on('chunk', feed);
  // Capture failures are reported (log, metrics, `error` hook, health) and the source restarts itself with backoff.
  watchCapture(source);
  await new Promise<void>((resolve) => {
    const end = (): void => resolve();
    void stop.then(end);
    source.once('end', end);
    void source.start().catch((error: unknown) => {
      reportError(error instanceof Error ? error : new Error(String(error)));
      end();
    });
  });
  await source.stop();
  await endInput();
}

/**
 * `serve.enabled`: serve's endpoints for run's local server (the control API's), or undefined when serve is off —
 * with a warning when it was asked for but there is no such server.
 */
async function serveInRun(config: SatelliteConfig, control: ControlSettings | undefined, inputs: Omit<RunServeInputs, 'config' | 'listen'>): Promise<RunServe | undefined> {
  if (config.serve['enabled'] !== true) return undefined;
  if (control === undefined) {
    inputs.logger.warn('serve endpoints off: serve.enabled needs run\'s local server, which is off (control.listen is null, or --input FILE without --control)');
    return undefined;
  }
  return startRunServe({ ...inputs, config, listen: control.listen });
}

/** Debug recordings into `dir` (docs/control.md "Debug recordings"), following the listener and the turns. */
function startRecorder(dir: string, config: SatelliteConfig, listener: Listener, satellite: Satellite, ops: RunOps): DebugRecorder {
  const d = config.debug;
  let failing = false;
  const recorder = new DebugRecorder({
    dir, maxRecordings: d.max_recordings, maxBytes: d.max_bytes, wakeBeforeMs: d.wake_before_ms, wakeAfterMs: d.wake_after_ms,
    onError: (error) => {
      if (!failing) ops.logger.warn(`debug recordings: cannot write ${dir}: ${error.message}`);
      failing = true;
    },
  });
  listener.on('wake', (e) => recorder.wake({ keyword: e.keyword, score: e.score, sample: e.at.sample }));
  listener.on('utterance', (u) => recorder.utterance(u.pcm));
  satellite.on('turn', (report) => recorder.turn(report));
  ops.logger.info('debug recordings on', { dir });
  return recorder;
}

/** The opt-in button and LEDs (docs/hardware.md); returns their teardown steps. */
function startHardware(config: SatelliteConfig, parts: ControlParts, ops: RunOps, env: NodeJS.ProcessEnv): (() => Promise<unknown>)[] {
  const steps: (() => Promise<unknown>)[] = [];
  if (config.leds.device !== null) {
    const leds = new Apa102Leds({ device: config.leds.device, count: config.leds.count, brightness: config.leds.brightness });
    let failing = false; // one warning per outage of the LED device, not one per state change
    ledsFollow(leds, ops.stream, { muted: parts.satellite.session.muted }, (error) => {
      if (!failing) ops.logger.warn(`leds: cannot write ${config.leds.device ?? ''}: ${error.message}`);
      failing = true;
    });
    steps.push(() => leds.close());
  }
  const b = config.buttons;
  if (b.chip !== null) {
    const button = new GpioButton({ chip: b.chip, line: b.line, activeLow: b.active_low, bias: b.bias, longPressMs: b.long_press_ms, env });
    const act = buttonAction(parts);
    button.on('press', (press) => void act(press).catch((error: unknown) => ops.logger.warn(`button: ${(error as Error).message}`)));
    button.on('error', (message, retryMs) => ops.events.error({ kind: 'OPS_ERR_BUTTON', message: `button: ${message}; retrying in ${retryMs} ms` }));
    button.start();
    steps.push(() => button.stop());
  }
  return steps;
}

/** The `run` command. */
export const runCommand: Command = { name: 'run', summary: 'run the voice satellite (microphone → hub → speaker, local answers when offline)', help: HELP, run };
