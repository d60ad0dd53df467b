/**
 * Cepstral-mean priming for pocketsphinx. Each utterance is decoded by a fresh `pocketsphinx_continuous`, whose live
 * cepstral mean normalisation starts from the model's `-cmninit` (feat.params, which overrides the command line) and
 * only updates at the end of a speech segment. So every utterance used to be decoded with a mean measured on the
 * model's training audio, not on this microphone and speaker: a channel mismatch the grammar search cannot absorb
 * (flite's 8 kHz voice and quiet speech in noise came back as nothing at all, "Final result does not match the
 * grammar"; teens were heard as tens). Decoding the utterance twice in one run, with a pause between, makes the first
 * copy set the mean and the second copy, decoded with it, is the result. It costs one more decode of the utterance,
 * not another model load (measured in docs/offline.md).
 *
 * Everything here is pure: the audio layout and the parsing of `-time yes` output for the second copy.
 *
 * @module
 */
import { SAMPLE_RATE_HZ } from './constants.js';
import type { TimeSpan } from './rejection.js';

/**
 * Silence between the priming copy and the decoded copy, milliseconds: longer than the VAD's 0.5 s hang-over
 * (`-vad_postspeech 50`), so the first copy ends a segment and its mean is applied before the second begins.
 */
export const PRIMING_GAP_MS = 1000;

/** The audio a primed run decodes, and where in it the decoded copy starts. */
export interface PrimedLayout {
  readonly audio: Int16Array;
  /** Start of the decoded copy in `audio`, seconds. */
  readonly decodedFrom: number;
}

/**
 * `lead` zeros, the priming copy of `pcm`, {@link PRIMING_GAP_MS} of zeros, the decoded copy, `tail` zeros.
 *
 * @param leadSamples / tailSamples silence around the whole, samples
 */
export function primedAudio(pcm: Int16Array, leadSamples: number, tailSamples: number): PrimedLayout {
  const gap = (PRIMING_GAP_MS * SAMPLE_RATE_HZ) / 1000;
  const from = leadSamples + pcm.length + gap;
  const audio = new Int16Array(from + pcm.length + tailSamples);
  audio.set(pcm, leadSamples);
  audio.set(pcm, from);
  return { audio, decodedFrom: from / SAMPLE_RATE_HZ };
}

/** One line of `-time yes` output: a word (or keyphrase), its start and end (seconds) and its posterior. */
const TIMED_LINE = /^(.*\S)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*$/;

/** Timed entries of `-time yes` output that start at or after `from` seconds (hypothesis lines carry no times). */
export function timedEntriesFrom(stdout: string, from: number): { readonly label: string; readonly span: TimeSpan }[] {
  const entries: { label: string; span: TimeSpan }[] = [];
  for (const line of stdout.split('\n')) {
    const m = TIMED_LINE.exec(line.trim());
    if (m === null) continue;
    const start = Number(m[2]);
    // A segment's leading <sil> may begin a frame or two before the copy (the VAD's pre-speech frames).
    if (start + PRIMING_TOLERANCE_S < from) continue;
    entries.push({ label: (m[1] ?? '').replace(/\s+/g, ' '), span: { start, end: Number(m[3]) } });
  }
  return entries;
}

/** How far before the decoded copy a timed entry may start and still belong to it, seconds (half the gap). */
const PRIMING_TOLERANCE_S = PRIMING_GAP_MS / 2000;

/**
 * The words a grammar search heard in the decoded copy: fillers (`<sil>`, `[NOISE]`, `<s>`, `</s>`) dropped,
 * alternate-pronunciation marks (`hundred(2)`) removed.
 */
export function wordsFrom(stdout: string, from: number): string {
  return timedEntriesFrom(stdout, from)
    .map((e) => e.label)
    .filter((w) => !/^(<.*>|\[.*\])$/.test(w))
    .map((w) => w.replace(/\(\d+\)$/, ''))
    .join(' ');
}

/**
 * The spans of `phrase` in keyword-spotting `-time yes` output within the decoded copy, moved by `shift` seconds
 * (so they are measured as if the decoded copy had been the only one).
 */
export function spottedFrom(stdout: string, phrase: string, from: number, shift: number): TimeSpan[] {
  return timedEntriesFrom(stdout, from)
    .filter((e) => e.label === phrase)
    .map((e) => ({ start: e.span.start + shift, end: e.span.end + shift }));
}

/** The spans of `phrase` in keyword-spotting `-time yes` output of a single-copy run (`<phrase> <start> <end> <p>`). */
export function parseSpottedSpans(stdout: string, phrase: string): TimeSpan[] {
  return spottedFrom(stdout, phrase, 0, 0);
}

/**
 * The cepstral mean pocketsphinx ended a run with: the last `cmn_live … Update to < c0 c1 … >` line of its log (13
 * values), or undefined when the log has none (then the next pass primes itself).
 */
export function finalCepstralMean(stderr: string): number[] | undefined {
  const all = [...stderr.matchAll(/Update to\s*<([^>]*)>/g)];
  const values = all.at(-1)?.[1]?.trim().split(/\s+/).map(Number);
  return values !== undefined && values.length === 13 && values.every(Number.isFinite) ? values : undefined;
}

/** `feat.params` text with its `-cmninit` set to `mean` (the file overrides the command line's `-cmninit`). */
export function withCepstralMean(featParams: string, mean: readonly number[]): string {
  const line = `-cmninit ${mean.map((v) => v.toFixed(2)).join(',')}`;
  return /^-cmninit .*$/m.test(featParams) ? featParams.replace(/^-cmninit .*$/m, line) : `${featParams.trimEnd()}\n${line}\n`;
}
