/**
 * Local TTS engines driven through their CLIs: espeak-ng (default; Debian `espeak-ng`, ~100 languages, WAV on
 * stdout at 22 050 Hz), flite (Debian `flite`, English only, WAV at 16 kHz for most voices, 8 kHz for `kal`) and
 * piper (not in Debian 12: a user-installed binary and `.onnx` voice; raw s16le on stdout at the voice's rate).
 * Text never goes through argv (so a text starting with "-" is never read as an option): espeak-ng and piper read
 * stdin; flite, which can only `open()` paths (Node's stdio pipes are sockets), reads and writes scratch files.
 *
 * @module
 */
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import {
  ESPEAK_NG_BINARY,
  FLITE_BINARY,
  FLITE_DEFAULT_VOICE,
  INSTALL_ESPEAK_NG,
  INSTALL_FLITE,
  INSTALL_PIPER,
  MAX_TTS_TEXT_CHARS,
  PIPER_BINARY,
} from './constants.js';
import { speechFromPcm, speechFromWav } from './engine-audio.js';
import { SpeechError } from './errors.js';
import { defaultSpawn, defaultTimers, type ProcessResult, runProcess, type SpawnFn, type SpeechTimers, stderrSummary } from './process.js';
import { ScratchDir } from './scratch.js';
import type { SynthesizedSpeech, SynthesizeOptions, TextToSpeech } from './types.js';

/** Process options shared by the CLI engines. */
export interface CliEngineOptions {
  /** Program to run (default: the engine's usual name, from PATH). */
  readonly binary?: string;
  /** Time limit of one run, milliseconds. */
  readonly timeoutMs?: number;
  readonly spawn?: SpawnFn;
  readonly timers?: SpeechTimers;
}

/** Options of {@link EspeakNgTts}. */
export interface EspeakNgOptions extends CliEngineOptions {
  /** espeak-ng voice (`-v`), e.g. `en-us`, `en-us+f3`, `pt`; default: the language of each call. */
  readonly voice?: string;
  /** Words per minute (`-s`, espeak-ng default 175), 80..450. */
  readonly speedWpm?: number;
  /** Pitch (`-p`), 0..99 (default 50). */
  readonly pitch?: number;
}

/** Options of {@link FliteTts}. */
export interface FliteOptions extends CliEngineOptions {
  /** A built-in voice (`flite -lv`: kal awb_time kal16 awb rms slt) or a `.flitevox` file (default `slt`). */
  readonly voice?: string;
  /** Parent folder of the scratch folder for text and WAV files (default the OS temp dir). */
  readonly workDir?: string;
}

/** Options of {@link PiperTts}. */
export interface PiperOptions extends CliEngineOptions {
  /** The voice model (`.onnx`); its `.onnx.json` next to it gives the sample rate. */
  readonly model: string;
  /** Speaker id of a multi-speaker voice. */
  readonly speaker?: number;
  /** Speaking-rate factor (`--length_scale`, > 1 is slower). */
  readonly lengthScale?: number;
}

function checkText(engine: string, text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t === '' || t.length > MAX_TTS_TEXT_CHARS) {
    throw new SpeechError('SPEECH_ERR_BAD_INPUT', `${engine}: expected 1..${MAX_TTS_TEXT_CHARS} characters of text, got ${t.length}`);
  }
  return t;
}

/** View little-endian s16 bytes (piper's raw output) as samples, copying only when unaligned; a trailing odd byte is dropped. */
function int16FromBytes(bytes: Uint8Array): Int16Array {
  const usable = bytes.length - (bytes.length & 1);
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, usable / 2);
  return new Int16Array(bytes.slice(0, usable).buffer);
}

function ensureExit0(engine: string, result: ProcessResult): void {
  if (result.code !== 0) {
    throw new SpeechError('SPEECH_ERR_ENGINE_FAILED', `${engine}: expected exit code 0, got ${String(result.code)}: ${stderrSummary(result.stderrTail)}`);
  }
}

function runOptions(o: CliEngineOptions, engine: string, install: string, input: string | undefined, signal: AbortSignal | undefined): Parameters<typeof runProcess>[2] {
  return {
    spawn: o.spawn ?? defaultSpawn,
    timers: o.timers ?? defaultTimers,
    engine,
    install,
    ...(input !== undefined ? { input } : {}),
    signal,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  };
}

