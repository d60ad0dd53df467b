/**
 * `node --import tsx bench/offline-diagnose.ts`: where the offline recognizer goes wrong, on the TUNING half only
 * (bench/offline-corpus.ts TUNE_*, ALL_TUNE_VOICES; never the evaluation voices or sentences).
 * Prints, per voice and per question kind: right, misrecognised (the grammar's nearest phrase is another question),
 * falsely rejected (the nearest phrase was right but verification refused it), and rejected-and-misheard; then the
 * sums that went wrong (said → heard) and the out-of-domain sentences that were answered.
 *
 * Environment: OFFLINE_EXTRA_ARGS (JSON array of pocketsphinx arguments appended to the recognizer's),
 * OFFLINE_VOICES (comma-separated substrings of voice names to keep), OFFLINE_NO_OOD=1 (skip out-of-domain),
 * OFFLINE_KINDS (comma-separated: time, day, date, sums, online, identity), OFFLINE_PRIME=all|grammar|none (which passes decode a cepstral-mean priming copy first),
 * OFFLINE_FLOOR_DB=<dB>|off (the noise floor raised under each utterance; default the recognizer's),
 * OFFLINE_NOISE_REDUCTION=<least gain>[,<quiet share>[,<smoothing>]]|off (the noise reduction before decoding;
 * default the recognizer's), OFFLINE_WARP=<low voices' warp>,<high voices' warp>|off (the vocal tract warp by pitch;
 * default the recognizer's).
 */
import { builtinPhrases, matchBuiltin } from '../src/persona/index.js';
import { DEFAULT_NOISE_REDUCTION, DEFAULT_VOCAL_TRACT_WARP, type NoiseReductionParams, PocketsphinxStt, type VocalTractWarpParams } from '../src/speech/index.js';
import { EVAL_IN_DOMAIN, EVAL_OUT_OF_DOMAIN, TUNE_IN_DOMAIN, TUNE_OUT_OF_DOMAIN } from './offline-corpus.js';
import { classify, closeFixtures, speak, ALL_TUNE_VOICES, type VoiceCondition } from './offline-fixtures.js';

type Cell = { right: number; misheard: number; falselyRejected: number; rejectedMisheard: number; n: number };
const cell = (): Cell => ({ right: 0, misheard: 0, falselyRejected: 0, rejectedMisheard: 0, n: 0 });

function kindOf(reference: string): string {
  const m = matchBuiltin(reference, 'en');
  if (m === undefined) throw new Error(`expected an in-domain question, got ${JSON.stringify(reference)}`);
  return m.intent === 'weekday' ? 'day' : m.intent === 'arithmetic' ? 'sums' : m.intent;
}

/** OFFLINE_FLOOR_DB: the recognizer's noise floor, dB under the speech, or `off` (default: the recognizer's). */
function noiseFloorDb(): number | false | undefined {
  const value = process.env['OFFLINE_FLOOR_DB'];
  if (value === undefined) return undefined;
  if (value === 'off') return false;
  if (!Number.isFinite(Number(value))) throw new Error(`expected OFFLINE_FLOOR_DB to be a number of dB or off, got ${JSON.stringify(value)}`);
  return Number(value);
}
const floorOption = (): { noiseFloorDb?: number | false } => {
  const floor = noiseFloorDb();
  return floor === undefined ? {} : { noiseFloorDb: floor };
};

/** OFFLINE_NOISE_REDUCTION: least gain, quiet share and smoothing of the noise reduction, or `off` (default: the recognizer's). */
const reductionOption = (): { noiseReduction?: NoiseReductionParams | false } => {
  const value = process.env['OFFLINE_NOISE_REDUCTION'];
  if (value === undefined) return {};
  if (value === 'off') return { noiseReduction: false };
  const [minGain = NaN, quietShare = DEFAULT_NOISE_REDUCTION.quietShare, smoothing = DEFAULT_NOISE_REDUCTION.smoothing] = value.split(',').map(Number);
  if (![minGain, quietShare, smoothing].every((v) => v > 0 && v <= 1)) throw new Error(`expected OFFLINE_NOISE_REDUCTION to be up to three numbers in (0, 1] or off, got ${JSON.stringify(value)}`);
  return { noiseReduction: { minGain, quietShare, smoothing } };
};

/** OFFLINE_WARP: `<low voices' warp>,<high voices' warp>` by pitch, or `off` (default: the recognizer's). */
const warpOption = (): { vocalTractWarp?: VocalTractWarpParams | false } => {
  const value = process.env['OFFLINE_WARP'];
  if (value === undefined) return {};
  if (value === 'off') return { vocalTractWarp: false };
  const [minWarp = NaN, maxWarp = NaN] = value.split(',').map(Number);
  if (![minWarp, maxWarp].every((w) => w >= 0.5 && w <= 2)) throw new Error(`expected OFFLINE_WARP to be two warps in [0.5, 2] or off, got ${JSON.stringify(value)}`);
  return { vocalTractWarp: { ...DEFAULT_VOCAL_TRACT_WARP, minWarp, maxWarp } };
};

