/**
 * `hivesat run [--config FILE] [--input FILE.wav|-] [--output FILE.wav] [--once] [-v]`: the satellite service.
 *
 * Reads the config file (validated; `hivesat config check` prints every problem), connects to the hub from its
 * `"hub"` section (plus `HIVESAT_*` and the identity file), listens on the microphone (or `--input`: a WAV file, or
 * raw 16 kHz mono s16le on stdin with `-`) and plays answers on the speaker (or into `--output`, a WAV file). With
 * `--once` it exits after the first turn: 0 when it was answered and played, 1 with the reason otherwise. With a file
 * input and no `--once` it exits when the input ended and every turn was answered.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { AplaySink, type AudioSink, CHUNK_SAMPLES, preloadMp3Decoder, readWavFile, StdinSource, SupervisedSource, ArecordSource, WavFileSink } from '../../audio/index.js';
import { type ConnectionFlags, type ConnectionSettings, defaultConfigPath, resolveConnectionSettings } from '../../config/connection-config.js';
import { loadSatelliteConfig, type SatelliteConfig } from '../../config/satellite-config.js';
import { HubConnection } from '../../hivemind/index.js';
import { createListener, type Listener } from '../../listener/index.js';
import { builtinPhrases, defaultPersonaDir, loadPersonaOrDefault } from '../../persona/index.js';
import { answerLocally, type AnswerLocally, Satellite, type TurnReport } from '../../satellite/index.js';
import { EspeakNgTts, FliteTts, PocketsphinxStt, type TextToSpeech } from '../../speech/index.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, type ConnectionFlagValues, cliLogger, commandConnectionOptions, toConnectionFlags } from '../connection-flags.js';

const HELP = `Usage: hivesat run [options]

Run the voice satellite: wake word, utterance to the hub, spoken answer; answers locally when the hub is down.

Options:
  --config FILE      config file (default ~/.config/hivesat/config.json; check it with "hivesat config check")
  --input FILE.wav   read the microphone audio from a WAV file instead of the microphone; "-" reads raw
                     16 kHz mono s16le from stdin
  --output FILE.wav  write everything the satellite would play into a WAV file instead of the speaker
  --once             exit after the first turn: 0 if it was answered and played, 1 (with the reason) if not
  -v, --verbose      log the connection and every turn's timeline to stderr
  -h, --help         show this help

${CONNECTION_HELP}

Exit codes: 0 done, 1 failure (configuration, devices, a turn that could not be answered with --once).`;

/** The wait for the hub before a file input is fed (so its first turn can go to the hub), ms. */
const FILE_INPUT_CONNECT_WAIT_MS = 10_000;

