/**
 * Helpers of the satellite tests: the spoken turn fixture (espeak-ng "hey jarvis" + 0.6 s + "what time is it"), a
 * sink that records what it plays (optionally paced in real time), a satellite wired to a real listener and a real
 * HubConnection on a loopback test hub, and checks on the PCM the hub received.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseSink, encodeWav, type PlaybackSession } from '../../src/audio/index.js';
import { HubConnection } from '../../src/hivemind/index.js';
import { createListener, type Listener } from '../../src/listener/index.js';
import { Satellite, type SatelliteOptions, type TurnReport } from '../../src/satellite/index.js';
import type { TestHub } from '../hub/index.js';
import { activeSpan, concat, silence, speak } from '../vad/fixtures.js';

export const ACCESS_KEY = 'sat-test-key';
export const PASSWORD = 'sat-test-password';

/** The spoken turn: 0.5 s, "hey jarvis", 0.6 s, "what time is it", 1.5 s. `command` is where the question is. */
export function turnAudio(): { audio: Int16Array; command: { first: number; end: number } } {
  const question = speak('what time is it');
  const { audio, starts } = concat(silence(0.5), speak('hey jarvis'), silence(0.6), question, silence(1.5));
  const span = activeSpan(question);
  const at = starts[3] as number;
  return { audio, command: { first: at + span.first, end: at + span.end } };
}

/** True when `pcm` is a contiguous slice of `audio` that covers `span`. */
export function isSliceCovering(audio: Int16Array, pcm: Int16Array, span: { first: number; end: number }): boolean {
  for (let start = 0; start + pcm.length <= audio.length; start++) {
    if (start > span.first || start + pcm.length < span.end) continue;
    let equal = true;
    for (let i = 0; i < pcm.length; i++) {
      if (audio[start + i] !== pcm[i]) {
        equal = false;
        break;
      }
    }
    if (equal) return true;
  }
  return false;
}

/** Bytes (Node Buffer views are not 2-byte aligned) as s16 samples. */
export function bytesToPcm(bytes: Uint8Array): Int16Array {
  const copy = new Uint8Array(bytes.length - (bytes.length % 2));
  copy.set(bytes.subarray(0, copy.length));
  return new Int16Array(copy.buffer);
}

/** The answer audio a hub synthesizes: espeak-ng, as a 22,050 Hz stereo WAV (the satellite converts at the edge). */
export function answerWav(text: string): Uint8Array {
  const mono = speak(text);
  const stereo = new Int16Array(mono.length * 2);
  for (let i = 0; i < mono.length; i++) stereo[2 * i] = stereo[2 * i + 1] = mono[i] as number;
  return encodeWav(stereo, 16_000, 2);
}

/** The same answer as MP3 bytes (sox with libsox-fmt-mp3). */
export function answerMp3(text: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'hivesat-mp3-'));
  try {
    const wav = join(dir, 'a.wav');
    writeFileSync(wav, encodeWav(speak(text), 16_000, 1));
    execFileSync('sox', [wav, '-r', '22050', join(dir, 'a.mp3')], { stdio: 'pipe' });
    return new Uint8Array(readFileSync(join(dir, 'a.mp3')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A sink that keeps what it plays; `realtime` paces writes like a speaker (for interruption tests). */
export class RecordingSink extends BaseSink {
  readonly name = 'recording';
  readonly clips: Int16Array[] = [];
  /** `performance.now()` of the last interruption (the device process would have been killed then). */
  abortedAt: number | undefined;
  readonly #realtime: boolean;
  readonly #watchers: { samples: number; resolve: () => void }[] = [];

  /** Resolves once one clip has had at least `samples` written. */
  whenPlayed(samples: number): Promise<void> {
    return new Promise((resolve) => this.#watchers.push({ samples, resolve }));
  }

  constructor(options: { realtime?: boolean } = {}) {
    super();
    this.#realtime = options.realtime ?? false;
  }

  protected async openSession(): Promise<PlaybackSession> {
    const parts: Int16Array[] = [];
    this.clips.push(new Int16Array(0));
    const index = this.clips.length - 1;
    const flush = (): void => {
      const total = parts.reduce((n, p) => n + p.length, 0);
      const out = new Int16Array(total);
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      this.clips[index] = out;
      for (const w of this.#watchers.filter((x) => x.samples <= total)) {
        this.#watchers.splice(this.#watchers.indexOf(w), 1);
        w.resolve();
      }
    };
    return {
      write: async (samples) => {
        parts.push(samples.slice());
        flush();
        if (this.#realtime) await new Promise((resolve) => setTimeout(resolve, (samples.length / 16_000) * 1000));
      },
      finish: async () => flush(),
      abort: async () => {
        this.abortedAt = performance.now();
        flush();
      },
    };
  }
}

/** A listener on the real models, tuned as in production. */
export function realListener(): Promise<Listener> {
  return createListener({ settings: { silenceEndMs: 700 } });
}

/** A HubConnection to the test hub. */
export function hubLink(hub: TestHub, sessionId = '11111111-2222-4333-8444-555555555555'): HubConnection {
  const [host, port] = hub.url.replace('ws://', '').split(':');
  return new HubConnection({ host: `ws://${host}`, port: Number(port), accessKey: ACCESS_KEY, password: PASSWORD, siteId: 'kitchen', sessionId, handshake: 'password', reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
}

/** A satellite on the real listener, and a promise of its first turn. */
export async function startSatellite(options: Omit<SatelliteOptions, 'listener'> & { listener?: Listener }): Promise<{ satellite: Satellite; listener: Listener; turn: Promise<TurnReport> }> {
  const listener = options.listener ?? (await realListener());
  const satellite = new Satellite({ ...options, listener });
  const turn = new Promise<TurnReport>((resolve) => satellite.once('turn', resolve));
  return { satellite, listener, turn };
}

/** Feed audio in 80 ms chunks, waiting for the listener (as `hivesat run --input` does). */
export async function feedAll(satellite: Satellite, listener: Listener, audio: Int16Array): Promise<void> {
  for (let i = 0; i < audio.length; i += 1280) {
    satellite.feed(audio.subarray(i, i + 1280));
    await listener.drained();
  }
}

/** Number of samples of `clip` above `level` (is something audible there?). */
export function loudSamples(clip: Int16Array, level = 1000): number {
  let n = 0;
  for (const v of clip) if (Math.abs(v) > level) n++;
  return n;
}