export async function diagnose(): Promise<void> {
  const evalTexts = new Set([...EVAL_IN_DOMAIN, ...Object.values(EVAL_OUT_OF_DOMAIN).flat()]);
  const leaked = [...TUNE_IN_DOMAIN, ...TUNE_OUT_OF_DOMAIN].filter((t) => evalTexts.has(t));
  if (leaked.length > 0) throw new Error(`expected disjoint tuning and evaluation sentences, got ${leaked.join('; ')}`);
  const extraArgs = JSON.parse(process.env['OFFLINE_EXTRA_ARGS'] ?? '[]') as string[];
  const filter = (process.env['OFFLINE_VOICES'] ?? '').split(',').filter((s) => s !== '');
  const voices: VoiceCondition[] = ALL_TUNE_VOICES.filter((v) => filter.length === 0 || filter.some((f) => v.name.includes(f)));
  const kinds = (process.env['OFFLINE_KINDS'] ?? '').split(',').filter((s) => s !== '');
  const stt = new PocketsphinxStt({ grammar: builtinPhrases('en'), extraArgs, primeCmn: (process.env['OFFLINE_PRIME'] ?? 'all') as 'all' | 'grammar' | 'none', ...floorOption(), ...reductionOption(), ...warpOption() });
  const byVoice = new Map<string, Cell>();
  const byKind = new Map<string, Cell>();
  const sums: string[] = [];
  const refused: string[] = [];
  const total = cell();
  for (const voice of voices) {
    for (const [i, reference] of TUNE_IN_DOMAIN.entries()) {
      if (kinds.length > 0 && !kinds.includes(kindOf(reference))) continue;
      const { text, rejected } = await stt.transcribe(await speak(reference, voice, i + 101), { lang: 'en-us' });
      const heard = rejected?.heard ?? text;
      const nearestRight = classify(reference, heard) === 'correct';
      const kind = kindOf(reference);
      if (!byVoice.has(voice.name)) byVoice.set(voice.name, cell());
      if (!byKind.has(kind)) byKind.set(kind, cell());
      for (const c of [byVoice.get(voice.name), byKind.get(kind), total]) {
        if (c === undefined) continue;
        c.n++;
        if (rejected === undefined) {
          if (nearestRight) c.right++;
          else c.misheard++;
        } else if (nearestRight) c.falselyRejected++;
        else c.rejectedMisheard++;
      }
      if (nearestRight && rejected !== undefined) refused.push(`  ${voice.name}: ${reference} [${rejected.reason}]`);
      if (!nearestRight && kind === 'sums') sums.push(`  ${voice.name}: ${reference} → ${heard === '' ? '(nothing)' : heard}${rejected === undefined ? '' : ` [rejected: ${rejected.reason}]`}`);
    }
    process.stderr.write(`diagnose: ${voice.name} done\n`);
  }
  const row = (name: string, c: Cell): string =>
    `  ${name.padEnd(34)} ${String(c.right).padStart(3)}/${c.n}   ${String(c.misheard).padStart(3)}   ${String(c.falselyRejected).padStart(3)}   ${String(c.rejectedMisheard).padStart(3)}`;
  const lines = [`extra args: ${JSON.stringify(extraArgs)}`, '                                   right   misheard-answered   right-but-rejected   misheard-rejected'];
  for (const [name, c] of byVoice) lines.push(row(name, c));
  for (const [name, c] of byKind) lines.push(row(name, c));
  lines.push(row('all in-domain', total));
  lines.push('sums not heard right:', ...sums);
  lines.push('heard right but refused:', ...refused);
  if (process.env['OFFLINE_NO_OOD'] !== '1') {
    let wrong = 0;
    const answered: string[] = [];
    for (const [i, reference] of TUNE_OUT_OF_DOMAIN.entries()) {
      const voice = ALL_TUNE_VOICES[i % ALL_TUNE_VOICES.length];
      if (voice === undefined) continue;
      const { text } = await stt.transcribe(await speak(reference, voice, i + 1), { lang: 'en-us' });
      if (classify(reference, text) === 'wrong') {
        wrong++;
        answered.push(`  ${reference} → ${text}`);
      }
    }
    lines.push(`out-of-domain answered: ${wrong}/${TUNE_OUT_OF_DOMAIN.length}`, ...answered);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  await closeFixtures();
}

if (import.meta.url === `file://${process.argv[1]}`) await diagnose();
