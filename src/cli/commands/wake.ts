/**
 * `hivesat wake enroll [--takes N] [--device NAME] [--seconds S] [--config FILE] [FILE.wav ...]`: teach the wake-word
 * verifier the household's voices (src/wake/enrollment.ts). Takes come from WAV files, or from the microphone through
 * the capture path `run` uses (the config's `audio.capture_command`, else `arecord` on `audio.capture_device` or
 * `--device`); each is checked (level, clipping, heard by the base model) and a refused recorded take is asked for
 * again. The verifier is trained on the device and saved as `<state dir>/wake-verifier.json`, which `listen` and
 * `run` use while `wake.verifier` is `auto` (the default).
 *
 * Exit codes: 0 saved, 1 anything else (usage, too few accepted takes, capture, models, espeak-ng, writing).
 *
 * @module
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ArecordSource, type AudioSource, CommandSource, readWavFile } from '../../audio/index.js';
import { defaultConfigPath, enrolledVerifierPath, loadSatelliteConfig, type SatelliteConfig } from '../../config/index.js';
import {
  type AcceptedTake,
  AUTO_VERIFIER,
  DEFAULT_VERIFIER,
  ENROLL_DEFAULT_TAKES,
  ENROLL_MAX_TAKES,
  ENROLL_MIN_TAKES,
  ENROLLED_VERIFIER,
  EnrollError,
  loadWakeVerifier,
  saveEnrolledVerifier,
  WakeEnroller,
} from '../../wake/index.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';
import { ENROLLMENT_NEGATIVES_NOTE, synthesizeEnrollmentNegatives } from '../enroll-negatives.js';
import { UsageError } from '../errors.js';
import { errorCode, HivesatError } from '../../errors.js';

/** Seconds recorded per take by default. */
export const ENROLL_DEFAULT_SECONDS = 3;
/** Recorded takes refused in a row before giving up on one. */
const MAX_RETRIES_PER_TAKE = 3;

const HELP = `Usage: hivesat wake enroll [options] [FILE.wav ...]

Teach the wake-word verifier your voice. Without files, records ${ENROLL_DEFAULT_TAKES} takes of the wake word from the
microphone (the capture path "hivesat run" uses); with files, each WAV (any rate and channels) is one take. Each
take is checked — loud enough, not clipped, heard by the base wake-word model — and a refused recording is asked for
again. The verifier is trained here, in seconds, on the takes and on phrases espeak-ng speaks that are not the wake
word, and saved in the state folder (control.state_dir, else $STATE_DIRECTORY, else ~/.local/state/hivesat) as
wake-verifier.json; "hivesat listen" and "hivesat run" use it while wake.verifier is "auto" (the default), and
"hivesat doctor" shows it. Enroll again to replace it (several people: give everyone's takes in one run).

Options:
  --takes N         takes to record, ${ENROLL_MIN_TAKES}–${ENROLL_MAX_TAKES} (default ${ENROLL_DEFAULT_TAKES})
  --seconds S       length of each recorded take, 1.5–10 (default ${ENROLL_DEFAULT_SECONDS}); say the wake word once
  --device NAME     ALSA capture device (default: the config's audio.capture_device)
  --config FILE     config file (default ~/.config/hivesat/config.json when it exists): keyword, threshold, state folder
  -h, --help        show this help

Exit codes: 0 saved, 1 not saved (why is printed: too few accepted takes, microphone, models, espeak-ng, writing).`;

/** One take's source: a WAV file's samples, or a recording. */
type TakeSource = { readonly kind: 'files'; readonly takes: readonly { readonly label: string; readonly audio: Int16Array }[] } | { readonly kind: 'microphone'; readonly takes: number; readonly seconds: number; readonly record: (seconds: number) => Promise<Int16Array> };

function parseCount(text: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= ENROLL_MIN_TAKES && n <= ENROLL_MAX_TAKES)) throw new UsageError(`--takes: expected an integer ${ENROLL_MIN_TAKES}–${ENROLL_MAX_TAKES}, got "${text}"`);
  return n;
}

