/**
 * Debug recordings (`hivesat run --save DIR`, config `debug.save_dir`): each utterance as it was sent, and the audio
 * around each wake word, as 16 kHz mono WAV files with a JSON sidecar, in a folder kept under a number of
 * recordings and a number of bytes (the oldest are deleted first).
 *
 * ```
 * 2026-12-02T21-00-00.123Z-turn-3.wav    the utterance of turn 3, as sent (pre-roll included)
 * 2026-12-02T21-00-00.123Z-turn-3.json   {"kind":"utterance","turn":3,"route":"hub","outcome":"answered",…}
 * 2026-12-02T20-59-58.900Z-wake-3.wav    wake_before_ms before the detection to wake_after_ms after it
 * 2026-12-02T20-59-58.900Z-wake-3.json   {"kind":"wake","keyword":"hey_jarvis","score":0.97,…}
 * ```
 *
 * The recorder is fed from behind the mute gate, so nothing heard while muted is ever saved. Files are 0600 in a
 * 0700 folder: they hold what people said. The turn id of an utterance is its place in the run (the satellite
 * begins one turn per utterance, numbered from 1); its sidecar is written when the turn ends, with the report's
 * route, outcome, failover, answers, marks and figures.
 *
 * @module
 */
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PcmRingBuffer, encodeWav } from '../audio/index.js';

/** Default bounds of the folder. */
export const DEBUG_MAX_RECORDINGS = 100;
export const DEBUG_MAX_BYTES = 50 * 1024 * 1024;
/** Default audio kept around a wake word, ms. */
export const DEBUG_WAKE_BEFORE_MS = 2_000;
export const DEBUG_WAKE_AFTER_MS = 1_000;

const SAMPLES_PER_MS = 16;
/** Recordings this recorder wrote or found: `<ISO time with - for :>-<turn|wake>-<n>.wav|json`. */
const RECORDING_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-(turn|wake)-\d+\.(wav|json)$/;

/** Options of {@link DebugRecorder}. */
export interface DebugRecorderOptions {
  readonly dir: string;
  readonly maxRecordings?: number;
  readonly maxBytes?: number;
  readonly wakeBeforeMs?: number;
  readonly wakeAfterMs?: number;
  /** Wall clock, ms since the epoch (for the names). */
  readonly now?: () => number;
  /** A write or clean-up failed (logged by the caller; recording goes on). */
  readonly onError?: (error: Error) => void;
}

/** What a turn's sidecar says (the satellite's turn report, or the parts of it that matter here). */
export interface TurnSidecar {
  readonly id: number;
  readonly route: string;
  readonly outcome: string;
  readonly failover?: string;
  readonly answers: readonly string[];
  readonly marks: unknown;
  readonly figures: unknown;
}

interface PendingWake {
  readonly base: string;
  readonly start: number;
  readonly end: number;
  readonly meta: Record<string, unknown>;
}

/** Writes the debug recordings of one run. */
export class DebugRecorder {
  readonly #o: Required<Omit<DebugRecorderOptions, 'onError'>> & Pick<DebugRecorderOptions, 'onError'>;
  readonly #ring: PcmRingBuffer;
  readonly #utterances = new Map<number, { base: string; durationSeconds: number; time: string }>();
  #turns = 0;
  #wakes = 0;
  #pendingWakes: PendingWake[] = [];
  #writes: Promise<void> = Promise.resolve();