/** A session id stable across restarts: a UUID-shaped hash of the access key and the site (no secret in it). */
export function stableSessionId(accessKey: string, siteId: string): string {
  const h = createHash('sha256').update(`hivesat-session\0${accessKey}\0${siteId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      options: { ...CONNECTION_OPTIONS, input: { type: 'string' }, output: { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help === true) {
      io.stdout.write(`${HELP}\n`);
      return EXIT.OK;
    }
    const explicit = values.config ?? (io.env['HIVESAT_CONFIG'] === '' ? undefined : io.env['HIVESAT_CONFIG']);
    const config = await loadSatelliteConfig(explicit ?? defaultConfigPath(io.env), explicit !== undefined);
    const logger = cliLogger(io, values.verbose === true);
    const settings = await hubSettings({ ...toConnectionFlags(values as ConnectionFlagValues), ...(explicit === undefined ? {} : { config: explicit }) }, io, (m) => logger.log('warn', m));
    const hubLang: unknown = config.hub['lang'];
    const lang = settings?.lang ?? (typeof hubLang === 'string' ? hubLang : 'en-US');
    const samples = values.input === undefined || values.input === '-' ? undefined : await readWavFile(values.input);

    const sink: AudioSink =
      values.output === undefined
        ? new AplaySink({ device: config.audio.playback_device, rateHz: config.audio.playback_rate_hz, channels: config.audio.playback_channels, env: io.env })
        : new WavFileSink({ path: values.output });
    cleanup.push(() => sink.close());
    const listener = await buildListener(config);
    cleanup.push(() => listener.close());
    const tts: TextToSpeech = config.speech.tts === 'flite' ? new FliteTts() : new EspeakNgTts(config.speech.voice === null ? {} : { voice: config.speech.voice });
    const stt = new PocketsphinxStt({ grammar: builtinPhrases(lang.split('-')[0] ?? 'en') });
    const persona = await loadPersonaOrDefault(config.persona.dir ?? defaultPersonaDir(io.env), config.persona.name ?? undefined, { connectivity: () => ({ hub: link?.state === 'ready' }) });
    const local: AnswerLocally = (u, localIo) => answerLocally(u.pcm, { stt, persona, tts }, localIo);
    const link =
      settings === undefined
        ? undefined
        : new HubConnection({ ...commandConnectionOptions(settings, logger), reconnect: {}, unknownKeyCloses: 3, sessionId: config.session_id ?? stableSessionId(settings.accessKey, settings.siteId) });
    if (link !== undefined) cleanup.push(() => link.close());
    void preloadMp3Decoder();

    const satellite = new Satellite({
      mode: config.mode, listener, link, sink, lang, siteId: settings?.siteId ?? 'unknown', stt, tts, answerLocally: local,
      answerTimeoutMs: config.answer_timeout_ms, synthTimeoutMs: config.synth_timeout_ms,
      stream: { preRollMs: config.vad.pre_roll_ms, tailMs: config.stream.tail_ms, maxStreamMs: config.stream.max_stream_ms },
      sounds: { onWake: config.sounds.on_wake, startListening: config.sounds.start_listening, error: config.sounds.error },
      volume: { initialPercent: config.volume.initial_percent, stepPercent: config.volume.step_percent, maxGain: config.volume.max_gain },
      logger,
    });
    cleanup.push(() => satellite.close());
    const firstTurn = new Promise<TurnReport>((resolve) => satellite.once('turn', resolve));
    if (link !== undefined) {
      const ready = link.connect();
      if (values.input !== undefined) {
        // Wait for the hub so the file's first turn can go to it — but not once the first attempt failed: the hub is
        // known to be down, and the turn is answered locally at once.
        const firstAttemptFailed = new Promise((r) => link.on('state', (change) => (change.to === 'backing-off' || change.to === 'closed' ? r(undefined) : undefined)));
        await Promise.race([ready.catch(() => undefined), firstAttemptFailed, new Promise((r) => setTimeout(r, FILE_INPUT_CONNECT_WAIT_MS).unref())]);
      }
    }

    const inputDone = feedInput(values.input, samples, satellite, listener, config, io);
    if (values.once === true) {
      const result = await Promise.race([firstTurn, inputDone.then(async () => (satellite.openTurns === 0 ? undefined : firstTurn))]);
      if (result === undefined) throw new Error('no turn: the input ended without a wake word and an utterance');
      io.stdout.write(`${JSON.stringify(result)}\n`);
      if (result.outcome !== 'answered') throw new Error(`the turn was not answered (${result.outcome}${result.failover === undefined ? '' : `, ${result.failover}`})`);
      return EXIT.OK;
    }
    satellite.on('turn', (report) => io.stdout.write(`${JSON.stringify(report)}\n`));
    await inputDone;
    while (satellite.openTurns > 0) await new Promise((resolve) => satellite.once('turn', resolve));
    return EXIT.OK;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    io.stderr.write(`hivesat run: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` (${code})` : ''}\n`);
    return EXIT.FAILURE;
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined); // best-effort teardown
  }
}

/** The hub settings, or undefined (local-only) when no hub is configured. */
async function hubSettings(flags: ConnectionFlags, io: CliIo, warn: (m: string) => void): Promise<ConnectionSettings | undefined> {
  try {
    return await resolveConnectionSettings({ flags, env: io.env });
  } catch (error) {
    if ((error as { code?: string }).code !== 'CFG_ERR_MISSING') throw error;
    warn(`no hub configured (${(error as Error).message}): answering locally only`);
    return undefined;
  }
}

function buildListener(config: SatelliteConfig): Promise<Listener> {
  const { vad, wake } = config;
  return createListener({
    settings: {
      silenceEndMs: vad.silence_end_ms, maxUtteranceMs: vad.max_utterance_ms, noSpeechTimeoutMs: vad.no_speech_timeout_ms,
      minUtteranceMs: vad.min_utterance_ms, preRollMs: vad.pre_roll_ms, postRollMs: vad.post_roll_ms, bargeInThreshold: wake.barge_in_threshold,
    },
    keywords: wake.keywords, threshold: wake.threshold, triggerLevel: wake.trigger_level, refractoryMs: wake.refractory_ms,
    vadThreshold: vad.threshold, vadModel: vad.model,
  });
}

/** Feed the input; resolves when a finite input ended (never for the microphone, until SIGINT/SIGTERM). */
async function feedInput(input: string | undefined, samples: Int16Array | undefined, satellite: Satellite, listener: Listener, config: SatelliteConfig, io: CliIo): Promise<void> {
  if (samples !== undefined) {
    for (let i = 0; i < samples.length; i += CHUNK_SAMPLES) {
      satellite.feed(samples.subarray(i, i + CHUNK_SAMPLES));
      await listener.drained();
    }
    await listener.end();
    return;
  }
  const source = input === '-' ? new StdinSource() : new SupervisedSource(new ArecordSource({ device: config.audio.capture_device, rateHz: config.audio.capture_rate_hz, channels: config.audio.capture_channels, env: io.env }));
  source.on('chunk', (chunk) => satellite.feed(chunk));
  if (source instanceof SupervisedSource) source.on('deviceError', (error, retry) => io.stderr.write(`hivesat run: ${error.message}; retrying in ${retry.delayMs} ms\n`));
  else source.on('error', (error) => io.stderr.write(`hivesat run: ${error.message}\n`));
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    source.once('end', stop);
    void source.start().catch((error: unknown) => {
      io.stderr.write(`hivesat run: ${error instanceof Error ? error.message : String(error)}\n`);
      stop();
    });
  });
  await source.stop();
  await listener.end();
}

/** The `run` command. */
export const runCommand: Command = { name: 'run', summary: 'run the voice satellite (microphone → hub → speaker, local answers when offline)', help: HELP, run };
