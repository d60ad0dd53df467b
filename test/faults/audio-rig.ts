/**
 * Helpers of the audio fault tests (test/faults/audio-faults.test.ts): ALSA configurations whose devices are ALSA
 * file-plugin PCMs (so the real arecord/aplay run without a sound card), a spawn that remembers the real processes it
 * started (so a test can SIGKILL or SIGSTOP them), a tap that takes the first samples a supervised source delivers
 * after its next restart, and event-driven waits on hook output files and the ops HTTP endpoints.
 *
 * The file plugin is not paced in real time: arecord delivers its input file as fast as it can and garbage after
 * its end, so tests only ever look at the first samples after a (re)start, which are the input file's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { SpawnFn, SupervisedSource } from '../../src/audio/index.js';
import { nextSamples } from '../helpers/pcm.js';

/** One file-plugin PCM: a "mic" reading `infile`, or a "speaker" writing `outfile`. */
export type FilePcm = { readonly name: string; readonly infile: string } | { readonly name: string; readonly outfile: string };

/** Writes an ALSA configuration (the system's alsa.conf plus `pcms`) and returns the environment that selects it. */
export async function writeAlsaConfig(path: string, pcms: readonly FilePcm[]): Promise<NodeJS.ProcessEnv> {
  const base = await readFile('/usr/share/alsa/alsa.conf', 'utf8');
  const lines = pcms.map((p) =>
    'infile' in p
      ? `pcm.${p.name} { type file; slave.pcm "null"; file "/dev/null"; infile "${p.infile}"; format "raw" }`
      : `pcm.${p.name} { type file; slave.pcm "null"; file "${p.outfile}"; format "raw" }`,
  );
  await writeFile(path, `${base}\n${lines.join('\n')}\n`);
  return { ...process.env, ALSA_CONFIG_PATH: path };
}

/** A {@link SpawnFn} that starts the real program and keeps every child it started. */
export function recordingSpawn(): { readonly spawn: SpawnFn; readonly children: ChildProcess[] } {
  const children: ChildProcess[] = [];
  return {
    children,
    spawn: (command, args, options) => {
      const child = spawn(command, [...args], options);
      children.push(child);
      return child;
    },
  };
}

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** True when no process has this pid any more. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    // ESRCH: it is gone (and reaped).
    return true;
  }
}

/**
 * The first `n` samples `source` delivers after its next `restart` (so none of a dying process's last chunks): with
 * a file-plugin mic, the start of its input file.
 */
export function firstSamplesAfterRestart(source: SupervisedSource, n: number): Promise<Int16Array> {
  return new Promise((resolve) => source.once('restart', () => void nextSamples(source, n).then(resolve)));
}

/**
 * Resolves with the lines of `path` once `done(lines)` holds; re-reads the file on every change of its directory.
 * Rejects after `timeoutMs` (a bound that only fails a test, never a pacing).
 */
export function waitForLines(path: string, done: (lines: readonly string[]) => boolean, timeoutMs = 5_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let lines: string[] = [];
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      watcher.close();
      clearTimeout(timer);
      if (error === undefined) resolve(lines);
      else reject(error);
    };
    const check = (): void => {
      readFile(path, 'utf8').then(
        (text) => {
          lines = text.split('\n').filter((l) => l !== '');
          if (done(lines)) finish();
        },
        () => undefined, // not written yet
      );
    };
    const watcher = watch(dirname(path), (_event, name) => {
      if (name === null || name === basename(path)) check();
    });
    const timer = setTimeout(() => finish(new Error(`${path}: expected lines did not appear within ${timeoutMs} ms; got ${JSON.stringify(lines)}`)), timeoutMs);
    check();
  });
}

/** A raw s16le buffer of `samples` (for infiles and expected output). */
export function pcmBytes(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** A ramp that never repeats a value twice in a row and stays far from the rails: unmistakably "the input". */
export function ramp(n: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 37) % 20_000) - 10_000;
  return out;
}
