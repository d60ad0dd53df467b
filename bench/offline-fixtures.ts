/**
 * Speech for the offline-understanding benchmark, made at run time with espeak-ng and flite (nothing committed):
 * voice conditions, noise mixed in at a given SNR, and a small scorer that classifies what the offline path did with
 * an utterance. TUNE_VOICES and EVAL_VOICES share no voice, speed or noise condition.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav } from '../src/audio/index.js';
import { matchBuiltin } from '../src/persona/index.js';
import { EspeakNgTts, FliteTts, type TextToSpeech, xorshift32 } from '../src/speech/index.js';

/** One way of speaking: an engine, a voice, a speed, optional noise. */
export interface VoiceCondition {
  readonly name: string;
  readonly tts: TextToSpeech;
  readonly voice: string;
  /** Pink-ish noise mixed in at this signal-to-noise ratio, dB (undefined: clean). */
  readonly snrDb?: number;
}

const flite = new FliteTts();
const espeak = (speedWpm: number): EspeakNgTts => new EspeakNgTts({ speedWpm });

/** Voices the rejection parameters were tuned on. */
export const TUNE_VOICES: readonly VoiceCondition[] = [
  { name: 'espeak-ng en-us 175 wpm', tts: espeak(175), voice: 'en-us' },
  { name: 'espeak-ng en-us+f3 140 wpm', tts: espeak(140), voice: 'en-us+f3' },
  { name: 'espeak-ng en-gb 160 wpm', tts: espeak(160), voice: 'en-gb' },
  { name: 'flite slt', tts: flite, voice: 'slt' },
  { name: 'flite kal', tts: flite, voice: 'kal' },
];

/**
 * Noisy tuning conditions (for bench/offline-diagnose.ts): the tuning voices at SNRs the evaluation does not use
 * (it uses 10, 12, 15 and 20 dB), so front-end choices are not made on clean synthetic speech alone.
 */
export const TUNE_NOISY_VOICES: readonly VoiceCondition[] = [
  { name: 'espeak-ng en-us 175 wpm, 14 dB', tts: espeak(175), voice: 'en-us', snrDb: 14 },
  { name: 'espeak-ng en-gb 160 wpm, 11 dB', tts: espeak(160), voice: 'en-gb', snrDb: 11 },
  { name: 'flite kal, 11 dB', tts: flite, voice: 'kal', snrDb: 11 },
  { name: 'flite slt, 14 dB', tts: flite, voice: 'slt', snrDb: 14 },
];

/**
 * More tuning voices (added when the verification refused twice as many right answers on the evaluation voices as on
 * the tuning ones: thresholds chosen on five voices fit those five). Still none of the evaluation's voices, speeds or
 * noise conditions.
 */
export const TUNE_MORE_VOICES: readonly VoiceCondition[] = [
  { name: 'espeak-ng en-us+m2 160 wpm', tts: espeak(160), voice: 'en-us+m2' },
  { name: 'espeak-ng en-us+f1 170 wpm', tts: espeak(170), voice: 'en-us+f1' },
  { name: 'espeak-ng en-gb-scotland 150 wpm', tts: espeak(150), voice: 'en-gb-scotland' },
  { name: 'espeak-ng en-029 165 wpm', tts: espeak(165), voice: 'en-029' },
  { name: 'espeak-ng en-us+m5 145 wpm, 13 dB', tts: espeak(145), voice: 'en-us+m5', snrDb: 13 },
  { name: 'flite slt, 9 dB', tts: flite, voice: 'slt', snrDb: 9 },
  { name: 'flite kal, 17 dB', tts: flite, voice: 'kal', snrDb: 17 },
];

/** Every tuning condition: {@link TUNE_VOICES}, {@link TUNE_NOISY_VOICES}, {@link TUNE_MORE_VOICES}. */
export const ALL_TUNE_VOICES: readonly VoiceCondition[] = [...TUNE_VOICES, ...TUNE_NOISY_VOICES, ...TUNE_MORE_VOICES];

/** Voices only measured: other variants, speeds and noise. */
export const EVAL_VOICES: readonly VoiceCondition[] = [
  { name: 'espeak-ng en-us+m3 150 wpm', tts: espeak(150), voice: 'en-us+m3' },
  { name: 'espeak-ng en-us+f2 190 wpm', tts: espeak(190), voice: 'en-us+f2' },
  { name: 'espeak-ng en-gb-x-rp 130 wpm', tts: espeak(130), voice: 'en-gb-x-rp' },
  { name: 'espeak-ng en-us+f4 165 wpm, 15 dB', tts: espeak(165), voice: 'en-us+f4', snrDb: 15 },
  { name: 'flite awb', tts: flite, voice: 'awb' },
  { name: 'flite rms', tts: flite, voice: 'rms' },
  { name: 'flite kal16', tts: flite, voice: 'kal16' },
  { name: 'flite rms, 10 dB', tts: flite, voice: 'rms', snrDb: 10 },
  { name: 'flite awb, 20 dB', tts: flite, voice: 'awb', snrDb: 20 },
  { name: 'espeak-ng en-us+m3 150 wpm, 12 dB', tts: espeak(150), voice: 'en-us+m3', snrDb: 12 },
];

