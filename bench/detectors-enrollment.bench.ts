/**
 * Personal enrollment (`hivesat wake enroll`): on voices the shipped verifier never heard, does enrolling 6 takes of
 * a voice raise its detection, without raising false accepts?
 *
 * Voices: espeak-ng variants and flite voices that scripts/train-verifier never used (it trained on espeak-ng
 * +f1 +f4 +m1 +m4 +klatt3 +steph at 120/150/205 wpm; no flite). Takes of one voice differ by speed and pitch, like a
 * person's: 6 enroll takes, and 10 other takes for testing, each clean and with the listener bench's evaluation noise
 * (white/pink/brown at 10 and 5 dB, sox's first 120 s: not the noise enrollment mixes in, which is seeded in-process).
 * Detection is the detector at the config's operating point (head threshold 0.1, trigger level 1) with the shipped
 * verifier vs the enrolled one, within the wake word and 1 s after it.
 *
 * False accepts: the listener bench's negative stream (sentences, confusable phrases and noise in other voices;
 * HIVESAT_BENCH_NEGATIVE_MIN minutes, default 10 here), and the enrolled voice itself saying the bench's confusable
 * phrases and sentences (the harder case: a verifier that learnt the voice instead of the word accepts those).
 *
 * Also the CPU time enrollment takes (checks + negatives + training). Run: `npm run bench -- detectors-enrollment`
 * (also part of `npm run bench -- detectors`).
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { synthesizeEnrollmentNegatives } from '../src/cli/enroll-negatives.js';
import { CONFIG_WAKE_THRESHOLD } from '../src/listener/index.js';
import {
  type AcceptedTake,
  createOpenWakeWord,
  DEFAULT_VERIFIER,
  loadWakeVerifier,
  parseVerifier,
  type WakeVerifier,
  WakeEnroller,
} from '../src/wake/index.js';
import { readRawSync } from '../test/vad/fixtures.js';
import { type BenchRow, printTable } from './harness.js';
import { activeSpan, addNoise, type Color, COLORS, CONFUSABLES, join16, negativeSegments, noiseBank, rms, SENTENCES, silenceOf } from './listener.bench.js';

const RATE = 16_000;
const CHUNK = 1_280;
const CACHE = join(tmpdir(), 'hivesat-bench-corpus');
const NEGATIVE_MINUTES = Number(process.env.HIVESAT_BENCH_NEGATIVE_MIN ?? 10);

/** A voice and how its takes vary. */
interface Speaker {
  readonly label: string;
  readonly engine: 'espeak' | 'flite';
  readonly voice: string;
  /** Per take: espeak (wpm, pitch 0–99) or flite (duration stretch, f0 mean Hz). */
  readonly enroll: readonly (readonly [number, number])[];
  readonly test: readonly (readonly [number, number])[];
}

const ESPEAK_ENROLL: readonly (readonly [number, number])[] = [[140, 40], [155, 55], [170, 45], [185, 60], [150, 35], [165, 65]];
const ESPEAK_TEST: readonly (readonly [number, number])[] = [[135, 50], [145, 60], [160, 40], [175, 55], [180, 45], [195, 50], [145, 45], [160, 62], [172, 38], [188, 58]];
const FLITE_ENROLL: readonly (readonly [number, number])[] = [[1.0, 0], [1.1, 10], [0.95, -8], [1.2, 5], [1.05, -12], [0.9, 12]];
const FLITE_TEST: readonly (readonly [number, number])[] = [[1.0, 6], [1.15, -5], [0.92, 0], [1.25, 8], [1.08, -10], [0.97, 14], [1.12, 2], [1.02, -14], [0.88, 4], [1.18, -2]];

/**
 * Voices scripts/train-verifier never used. The enrollment's one setting was chosen on these five, so
 * HIVESAT_BENCH_ENROLL_VOICES (e.g. `espeak:en-us+m3,flite:slt`) runs the same bench on voices nothing was tuned on.
 */
