/**
 * Personal enrollment (`hivesat wake enroll`): a household's own takes of the wake word teach the second-stage
 * verifier their voices. Each take is checked first — its level, clipping, and that the base openWakeWord head
 * detects it at all (the verifier can only remove detections, so a take the head misses cannot be taught) — and
 * refused with a typed {@link EnrollError} and one line saying why.
 *
 * Training data, all made on the device in seconds:
 * - positives: the head's embedding windows at every hop inside each take where it scores ≥ 0.05, from the take as
 *   recorded and with seeded white and pink noise mixed in at 15 and 8 dB (the room the satellite will hear it in);
 * - negatives: windows where the head fires (≥ 0.002) on speech that is not the wake word — phrases the caller
 *   synthesizes at enroll time ({@link ENROLLMENT_NEGATIVE_PHRASES}; `hivesat wake enroll` uses espeak-ng, which
 *   hivesat needs anyway) — and on the takes played backwards, which have the enrolled voice without the word, so that
 *   the verifier learns the word and not the voice;
 * - the prior: the shipped verifier (when the keyword has one): training starts from it and is pulled towards it,
 *   so what it learnt from its large corpus stays and the takes move it only as far as they must.
 *
 * The model is the shipped verifier's (logistic regression over the newest 8 embeddings, src/wake/verifier.ts),
 * saved as `<state dir>/{@link ENROLLED_VERIFIER_FILE}`.
 *
 * @module
 */
import { HivesatError } from '../errors.js';
import type { ModelLocatorOptions, OrtModule } from '../models/index.js';
import { DEFAULT_KEYWORD, EMBEDDING_DIM, HOP_SAMPLES } from './constants.js';
import type { WakeVerifier } from './verifier.js';
import { trainVerifier, type VerifierSample, verifierDocument } from './verifier-training.js';
import { HeadWindowScorer } from './window-scorer.js';

/** Codes of {@link EnrollError}. */
export type EnrollErrorCode =
  /** A take is too quiet to learn from. Fix: speak closer to the microphone or raise its capture level. */
  | 'WAKE_ERR_ENROLL_QUIET'
  /** A take is clipped (the level hit full scale). Fix: speak further away or lower the capture level. */
  | 'WAKE_ERR_ENROLL_CLIPPED'
  /** The base openWakeWord model does not hear the wake word in a take at all. Fix: say the wake word clearly. */
  | 'WAKE_ERR_ENROLL_NOT_DETECTED'
  /** A take is shorter than 0.5 s or longer than 10 s, or not 16 kHz mono audio. */
  | 'WAKE_ERR_ENROLL_LENGTH'
  /** Fewer accepted takes than {@link ENROLL_MIN_TAKES}: nothing was saved. */
  | 'WAKE_ERR_ENROLL_TOO_FEW'
  /** The negative phrases could not be made (espeak-ng missing or failing): nothing was saved. */
  | 'WAKE_ERR_ENROLL_NEGATIVES'
  /** The verifier could not be written to the state folder (permissions, read-only file system). */
  | 'WAKE_ERR_ENROLL_SAVE';

/** Enrollment refused a take, or could not train. */
export class EnrollError extends HivesatError<EnrollErrorCode> {
  override readonly name = 'EnrollError';
}

/** Takes recorded by default. */
export const ENROLL_DEFAULT_TAKES = 6;
/** Fewest accepted takes a verifier is trained on. */
export const ENROLL_MIN_TAKES = 3;
/** Most takes accepted. */
export const ENROLL_MAX_TAKES = 20;
/** Speech level below which a take is refused, dBFS (RMS over its loud frames; a USB mic at arm's length gives −30…−15). */
export const ENROLL_MIN_LEVEL_DBFS = -42;
/** A sample at or above this magnitude counts as clipped. */
export const ENROLL_CLIP_MAGNITUDE = 32_700;
/** Clipped samples (of the loud part) above which a take is refused: 0.1 %, and at least {@link ENROLL_MIN_CLIPPED}. */
export const ENROLL_MAX_CLIPPED_FRACTION = 0.001;
/** Fewest clipped samples that refuse a take (a single full-scale peak is not clipping). */
export const ENROLL_MIN_CLIPPED = 8;
/** Shortest take, seconds. */
export const ENROLL_MIN_TAKE_SECONDS = 0.5;
/** Longest take, seconds (one wake word, with some silence around it). */
export const ENROLL_MAX_TAKE_SECONDS = 10;
/** Head score a hop needs to be a positive window. */
export const ENROLL_POSITIVE_MIN_SCORE = 0.05;
/** Head score a hop needs to be a negative window (below, the head alone rejects it and the verifier never runs). */
export const ENROLL_NEGATIVE_MIN_SCORE = 0.002;
/** Probability the enrolled verifier requires: the shipped one's (bench/detectors-enrollment.bench.ts). */
export const ENROLLED_VERIFIER_THRESHOLD = 0.7;
/** File name of the enrolled verifier in the state folder. */
export const ENROLLED_VERIFIER_FILE = 'wake-verifier.json';
/** Embeddings the enrolled verifier reads (as the shipped one). */
export const ENROLLED_VERIFIER_FRAMES = 8;
/** `training.by` of an enrolled verifier file. */
export const ENROLLED_BY = 'hivesat wake enroll';