/** espeak-ng: small, robotic, every language. The default local voice. */
export class EspeakNgTts implements TextToSpeech {
  readonly name = 'espeak-ng';
  readonly #o: EspeakNgOptions;

  /** @throws {SPEECH_ERR_INVALID_CONFIG} speed or pitch out of range */
  constructor(options: EspeakNgOptions = {}) {
    if (options.speedWpm !== undefined && !(Number.isInteger(options.speedWpm) && options.speedWpm >= 80 && options.speedWpm <= 450)) {
      throw new SpeechError('SPEECH_ERR_INVALID_CONFIG', `espeak-ng: expected "speedWpm" to be an integer 80..450, got ${options.speedWpm}`);
    }
    if (options.pitch !== undefined && !(Number.isInteger(options.pitch) && options.pitch >= 0 && options.pitch <= 99)) {
      throw new SpeechError('SPEECH_ERR_INVALID_CONFIG', `espeak-ng: expected "pitch" to be an integer 0..99, got ${options.pitch}`);
    }
    this.#o = options;
  }

  /**
   * Speak `text` with the given voice, the configured voice, or the voice named like `lang`.
   *
   * @throws {SPEECH_ERR_ENGINE_MISSING} / {SPEECH_ERR_UNKNOWN_VOICE} / {SPEECH_ERR_ENGINE_FAILED} / {SPEECH_ERR_TIMEOUT} / {SPEECH_ERR_BAD_INPUT}
   */
  async synthesize(text: string, options: SynthesizeOptions): Promise<SynthesizedSpeech> {
    const input = checkText(this.name, text);
    const voice = options.voice ?? this.#o.voice ?? options.lang.toLowerCase();
    const args = ['--stdout', '-v', voice];
    if (this.#o.speedWpm !== undefined) args.push('-s', String(this.#o.speedWpm));
    if (this.#o.pitch !== undefined) args.push('-p', String(this.#o.pitch));
    args.push('--stdin');
    const result = await runProcess(this.#o.binary ?? ESPEAK_NG_BINARY, args, runOptions(this.#o, this.name, INSTALL_ESPEAK_NG, input, options.signal));
    if (result.code !== 0 && /voice does not exist/i.test(result.stderrTail)) {
      throw new SpeechError('SPEECH_ERR_UNKNOWN_VOICE', `espeak-ng: expected an installed voice, got ${JSON.stringify(voice)} (list them with: espeak-ng --voices)`);
    }
    ensureExit0(this.name, result);
    return speechFromWav(result.stdout, 'espeak-ng output');
  }
}

/** flite: English only, clearer than espeak-ng; `slt` is the voice pocketsphinx recognizes best. */
export class FliteTts implements TextToSpeech {
  readonly name = 'flite';
  readonly #o: FliteOptions;
  readonly #scratch: ScratchDir;
  #builtinVoices: Promise<Set<string>> | undefined;

  constructor(options: FliteOptions = {}) {
    this.#o = options;
    this.#scratch = new ScratchDir('hivesat-flite-', options.workDir);
  }

  /** Remove the scratch folder. */
  close(): Promise<void> {
    return this.#scratch.close();
  }

  /**
   * Speak English `text`. An unknown voice is an error (flite itself silently falls back to the 8 kHz `kal`).
   *
   * @throws {SPEECH_ERR_UNSUPPORTED_LANGUAGE} / {SPEECH_ERR_UNKNOWN_VOICE} / {SPEECH_ERR_ENGINE_MISSING} / {SPEECH_ERR_ENGINE_FAILED} / {SPEECH_ERR_TIMEOUT} / {SPEECH_ERR_BAD_INPUT}
   */
  async synthesize(text: string, options: SynthesizeOptions): Promise<SynthesizedSpeech> {
    const input = checkText(this.name, text);
    if (!options.lang.toLowerCase().startsWith('en')) {
      throw new SpeechError('SPEECH_ERR_UNSUPPORTED_LANGUAGE', `flite: expected an English language tag, got ${JSON.stringify(options.lang)}; use espeak-ng or piper for other languages`);
    }
    const voice = options.voice ?? this.#o.voice ?? FLITE_DEFAULT_VOICE;
    await this.#checkVoice(voice, options.signal);
    const textFile = await this.#scratch.file('text', '.txt');
    const wavFile = await this.#scratch.file('speech', '.wav');
    try {
      await writeFile(textFile, input);
      const args = ['-voice', voice, '-f', textFile, '-o', wavFile];
      const result = await runProcess(this.#o.binary ?? FLITE_BINARY, args, runOptions(this.#o, this.name, INSTALL_FLITE, undefined, options.signal));
      ensureExit0(this.name, result);
      return speechFromWav(await readFile(wavFile), 'flite output');
    } finally {
      await Promise.all([rm(textFile, { force: true }), rm(wavFile, { force: true })]);
    }
  }

  async #checkVoice(voice: string, signal: AbortSignal | undefined): Promise<void> {
    if (voice.includes('/')) {
      try {
        await access(voice);
        return;
      } catch (err) {
        throw new SpeechError('SPEECH_ERR_MODEL_MISSING', `flite: expected a voice file at ${voice}, got none`, { cause: err });
      }
    }
    this.#builtinVoices ??= runProcess(this.#o.binary ?? FLITE_BINARY, ['-lv'], runOptions(this.#o, this.name, INSTALL_FLITE, undefined, signal)).then(
      (r) => new Set(new TextDecoder().decode(r.stdout).replace(/^.*:/, '').trim().split(/\s+/)),
    );
    this.#builtinVoices.catch(() => {
      this.#builtinVoices = undefined;
    });
    const voices = await this.#builtinVoices;
    if (!voices.has(voice)) {
      throw new SpeechError('SPEECH_ERR_UNKNOWN_VOICE', `flite: expected one of ${[...voices].join(', ')} or a .flitevox path, got ${JSON.stringify(voice)}`);
    }
  }
}

