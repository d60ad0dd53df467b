/**
 * Offline STT with the pocketsphinx 5-prealpha CLI that Debian 12 ships (`pocketsphinx_continuous`, package
 * `pocketsphinx`; English model in `pocketsphinx-en-us`). The utterance is padded with silence and written as raw
 * 16 kHz s16le to a file for `-infile` (only names ending in `.wav` are parsed as WAV); each recognized segment is a
 * line on stdout.
 *
 * With a {@link GrammarSpec} the search is restricted to a JSGF grammar (`-jsgf`), which is what makes it usable:
 * on espeak-ng/flite speech of the built-in phrases it is near-exact, while the generic language model is poor. A
 * grammar search always returns its nearest phrase, though, so each hypothesis is verified (src/speech/rejection.ts):
 * a keyword-spotting pass must find it against pocketsphinx's phone loop, spanning most of the speech. A rejected
 * hypothesis comes back as `text: ''` with `rejected` set.
 *
 * Each pass decodes a priming copy of the utterance first (src/speech/priming.ts), so cepstral mean normalisation
 * uses this utterance's mean rather than the model's: without it every fresh process decoded with the mean of the
 * model's training audio.
 *
 * Every grammar word is checked against the dictionary first, because pocketsphinx rejects the whole grammar over
 * one unknown word with only a log line; the passes then load a dictionary of just those words (loading the whole
 * cmudict is half of each run's time). Each run works in its own temporary folder, removed when the run ends.
 *
 * @module
 */
import { access, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
import { buildJsgf, type GrammarSpec, grammarWords, normalizeGrammarText } from './grammar.js';
import { defaultSpawn, defaultTimers, runProcess, type SpawnFn, type SpeechTimers, stderrSummary } from './process.js';
import { floorNoiseSigma, withWhiteNoise } from './noise-floor.js';
import { DEFAULT_NOISE_REDUCTION, type NoiseReductionParams, reduceNoise } from './noise-reduction.js';
import { DEFAULT_VOCAL_TRACT_WARP, medianPitchHz, vocalTractWarp, type VocalTractWarpParams } from './pitch.js';
import { finalCepstralMean, primedAudio, spottedFrom, withCepstralMean, wordsFrom } from './priming.js';
import { decide, DEFAULT_REJECTION, paramsFor, type PhraseClass, type RejectionParams, speechSpan, spottingThreshold, type TimeSpan } from './rejection.js';
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
  /**
   * How grammar hypotheses are verified (default {@link DEFAULT_REJECTION}); `false` returns every hypothesis
   * unverified (the nearest phrase, whatever was said).
   */
  readonly rejection?: RejectionParams | false;
  /**
   * Decode each utterance after a priming copy of itself, so cepstral mean normalisation uses this utterance's mean
   * instead of the model's (see src/speech/priming.ts). `all` (default): the grammar pass is primed and hands the
   * mean it ended with to the spotting pass (which primes itself when the log has none); `each`: both passes are
   * primed; `grammar`: only the grammar pass; `none`: each pass decodes it once, as before.
   */
  readonly primeCmn?: 'all' | 'each' | 'grammar' | 'none';
  /**
   * Raise the utterance's noise floor to this many dB under its speech before decoding (default
   * {@link DEFAULT_NOISE_FLOOR_DB}; see src/speech/noise-floor.ts); `false` decodes the audio as it is.
   */
  readonly noiseFloorDb?: number | false;
  /**
   * Reduce the utterance's steady background noise before decoding (default {@link DEFAULT_NOISE_REDUCTION}; see
   * src/speech/noise-reduction.ts); `false` decodes the audio as it is.
   */
  readonly noiseReduction?: NoiseReductionParams | false;
  /**
   * Warp the frequency axis by the utterance's median pitch (default
   * {@link DEFAULT_VOCAL_TRACT_WARP}; see src/speech/pitch.ts); `false` never warps.
   */
  readonly vocalTractWarp?: VocalTractWarpParams | false;
  /** Base languages the model serves (default `["en"]`). */
  readonly languages?: readonly string[];
  /** Extra CLI arguments, appended last (e.g. `["-vad_threshold", "3.0"]`). */
  readonly extraArgs?: readonly string[];
  /** Parent folder of the per-run temporary folders (default the OS temp dir). */
  readonly workDir?: string;
  /** Time limit of one run, milliseconds. */
  readonly timeoutMs?: number;
  readonly spawn?: SpawnFn;
  readonly timers?: SpeechTimers;
}