/** A deterministic generator (so the noise is the same on every run): xorshift32. */
function noiseSource(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 0xffffffff - 0.5;
}

/**
 * `pcm` with noise at `snrDb` relative to its speech power (frames above a tenth of the peak frame's power). The
 * noise is white noise through a one-pole low-pass (more energy low, like fans, traffic and rooms), and also runs
 * 0.3 s before and after the speech, as a microphone would hear it.
 */
export function withNoise(pcm: Int16Array, snrDb: number, seed: number): Int16Array {
  const pad = 4_800;
  const frame = 160;
  const powers: number[] = [];
  for (let i = 0; i + frame <= pcm.length; i += frame) {
    let s = 0;
    for (let j = i; j < i + frame; j++) s += (pcm[j] ?? 0) ** 2;
    powers.push(s / frame);
  }
  const peak = Math.max(1, ...powers);
  const speech = powers.filter((p) => p > peak / 10);
  const speechPower = speech.reduce((a, b) => a + b, 0) / Math.max(1, speech.length);
  const rand = noiseSource(seed);
  const raw = new Float64Array(pcm.length + 2 * pad);
  let y = 0;
  let noisePower = 0;
  for (let i = 0; i < raw.length; i++) {
    y = 0.9 * y + rand();
    raw[i] = y;
    noisePower += y * y;
  }
  noisePower /= raw.length;
  const gain = Math.sqrt(speechPower / (noisePower * 10 ** (snrDb / 10)));
  const out = new Int16Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = (i >= pad && i < pad + pcm.length ? (pcm[i - pad] ?? 0) : 0) + gain * (raw[i] ?? 0);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return out;
}

/** The utterance `text` in `voice`, 16 kHz mono. */
export async function speak(text: string, voice: VoiceCondition, seed = 1): Promise<Int16Array> {
  const speech = await voice.tts.synthesize(text, { lang: 'en-us', voice: voice.voice });
  return voice.snrDb === undefined ? speech.pcm : withNoise(speech.pcm, voice.snrDb, seed);
}

/** What the offline path did with one utterance. */
export type Handling =
  /** A built-in answer to the intent that was asked (the same intent and numbers as the reference). */
  | 'correct'
  /** A built-in answer, but to another question. */
  | 'wrong'
  /** "I can't do that offline" for a command (lights, weather, music, timers). */
  | 'refused-command'
  /** Not understood: the recognizer rejected it, or heard nothing. */
  | 'rejected';

/** Classify a recognized `heard` text ('' = rejected) against the `reference` that was spoken. */
export function classify(reference: string, heard: string): Handling {
  if (heard === '') return 'rejected';
  const got = matchBuiltin(heard, 'en');
  if (got === undefined) return 'rejected';
  if (got.intent === 'unavailable') return 'refused-command';
  const want = matchBuiltin(reference, 'en');
  return want !== undefined && JSON.stringify(want) === JSON.stringify(got) ? 'correct' : 'wrong';
}

/** Close the engines' scratch folders. */
export async function closeFixtures(): Promise<void> {
  await flite.close();
}

/**
 * CPU time used so far by this process and its finished children (pocketsphinx, espeak-ng), milliseconds. The
 * children's part comes from /proc/self/stat (`cutime` + `cstime`, 10 ms ticks), so averages over many utterances
 * are meaningful, single values are not.
 */
export function cpuMsWithChildren(): number {
  const own = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[14] ?? 0) + Number(fields[15] ?? 0);
  return (own.user + own.system) / 1000 + ticks * 10;
}

/**
 * Real recorded human speech under a free license, fetched from Debian at bench time (never committed): the 14
 * recordings of `pocketsphinx-testdata` (CMU's BSD-style test data and LibriVox public-domain readings of "Sense and
 * Sensibility"; card names, digits, "go forward ten meters"), all outside the built-in phrases. Uses an installed copy
 * when there is one, else `apt-get download` + `dpkg-deb -x` into `dir`. Empty when neither works (offline machine).
 */
export function realRecordings(dir: string): { readonly name: string; readonly pcm: Int16Array }[] {
  const installed = '/usr/share/pocketsphinx/test/data';
  let root = installed;
  if (!existsSync(installed)) {
    const got = spawnSync('sh', ['-c', 'apt-get download pocketsphinx-testdata && dpkg-deb -x pocketsphinx-testdata_*.deb x'], { cwd: dir, stdio: 'ignore', timeout: 120_000 });
    root = join(dir, 'x', installed);
    if (got.status !== 0 || !existsSync(root)) return [];
  }
  const files = [
    ...['cards', 'librivox'].flatMap((d) => (existsSync(join(root, d)) ? readdirSync(join(root, d)).filter((f) => f.endsWith('.wav')).map((f) => join(d, f)) : [])),
    ...['goforward.raw', 'numbers.raw', 'something.raw', 'tidigits/dhd.2934z.raw'].filter((f) => existsSync(join(root, f))),
  ];
  return files.map((f) => {
    const bytes = readFileSync(join(root, f));
    const pcm = f.endsWith('.wav') ? (decodeWav(new Uint8Array(bytes)).samples as Int16Array) : new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
    return { name: f, pcm };
  });
}