const SPEAKERS: readonly Speaker[] = process.env.HIVESAT_BENCH_ENROLL_VOICES === undefined ? defaultSpeakers() : speakersFrom(process.env.HIVESAT_BENCH_ENROLL_VOICES);

function speakersFrom(list: string): Speaker[] {
  return list.split(',').map((item) => {
    const [engine, voice] = item.trim().split(':');
    if ((engine !== 'espeak' && engine !== 'flite') || voice === undefined || voice === '') throw new Error(`HIVESAT_BENCH_ENROLL_VOICES: expected espeak:VOICE or flite:VOICE, got "${item}"`);
    const label = engine === 'espeak' ? `espeak-ng ${voice}` : `flite ${voice}`;
    return engine === 'espeak' ? { label, engine, voice, enroll: ESPEAK_ENROLL, test: ESPEAK_TEST } : { label, engine, voice, enroll: FLITE_ENROLL, test: FLITE_TEST };
  });
}

function defaultSpeakers(): Speaker[] {
  return [
  { label: 'espeak-ng en-us+m7', engine: 'espeak', voice: 'en-us+m7', enroll: ESPEAK_ENROLL, test: ESPEAK_TEST },
  { label: 'espeak-ng en-gb-scotland+f5', engine: 'espeak', voice: 'en-gb-scotland+f5', enroll: ESPEAK_ENROLL, test: ESPEAK_TEST },
  { label: 'espeak-ng en-029+Andy', engine: 'espeak', voice: 'en-029+Andy', enroll: ESPEAK_ENROLL, test: ESPEAK_TEST },
  { label: 'flite awb', engine: 'flite', voice: 'awb', enroll: FLITE_ENROLL, test: FLITE_TEST },
  { label: 'flite rms', engine: 'flite', voice: 'rms', enroll: FLITE_ENROLL, test: FLITE_TEST },
  ];
}

const flitePitchBase: Record<string, number> = { awb: 110, rms: 100, slt: 160, kal: 100, kal16: 100 };

/** One take: `text` by the speaker with the take's speed and pitch; 16 kHz mono (cached). */
function say(s: Speaker, take: readonly [number, number], text: string): Int16Array {
  const [rate, pitch] = take;
  const key = createHash('sha256').update(`enroll|${s.engine}|${s.voice}|${rate}|${pitch}|${text}`).digest('hex').slice(0, 20);
  mkdirSync(CACHE, { recursive: true });
  const raw = join(CACHE, `take-${key}.raw`);
  if (!existsSync(raw)) {
    const wav = `${raw}.${process.pid}.wav`;
    const part = `${raw}.${process.pid}`;
    try {
      if (s.engine === 'espeak') execFileSync('espeak-ng', ['-v', s.voice, '-s', String(rate), '-p', String(pitch), '-w', wav, text], { stdio: 'pipe' });
      else execFileSync('flite', ['-voice', s.voice, '--setf', `duration_stretch=${rate}`, '--setf', `int_f0_target_mean=${(flitePitchBase[s.voice] ?? 100) + pitch}`, '-t', text, '-o', wav], { stdio: 'pipe' });
      execFileSync('sox', ['-R', '-D', '-G', wav, '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', part, 'vol', '0.7'], { stdio: 'pipe' });
      renameSync(part, raw);
    } finally {
      rmSync(wav, { force: true });
      rmSync(part, { force: true });
    }
  }
  return readRawSync(raw);
}

/** Test conditions: clean, and the listener bench's evaluation noise. */
const CONDITIONS: readonly { label: string; snrDb: number | null; color: Color | null }[] = [
  { label: 'clean', snrDb: null, color: null },
  ...[10, 5].flatMap((snrDb) => COLORS.map((color) => ({ label: `${snrDb} dB ${color.replace('noise', '')}`, snrDb, color }))),
];