/** A keyword-spotting pass: the phone-loop probability and the phrase's detection threshold. */
export interface SpottingOptions {
  readonly phoneLoopProbability: number;
  readonly threshold: number;
  /** Cepstral mean to start from (13 values, e.g. what the grammar pass ended with); otherwise the pass primes itself. */
  readonly cepstralMean?: readonly number[] | undefined;
  /** Frequency warp of the pass (1 or undefined: none), as the grammar pass used. */
  readonly warp?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

const ENGINE = 'pocketsphinx';

/**
 * The noise floor every utterance gets before decoding, dB under its speech (src/speech/noise-floor.ts). Chosen on
 * the tuning half (bench/offline-diagnose.ts with OFFLINE_FLOOR_DB; docs/offline.md), in-domain right of 216 and
 * out-of-domain answered of 85: none 157 / 1, 40 dB 170 / 1, 35 dB 172 / 1, 30 dB 178 / 1, 25 dB 182 / 2, 20 dB
 * 175 / 3. 30 dB keeps the out-of-domain figure; 25 dB gains 4 more and lets one more wrong answer through.
 */
export const DEFAULT_NOISE_FLOOR_DB = 30;

/** What {@link PocketsphinxStt.prepare} works out once. */
interface Prepared {
  /** Arguments every pass shares (features, dither), without `-hmm`. */
  readonly common: readonly string[];
  /** The acoustic model folder, its file names, and its feat.params (undefined: none). */
  readonly model: { readonly dir: string; readonly files: readonly string[]; readonly featParams: string | undefined };
  /** The grammar and its small dictionary, when there is a grammar. */
  readonly grammar?: { readonly jsgf: string; readonly dictionary: string; readonly phones: ReadonlyMap<string, number>; readonly fixed: ReadonlySet<string> };
  /** The language model, when there is no grammar. */
  readonly languageModel?: string;
  readonly dictionaryPath: string;
  readonly extra: readonly string[];
}

/** pocketsphinx speech-to-text. Create once, reuse for every utterance. */
export class PocketsphinxStt implements SpeechToText {
  readonly name = ENGINE;
  readonly #options: PocketsphinxOptions;
  readonly #spawn: SpawnFn;
  readonly #timers: SpeechTimers;
  #prepared: Promise<Prepared> | undefined;

  constructor(options: PocketsphinxOptions = {}) {
    this.#options = options;
    this.#spawn = options.spawn ?? defaultSpawn;
    this.#timers = options.timers ?? defaultTimers;
  }

  /** `closed` when a grammar restricts what it hears (so it only ever returns its phrases). */
  get vocabulary(): 'open' | 'closed' {
    return this.#options.grammar === undefined ? 'open' : 'closed';
  }

  /**
   * Check the model files and validate the grammar against the dictionary. Called by the first
   * {@link transcribe}; call it at start-up to fail early.
   *
   * @throws {SPEECH_ERR_MODEL_MISSING} model folder or dictionary missing
   * @throws {SPEECH_ERR_GRAMMAR} a grammar word is not in the dictionary, or a phrase is malformed
   */
  async prepare(): Promise<void> {
    this.#prepared ??= this.#prepare();
    this.#prepared.catch(() => (this.#prepared = undefined));
    await this.#prepared;
  }

  async #prepare(): Promise<Prepared> {
    const o = this.#options;
    const hmm = o.modelDir ?? POCKETSPHINX_EN_US_HMM_DIR;
    const dict = o.dictionary ?? POCKETSPHINX_EN_US_DICT;
    await mustExist(join(hmm, 'mdef'), `acoustic model folder ${hmm}`);
    await mustExist(dict, 'pronunciation dictionary');
    // Dither with a fixed seed: runs of digital zeros (our own padding, a muted or gated input) make frames of zero
    // energy that skew cepstral mean normalisation — the soak found "what time is it" heard as "what are you" after
    // 0.6 s of exact silence. Half a bit of noise removes that; the fixed seed keeps the result reproducible.
    const common = ['-samprate', String(SAMPLE_RATE_HZ), '-input_endian', 'little', '-dither', 'yes', '-seed', '1'];
    const extra = o.extraArgs ?? [];
    const files = await readdir(hmm);
    const featParams = files.includes('feat.params') ? await readFile(join(hmm, 'feat.params'), 'utf8') : undefined;
    const model = { dir: hmm, files, featParams };
    if (o.grammar === undefined) {
      const lm = o.languageModel ?? POCKETSPHINX_EN_US_LM;
      await mustExist(lm, 'language model');
      return { common, model, languageModel: lm, dictionaryPath: dict, extra };
    }
    const jsgf = buildJsgf(o.grammar);
    const words = grammarWords(o.grammar);
    const entries = await readPronunciations(dict, new Set(words));
    const unknown = words.filter((w) => !entries.has(w));
    if (unknown.length > 0) {
      throw new SpeechError('SPEECH_ERR_GRAMMAR', `expected every grammar word in ${dict}, got ${unknown.length} unknown: ${unknown.slice(0, 10).join(', ')}`);
    }
    const lines: string[] = [];
    const phones = new Map<string, number>();
    for (const word of words) {
      const pronunciations = entries.get(word) ?? [];
      phones.set(word, pronunciations[0]?.split(' ').length ?? 1);
      pronunciations.forEach((p, i) => lines.push(`${i === 0 ? word : `${word}(${i + 1})`} ${p}`));
    }
    const fixed = new Set(o.grammar.phrases.map(normalizeGrammarText).filter((p) => !p.includes('{')));
    return { common, model, grammar: { jsgf, dictionary: `${lines.join('\n')}\n`, phones, fixed }, dictionaryPath: dict, extra };
  }

