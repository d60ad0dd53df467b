/**
 * Deciding whether the grammar recognizer really heard one of its phrases. A grammar search always returns the
 * phrase closest to the audio, so "what is the capital of france" comes back as "what is three plus zero". The
 * hypothesis is verified with a second, cheap pocketsphinx pass in keyword-spotting mode: the hypothesis is the only
 * keyphrase, competing with pocketsphinx's free phone loop, with a detection threshold that scales with the
 * phrase's phone count. The spotted phrase must then cover most of the speech in the utterance (a short phrase
 * matched inside a long sentence is not what was asked).
 *
 * Why this method: bench/offline.bench.ts measured the alternatives pocketsphinx offers on tuning voices; see
 * docs/offline.md for the numbers. Everything here is a pure function of the audio and the two decoder outputs, so
 * the decision is deterministic and testable on fixed inputs.
 *
 * @module
 */
import { floorAndPeak, framePowers } from './noise-floor.js';

/** How one class of phrases is verified. */
export interface SpottingParams {
  /** Phone-loop probability of the keyword-spotting pass (`-kws_plp`). */
  readonly phoneLoopProbability: number;
  /** log10 of the detection threshold per phone of the phrase: the keyphrase threshold is 10^(this × phones). */
  readonly log10ThresholdPerPhone: number;
  /** Least share of the utterance's speech the spotted phrase must span, 0..1. */
  readonly minCoverage: number;
}

/**
 * A grammar phrase is `fixed` ("what time is it") or `slotted`: made from a template with slot values ("what is
 * {number} {operator} {number}"), 101 × 5 × 101 phrases that can be fitted to almost any speech.
 */
export type PhraseClass = 'fixed' | 'slotted';

/** The tuned parameters of the decision (defaults: {@link DEFAULT_REJECTION}): fixed phrases' and slotted ones'. */
export interface RejectionParams extends SpottingParams {
  /** Parameters for slotted phrases (default: the same as fixed ones). */
  readonly slotted?: SpottingParams;
}

/** The parameters that verify a phrase of class `phraseClass`. */
export function paramsFor(phraseClass: PhraseClass, params: RejectionParams = DEFAULT_REJECTION): SpottingParams {
  return phraseClass === 'slotted' && params.slotted !== undefined ? params.slotted : params;
}

/**
 * Chosen by bench/offline-tune.ts on the tuning half only (24 in-domain questions × 9 voices: espeak-ng en-us 175 wpm,
 * en-us+f3 140 wpm, en-gb 160 wpm, flite slt, kal, and four of them in noise at 11 and 14 dB; 85 out-of-domain
 * sentences), with cepstral-mean priming (src/speech/priming.ts). Fixed phrases: phone-loop probability 1e-10,
 * 10^(−1/phone), coverage ≥ 0.8, as before priming. Slotted phrases (sums) need a stronger phone loop: after priming,
 * 11 of the 12 out-of-domain sentences that got through were heard as sums ("put the kettle on please" as "what's
 * thirty seven minus three"). With 1e-5, 10^(−0.5/phone), coverage ≥ 0.85 for them: 160 of 216 in-domain right,
 * 21 answered wrong, 1 of 85 out-of-domain answered (one set for both: 171 / 40 / 12). Coverage is what refuses a
 * long sentence forced into a short phrase ("how old are you" for "who are you").
 *
 * Re-measured with noise reduction and the pitch warp on 16 tuning conditions (384 questions, the same 85 sentences;
 * bench/offline-tune.ts with OFFLINE_TUNE_FAST=1): fixed phrases' coverage 0.8 → 0.75 gives 149 → 152 right of the
 * 159 heard as fixed phrases, no more wrong, the same 2 sentences answered. Slotted phrases: coverage 0.85 → 0.75
 * gives 164 → 165 right of the 224 heard as sums, no more wrong, no sentence answered; every looser threshold or
 * stronger loop lets sentences through (10^(−1/phone): 5 more right, 4 more wrong, 1 sentence; `-kws_plp` 1e-6 or
 * 1e-7: 1 to 6 sentences).
 */
export const DEFAULT_REJECTION: RejectionParams = Object.freeze({
  phoneLoopProbability: 1e-10,
  log10ThresholdPerPhone: -1,
  minCoverage: 0.75,
  slotted: Object.freeze({ phoneLoopProbability: 1e-5, log10ThresholdPerPhone: -0.5, minCoverage: 0.75 }),
});

