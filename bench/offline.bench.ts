/**
 * `npm run bench -- offline`: offline understanding. The local recognizer (pocketsphinx + the built-in grammar +
 * verification, src/speech/rejection.ts) on the EVALUATION half of bench/offline-corpus.ts, spoken by EVAL_VOICES
 * (none of which the parameters were tuned on; bench/offline-tune.ts tunes on the other half):
 *
 * - in-domain questions in every evaluation voice: answered right, falsely rejected, answered wrong;
 * - out-of-domain speech (ordinary sentences, commands the offline path cannot do, questions outside the skills),
 *   each sentence in one evaluation voice, round robin: rejected (not understood, or "I can't do that offline" for a
 *   command), answered wrong;
 * - the same for today's recognizer (the grammar's nearest phrase, no verification), and the CPU and wall time per
 *   utterance of both (this process plus its pocketsphinx children; the machine is shared, so wall times are loose).
 *
 * Targets (issue #14): out-of-domain rejected ≥ 95 % with wrong answers ≤ 2 %, in-domain right ≥ 90 %, local
 * response no more than 150 ms slower than today.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { builtinPhrases } from '../src/persona/index.js';
import { buildJsgf, POCKETSPHINX_EN_US_DICT, POCKETSPHINX_EN_US_HMM_DIR, PocketsphinxStt } from '../src/speech/index.js';
import type { BenchRow } from './harness.js';
import { EVAL_IN_DOMAIN, EVAL_OUT_OF_DOMAIN } from './offline-corpus.js';
import { classify, closeFixtures, cpuMsWithChildren, EVAL_VOICES, type Handling, realRecordings, speak } from './offline-fixtures.js';

/** Today's recognizer before verification: the whole cmudict, the grammar, the nearest phrase. */
async function legacyRecognize(dir: string, grammarFile: string, pcm: Int16Array): Promise<string> {
  const padded = new Int16Array(4_800 + pcm.length + 8_000);
  padded.set(pcm, 4_800);
  const raw = join(dir, 'legacy.raw');
  await writeFile(raw, new Uint8Array(padded.buffer));
  const args = ['-infile', raw, '-samprate', '16000', '-input_endian', 'little', '-hmm', POCKETSPHINX_EN_US_HMM_DIR, '-dict', POCKETSPHINX_EN_US_DICT, '-dither', 'yes', '-seed', '1', '-jsgf', grammarFile];
  return new Promise((resolve, reject) => {
    const child = spawn('pocketsphinx_continuous', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out.trim().replace(/\s+/g, ' ')));
  });
}

interface Outcome {
  readonly handling: Handling;
  /** Refused although the grammar's nearest phrase was the question asked (the verification's own error). */
  readonly refusedRight: boolean;
  readonly legacy: Handling;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly legacyCpuMs: number;
  readonly legacyWallMs: number;
}

const tally = (list: readonly Outcome[], key: 'handling' | 'legacy', ...kinds: Handling[]): number => list.filter((o) => kinds.includes(o[key])).length;
const pct = (n: number, d: number): string => `${((100 * n) / Math.max(1, d)).toFixed(1)} %`;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const p95 = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(0.95 * (xs.length - 1))] ?? 0;