  /**
   * Transcribe one utterance. With a grammar, a hypothesis that fails verification is returned as `text: ''` with
   * `rejected` naming it and why.
   *
   * @throws {SPEECH_ERR_UNSUPPORTED_LANGUAGE} `lang` is not one of the model's languages
   * @throws {SPEECH_ERR_BAD_INPUT} empty or longer than {@link MAX_STT_SAMPLES}
   * @throws {SPEECH_ERR_ENGINE_MISSING} / {SPEECH_ERR_MODEL_MISSING} / {SPEECH_ERR_ENGINE_FAILED} / {SPEECH_ERR_TIMEOUT}
   */
  async transcribe(utterance: Int16Array, options: TranscribeOptions): Promise<Transcript> {
    const { pcm, warp } = this.#decodable(utterance, options.lang);
    const { text: heard, cepstralMean } = await this.#recognize(pcm, options, warp);
    const params = this.#options.rejection ?? DEFAULT_REJECTION;
    if (heard === '' || this.vocabulary === 'open' || params === false) return { text: heard };
    const phones = await this.phoneCount(heard);
    const phraseClass = await this.phraseClass(heard);
    const spotting = paramsFor(phraseClass, params);
    const handOver = (this.#options.primeCmn ?? 'all') === 'all' ? cepstralMean : undefined;
    const spotted = await this.spot(pcm, heard, { phoneLoopProbability: spotting.phoneLoopProbability, threshold: spottingThreshold(phones, spotting), cepstralMean: handOver, warp, signal: options.signal });
    const verdict = decide({ phones, spotted, speech: speechSpan(pcm, POCKETSPHINX_LEAD_SILENCE_MS / 1000), phraseClass }, params);
    if (verdict.accepted) return { text: heard };
    return { text: '', rejected: { heard, reason: verdict.reason } };
  }

  /**
   * The grammar's (or the language model's) hypothesis, unverified.
   *
   * @throws as {@link transcribe}
   */
  async recognize(pcm: Int16Array, options: TranscribeOptions): Promise<string> {
    const { pcm: audio, warp } = this.#decodable(pcm, options.lang);
    return (await this.#recognize(audio, options, warp)).text;
  }

  /**
   * What every pass decodes: the checked utterance after the noise reduction of the options (itself when it is off),
   * and the frequency warp for it (1: none).
   */
  #decodable(utterance: Int16Array, lang: string): { pcm: Int16Array; warp: number } {
    this.#checkInput(utterance, lang);
    const reduction = this.#options.noiseReduction ?? DEFAULT_NOISE_REDUCTION;
    const pcm = reduction === false ? utterance : reduceNoise(utterance, reduction);
    const warping = this.#options.vocalTractWarp ?? DEFAULT_VOCAL_TRACT_WARP;
    return { pcm, warp: warping === false ? 1 : vocalTractWarp(medianPitchHz(pcm), warping) };
  }

  /** The hypothesis and the cepstral mean the pass ended with (from its log; undefined when absent). */
  async #recognize(pcm: Int16Array, options: TranscribeOptions, warp: number): Promise<{ text: string; cepstralMean: number[] | undefined }> {
    const prepared = await this.#ready();
    return this.#inScratch(async (dir) => {
      const args = ['-hmm', prepared.model.dir, ...prepared.common];
      if (prepared.grammar !== undefined) {
        await writeFile(join(dir, 'grammar.gram'), prepared.grammar.jsgf);
        await writeFile(join(dir, 'grammar.dict'), prepared.grammar.dictionary);
        args.push('-jsgf', join(dir, 'grammar.gram'), '-dict', join(dir, 'grammar.dict'));
      } else {
        args.push('-lm', prepared.languageModel ?? POCKETSPHINX_EN_US_LM, '-dict', prepared.dictionaryPath);
      }
      const run = await this.#run(dir, pcm, [...args, '-time', 'yes', ...warpArgs(warp), ...prepared.extra], options.signal, this.#options.primeCmn !== 'none');
      return { text: wordsFrom(run.stdout, run.from), cepstralMean: finalCepstralMean(run.stderrTail) };
    });
  }

  /**
   * Keyword-spotting pass: where pocketsphinx finds `phrase` (grammar words only) in the utterance, seconds from
   * the start of the padded audio (the lead silence is {@link POCKETSPHINX_LEAD_SILENCE_MS}). `pcm` is decoded as
   * given (over the noise floor, but without the noise reduction {@link transcribe} applies first).
   *
   * @throws {SPEECH_ERR_GRAMMAR} no grammar, or a word outside it; and as {@link transcribe}
   */
  async spot(pcm: Int16Array, phrase: string, options: SpottingOptions): Promise<TimeSpan[]> {
    const prepared = await this.#ready();
    const grammar = prepared.grammar;
    if (grammar === undefined || phrase.split(' ').some((w) => !grammar.phones.has(w))) {
      throw new SpeechError('SPEECH_ERR_GRAMMAR', `${ENGINE}: expected a phrase of grammar words to spot, got ${JSON.stringify(phrase)}`);
    }
    return this.#inScratch(async (dir) => {
      await writeFile(join(dir, 'grammar.dict'), grammar.dictionary);
      await writeFile(join(dir, 'phrase.kws'), `${phrase} /${options.threshold.toExponential()}/\n`);
      const featParams = prepared.model.featParams;
      const mean = options.cepstralMean;
      const hmm = mean !== undefined && featParams !== undefined ? await modelWithMean(dir, prepared.model.dir, prepared.model.files, withCepstralMean(featParams, mean)) : prepared.model.dir;
      const prime = hmm === prepared.model.dir && ['all', 'each', undefined].includes(this.#options.primeCmn);
      const args = ['-hmm', hmm, ...prepared.common, '-kws', join(dir, 'phrase.kws'), '-dict', join(dir, 'grammar.dict'), '-kws_plp', options.phoneLoopProbability.toExponential(), '-time', 'yes'];
      const run = await this.#run(dir, pcm, [...args, ...warpArgs(options.warp ?? 1), ...prepared.extra], options.signal, prime);
      return spottedFrom(run.stdout, phrase, run.from, run.shift);
    });
  }

  /** `fixed` when `phrase` is one of the grammar's slot-free phrases, else `slotted` (or no grammar). */
  async phraseClass(phrase: string): Promise<PhraseClass> {
    return (await this.#ready()).grammar?.fixed.has(phrase) === true ? 'fixed' : 'slotted';
  }

  /** Phones of a phrase of grammar words (first pronunciation of each; unknown words count one). */
  async phoneCount(phrase: string): Promise<number> {
    const phones = (await this.#ready()).grammar?.phones;
    return phrase.split(' ').reduce((n, w) => n + (phones?.get(w) ?? 1), 0);
  }

  /** Nothing to release: each run removes its own temporary folder. Kept for callers that close engines. */
  async close(): Promise<void> {
    this.#prepared = undefined;
  }

  async #ready(): Promise<Prepared> {
    await this.prepare();
    return this.#prepared as Promise<Prepared>;
  }

  #checkInput(pcm: Int16Array, lang: string): void {
    const base = lang.toLowerCase().split(/[-_]/)[0] ?? '';
    const languages = this.#options.languages ?? ['en'];
    if (!languages.includes(base)) {
      throw new SpeechError('SPEECH_ERR_UNSUPPORTED_LANGUAGE', `${ENGINE}: expected a language among ${languages.join(', ')}, got ${JSON.stringify(lang)}; install a model for it and set modelDir/dictionary`);
    }
    if (pcm.length === 0 || pcm.length > MAX_STT_SAMPLES) {
      throw new SpeechError('SPEECH_ERR_BAD_INPUT', `${ENGINE}: expected 1..${MAX_STT_SAMPLES} samples, got ${pcm.length}`);
    }
  }

  /** Run `work` in a fresh private folder that is removed afterwards, whatever happens. */
  async #inScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(this.#options.workDir ?? tmpdir(), 'hivesat-sphinx-'));
    try {
      return await work(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Raise the utterance's noise floor (`noiseFloorDb`), pad it with silence (after a priming copy unless `prime` is
   * false), decode it with `args`. Returns
   * stdout, from when (seconds) its timed lines belong to the decoded copy, and the shift that measures their times
   * as if the decoded copy had been the only one, after the lead silence.
   */
  async #run(dir: string, pcm: Int16Array, args: readonly string[], signal: AbortSignal | undefined, prime: boolean): Promise<{ stdout: string; stderrTail: string; from: number; shift: number }> {
    const lead = (POCKETSPHINX_LEAD_SILENCE_MS * SAMPLE_RATE_HZ) / 1000;
    const tail = (POCKETSPHINX_TAIL_SILENCE_MS * SAMPLE_RATE_HZ) / 1000;
    let padded: Int16Array;
    let from = 0;
    let shift = 0;
    if (!prime) {
      padded = new Int16Array(lead + pcm.length + tail);
      padded.set(pcm, lead);
    } else {
      const layout = primedAudio(pcm, lead, tail);
      padded = layout.audio;
      from = layout.decodedFrom;
      shift = POCKETSPHINX_LEAD_SILENCE_MS / 1000 - layout.decodedFrom;
    }
    // The floor is measured on the utterance and laid under everything decoded, the padding too: a step from
    // digital silence into noise would itself look like the start of speech.
    const floorDb = this.#options.noiseFloorDb ?? DEFAULT_NOISE_FLOOR_DB;
    if (floorDb !== false) padded = withWhiteNoise(padded, floorNoiseSigma(pcm, floorDb));
    const audioFile = join(dir, 'utterance.raw');
    await writeFile(audioFile, new Uint8Array(padded.buffer)); // s16le on the little-endian hosts we run on
    const result = await runProcess(this.#options.binary ?? POCKETSPHINX_BINARY, ['-infile', audioFile, ...args], {
      spawn: this.#spawn,
      timers: this.#timers,
      engine: ENGINE,
      install: INSTALL_POCKETSPHINX,
      signal,
      ...(this.#options.timeoutMs !== undefined ? { timeoutMs: this.#options.timeoutMs } : {}),
    });
    if (result.code !== 0) {
      throw new SpeechError('SPEECH_ERR_ENGINE_FAILED', `${ENGINE}: expected exit code 0, got ${String(result.code)}: ${stderrSummary(result.stderrTail)}`);
    }
    return { stdout: new TextDecoder().decode(result.stdout), stderrTail: result.stderrTail, from, shift };
  }
}

