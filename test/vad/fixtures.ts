/**
 * Test helpers shared by test/vad and test/wake: real speech made at test time (espeak-ng + sox), noise, silence,
 * chunked feeding, and making sure the real models are present (fetching them if needed).
 *
 * Needs the Debian packages `espeak-ng` and `sox` (CI installs them). Generated audio is cached in
 * `$TMPDIR/hivesat-test-audio/`, keyed by the generator's arguments and version, and written atomically so that
 * parallel test files can share it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelKind, PACKAGE_ROOT, readManifest, readModel } from '../../src/models/index.js';
import { ModelError } from '../../src/vad/index.js';

/** Samples per second of every fixture. */
export const RATE = 16_000;

const CACHE = join(tmpdir(), 'hivesat-test-audio');
let espeakVersion: string | undefined;

/** Options of {@link speak}. */
export interface SpeakOptions {
  /** espeak-ng voice, e.g. `en-us`, `en-gb`. Default `en-us`. */
  readonly voice?: string;
  /** Words per minute. Default 160. */
  readonly speed?: number;
}

/**
 * Synthesize `text` with espeak-ng and convert it with sox to 16 kHz mono s16 (no dither, repeatable).
 *
 * @returns the samples.
 */
export function speak(text: string, options: SpeakOptions = {}): Int16Array {
  const voice = options.voice ?? 'en-us';
  const speed = options.speed ?? 160;
  espeakVersion ??= execFileSync('espeak-ng', ['--version'], { encoding: 'utf8' }).trim();
  const key = createHash('sha256').update(`${espeakVersion}|${voice}|${speed}|${text}`).digest('hex').slice(0, 16);
  const raw = join(cacheDir(), `speech-${key}.raw`);
  if (!existsSync(raw)) {
    const wav = join(cacheDir(), `speech-${key}.${process.pid}.wav`);
    const part = `${raw}.${process.pid}`;
    try {
      execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', wav, text], { stdio: 'pipe' });
      execFileSync('sox', ['-R', '-D', '-G', wav, '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', part], {
        stdio: 'pipe',
      });
      renameSync(part, raw);
    } finally {
      rmSync(wav, { force: true });
      rmSync(part, { force: true });
    }
  }
  return readRawSync(raw);
}

/**
 * Generate noise with sox `synth` (repeatable).
 *
 * @param seconds - duration.
 * @param color - `whitenoise`, `pinknoise` or `brownnoise`.
 * @param volume - linear amplitude, 0–1.
 */
export function noise(seconds: number, color: 'whitenoise' | 'pinknoise' | 'brownnoise', volume: number): Int16Array {
  const raw = join(cacheDir(), `${color}-${seconds}-${volume}.raw`);
  if (!existsSync(raw)) {
    const part = `${raw}.${process.pid}`;
    execFileSync(
      'sox',
      ['-R', '-n', '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', part, 'synth', String(seconds), color, 'vol', String(volume)],
      { stdio: 'pipe' },
    );
    renameSync(part, raw);
  }
  return readRawSync(raw);
}

/** `seconds` of digital silence. */
export function silence(seconds: number): Int16Array {
  return new Int16Array(Math.round(seconds * RATE));
}

/** Concatenate clips; also returns where each part starts, samples. */
export function concat(...parts: Int16Array[]): { audio: Int16Array; starts: number[] } {
  const audio = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  const starts: number[] = [];
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    audio.set(p, at);
    at += p.length;
  }
  return { audio, starts };
}

/** First and last sample (exclusive) whose magnitude exceeds `level`: where a synthesized utterance really is. */
export function activeSpan(clip: Int16Array, level = 500): { first: number; end: number } {
  let first = -1;
  let last = -1;
  for (let i = 0; i < clip.length; i++) {
    if (Math.abs(clip[i] as number) > level) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return { first, end: last + 1 };
}

/** Feed `audio` to `detector` in chunks of `size` samples (the last may be shorter); collect every result. */
export async function feed<T>(detector: { process(chunk: Int16Array): Promise<readonly T[]> }, audio: Int16Array, size: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < audio.length; i += size) out.push(...(await detector.process(audio.subarray(i, i + size))));
  return out;
}

/** Result of {@link ensureModels}. */
export interface ModelAvailability {
  /** Whether every requested model is present and verified. */
  readonly ok: boolean;
  /** Why not, for the skip notice. */
  readonly reason: string;
}

/**
 * Make sure the named manifest models are present and verified, running `scripts/fetch-models` once if they are not.
 * Tests skip (with `reason` printed) only when the models are absent and the fetch fails.
 */
export async function ensureModels(names: readonly string[]): Promise<ModelAvailability> {
  const missing = await findMissing(names);
  if (missing.length === 0) return { ok: true, reason: '' };
  try {
    execFileSync(join(PACKAGE_ROOT, 'scripts', 'fetch-models'), ['--only', missing.join(',')], { stdio: 'pipe', timeout: 600_000 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    const reason = `models ${missing.join(', ')} are missing and scripts/fetch-models failed: ${stderr.trim().split('\n').slice(0, 3).join(' | ')}`;
    process.stderr.write(`\n[hivesat tests] SKIPPING model tests: ${reason}\n`);
    return { ok: false, reason };
  }
  const still = await findMissing(names);
  if (still.length === 0) return { ok: true, reason: '' };
  const reason = `models ${still.join(', ')} still missing after scripts/fetch-models`;
  process.stderr.write(`\n[hivesat tests] SKIPPING model tests: ${reason}\n`);
  return { ok: false, reason };
}

async function findMissing(names: readonly string[]): Promise<string[]> {
  const manifest = await readManifest();
  const missing: string[] = [];
  for (const name of names) {
    const kind: ModelKind | undefined = manifest.models.find((m) => m.name === name)?.kind;
    if (kind === undefined) throw new Error(`test asks for model ${name}, which is not in models/manifest.json`);
    try {
      await readModel(name, kind);
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      missing.push(name);
    }
  }
  return missing;
}

function cacheDir(): string {
  mkdirSync(CACHE, { recursive: true });
  return CACHE;
}

/** A raw s16le file as samples (synchronous: the corpus builders run at module load). */
export function readRawSync(path: string): Int16Array {
  const bytes = readFileSync(path);
  // Copy into an aligned buffer: Buffer pools do not guarantee 2-byte alignment.
  const out = new Int16Array(bytes.byteLength >> 1);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.byteLength));
  return out;
}