  constructor(options: DebugRecorderOptions) {
    this.#o = {
      maxRecordings: DEBUG_MAX_RECORDINGS, maxBytes: DEBUG_MAX_BYTES, wakeBeforeMs: DEBUG_WAKE_BEFORE_MS, wakeAfterMs: DEBUG_WAKE_AFTER_MS, now: Date.now, ...options,
    };
    if (!Number.isInteger(this.#o.maxRecordings) || this.#o.maxRecordings < 1) throw new RangeError(`maxRecordings: expected a positive integer, got ${this.#o.maxRecordings}`);
    // Room for the wake window plus the listener's lag behind the feed.
    this.#ring = PcmRingBuffer.forDuration((this.#o.wakeBeforeMs + this.#o.wakeAfterMs) / 1000 + 10);
  }

  /** Everything written so far is on disk (tests; shutdown). */
  flushed(): Promise<void> {
    return this.#writes;
  }

  /** The input ended: save the wakes still waiting for their "after" audio with what there is. Then flushed. */
  finish(): Promise<void> {
    const waiting = this.#pendingWakes;
    this.#pendingWakes = [];
    for (const wake of waiting) this.#saveWake({ ...wake, end: Math.min(wake.end, this.#ring.writtenSamples) });
    return this.flushed();
  }

  /** The audio fed to the listener (already behind the mute gate), in the same order. */
  feed(chunk: Int16Array): void {
    this.#ring.write(chunk);
    while (this.#pendingWakes.length > 0 && (this.#pendingWakes[0]?.end ?? Infinity) <= this.#ring.writtenSamples) this.#saveWake(this.#pendingWakes.shift() as PendingWake);
  }

  #saveWake(wake: PendingWake): void {
    const start = Math.min(wake.end, Math.max(wake.start, this.#ring.oldestPosition));
    const pcm = new Int16Array(wake.end - start);
    this.#ring.readRange(start, pcm, wake.end);
    this.#queue(wake.base, pcm, { ...wake.meta, duration_s: round(pcm.length / 16_000) });
  }

  /** A wake word at `sample` (the listener's position, which is this recorder's feed position). */
  wake(e: { readonly keyword: string; readonly score: number; readonly sample: number }): void {
    const n = ++this.#wakes;
    const at = this.#o.now(); // one reading: the name and the sidecar's time agree
    const base = `${stampOf(at)}-wake-${n}`;
    const start = Math.max(0, e.sample - this.#o.wakeBeforeMs * SAMPLES_PER_MS);
    this.#pendingWakes.push({ base, start, end: e.sample + this.#o.wakeAfterMs * SAMPLES_PER_MS, meta: { kind: 'wake', wake: n, keyword: e.keyword, score: round(e.score), time: new Date(at).toISOString() } });
  }

  /** An utterance, as sent: saved at once as the next turn's WAV; its sidecar follows with {@link turn}. */
  utterance(pcm: Int16Array): void {
    const id = ++this.#turns;
    const at = this.#o.now();
    const time = new Date(at).toISOString();
    const base = `${stampOf(at)}-turn-${id}`;
    this.#utterances.set(id, { base, durationSeconds: round(pcm.length / 16_000), time });
    this.#queue(base, pcm, { kind: 'utterance', turn: id, time, duration_s: round(pcm.length / 16_000), pending: true });
  }

  /** A turn ended: rewrite its sidecar with the report. */
  turn(report: TurnSidecar): void {
    const saved = this.#utterances.get(report.id);
    if (saved === undefined) return;
    this.#utterances.delete(report.id);
    const sidecar = {
      kind: 'utterance', turn: report.id, time: saved.time, duration_s: saved.durationSeconds,
      // The transcript is known here only when it was made locally; the hub transcribes audio-mode turns itself.
      transcript: null, route: report.route, outcome: report.outcome, ...(report.failover === undefined ? {} : { failover: report.failover }),
      answers: report.answers, marks: report.marks, figures: report.figures,
    };
    this.#chain(() => writePrivate(join(this.#o.dir, `${saved.base}.json`), `${JSON.stringify(sidecar)}\n`));
  }

  #queue(base: string, pcm: Int16Array, sidecar: Record<string, unknown>): void {
    const wav = encodeWav(pcm);
    this.#chain(async () => {
      await writePrivate(join(this.#o.dir, `${base}.wav`), wav);
      await writePrivate(join(this.#o.dir, `${base}.json`), `${JSON.stringify(sidecar)}\n`);
      await this.#prune();
    });
  }

  #chain(step: () => Promise<void>): void {
    this.#writes = this.#writes.then(step).catch((error: unknown) => this.#o.onError?.(error instanceof Error ? error : new Error(String(error))));
  }

  /** Delete the oldest recordings (WAV and sidecar together) until both bounds hold. */
  async #prune(): Promise<void> {
    const names = (await readdir(this.#o.dir)).filter((n) => RECORDING_NAME.test(n)).sort();
    const groups = new Map<string, { files: string[]; bytes: number }>();
    for (const name of names) {
      const base = name.replace(/\.(wav|json)$/, '');
      const group = groups.get(base) ?? { files: [], bytes: 0 };
      group.files.push(name);
      group.bytes += (await stat(join(this.#o.dir, name)).catch(() => ({ size: 0 }))).size;
      groups.set(base, group);
    }
    const ordered = [...groups.values()]; // names start with the time: sorted is oldest first
    let bytes = ordered.reduce((sum, g) => sum + g.bytes, 0);
    let count = ordered.length;
    for (const group of ordered) {
      if (count <= this.#o.maxRecordings && bytes <= this.#o.maxBytes) break;
      if (count === 1) break; // never delete the recording just written
      for (const file of group.files) await unlink(join(this.#o.dir, file)).catch(() => undefined);
      bytes -= group.bytes;
      count--;
    }
  }
}

/** `2026-12-02T21:00:00.123Z` → `2026-12-02T21-00-00.123Z` (no colons: safe on every file system). */
function stampOf(ms: number): string {
  return new Date(ms).toISOString().replace(/:/g, '-');
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function writePrivate(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const handle = await open(path, 'w', 0o600);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}
