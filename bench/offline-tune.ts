/**
 * `node --import tsx bench/offline-tune.ts`: measures the ways pocketsphinx offers to reject what is not one of the
 * grammar's phrases, on the TUNING half of the corpus and voices only (bench/offline-corpus.ts, TUNE_VOICES), and
 * prints one line per operating point: in-domain accepted-and-right, out-of-domain rejected, CPU per utterance.
 *
 * Methods:
 * - `none`: today's behaviour, the grammar's nearest phrase.
 * - `garbage loop`: a free phone loop as an alternative of the JSGF grammar (`<utterance> = <phrase> | <phone>+`),
 *   rejected when the phone loop wins.
 * - `lm agreement`: a second pass with the general en-us language model; accepted when at least a share of the
 *   grammar hypothesis' words appear, in order, in the LM's transcript.
 * - `length`: speech duration per phone of the hypothesis within a range.
 * - `kws`: the hypothesis as the only keyphrase of a keyword-spotting pass (phone-loop probability `plp`,
 *   threshold 10^(t × phones)), then the spotted span must cover a share of the speech.
 *
 * The chosen point goes into src/speech/rejection.ts DEFAULT_REJECTION; bench/offline.bench.ts then measures it on
 * the evaluation half.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPhrases } from '../src/persona/index.js';
import { buildJsgf, coverage, grammarWords, POCKETSPHINX_EN_US_DICT, medianPitchHz, PocketsphinxStt, reduceNoise, speechSpan, type TimeSpan, vocalTractWarp } from '../src/speech/index.js';
import { TUNE_IN_DOMAIN, TUNE_OUT_OF_DOMAIN } from './offline-corpus.js';
import { classify, closeFixtures, cpuMsWithChildren, speak, ALL_TUNE_VOICES } from './offline-fixtures.js';

const PLPS: readonly number[] = envNumbers('OFFLINE_TUNE_PLPS') ?? [1e-5, 1e-10, 1e-20];
/** log10 thresholds per phone, strictest first; each sample's best passing level is found by bisection. */
const LOG_THRESHOLDS: readonly number[] = envNumbers('OFFLINE_TUNE_LEVELS') ?? [-0.5, -1, -1.5, -2, -2.5, -3, -4, -5];
/** OFFLINE_TUNE_FAST=1: only the kws method (the lm and garbage-loop passes are skipped). */
const FAST = process.env['OFFLINE_TUNE_FAST'] === '1';

function envNumbers(name: string): number[] | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v.split(',').map(Number);
}
/** Points printed: the kws grid is large, so only thresholds that differ. */
const PRINTED_THRESHOLDS = [-0.5, -1, -2, -5] as const;
const COVERAGES = [0, 0.5, 0.7, 0.75, 0.8, 0.85, 0.9] as const;
const LEAD_S = 0.3;

interface Sample {
  readonly inDomain: boolean;
  readonly reference: string;
  readonly heard: string;
  readonly phones: number;
  readonly speech: TimeSpan | undefined;
  /** Per phone-loop probability: the strictest log threshold per phone at which the phrase is spotted, and its spans. */
  readonly spots: ReadonlyMap<number, { readonly level: number; readonly spans: readonly TimeSpan[] } | undefined>;
  readonly lm: string;
  readonly garbageWon: boolean;
  readonly cpuMs: { grammar: number; spot: number; lm: number; garbage: number };
}

const PHONES = 'AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH'.split(' ');