/** Why a hypothesis was not accepted. */
export type RejectionReason =
  /** The keyword-spotting pass did not find the phrase: the phone loop explains the audio better. */
  | 'not-spotted'
  /** The phrase was spotted but spans too little of the speech: more was said than the phrase. */
  | 'partial';

/** What the decision looked at, for logs and the bench. */
export interface VerificationFeatures {
  /** Phones of the hypothesis (first pronunciation of each word). */
  readonly phones: number;
  /** Spans of the keyphrase the spotting pass reported, seconds from the start of the decoded audio. */
  readonly spotted: readonly TimeSpan[];
  /** Where the speech is in the decoded audio, seconds (undefined: no frame loud enough). */
  readonly speech: TimeSpan | undefined;
  /** What kind of phrase the hypothesis is (default `fixed`). */
  readonly phraseClass?: PhraseClass;
}

/** A time span, seconds. */
export interface TimeSpan {
  readonly start: number;
  readonly end: number;
}

/** The verdict on one hypothesis. */
export type Verdict = { readonly accepted: true; readonly coverage: number } | { readonly accepted: false; readonly reason: RejectionReason; readonly coverage: number };

/** The keyword-spotting threshold for a phrase of `phones` phones (at least 1e-300, pocketsphinx parses a double). */
export function spottingThreshold(phones: number, params: SpottingParams = DEFAULT_REJECTION): number {
  return Math.max(1e-300, 10 ** (params.log10ThresholdPerPhone * Math.max(1, phones)));
}

/** The share of `speech` that the spotted spans cover (their union), 0..1; 0 when nothing was spotted. */
export function coverage(spotted: readonly TimeSpan[], speech: TimeSpan | undefined): number {
  if (spotted.length === 0) return 0;
  if (speech === undefined || speech.end <= speech.start) return 1;
  const clipped = spotted
    .map((s) => ({ start: Math.max(s.start, speech.start), end: Math.min(s.end, speech.end) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  let covered = 0;
  let reach = speech.start;
  for (const s of clipped) {
    const from = Math.max(s.start, reach);
    if (s.end > from) covered += s.end - from;
    reach = Math.max(reach, s.end);
  }
  return covered / (speech.end - speech.start);
}

/** Accept or reject a grammar hypothesis from its verification features. */
export function decide(features: VerificationFeatures, params: RejectionParams = DEFAULT_REJECTION): Verdict {
  const share = coverage(features.spotted, features.speech);
  if (features.spotted.length === 0) return { accepted: false, reason: 'not-spotted', coverage: share };
  if (share < paramsFor(features.phraseClass ?? 'fixed', params).minCoverage) return { accepted: false, reason: 'partial', coverage: share };
  return { accepted: true, coverage: share };
}

/**
 * Where the speech is in `pcm`: from the first to the last 10 ms frame whose energy is above a level between the
 * quiet floor (10th percentile) and the loud peak (98th percentile) of the utterance, in dB. Relative levels make it
 * independent of the input gain and of steady background noise.
 *
 * @param offsetSeconds added to both ends (padding put before `pcm` when it was decoded)
 */
export function speechSpan(pcm: Int16Array, offsetSeconds = 0): TimeSpan | undefined {
  const powers = framePowers(pcm);
  const range = floorAndPeak(powers);
  if (range === undefined) return undefined;
  const levels = powers.map((p) => 10 * Math.log10(p + 1));
  const frames = levels.length;
  const floor = 10 * Math.log10(range.floor + 1);
  const peak = 10 * Math.log10(range.peak + 1);
  if (peak - floor < SPEECH_MIN_RANGE_DB) return undefined;
  const level = floor + SPEECH_LEVEL_SHARE * (peak - floor);
  let first = -1;
  let last = -1;
  for (let f = 0; f < frames; f++) {
    if ((levels[f] ?? 0) > level) {
      if (first < 0) first = f;
      last = f;
    }
  }
  if (first < 0) return undefined;
  return { start: offsetSeconds + first / 100, end: offsetSeconds + (last + 1) / 100 };
}

/** Below this spread between quiet and loud frames the utterance has no speech to locate, dB. */
const SPEECH_MIN_RANGE_DB = 6;
/** Where between floor and peak (in dB) a frame counts as speech: 0.5 is halfway. */
const SPEECH_LEVEL_SHARE = 0.5;
