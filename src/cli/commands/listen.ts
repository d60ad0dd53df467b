/**
 * `hivesat listen [--config FILE] [--input FILE.wav|-] [--json] [--keyword NAME|PATH]... [--threshold X] [--silence-end MS]`:
 * run the listener (wake word, VAD, endpointing) over a WAV file or the microphone and print one line per event. The
 * listener is the one `hivesat run` builds from the same config file (threshold, verifier, speech gate,
 * endpointing), so what `listen` hears is what the service will hear; the flags override the config.
 *
 * With `--input` the file (any 8–48 kHz WAV, converted to 16 kHz mono by src/audio, streamed so any length fits in
 * bounded memory) or stdin (`-`) is processed as fast as the CPU allows and the command exits at its end; without it, the microphone is read through `arecord`
 * (`--device`) until SIGINT/SIGTERM. Times are seconds from the start of the input.
 *
 * `--json` prints exactly one object per line:
 * `{"type":"wake","keyword":"hey_jarvis","score":0.98,"t":1.23}`, `{"type":"speech_start","t":…}`,
 * `{"type":"speech_end","t":…}`, `{"type":"utterance","start":…,"end":…,"duration":…}`, `{"type":"no_speech","t":…}`.
 *
 * Self-contained: `runListen` needs only output streams, so `src/cli/main.ts` can register {@link listenCommand}.
 *
 * @module
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ArecordSource, type AudioInput, openAudioInput, SupervisedSource, writeWavFile } from '../../audio/index.js';
import { defaultConfigPath, defaultSatelliteConfig, loadSatelliteConfig } from '../../config/index.js';
import { createListener, type Listener, MAX_SILENCE_END_MS, MIN_SILENCE_END_MS } from '../../listener/index.js';
import { listenerOptionsFromConfig } from '../../config/index.js';
import { formatVerifierInfo } from '../../wake/index.js';
import { errorCode } from '../../errors.js';

/** Output streams (and, for tests, the environment of `arecord` and a stop signal) of {@link runListen}. */
export interface ListenIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Environment of the `arecord` process (e.g. `ALSA_CONFIG_PATH`, `PATH`). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Stops microphone mode like SIGINT does (in-process callers and tests). */
  readonly signal?: AbortSignal;
}

/** Exit codes: 0 success, 1 anything else (usage, missing file or model, a detector failure). */
const EXIT_OK = 0;
const EXIT_FAILURE = 1;

/** The defaults printed in the help: those of an empty config file. */
const DEFAULTS = defaultSatelliteConfig();

/** The `hivesat listen --help` text. */
export const LISTEN_HELP = `Usage: hivesat listen [options]

Listen for the wake word, then record until the end of speech, and print one line per event: wake word, speech
start, speech end, utterance (or "no speech"). Times are seconds from the start of the input.

Options:
  --config FILE          config file whose "wake" and "vad" sections shape the listener, as for "hivesat run"
                         (default ~/.config/hivesat/config.json when it exists)
  --input FILE.wav|-     read a WAV file (8–48 kHz, 1–8 channels, any length) as fast as possible instead of the
                         microphone; "-" reads stdin: a WAV (arecord/sox into a pipe) or raw 16 kHz mono s16le
  --device NAME          ALSA capture device (default "default"); the microphone is read until Ctrl-C
  --keyword NAME|PATH    wake word: hey_jarvis, alexa, hey_mycroft, hey_rhasspy, or an openWakeWord .onnx head;
                         repeat for several (default hey_jarvis)
  --threshold X          wake-word score threshold, in (0, 1) (default: the config's, ${DEFAULTS.wake.threshold})
  --silence-end MS       silence that ends an utterance, milliseconds (default: the config's, ${DEFAULTS.vad.silence_end_ms})
  --save DIR             write each utterance to DIR as utterance-N.wav (16 kHz mono); DIR is created if needed
  --json                 one JSON object per line:
                           {"type":"wake","keyword":"hey_jarvis","score":0.98,"t":1.23}
                           {"type":"speech_start","t":…}  {"type":"speech_end","t":…}
                           {"type":"utterance","start":…,"end":…,"duration":…}  {"type":"no_speech","t":…}
  -v, --verbose          log state transitions on stderr
  -h, --help             show this help

Exit codes: 0 done (end of file, or Ctrl-C), 1 anything else.`;

class ListenUsageError extends Error {
  override readonly name = 'ListenUsageError';
}

