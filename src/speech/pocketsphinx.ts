/**
 * Offline STT with the pocketsphinx 5-prealpha CLI that Debian 12 ships (`pocketsphinx_continuous`, package
 * `pocketsphinx`; English model in `pocketsphinx-en-us`). The utterance is padded with silence and piped as raw
 * 16 kHz s16le to `-infile /dev/stdin` (only names ending in `.wav` are parsed as WAV); each recognized segment is a
 * line on stdout.
 *
 * With a {@link GrammarSpec} the search is restricted to a JSGF grammar (`-jsgf`), which is what makes it usable:
 * on espeak-ng/flite speech of the built-in phrases it is near-exact, while the generic language model is poor.
 * Every grammar word is checked against the dictionary first, because pocketsphinx rejects the whole grammar over
 * one unknown word with only a log line.
 *
 * @module
 */
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  INSTALL_POCKETSPHINX,
  MAX_STT_SAMPLES,
  POCKETSPHINX_BINARY,
  POCKETSPHINX_EN_US_DICT,
  POCKETSPHINX_EN_US_HMM_DIR,
  POCKETSPHINX_EN_US_LM,
  POCKETSPHINX_LEAD_SILENCE_MS,
  POCKETSPHINX_TAIL_SILENCE_MS,
  SAMPLE_RATE_HZ,
} from './constants.js';
import { SpeechError } from './errors.js';
import { buildJsgf, type GrammarSpec, grammarWords } from './grammar.js';
import { ScratchDir } from './scratch.js';
import { defaultSpawn, defaultTimers, runProcess, type SpawnFn, type SpeechTimers, stderrSummary } from './process.js';
import type { SpeechToText, TranscribeOptions, Transcript } from './types.js';

/** Options of {@link PocketsphinxStt}. */
export interface PocketsphinxOptions {
  /** Program to run (default `pocketsphinx_continuous` from PATH). */
  readonly binary?: string;
  /** Acoustic model folder, `-hmm` (default the Debian en-us model). */
  readonly modelDir?: string;
  /** Pronunciation dictionary, `-dict` (default the Debian cmudict-en-us). */
  readonly dictionary?: string;
  /** Language model used when there is no grammar, `-lm` (default the Debian en-us.lm.bin). */
  readonly languageModel?: string;
  /** Restrict recognition to these phrases (strongly recommended). */
  readonly grammar?: GrammarSpec;
  /** Base languages the model serves (default `["en"]`). */
  readonly languages?: readonly string[];
  /** Extra CLI arguments, appended last (e.g. `["-vad_threshold", "3.0"]`). */
  readonly extraArgs?: readonly string[];
  /** Parent folder of the scratch folder holding the grammar and audio files (default the OS temp dir). */
  readonly workDir?: string;
  /** Time limit of one run, milliseconds. */
  readonly timeoutMs?: number;
  readonly spawn?: SpawnFn;
  readonly timers?: SpeechTimers;
}

const ENGINE = 'pocketsphinx';

/** pocketsphinx speech-to-text. Create once, reuse for every utterance. */
export class PocketsphinxStt implements SpeechToText {
  readonly name = ENGINE;
  readonly #options: PocketsphinxOptions;
  readonly #spawn: SpawnFn;
  readonly #timers: SpeechTimers;
  readonly #scratch: ScratchDir;
  #prepared: Promise<readonly string[]> | undefined;

  constructor(options: PocketsphinxOptions = {}) {
    this.#options = options;
    this.#spawn = options.spawn ?? defaultSpawn;
    this.#timers = options.timers ?? defaultTimers;
    this.#scratch = new ScratchDir('hivesat-sphinx-', options.workDir);
  }

  /**
   * Check the model files, validate the grammar against the dictionary and write it. Called by the first
   * {@link transcribe}; call it at start-up to fail early.
   *
   * @throws {SPEECH_ERR_MODEL_MISSING} model folder or dictionary missing
   * @throws {SPEECH_ERR_GRAMMAR} a grammar word is not in the dictionary, or a phrase is malformed
   */
  prepare(): Promise<readonly string[]> {
    this.#prepared ??= this.#prepare();
    return this.#prepared;
  }