const RATE = 16_000;
const FRAME = 320; // 20 ms, for the level measurement
/** SNRs of the noisy copies of each take, dB. */
const AUGMENT_SNR_DB = [15, 8] as const;
/** Pull towards the prior (standardised units): strong, so that the takes adjust it rather than replace it. */
const L2 = 3;
const EPOCHS = 150;
const LEARNING_RATE = 0.01;
const PAD_SECONDS = 1;

/**
 * Speech that is not the wake word, synthesized at enroll time as negatives: near misses and ordinary sentences.
 * Disjoint from the phrases `bench/listener.bench.ts` counts false accepts on.
 */
export const ENROLLMENT_NEGATIVE_PHRASES: readonly string[] = Object.freeze([
  'hey jarred', 'hey charles', 'hey java', 'hey jazz', 'hey jason', 'hey carla', 'hey darvish', 'hey marvis', 'hey nervous',
  'hey purpose', 'a jar is', 'hey chavis', 'jarvis no', 'okay jarvis', 'hey jar of', 'hey gervais', 'hey harvest', 'hey mavis',
  'hey service desk', 'hey char', 'hey jarvik', 'say jarvis',
  'the weather forecast says it will snow tomorrow', 'hey everyone dinner is ready', 'hey do you know what time it is',
  'charlie and jack went fishing', 'the jar of honey is empty', 'harvey is my favourite uncle', 'a jazz band played in the square',
  'can you recommend a good book', 'I heard a strange noise downstairs', 'turn left at the next traffic light',
]);

/** What the level check measured. */
export interface TakeLevel {
  /** RMS of the loud frames (within 20 dB of the loudest 20 ms), dBFS. */
  readonly levelDbfs: number;
  /** Samples at or above {@link ENROLL_CLIP_MAGNITUDE}. */
  readonly clippedSamples: number;
  /** Samples in the loud frames. */
  readonly loudSamples: number;
}

/** Level and clipping of a take (pure). */
export function measureTake(audio: Int16Array): TakeLevel {
  const frames = Math.floor(audio.length / FRAME);
  const energy = new Float64Array(frames);
  let loudest = 0;
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let i = f * FRAME; i < (f + 1) * FRAME; i++) s += (audio[i] as number) ** 2;
    energy[f] = s / FRAME;
    if ((energy[f] as number) > loudest) loudest = energy[f] as number;
  }
  let sum = 0;
  let loudFrames = 0;
  let clipped = 0;
  for (let f = 0; f < frames; f++) {
    if ((energy[f] as number) < loudest / 100 || loudest === 0) continue;
    sum += energy[f] as number;
    loudFrames++;
    for (let i = f * FRAME; i < (f + 1) * FRAME; i++) if (Math.abs(audio[i] as number) >= ENROLL_CLIP_MAGNITUDE) clipped++;
  }
  const levelDbfs = loudFrames === 0 || sum === 0 ? Number.NEGATIVE_INFINITY : 10 * Math.log10(sum / loudFrames / 32_768 ** 2);
  return { levelDbfs, clippedSamples: clipped, loudSamples: loudFrames * FRAME };
}

/** A take that passed the checks. */
export interface AcceptedTake {
  readonly label: string;
  readonly audio: Int16Array;
  readonly levelDbfs: number;
  /** The base head's highest score in the take. */
  readonly peakScore: number;
}

/** Options of {@link WakeEnroller.create}. */
export interface WakeEnrollerOptions extends ModelLocatorOptions {
  /** Built-in head the takes are for. Default `hey_jarvis`. */
  readonly keyword?: string;
  /** Head score a take must reach somewhere to count as detected (the config's `wake.threshold`). */
  readonly threshold: number;
  /** The verifier training starts from and is pulled towards (the shipped one for `hey_jarvis`). Default none. */
  readonly prior?: WakeVerifier;
  readonly loadRuntime?: () => Promise<OrtModule>;
}

/** What training produced. */
export interface EnrollmentResult {
  /** The verifier file's document (JSON-serialisable, src/wake/verifier.ts format). */
  readonly document: Record<string, unknown>;
  readonly windows: { readonly positive: number; readonly negative: number };
  /** Per take: the trained verifier's best probability on it (clean), for the summary. */
  readonly takeProbabilities: readonly number[];
}