async function garbageFiles(dir: string): Promise<{ gram: string; dict: string }> {
  const spec = builtinPhrases('en');
  const jsgf = buildJsgf(spec).replace('public <utterance> =', `public <utterance> = <phrase> | <garbage>;\n<garbage> = (${PHONES.map((p) => `gb${p.toLowerCase()}`).join(' | ')})+;\n<phrase> =`);
  const words = new Set(grammarWords(spec));
  const lines = (await readFile(POCKETSPHINX_EN_US_DICT, 'utf8')).split('\n').filter((l) => words.has(l.split(/[\s(]/)[0] ?? ''));
  const gram = join(dir, 'g.gram');
  const dict = join(dir, 'g.dict');
  await writeFile(gram, jsgf);
  await writeFile(dict, [...lines, ...PHONES.map((p) => `gb${p.toLowerCase()} ${p}`)].join('\n') + '\n');
  return { gram, dict };
}

/** CPU time of a child process (user + system), milliseconds, and its stdout. */
function runTimed(args: readonly string[]): Promise<{ stdout: string; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%U %S', 'pocketsphinx_continuous', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const [u, s] = (err.trim().split('\n').pop() ?? '0 0').split(' ').map(Number);
      resolve({ stdout: out.trim().replace(/\s+/g, ' '), cpuMs: 1000 * ((u ?? 0) + (s ?? 0)) });
    });
  });
}

function inOrderShare(hyp: string, lm: string): number {
  const h = hyp.split(' ');
  const l = lm.split(' ');
  const dp = Array.from({ length: h.length + 1 }, () => new Array<number>(l.length + 1).fill(0));
  for (let i = 1; i <= h.length; i++) for (let j = 1; j <= l.length; j++) dp[i]![j] = h[i - 1] === l[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[h.length]![l.length]! / h.length;
}

async function measureSample(stt: PocketsphinxStt, lm: PocketsphinxStt, garbage: { gram: string; dict: string }, dir: string, reference: string, utterance: Int16Array, inDomain: boolean): Promise<Sample> {
  // What the recognizer decodes: the utterance after its noise reduction (`stt` itself has it off, so every pass
  // and the speech span see the same audio, as in PocketsphinxStt.transcribe).
  const pcm = reduceNoise(utterance);
  const warp = vocalTractWarp(medianPitchHz(pcm));
  let t = cpuMsWithChildren();
  const cpu = (): number => {
    const now = cpuMsWithChildren();
    const d = now - t;
    t = now;
    return d;
  };
  const heard = await stt.recognize(pcm, { lang: 'en-us' });
  const phones = heard === '' ? 0 : await stt.phoneCount(heard);
  const grammarMs = cpu();
  const spots = new Map<number, { level: number; spans: readonly TimeSpan[] } | undefined>();
  let spotRuns = 0;
  if (heard !== '') {
    for (const plp of PLPS) {
      // Detection is monotone in the threshold: bisect for the strictest level that still spots the phrase.
      let lo = 0;
      let hi = LOG_THRESHOLDS.length - 1;
      let best: { level: number; spans: readonly TimeSpan[] } | undefined;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const level = LOG_THRESHOLDS[mid] ?? -1;
        spotRuns++;
        const spans = await stt.spot(pcm, heard, { phoneLoopProbability: plp, threshold: Math.max(1e-300, 10 ** (level * phones)), warp });
        if (spans.length > 0) {
          best = { level, spans };
          hi = mid - 1;
        } else lo = mid + 1;
      }
      spots.set(plp, best);
    }
  }
  const spotMs = cpu() / Math.max(1, spotRuns);
  const lmText = FAST ? '' : await lm.recognize(pcm, { lang: 'en-us' });
  const lmMs = cpu();
  const raw = join(dir, 'u.raw');
  const padded = new Int16Array(4_800 + pcm.length + 8_000);
  padded.set(pcm, 4_800);
  await writeFile(raw, new Uint8Array(padded.buffer));
  const g = FAST ? { stdout: '', cpuMs: 0 } : await runTimed(['-infile', raw, '-samprate', '16000', '-jsgf', garbage.gram, '-dict', garbage.dict, '-dither', 'yes', '-seed', '1']);
  return {
    inDomain, reference, heard, phones, speech: speechSpan(pcm, LEAD_S), spots, lm: lmText, garbageWon: g.stdout === '' || /\bgb[a-z]+\b/.test(g.stdout),
    cpuMs: { grammar: grammarMs, spot: spotMs, lm: lmMs, garbage: g.cpuMs },
  };
}

interface Point {
  readonly method: string;
  readonly accept: (s: Sample) => boolean;
}