/** pocketsphinx arguments for a frequency warp (none for 1): frequencies are divided by `warp` before the filterbank. */
function warpArgs(warp: number): string[] {
  return warp === 1 ? [] : ['-warp_type', 'inverse_linear', '-warp_params', warp.toFixed(2)];
}

/** A copy of the model folder in `dir` (links to its files) whose feat.params is `featParams`; returns its path. */
async function modelWithMean(dir: string, modelDir: string, files: readonly string[], featParams: string): Promise<string> {
  const copy = join(dir, 'model');
  await mkdir(copy);
  await Promise.all(files.filter((f) => f !== 'feat.params').map((f) => symlink(join(modelDir, f), join(copy, f))));
  await writeFile(join(copy, 'feat.params'), featParams);
  return copy;
}

async function mustExist(path: string, what: string): Promise<void> {
  try {
    await access(path);
  } catch (err) {
    throw new SpeechError('SPEECH_ERR_MODEL_MISSING', `${ENGINE}: expected the ${what} at ${path}, got none; install it with: ${INSTALL_POCKETSPHINX}`, { cause: err });
  }
}

/**
 * The pronunciations of `words` in a CMU-format dictionary (`word PH ONES`, alternates as `word(2)`), by word. Only
 * the words asked for are kept: the whole cmudict held as a map is about 50 MB of heap (130 000 entries), a third of
 * the satellite's memory budget on a Pi Zero 2 W, for the few dozen words a grammar uses.
 */
async function readPronunciations(path: string, words: ReadonlySet<string>): Promise<Map<string, string[]>> {
  const text = await readFile(path, 'utf8');
  const entries = new Map<string, string[]>();
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    const space = text.slice(start, Math.min(end, start + 64)).search(/[\s(]/);
    if (space > 0 && words.has(text.slice(start, start + space).toLowerCase())) {
      const m = /^([^\s(]+)(?:\(\d+\))?\s+(.+?)\s*$/.exec(text.slice(start, end));
      if (m !== null) {
        const word = (m[1] ?? '').toLowerCase();
        const list = entries.get(word) ?? [];
        list.push((m[2] ?? '').replace(/\s+/g, ' '));
        entries.set(word, list);
      }
    }
    start = end + 1;
  }
  return entries;
}