/** Checks takes and trains a personal verifier. Create with {@link WakeEnroller.create}; close when done. */
export class WakeEnroller {
  readonly keyword: string;
  readonly threshold: number;
  readonly #scorer: HeadWindowScorer;
  readonly #prior: WakeVerifier | undefined;

  private constructor(scorer: HeadWindowScorer, threshold: number, prior: WakeVerifier | undefined) {
    this.#scorer = scorer;
    this.keyword = scorer.keyword;
    this.threshold = threshold;
    this.#prior = prior;
  }

  /** Load the feature models and the head. @throws {MODEL_ERR_*} */
  static async create(options: WakeEnrollerOptions): Promise<WakeEnroller> {
    const scorer = await HeadWindowScorer.create({ ...options, keyword: options.keyword ?? DEFAULT_KEYWORD });
    return new WakeEnroller(scorer, options.threshold, options.prior);
  }

  /**
   * Check one take (16 kHz mono): length, level, clipping, then the base head must detect it.
   *
   * @throws {EnrollError} `WAKE_ERR_ENROLL_LENGTH`, `_QUIET`, `_CLIPPED` or `_NOT_DETECTED`, one line naming the take.
   */
  async check(audio: Int16Array, label: string): Promise<AcceptedTake> {
    const seconds = audio.length / RATE;
    if (seconds < ENROLL_MIN_TAKE_SECONDS || seconds > ENROLL_MAX_TAKE_SECONDS) {
      throw new EnrollError('WAKE_ERR_ENROLL_LENGTH', `${label}: expected ${ENROLL_MIN_TAKE_SECONDS}–${ENROLL_MAX_TAKE_SECONDS} s of audio with one wake word, got ${seconds.toFixed(1)} s`);
    }
    const level = measureTake(audio);
    if (level.levelDbfs < ENROLL_MIN_LEVEL_DBFS) {
      const got = Number.isFinite(level.levelDbfs) ? `${level.levelDbfs.toFixed(1)} dBFS` : 'silence';
      throw new EnrollError('WAKE_ERR_ENROLL_QUIET', `${label}: too quiet (speech at ${got}, expected at least ${ENROLL_MIN_LEVEL_DBFS} dBFS): speak closer to the microphone or raise its capture level (alsamixer)`);
    }
    if (level.clippedSamples >= Math.max(ENROLL_MIN_CLIPPED, ENROLL_MAX_CLIPPED_FRACTION * level.loudSamples)) {
      const pct = ((100 * level.clippedSamples) / level.loudSamples).toFixed(1);
      throw new EnrollError('WAKE_ERR_ENROLL_CLIPPED', `${label}: clipped (${pct} % of the speech at full scale): speak further from the microphone or lower its capture level (alsamixer)`);
    }
    let peak = 0;
    await this.#score(audio, (score) => {
      if (score > peak) peak = score;
    });
    if (peak < this.threshold) {
      throw new EnrollError('WAKE_ERR_ENROLL_NOT_DETECTED', `${label}: the ${this.keyword} model did not hear the wake word (best score ${peak.toFixed(3)}, it needs ${this.threshold}): say "${this.keyword.replaceAll('_', ' ')}" once, clearly`);
    }
    return { label, audio, levelDbfs: level.levelDbfs, peakScore: peak };
  }

  /**
   * Train on the accepted takes and the negative clips (16 kHz mono speech without the wake word).
   *
   * @param meta - extra `training` metadata (what made the negatives).
   * @throws {EnrollError} `WAKE_ERR_ENROLL_TOO_FEW` with fewer than {@link ENROLL_MIN_TAKES} takes.
   */
  async train(takes: readonly AcceptedTake[], negatives: readonly Int16Array[], meta: Readonly<Record<string, unknown>> = {}, now: Date = new Date()): Promise<EnrollmentResult> {
    if (takes.length < ENROLL_MIN_TAKES) {
      throw new EnrollError('WAKE_ERR_ENROLL_TOO_FEW', `expected at least ${ENROLL_MIN_TAKES} accepted takes, got ${takes.length}: nothing was saved`);
    }
    const samples: VerifierSample[] = [];
    const d = ENROLLED_VERIFIER_FRAMES * EMBEDDING_DIM;
    const keep = (w: Float32Array) => w.slice(w.length - d);
    const clean: Float32Array[][] = [];
    for (const [t, take] of takes.entries()) {
      const windows: Float32Array[] = [];
      const versions = [take.audio, ...AUGMENT_SNR_DB.flatMap((snr, k) => [withNoise(take.audio, 'white', snr, 17 * t + k), withNoise(take.audio, 'pink', snr, 31 * t + k)])];
      for (const [v, audio] of versions.entries()) {
        await this.#score(audio, (score, window) => {
          if (score < ENROLL_POSITIVE_MIN_SCORE) return;
          const x = keep(window);
          samples.push({ x, label: 1, group: v === 0 ? 0 : 1 });
          if (v === 0) windows.push(x);
        });
      }
      clean.push(windows);
      // The same voice without the word: the take backwards, and its first half ("hey") before the second half
      // backwards (a near miss in the enrolled voice, like "hey travis").
      for (const audio of [reversed(take.audio), halfReversed(take.audio)]) {
        await this.#score(audio, (score, window) => {
          if (score >= ENROLL_NEGATIVE_MIN_SCORE) samples.push({ x: keep(window), label: 0, group: 1 });
        });
      }
    }
    for (const clip of negatives) {
      await this.#score(clip, (score, window) => {
        if (score >= ENROLL_NEGATIVE_MIN_SCORE) samples.push({ x: keep(window), label: 0, group: 0 });
      });
    }
    const positive = samples.filter((s) => s.label === 1).length;
    const negative = samples.length - positive;
    const trained = trainVerifier(samples, { frames: ENROLLED_VERIFIER_FRAMES, l2: L2, epochs: EPOCHS, learningRate: LEARNING_RATE, ...(this.#prior !== undefined && { prior: this.#prior }) });
    const document = verifierDocument(this.keyword, ENROLLED_VERIFIER_FRAMES, ENROLLED_VERIFIER_THRESHOLD, trained, {
      by: ENROLLED_BY,
      enrolled_at: now.toISOString(),
      takes: takes.length,
      windows: { positive, negative },
      prior: this.#prior?.source === undefined ? null : this.#prior.source.replace(/^.*\//, ''),
      head_threshold: this.threshold,
      l2: L2,
      epochs: EPOCHS,
      ...meta,
    });
    const takeProbabilities = clean.map((ws) => ws.reduce((best, x) => Math.max(best, trained.probability(x)), 0));
    return { document, windows: { positive, negative }, takeProbabilities };
  }

  async close(): Promise<void> {
    await this.#scorer.close();
  }

  /** Score a clip from a fresh state, padded with silence (the head needs context), `onHop` on every hop. */
  async #score(audio: Int16Array, onHop: (score: number, window: Float32Array) => void): Promise<void> {
    const pad = new Int16Array(PAD_SECONDS * RATE);
    this.#scorer.reset();
    const hop = (score: number, _end: number, window: Float32Array) => onHop(score, window);
    await this.#scorer.feed(pad, hop);
    await this.#scorer.feed(audio, hop);
    // Round the tail up to whole hops so that the end of the take is scored.
    await this.#scorer.feed(new Int16Array(PAD_SECONDS * RATE + HOP_SAMPLES - ((pad.length + audio.length) % HOP_SAMPLES)), hop);
  }
}