function parseSeconds(text: string): number {
  const s = Number(text);
  if (text.trim() === '' || !(s >= 1.5 && s <= 10)) throw new UsageError(`--seconds: expected seconds in [1.5, 10], got "${text}"`);
  return s;
}

/** The capture source `run` would use (one per take: started, read for `seconds`, stopped). */
function microphone(config: SatelliteConfig, device: string | undefined, env: NodeJS.ProcessEnv): (seconds: number) => Promise<Int16Array> {
  const { audio } = config;
  return async (seconds) => {
    const source: AudioSource =
      audio.capture_command !== null && device === undefined
        ? new CommandSource({ argv: audio.capture_command, rateHz: audio.capture_rate_hz, channels: audio.capture_channels, env })
        : new ArecordSource({ device: device ?? audio.capture_device, rateHz: audio.capture_rate_hz, channels: audio.capture_channels, env });
    const wanted = Math.round(seconds * 16_000);
    const out = new Int16Array(wanted);
    let fill = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        source.on('chunk', (chunk) => {
          const take = Math.min(chunk.length, wanted - fill);
          out.set(chunk.subarray(0, take), fill);
          fill += take;
          if (fill >= wanted) resolve();
        });
        source.on('error', reject);
        source.once('end', () => (fill >= wanted ? resolve() : reject(new Error(`the capture ended after ${(fill / 16_000).toFixed(1)} s of ${seconds} s`))));
        source.start().catch(reject);
      });
    } finally {
      await source.stop();
    }
    return out;
  };
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(`${HELP}\n`);
    return sub === undefined ? EXIT.FAILURE : EXIT.OK;
  }
  let enroller: WakeEnroller | undefined;
  try {
    if (sub !== 'enroll') throw new UsageError(`unknown subcommand "${sub.slice(0, 40)}" (expected enroll)`);
    const { values, positionals } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: true,
      options: { takes: { type: 'string' }, seconds: { type: 'string' }, device: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help === true) {
      io.stdout.write(`${HELP}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0 && (values.takes !== undefined || values.seconds !== undefined || values.device !== undefined)) {
      throw new UsageError('--takes, --seconds and --device are for recording: give WAV files or record, not both');
    }
    if (positionals.length > ENROLL_MAX_TAKES) throw new UsageError(`expected at most ${ENROLL_MAX_TAKES} WAV files, got ${positionals.length}`);
    const explicit = values.config ?? (io.env['HIVESAT_CONFIG'] === '' ? undefined : io.env['HIVESAT_CONFIG']);
    const config = await loadSatelliteConfig(explicit ?? defaultConfigPath(io.env), explicit !== undefined);
    const source: TakeSource =
      positionals.length > 0
        ? { kind: 'files', takes: await readTakes(positionals) }
        : { kind: 'microphone', takes: values.takes === undefined ? ENROLL_DEFAULT_TAKES : parseCount(values.takes), seconds: values.seconds === undefined ? ENROLL_DEFAULT_SECONDS : parseSeconds(values.seconds), record: microphone(config, values.device, io.env) };
    const keyword = config.wake.keywords.find((k) => !k.includes('/') && !k.endsWith('.onnx'));
    if (keyword === undefined) throw new UsageError(`wake.keywords has no built-in keyword to enroll (got ${JSON.stringify(config.wake.keywords)})`);
    const prior = keyword === 'hey_jarvis' ? await loadWakeVerifier(DEFAULT_VERIFIER) : undefined;
    enroller = await WakeEnroller.create({ keyword, threshold: config.wake.threshold, env: io.env, ...(prior !== undefined && { prior }) });
    const takes = await collectTakes(enroller, source, io);
    if (takes.length < ENROLL_MIN_TAKES) throw new EnrollError('WAKE_ERR_ENROLL_TOO_FEW', `expected at least ${ENROLL_MIN_TAKES} accepted takes, got ${takes.length}: nothing was saved`);
    io.stderr.write(`hivesat wake enroll: training on ${takes.length} takes and the negative phrases (${ENROLLMENT_NEGATIVES_NOTE})\n`);
    const c0 = process.cpuUsage();
    const negatives = await synthesizeEnrollmentNegatives();
    const result = await enroller.train(takes, negatives, { negatives: ENROLLMENT_NEGATIVES_NOTE });
    const cpu = process.cpuUsage(c0);
    const path = enrolledVerifierPath(config, io.env);
    await saveEnrolledVerifier(path, result.document);
    io.stdout.write(
      `saved ${path}: ${keyword} verifier enrolled on ${takes.length} takes (${result.windows.positive} keyword and ${result.windows.negative} other windows, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU-s)\n`,
    );
    const setting = config.wake.verifier;
    if (setting === AUTO_VERIFIER || setting === ENROLLED_VERIFIER) io.stdout.write('"hivesat listen" and "hivesat run" use it from their next start; "hivesat doctor" shows it\n');
    else io.stdout.write(`note: wake.verifier is ${JSON.stringify(setting)} in the config, so it is not used: set it to "auto" to use it\n`);
    return EXIT.OK;
  } catch (error) {
    io.stderr.write(`hivesat wake: ${describe(error)}\n`);
    return EXIT.FAILURE;
  } finally {
    await enroller?.close();
  }
}

/** Read the WAV files before any model loads: a wrong path is the one line printed. */
async function readTakes(paths: readonly string[]): Promise<{ label: string; audio: Int16Array }[]> {
  const takes: { label: string; audio: Int16Array }[] = [];
  for (const path of paths) {
    try {
      takes.push({ label: basename(path), audio: await readWavFile(path) });
    } catch (error) {
      throw new UsageError(`cannot read ${path}: ${errorCode(error) === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
  }
  return takes;
}

/** Check every take; a refused recording is asked for again (up to {@link MAX_RETRIES_PER_TAKE} times). */
async function collectTakes(enroller: WakeEnroller, source: TakeSource, io: CliIo): Promise<AcceptedTake[]> {
  const accepted: AcceptedTake[] = [];
  const ok = (take: AcceptedTake) => io.stdout.write(`${take.label}: ok (speech ${take.levelDbfs.toFixed(1)} dBFS, score ${take.peakScore.toFixed(2)})\n`);
  const refused = (error: EnrollError) => io.stdout.write(`refused ${error.message} (${error.code})\n`);
  if (source.kind === 'files') {
    for (const file of source.takes) {
      try {
        const take = await enroller.check(file.audio, file.label);
        accepted.push(take);
        ok(take);
      } catch (error) {
        if (!(error instanceof EnrollError)) throw error;
        refused(error);
      }
    }
    return accepted;
  }
  const phrase = enroller.keyword.replaceAll('_', ' ');
  for (let n = 1; n <= source.takes; n++) {
    for (let attempt = 1; ; attempt++) {
      io.stderr.write(`take ${n} of ${source.takes}: say "${phrase}" once, now (${source.seconds} s)…\n`);
      const audio = await source.record(source.seconds);
      try {
        const take = await enroller.check(audio, `take ${n}`);
        accepted.push(take);
        ok(take);
        break;
      } catch (error) {
        if (!(error instanceof EnrollError)) throw error;
        refused(error);
        if (attempt === MAX_RETRIES_PER_TAKE) {
          io.stderr.write(`take ${n}: refused ${MAX_RETRIES_PER_TAKE} times, going on\n`);
          break;
        }
      }
    }
  }
  return accepted;
}

/** One line for a failure: typed errors with their code, usage errors with the pointer to the help. */
function describe(error: unknown): string {
  const code = errorCode(error);
  if (error instanceof UsageError || (error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) return `${error.message}; see "hivesat wake --help"`;
  if (error instanceof HivesatError) return `${error.message} (${error.code})`;
  if (error instanceof Error) return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  return String(error);
}

/** `hivesat wake`. */
export const wakeCommand: Command = {
  name: 'wake',
  summary: 'wake enroll: teach the wake-word verifier your voice (microphone or WAV files)',
  help: HELP,
  run,
};