function points(): Point[] {
  const list: Point[] = [{ method: 'none', accept: (s) => s.heard !== '' }, { method: 'garbage loop', accept: (s) => s.heard !== '' && !s.garbageWon }];
  for (const share of [0.25, 0.5, 0.75]) list.push({ method: `lm agreement ≥ ${share}`, accept: (s) => s.heard !== '' && inOrderShare(s.heard, s.lm) >= share });
  for (const [lo, hi] of [[0.04, 0.12], [0.05, 0.1], [0.06, 0.09]] as const) {
    list.push({ method: `length ${lo * 1000}-${hi * 1000} ms/phone`, accept: (s) => s.heard !== '' && s.speech !== undefined && (s.speech.end - s.speech.start) / s.phones >= lo && (s.speech.end - s.speech.start) / s.phones <= hi });
  }
  for (const plp of PLPS) {
    for (const lt of PRINTED_THRESHOLDS) {
      for (const cov of COVERAGES) {
        list.push({
          method: `kws plp ${plp} t ${lt}/phone coverage ≥ ${cov}`,
          accept: (s) => {
            const best = s.spots.get(plp);
            return best !== undefined && lt <= best.level && coverage(best.spans, s.speech) >= cov; // spotted at lt: lt is as lax as the strictest passing level or laxer
          },
        });
      }
    }
  }
  return list;
}

export async function tune(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hivesat-tune-'));
  const stt = new PocketsphinxStt({ grammar: builtinPhrases('en'), rejection: false, noiseReduction: false });
  const lm = new PocketsphinxStt({ noiseReduction: false });
  const garbage = await garbageFiles(dir);
  const samples: Sample[] = [];
  try {
    for (const voice of ALL_TUNE_VOICES) {
      for (const [i, text] of TUNE_IN_DOMAIN.entries()) samples.push(await measureSample(stt, lm, garbage, dir, text, await speak(text, voice, i + 101), true));
      process.stderr.write(`tune: ${voice.name} done (${samples.length} utterances)\n`);
    }
    // Each out-of-domain sentence in one of the tuning voices (round robin).
    for (const [i, text] of TUNE_OUT_OF_DOMAIN.entries()) {
      const voice = ALL_TUNE_VOICES[i % ALL_TUNE_VOICES.length];
      if (voice !== undefined) samples.push(await measureSample(stt, lm, garbage, dir, text, await speak(text, voice, i + 1), false));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await closeFixtures();
  }
  const dump = process.env['OFFLINE_TUNE_DUMP'];
  if (dump !== undefined && dump !== '') await writeFile(dump, JSON.stringify(samples.map((s) => ({ ...s, spots: [...s.spots] }))));
  const inDomain = samples.filter((s) => s.inDomain);
  const outOfDomain = samples.filter((s) => !s.inDomain);
  const pct = (n: number, d: number): string => `${((100 * n) / Math.max(1, d)).toFixed(1)} %`.padStart(8);
  const lines = [`method                                              in-domain right   OOD rejected   OOD wrong`];
  for (const p of points()) {
    const right = inDomain.filter((s) => p.accept(s) && classify(s.reference, s.heard) === 'correct').length;
    const rejected = outOfDomain.filter((s) => !p.accept(s) || classify(s.reference, s.heard) !== 'wrong').length;
    const wrong = outOfDomain.length - rejected;
    lines.push(`${p.method.padEnd(50)}  ${pct(right, inDomain.length)}       ${pct(rejected, outOfDomain.length)}     ${pct(wrong, outOfDomain.length)}`);
  }
  const mean = (k: keyof Sample['cpuMs']): string => (samples.reduce((a, s) => a + s.cpuMs[k], 0) / samples.length).toFixed(0);
  process.stdout.write(`offline rejection, tuning set: ${inDomain.length} in-domain, ${outOfDomain.length} out-of-domain utterances (${ALL_TUNE_VOICES.length} voice conditions)\n${lines.join('\n')}\n`);
  process.stdout.write(`CPU per utterance (this process + children, ms): grammar pass ${mean('grammar')}, one kws pass ${mean('spot')}, lm pass ${mean('lm')}, garbage-loop pass ${mean('garbage')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await tune();