export async function run(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'hivesat-offline-bench-'));
  const grammarFile = join(dir, 'grammar.gram');
  await writeFile(grammarFile, buildJsgf(builtinPhrases('en')));
  const stt = new PocketsphinxStt({ grammar: builtinPhrases('en') });
  await stt.prepare();
  const measureOne = async (reference: string, pcm: Int16Array): Promise<Outcome> => {
    let cpu = cpuMsWithChildren();
    let wall = performance.now();
    const { text, rejected } = await stt.transcribe(pcm, { lang: 'en-us' });
    const cpuMs = cpuMsWithChildren() - cpu;
    const wallMs = performance.now() - wall;
    cpu = cpuMsWithChildren();
    wall = performance.now();
    const legacyText = await legacyRecognize(dir, grammarFile, pcm);
    const refusedRight = rejected !== undefined && classify(reference, rejected.heard) === 'correct';
    return { handling: classify(reference, text), refusedRight, legacy: classify(reference, legacyText), cpuMs, wallMs, legacyCpuMs: cpuMsWithChildren() - cpu, legacyWallMs: performance.now() - wall };
  };

  const lines: string[] = [];
  const inDomain: Outcome[] = [];
  lines.push('in-domain questions            right   false rejections (heard right)   wrong     (today: right / wrong)');
  for (const voice of EVAL_VOICES) {
    const outcomes: Outcome[] = [];
    for (const [i, text] of EVAL_IN_DOMAIN.entries()) outcomes.push(await measureOne(text, await speak(text, voice, i + 1)));
    inDomain.push(...outcomes);
    const n = outcomes.length;
    lines.push(
      `  ${voice.name.padEnd(36)} ${String(tally(outcomes, 'handling', 'correct')).padStart(2)}/${n}   ${String(tally(outcomes, 'handling', 'rejected', 'refused-command')).padStart(2)}/${n} (${String(outcomes.filter((o) => o.refusedRight).length).padStart(2)})          ${String(tally(outcomes, 'handling', 'wrong')).padStart(2)}/${n}   (${tally(outcomes, 'legacy', 'correct')}/${n} / ${tally(outcomes, 'legacy', 'wrong')}/${n})`,
    );
    process.stderr.write(`offline: ${voice.name} done\n`);
  }
  const outOfDomain: Outcome[] = [];
  lines.push('out-of-domain speech           rejected   wrong answers   (today: rejected / wrong)');
  let k = 0;
  for (const [kind, texts] of Object.entries(EVAL_OUT_OF_DOMAIN)) {
    const outcomes: Outcome[] = [];
    for (const text of texts) {
      const voice = EVAL_VOICES[k % EVAL_VOICES.length];
      k++;
      if (voice !== undefined) outcomes.push(await measureOne(text, await speak(text, voice, k)));
    }
    outOfDomain.push(...outcomes);
    const n = outcomes.length;
    const rejected = tally(outcomes, 'handling', 'rejected', 'refused-command');
    const legacyRejected = tally(outcomes, 'legacy', 'rejected', 'refused-command');
    lines.push(`  ${`${kind}s (${n})`.padEnd(28)} ${pct(rejected, n).padStart(8)}   ${pct(n - rejected, n).padStart(8)}        (${pct(legacyRejected, n)} / ${pct(n - legacyRejected, n)})`);
    process.stderr.write(`offline: out-of-domain ${kind}s done\n`);
  }
  // Real human speech (Debian pocketsphinx-testdata), all out of domain.
  const real = realRecordings(dir);
  if (real.length === 0) lines.push('  real recordings: pocketsphinx-testdata not available (apt-get download failed)');
  else {
    let rejected = 0;
    let legacyRejected = 0;
    for (const r of real) {
      const o = await measureOne('(real recording)', r.pcm);
      if (o.handling !== 'wrong') rejected++;
      if (o.legacy !== 'wrong') legacyRejected++;
    }
    lines.push(`  ${`real recordings (${real.length})`.padEnd(28)} ${pct(rejected, real.length).padStart(8)}   ${pct(real.length - rejected, real.length).padStart(8)}        (${pct(legacyRejected, real.length)} / ${pct(real.length - legacyRejected, real.length)})`);
  }
  await rm(dir, { recursive: true, force: true });
  await closeFixtures();

  const nIn = inDomain.length;
  const nOut = outOfDomain.length;
  const oodRejected = tally(outOfDomain, 'handling', 'rejected', 'refused-command');
  const all = [...inDomain, ...outOfDomain];
  lines.push('');
  lines.push(`in-domain right          ${pct(tally(inDomain, 'handling', 'correct'), nIn).padStart(8)}   (${nIn} utterances, ${EVAL_VOICES.length} voices; today ${pct(tally(inDomain, 'legacy', 'correct'), nIn)})   target ≥ 90 %`);
  lines.push(`in-domain false rejects  ${pct(tally(inDomain, 'handling', 'rejected', 'refused-command'), nIn).padStart(8)}   (the nearest phrase was right in ${pct(inDomain.filter((o) => o.refusedRight).length, nIn)}: the verification's share)`);
  lines.push(`in-domain wrong          ${pct(tally(inDomain, 'handling', 'wrong'), nIn).padStart(8)}   (today ${pct(tally(inDomain, 'legacy', 'wrong'), nIn)})`);
  lines.push(`out-of-domain rejected   ${pct(oodRejected, nOut).padStart(8)}   (${nOut} utterances; today ${pct(tally(outOfDomain, 'legacy', 'rejected', 'refused-command'), nOut)})   target ≥ 95 %`);
  lines.push(`out-of-domain wrong      ${pct(nOut - oodRejected, nOut).padStart(8)}   (today ${pct(nOut - tally(outOfDomain, 'legacy', 'rejected', 'refused-command'), nOut)})   target ≤ 2 %`);
  lines.push(
    `speech-to-text per utterance: CPU ${mean(all.map((o) => o.cpuMs)).toFixed(0)} ms (today ${mean(all.map((o) => o.legacyCpuMs)).toFixed(0)} ms), wall mean ${mean(all.map((o) => o.wallMs)).toFixed(0)} / p95 ${p95(all.map((o) => o.wallMs)).toFixed(0)} ms (today ${mean(all.map((o) => o.legacyWallMs)).toFixed(0)} / ${p95(all.map((o) => o.legacyWallMs)).toFixed(0)} ms); target ≤ today + 150 ms`,
  );
  process.stdout.write(`offline understanding (evaluation voices and sentences only)\n${lines.join('\n')}\n\n`);
  const row = (name: string, ms: number): BenchRow => ({ group: 'offline', name, opsPerSec: 1000 / ms, msPerOp: ms, mibPerSec: undefined });
  return [
    row('local STT + verification, CPU per utterance', mean(all.map((o) => o.cpuMs))),
    row('local STT today (grammar only), CPU per utterance', mean(all.map((o) => o.legacyCpuMs))),
    row('local STT + verification, wall per utterance', mean(all.map((o) => o.wallMs))),
    row('local STT today (grammar only), wall per utterance', mean(all.map((o) => o.legacyWallMs))),
  ];
}