/** Detections of the detector with `verifier` over `audio` (a fresh detector per call: independent clips). */
async function detections(verifier: WakeVerifier, clips: readonly { audio: Int16Array; from: number; to: number }[]): Promise<{ hits: number; total: number }> {
  const detector = await createOpenWakeWord({ threshold: CONFIG_WAKE_THRESHOLD, keywords: [{ model: 'hey_jarvis', verifier }] });
  let hits = 0;
  try {
    for (const clip of clips) {
      detector.reset();
      let hit = false;
      for (let i = 0; i < clip.audio.length; i += CHUNK) {
        for (const d of await detector.process(clip.audio.subarray(i, i + CHUNK))) if (d.sample >= clip.from && d.sample <= clip.to) hit = true;
      }
      if (hit) hits++;
    }
  } finally {
    await detector.close();
  }
  return { hits, total: clips.length };
}

/** Every detection over a stream of segments (false accepts). */
async function falseAccepts(verifier: WakeVerifier, segments: readonly Int16Array[]): Promise<number> {
  const detector = await createOpenWakeWord({ threshold: CONFIG_WAKE_THRESHOLD, keywords: [{ model: 'hey_jarvis', verifier }] });
  let n = 0;
  try {
    for (const seg of segments) for (let i = 0; i < seg.length; i += CHUNK) n += (await detector.process(seg.subarray(i, i + CHUNK))).length;
  } finally {
    await detector.close();
  }
  return n;
}

function positiveClips(s: Speaker, condition: (typeof CONDITIONS)[number], offset: number): { audio: Int16Array; from: number; to: number }[] {
  return s.test.map((take, i) => {
    const wake = say(s, take, 'hey jarvis');
    const { audio, starts } = join16([silenceOf(1), wake, silenceOf(1.5)]);
    const span = activeSpan(wake);
    const from = (starts[1] as number) + span.first;
    const to = (starts[1] as number) + span.end + RATE;
    if (condition.color !== null && condition.snrDb !== null) addNoise(audio, noiseBank(condition.color), (offset + i * 77_777) % 1_000_000, rms(wake, span.first, span.end), condition.snrDb);
    return { audio, from, to };
  });
}

