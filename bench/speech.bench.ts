/**
 * Speech benchmarks: TTS synthesis time (espeak-ng, flite) and espeak-ng time to first audio byte, pocketsphinx
 * transcription time, and pocketsphinx word error rate on the built-in phrases spoken by several espeak-ng voices
 * and flite voices (printed as a separate table).
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { builtinPhrases } from '../src/persona/index.js';
import { EspeakNgTts, FliteTts, PocketsphinxStt, type TextToSpeech } from '../src/speech/index.js';
import { type BenchRow, measure } from './harness.js';

/** Built-in phrases spoken in the WER test. */
const PHRASES = [
  'what time is it',
  "what's the time",
  'tell me the time',
  'what day is it',
  'what day is it today',
  'what is the date today',
  "what is today's date",
  'what is twelve times seven',
  'what is three plus four',
  'what is nine minus two',
  'what is eight divided by four',
  'how much is twenty one times three',
  'what is one hundred minus fifty five',
  'who are you',
  'what is your name',
  'are you online',
];

/** Word-level Levenshtein distance. */
function wordErrors(reference: string, hypothesis: string): number {
  const r = reference.split(' ');
  const h = hypothesis === '' ? [] : hypothesis.split(' ');
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++) cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (r[i - 1] === h[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[h.length] ?? 0;
}

/** Time from spawning espeak-ng to its first stdout byte, milliseconds. */
function espeakFirstByte(text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('espeak-ng', ['--stdout', '-v', 'en-us', '--stdin']);
    child.stdout.once('data', () => resolve(performance.now() - start));
    child.on('error', reject);
    child.stdin.end(text);
  });
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const answer = "It's 3:07 PM.";
  const espeak = new EspeakNgTts();
  const flite = new FliteTts();
  rows.push(await measure('speech', `espeak-ng synthesize "${answer}"`, () => espeak.synthesize(answer, { lang: 'en-us' }), { minRuns: 10 }));
  const firstByte: number[] = [];
  for (let i = 0; i < 10; i++) firstByte.push(await espeakFirstByte('The first sentence of a longer answer, which goes on for a while before it stops.'));
  firstByte.sort((a, b) => a - b);
  const median = firstByte[5] ?? 0;
  rows.push({ group: 'speech', name: 'espeak-ng time to first audio byte (median)', opsPerSec: 1000 / median, msPerOp: median, mibPerSec: undefined });
  rows.push(await measure('speech', `flite slt synthesize "${answer}"`, () => flite.synthesize(answer, { lang: 'en-us' }), { minRuns: 10 }));

  const stt = new PocketsphinxStt({ grammar: builtinPhrases('en') });
  await stt.prepare();
  const sample = await flite.synthesize('what is twelve times seven', { lang: 'en-us' });
  rows.push(await measure('speech', `pocketsphinx+grammar transcribe ${(sample.pcm.length / 16_000).toFixed(1)} s`, () => stt.transcribe(sample.pcm, { lang: 'en-us' }), { minRuns: 5 }));
  const lm = new PocketsphinxStt();
  rows.push(await measure('speech', `pocketsphinx generic LM transcribe ${(sample.pcm.length / 16_000).toFixed(1)} s`, () => lm.transcribe(sample.pcm, { lang: 'en-us' }), { minRuns: 3 }));

  const voices: [string, TextToSpeech, string | undefined][] = [
    ['espeak-ng en (default)', espeak, 'en'],
    ['espeak-ng en-us', espeak, 'en-us'],
    ['espeak-ng en-us+m1', espeak, 'en-us+m1'],
    ['espeak-ng en-us+m3', espeak, 'en-us+m3'],
    ['espeak-ng en-us+f2', espeak, 'en-us+f2'],
    ['espeak-ng en-us+f3', espeak, 'en-us+f3'],
    ['espeak-ng en-us+f3 140 wpm', new EspeakNgTts({ speedWpm: 140 }), 'en-us+f3'],
    ['flite slt', flite, 'slt'],
    ['flite awb', flite, 'awb'],
    ['flite rms', flite, 'rms'],
    ['flite kal16', flite, 'kal16'],
  ];
  const lines = ['voice                         WER     sentences exact'];
  let allErrors = 0;
  let allWords = 0;
  for (const [name, tts, voice] of voices) {
    let errors = 0;
    let words = 0;
    let exact = 0;
    for (const phrase of PHRASES) {
      const speech = await tts.synthesize(phrase, { lang: 'en-us', voice });
      const { text } = await stt.transcribe(speech.pcm, { lang: 'en-us' });
      errors += wordErrors(phrase, text);
      words += phrase.split(' ').length;
      if (text === phrase) exact++;
    }
    allErrors += errors;
    allWords += words;
    lines.push(`${name.padEnd(28)}  ${((100 * errors) / words).toFixed(1).padStart(5)}%  ${exact}/${PHRASES.length}`);
  }
  lines.push(`${'all'.padEnd(28)}  ${((100 * allErrors) / allWords).toFixed(1).padStart(5)}%`);
  process.stdout.write(`pocketsphinx word error rate, built-in grammar, ${PHRASES.length} phrases per voice\n${lines.join('\n')}\n\n`);
  await Promise.all([stt.close(), lm.close(), flite.close()]);
  return rows;
}