/** `--save DIR` cannot be used (its message is the whole line). */
class ListenSaveError extends Error {
  override readonly name = 'ListenSaveError';
}

/**
 * Run `hivesat listen` with the arguments after the command name.
 *
 * @returns the exit code.
 */
export async function runListen(argv: readonly string[], io: ListenIo): Promise<number> {
  let listener: Listener | undefined;
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        input: { type: 'string' },
        device: { type: 'string' },
        keyword: { type: 'string', multiple: true },
        threshold: { type: 'string' },
        'silence-end': { type: 'string' },
        save: { type: 'string' },
        json: { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      io.stdout.write(`${LISTEN_HELP}\n`);
      return EXIT_OK;
    }
    const threshold = values.threshold === undefined ? undefined : parseThreshold(values.threshold);
    const silenceEndMs = values['silence-end'] === undefined ? undefined : parseMs('--silence-end', values['silence-end'], MIN_SILENCE_END_MS, MAX_SILENCE_END_MS);
    const keywords = values.keyword ?? [];
    const print = printer(io, values.json === true);
    // Open the input before loading models: a wrong path should fail fast.
    const input = values.input === undefined ? undefined : await openAudioInput(values.input);
    if (values.save !== undefined) await prepareSaveDir(values.save);
    const env = io.env ?? process.env;
    const explicit = values.config ?? (env['HIVESAT_CONFIG'] === '' ? undefined : env['HIVESAT_CONFIG']);
    const configured = listenerOptionsFromConfig(await loadSatelliteConfig(explicit ?? defaultConfigPath(env), explicit !== undefined), env);

    listener = await createListener({
      ...configured,
      // A shorter --silence-end also shortens the post-roll, which may not exceed it.
      settings: { ...configured.settings, ...(silenceEndMs !== undefined && { silenceEndMs, postRollMs: Math.min(configured.settings.postRollMs ?? 0, silenceEndMs) }) },
      ...(keywords.length > 0 && { keywords }),
      ...(threshold !== undefined && { threshold }),
      ...(values.verbose === true && { log: (line: string) => io.stderr.write(`listener: ${line}\n`) }),
    });
    if (values.verbose === true) io.stderr.write(`hivesat listen: wake engine ${listener.wakeEngine.engine}, verifier ${formatVerifierInfo(listener.verifier)}\n`);
    let failures = 0;
    let saved = 0;
    const saveDir = values.save;
    const writes: Promise<void>[] = [];
    listener.on('wake', (e) => print({ type: 'wake', keyword: e.keyword, score: round(e.score, 2), t: round(e.at.seconds, 3) }));
    listener.on('speech_start', (e) => print({ type: 'speech_start', t: round(e.at.seconds, 3) }));
    listener.on('speech_end', (e) => print({ type: 'speech_end', t: round(e.at.seconds, 3) }, e.truncated ? ' (cut at the maximum length)' : ''));
    listener.on('utterance', (u) => {
      const start = round(u.times.start.seconds, 3);
      const end = round(u.times.end.seconds, 3);
      print({ type: 'utterance', start, end, duration: round(end - start, 3) }, `, speech ${u.loudness.rmsDbfs.toFixed(1)} dBFS`);
      if (saveDir !== undefined) writes.push(writeWavFile(join(saveDir, `utterance-${++saved}.wav`), u.pcm));
    });
    listener.on('no_speech', (e) => print({ type: 'no_speech', t: round(e.at.seconds, 3) }));
    listener.on('error', (error) => {
      failures++;
      io.stderr.write(`hivesat listen: ${error.message}\n`);
    });

    if (input !== undefined) {
      await feedListener(listener, input);
    } else {
      await listenToMicrophone(listener, values.device ?? 'default', io);
    }
    await listener.end();
    await Promise.all(writes);
    return failures === 0 ? EXIT_OK : EXIT_FAILURE;
  } catch (error) {
    io.stderr.write(`hivesat listen: ${describe(error)}\n`);
    return EXIT_FAILURE;
  } finally {
    await listener?.close();
  }
}

/** The `listen` command in the shape `src/cli/commands/index.ts` lists (structurally a `Command`). */
export const listenCommand = {
  name: 'listen',
  summary: 'run the wake word and end-of-speech detection on the microphone or a WAV file and print the events',
  help: LISTEN_HELP,
  run: (args: readonly string[], io: ListenIo): Promise<number> => runListen(args, io),
} as const;