export async function run(): Promise<BenchRow[]> {
  const shipped = await loadWakeVerifier(DEFAULT_VERIFIER);
  const c0 = process.cpuUsage();
  const negatives = await synthesizeEnrollmentNegatives();
  const negativesCpu = process.cpuUsage(c0);
  const stream = negativeSegments(NEGATIVE_MINUTES).map((seg) => seg.audio);
  const streamSeconds = stream.reduce((n, a) => n + a.length, 0) / RATE;
  const lines: string[] = [
    `enrollment (6 takes of one voice; test: ${ESPEAK_TEST.length} other takes × ${CONDITIONS.length} conditions; detector at head threshold ${CONFIG_WAKE_THRESHOLD}, trigger 1)`,
    `  ${'voice'.padEnd(28)} ${'clean: shipped'.padStart(18)} ${'enrolled'.padStart(9)} ${'noisy: shipped'.padStart(15)} ${'enrolled'.padStart(9)} ${'own-voice FA: shipped'.padStart(22)} ${'enrolled'.padStart(9)} ${'stream FA: shipped'.padStart(19)} ${'enrolled'.padStart(9)} ${'enroll CPU-s'.padStart(13)}`,
  ];
  const rows: BenchRow[] = [];
  const ownNegatives = (s: Speaker) => [...CONFUSABLES, ...SENTENCES.slice(0, 15)].map((text, i) => join16([silenceOf(0.4), say(s, s.test[i % s.test.length] as readonly [number, number], text), silenceOf(0.4)]).audio);
  const totals = { shipped: 0, enrolled: 0, all: 0, fa0: 0, fa1: 0, own0: 0, own1: 0 };
  for (const [k, s] of SPEAKERS.entries()) {
    const t0 = process.cpuUsage();
    const enroller = await WakeEnroller.create({ threshold: CONFIG_WAKE_THRESHOLD, prior: shipped });
    const accepted: AcceptedTake[] = [];
    const refused: string[] = [];
    for (const [i, take] of s.enroll.entries()) {
      try {
        accepted.push(await enroller.check(say(s, take, 'hey jarvis'), `take ${i + 1}`));
      } catch (error) {
        refused.push((error as Error).message);
      }
    }
    let enrolled: WakeVerifier;
    try {
      const result = await enroller.train(accepted, negatives);
      enrolled = parseVerifier(JSON.stringify(result.document), `enrolled ${s.label}`);
    } catch (error) {
      lines.push(`  ${s.label.padEnd(28)} not enrolled: ${(error as Error).message}; refused: ${refused.join(' | ')}`);
      await enroller.close();
      continue;
    }
    await enroller.close();
    const cpu = process.cpuUsage(t0);
    const enrollCpu = (cpu.user + cpu.system + (k === 0 ? negativesCpu.user + negativesCpu.system : 0)) / 1e6;
    let clean0 = 0;
    let clean1 = 0;
    let noisy0 = 0;
    let noisy1 = 0;
    let noisyN = 0;
    let cleanN = 0;
    for (const [j, condition] of CONDITIONS.entries()) {
      const clips = positiveClips(s, condition, 123_457 * (j + 1) + 7 * k);
      const a = await detections(shipped, clips);
      const b = await detections(enrolled, clips);
      if (condition.snrDb === null) {
        clean0 += a.hits;
        clean1 += b.hits;
        cleanN += a.total;
      } else {
        noisy0 += a.hits;
        noisy1 += b.hits;
        noisyN += a.total;
      }
    }
    const own = ownNegatives(s);
    const own0 = await falseAccepts(shipped, own);
    const own1 = await falseAccepts(enrolled, own);
    const fa0 = await falseAccepts(shipped, stream);
    const fa1 = await falseAccepts(enrolled, stream);
    totals.shipped += clean0 + noisy0;
    totals.enrolled += clean1 + noisy1;
    totals.all += cleanN + noisyN;
    totals.fa0 += fa0;
    totals.fa1 += fa1;
    totals.own0 += own0;
    totals.own1 += own1;
    const pct = (x: number, n: number) => `${((100 * x) / n).toFixed(0)} %`;
    lines.push(
      `  ${s.label.padEnd(28)} ${`${pct(clean0, cleanN)}`.padStart(18)} ${pct(clean1, cleanN).padStart(9)} ${pct(noisy0, noisyN).padStart(15)} ${pct(noisy1, noisyN).padStart(9)} ${`${own0}/${own.length}`.padStart(22)} ${`${own1}/${own.length}`.padStart(9)} ${String(fa0).padStart(19)} ${String(fa1).padStart(9)} ${enrollCpu.toFixed(2).padStart(13)}${refused.length > 0 ? `  (refused ${refused.length}: ${refused[0]})` : ''}`,
    );
    rows.push({ group: 'enrollment', name: `enroll ${s.label} (6 takes), CPU-s`, opsPerSec: 1 / enrollCpu, msPerOp: enrollCpu * 1000, mibPerSec: undefined });
  }
  lines.push(
    `  all voices: detection ${((100 * totals.shipped) / totals.all).toFixed(1)} % shipped → ${((100 * totals.enrolled) / totals.all).toFixed(1)} % enrolled; own-voice false accepts ${totals.own0} → ${totals.own1}; stream false accepts ${totals.fa0} → ${totals.fa1} over ${SPEAKERS.length} × ${(streamSeconds / 60).toFixed(1)} min`,
    `  (stream: bench/listener.bench.ts negative segments, ${(streamSeconds / 60).toFixed(1)} min; own-voice: the enrolled voice saying ${CONFUSABLES.length} confusable phrases and 15 sentences; enroll CPU includes the first voice's espeak-ng negatives)`,
  );
  process.stderr.write(`${lines.join('\n')}\n`);
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable(await run());
}