function reversed(audio: Int16Array): Int16Array {
  return audio.slice().reverse();
}

/** The loud part's first half as spoken, then its second half backwards. */
function halfReversed(audio: Int16Array): Int16Array {
  let first = 0;
  let last = audio.length;
  const loud = 10 ** (ENROLL_MIN_LEVEL_DBFS / 20) * 32_768;
  while (first < last && Math.abs(audio[first] as number) < loud) first++;
  while (last > first && Math.abs(audio[last - 1] as number) < loud) last--;
  const middle = Math.floor((first + last) / 2);
  const out = audio.slice();
  out.subarray(middle, last).reverse();
  return out;
}

/** `audio` with seeded white or pink noise at `snrDb` below its speech level (a new array). */
export function withNoise(audio: Int16Array, color: 'white' | 'pink', snrDb: number, seed: number): Int16Array {
  const noise = new Float64Array(audio.length);
  let x = (0x9e37_79b9 ^ seed) >>> 0 || 1;
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let power = 0;
  for (let i = 0; i < noise.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const white = x / 0xffff_ffff - 0.5;
    let v = white;
    if (color === 'pink') {
      // Paul Kellet's economy pink filter: −3 dB/octave within ±0.5 dB over the speech band.
      b0 = 0.99765 * b0 + white * 0.099046;
      b1 = 0.963 * b1 + white * 0.2965164;
      b2 = 0.57 * b2 + white * 1.0526913;
      v = b0 + b1 + b2 + white * 0.1848;
    }
    noise[i] = v;
    power += v * v;
  }
  const speech = 10 ** (measureTake(audio).levelDbfs / 20) * 32_768;
  const gain = speech / (Math.sqrt(power / Math.max(1, noise.length)) * 10 ** (snrDb / 20));
  const out = new Int16Array(audio.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-32_768, Math.min(32_767, Math.round((audio[i] as number) + gain * (noise[i] as number))));
  return out;
}