  async #prepare(): Promise<readonly string[]> {
    const o = this.#options;
    const hmm = o.modelDir ?? POCKETSPHINX_EN_US_HMM_DIR;
    const dict = o.dictionary ?? POCKETSPHINX_EN_US_DICT;
    await mustExist(join(hmm, 'mdef'), `acoustic model folder ${hmm}`);
    await mustExist(dict, 'pronunciation dictionary');
    // Dither with a fixed seed: runs of digital zeros (our own padding, a muted or gated input) make frames of zero
    // energy that skew cepstral mean normalisation — the soak found "what time is it" heard as "what are you" after
    // 0.6 s of exact silence. Half a bit of noise removes that; the fixed seed keeps the result reproducible.
    const args = ['-samprate', String(SAMPLE_RATE_HZ), '-input_endian', 'little', '-hmm', hmm, '-dict', dict, '-dither', 'yes', '-seed', '1'];
    if (o.grammar !== undefined) {
      const jsgf = buildJsgf(o.grammar);
      const known = await loadDictionaryWords(dict);
      const unknown = grammarWords(o.grammar).filter((w) => !known.has(w));
      if (unknown.length > 0) {
        throw new SpeechError('SPEECH_ERR_GRAMMAR', `expected every grammar word in ${dict}, got ${unknown.length} unknown: ${unknown.slice(0, 10).join(', ')}`);
      }
      const file = await this.#scratch.file('grammar', '.gram');
      await writeFile(file, jsgf);
      args.push('-jsgf', file);
    } else {
      const lm = o.languageModel ?? POCKETSPHINX_EN_US_LM;
      await mustExist(lm, 'language model');
      args.push('-lm', lm);
    }
    args.push(...(o.extraArgs ?? []));
    return args;
  }

  /**
   * Transcribe one utterance.
   *
   * @throws {SPEECH_ERR_UNSUPPORTED_LANGUAGE} `lang` is not one of the model's languages
   * @throws {SPEECH_ERR_BAD_INPUT} empty or longer than {@link MAX_STT_SAMPLES}
   * @throws {SPEECH_ERR_ENGINE_MISSING} / {SPEECH_ERR_MODEL_MISSING} / {SPEECH_ERR_ENGINE_FAILED} / {SPEECH_ERR_TIMEOUT}
   */
  async transcribe(pcm: Int16Array, options: TranscribeOptions): Promise<Transcript> {
    const base = options.lang.toLowerCase().split(/[-_]/)[0] ?? '';
    const languages = this.#options.languages ?? ['en'];
    if (!languages.includes(base)) {
      throw new SpeechError('SPEECH_ERR_UNSUPPORTED_LANGUAGE', `${ENGINE}: expected a language among ${languages.join(', ')}, got ${JSON.stringify(options.lang)}; install a model for it and set modelDir/dictionary`);
    }
    if (pcm.length === 0 || pcm.length > MAX_STT_SAMPLES) {
      throw new SpeechError('SPEECH_ERR_BAD_INPUT', `${ENGINE}: expected 1..${MAX_STT_SAMPLES} samples, got ${pcm.length}`);
    }
    const args = await this.prepare();
    const lead = (POCKETSPHINX_LEAD_SILENCE_MS * SAMPLE_RATE_HZ) / 1000;
    const tail = (POCKETSPHINX_TAIL_SILENCE_MS * SAMPLE_RATE_HZ) / 1000;
    const padded = new Int16Array(lead + pcm.length + tail);
    padded.set(pcm, lead);
    const binary = this.#options.binary ?? POCKETSPHINX_BINARY;
    const audioFile = await this.#scratch.file('utterance', '.raw');
    await writeFile(audioFile, new Uint8Array(padded.buffer)); // s16le on the little-endian hosts we run on
    let result;
    try {
      result = await runProcess(binary, ['-infile', audioFile, ...args], {
        spawn: this.#spawn,
        timers: this.#timers,
        engine: ENGINE,
        install: INSTALL_POCKETSPHINX,
        signal: options.signal,
        ...(this.#options.timeoutMs !== undefined ? { timeoutMs: this.#options.timeoutMs } : {}),
      });
    } finally {
      await rm(audioFile, { force: true });
    }
    if (result.code !== 0) {
      throw new SpeechError('SPEECH_ERR_ENGINE_FAILED', `${ENGINE}: expected exit code 0, got ${String(result.code)}: ${stderrSummary(result.stderrTail)}`);
    }
    const text = new TextDecoder()
      .decode(result.stdout)
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .join(' ')
      .replace(/\s+/g, ' ');
    return { text };
  }

  /** Remove the scratch folder (grammar file). The engine prepares again on next use. */
  async close(): Promise<void> {
    this.#prepared = undefined;
    await this.#scratch.close();
  }
}

async function mustExist(path: string, what: string): Promise<void> {
  try {
    await access(path);
  } catch (err) {
    throw new SpeechError('SPEECH_ERR_MODEL_MISSING', `${ENGINE}: expected the ${what} at ${path}, got none; install it with: ${INSTALL_POCKETSPHINX}`, { cause: err });
  }
}

const dictionaryCache = new Map<string, Promise<Set<string>>>();

/** The words of a CMU-format dictionary (`word PH ONES`, alternates as `word(2)`), cached per path. */
function loadDictionaryWords(path: string): Promise<Set<string>> {
  let cached = dictionaryCache.get(path);
  if (cached === undefined) {
    cached = readFile(path, 'utf8').then((text) => {
      const words = new Set<string>();
      for (const line of text.split('\n')) {
        const end = line.search(/[\s(]/);
        const word = (end < 0 ? line : line.slice(0, end)).toLowerCase();
        if (word !== '') words.add(word);
      }
      return words;
    });
    cached.catch(() => dictionaryCache.delete(path));
    dictionaryCache.set(path, cached);
  }
  return cached;
}