/** Feed a file or stdin to the listener, one 80 ms piece at a time. */
async function feedListener(listener: Listener, input: AudioInput): Promise<void> {
  for await (const piece of input) {
    listener.feed(piece);
    await listener.drained(); // backpressure: the file is read no faster than the detectors run
  }
}

/** Feed the microphone to the listener until SIGINT/SIGTERM or `io.signal`. */
async function listenToMicrophone(listener: Listener, device: string, io: ListenIo): Promise<void> {
  const source = new SupervisedSource(new ArecordSource({ device, ...(io.env !== undefined && { env: io.env }) }));
  source.on('chunk', (chunk) => listener.feed(chunk));
  source.on('deviceError', (error, retry) => io.stderr.write(`hivesat listen: ${error.message}; retrying in ${retry.delayMs} ms\n`));
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  io.signal?.addEventListener('abort', stop, { once: true });
  if (io.signal?.aborted === true) stop();
  source.once('end', stop);
  try {
    io.stderr.write(`hivesat listen: listening on ${device}; Ctrl-C to stop\n`);
    await source.start();
    await stopped;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    io.signal?.removeEventListener('abort', stop);
    await source.stop();
  }
}

type Printed =
  | { type: 'wake'; keyword: string; score: number; t: number }
  | { type: 'speech_start' | 'speech_end' | 'no_speech'; t: number }
  | { type: 'utterance'; start: number; end: number; duration: number };

function printer(io: ListenIo, json: boolean): (event: Printed, extra?: string) => void {
  if (json) return (event) => io.stdout.write(`${JSON.stringify(event)}\n`);
  return (event, extra = '') => {
    const t = (x: number) => x.toFixed(3).padStart(8);
    switch (event.type) {
      case 'wake':
        io.stdout.write(`${t(event.t)}  wake word "${event.keyword}" (score ${event.score.toFixed(2)})\n`);
        return;
      case 'speech_start':
        io.stdout.write(`${t(event.t)}  speech start\n`);
        return;
      case 'speech_end':
        io.stdout.write(`${t(event.t)}  speech end${extra}\n`);
        return;
      case 'utterance':
        io.stdout.write(`${t(event.end)}  utterance ${event.start.toFixed(3)}–${event.end.toFixed(3)} s (${event.duration.toFixed(3)} s${extra})\n`);
        return;
      case 'no_speech':
        io.stdout.write(`${t(event.t)}  no speech\n`);
        return;
    }
  };
}

/**
 * `mkdir -p`, one level at a time: Node's `{ recursive: true }` retries for ever on a parent it can never create
 * (under /proc, say), where this fails with that parent's error.
 */
async function makeFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST' && (await stat(dir)).isDirectory()) return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
    await makeFolder(dirname(dir));
    await mkdir(dir).catch(async (again: unknown) => {
      if (errorCode(again) !== 'EEXIST' || !(await stat(dir)).isDirectory()) throw again;
    });
  }
}

/** Create `dir` (and its parents) and check it takes files. @throws {ListenUsageError} saying why not, in one line. */
async function prepareSaveDir(dir: string): Promise<void> {
  try {
    await makeFolder(dir);
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = errorCode(error);
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : code === 'EROFS' ? 'read-only file system' : (error as Error).message;
    throw new ListenSaveError(`--save ${dir}: cannot create or write the folder (${why})`);
  }
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

function parseThreshold(text: string): number {
  const x = Number(text);
  if (text.trim() === '' || !(x > 0 && x < 1)) throw new ListenUsageError(`--threshold: expected a number in (0, 1), got "${text}"`);
  return x;
}

function parseMs(flag: string, text: string, min: number, max: number): number {
  const x = Number(text);
  if (text.trim() === '' || !(x >= min && x <= max)) throw new ListenUsageError(`${flag}: expected milliseconds in [${min}, ${max}], got "${text}"`);
  return x;
}

function describe(error: unknown): string {
  if (error instanceof ListenUsageError) return `${error.message}; see "hivesat listen --help"`;
  if (error instanceof ListenSaveError) return error.message;
  const code = errorCode(error);
  if (error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return `${error.message}; see "hivesat listen --help"`;
  if (code === 'ENOENT' && error instanceof Error) return `cannot read the input: ${error.message}`;
  if (error instanceof Error) return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  return String(error);
}