/** piper: natural neural voices, when the user installed the binary and a voice model. */
export class PiperTts implements TextToSpeech {
  readonly name = 'piper';
  readonly #o: PiperOptions;
  readonly #rates = new Map<string, Promise<number>>();

  constructor(options: PiperOptions) {
    this.#o = options;
  }

  /**
   * Speak `text` with the configured model (or `options.voice` as another `.onnx` path).
   *
   * @throws {SPEECH_ERR_MODEL_MISSING} the model or its `.onnx.json` is missing or has no sample rate
   * @throws {SPEECH_ERR_ENGINE_MISSING} / {SPEECH_ERR_ENGINE_FAILED} / {SPEECH_ERR_TIMEOUT} / {SPEECH_ERR_BAD_INPUT}
   */
  async synthesize(text: string, options: SynthesizeOptions): Promise<SynthesizedSpeech> {
    const input = checkText(this.name, text);
    const model = options.voice ?? this.#o.model;
    let rate = this.#rates.get(model);
    if (rate === undefined) {
      rate = voiceSampleRate(model);
      rate.catch(() => this.#rates.delete(model));
      this.#rates.set(model, rate);
    }
    const sampleRate = await rate;
    const args = ['--model', model, '--output_raw'];
    if (this.#o.speaker !== undefined) args.push('--speaker', String(this.#o.speaker));
    if (this.#o.lengthScale !== undefined) args.push('--length_scale', String(this.#o.lengthScale));
    const result = await runProcess(this.#o.binary ?? PIPER_BINARY, args, runOptions(this.#o, this.name, INSTALL_PIPER, `${input}\n`, options.signal));
    ensureExit0(this.name, result);
    return speechFromPcm(int16FromBytes(result.stdout), sampleRate, 'piper output');
  }
}

async function voiceSampleRate(model: string): Promise<number> {
  try {
    await access(model);
  } catch (err) {
    throw new SpeechError('SPEECH_ERR_MODEL_MISSING', `piper: expected a voice model at ${model}, got none; ${INSTALL_PIPER}`, { cause: err });
  }
  const configPath = `${model}.json`;
  let rate: unknown;
  try {
    rate = (JSON.parse(await readFile(configPath, 'utf8')) as { audio?: { sample_rate?: unknown } }).audio?.sample_rate;
  } catch (err) {
    throw new SpeechError('SPEECH_ERR_MODEL_MISSING', `piper: expected the voice config ${configPath} (JSON), got none or unreadable`, { cause: err });
  }
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate <= 0) {
    throw new SpeechError('SPEECH_ERR_MODEL_MISSING', `piper: expected "audio.sample_rate" in ${configPath}, got ${JSON.stringify(rate)}`);
  }
  return rate;
}
