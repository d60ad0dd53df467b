/**
 * The rig of the network fault suite: the test hub, the fault proxy in front of it, a real HubConnection pointed at
 * the proxy (short backoff, keep-alive and timeouts so every fault resolves in seconds), and a Satellite on the real
 * listener playing into a RecordingSink — plus what the suite measures: turns, the link's closes, errors and
 * backoff delays, and the process's file descriptors and active handles.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { type CloseInfo, HubConnection, type HubConnectionOptions, type StateChange } from '../../src/hivemind/index.js';
import type { Listener } from '../../src/listener/index.js';
import type { AnswerLocally, Satellite, TurnReport } from '../../src/satellite/index.js';
import type { TextToSpeech } from '../../src/speech/index.js';
import { DEFAULT_ALLOWED_TYPES, type HubAgent, type TestHub, startTestHub } from '../hub/index.js';
import { ACCESS_KEY, PASSWORD, RecordingSink, answerWav, bytesToPcm, isSliceCovering, startSatellite, turnAudio } from '../satellite/helpers.js';
import { speak } from '../vad/fixtures.js';
import { type FaultProxy, type ProxyFault, startFaultProxy } from './proxy.js';

/** What the local persona of the suite says. */
export const LOCAL_ANSWER = 'it is noon';
/** What the test hub answers to the fixture. */
export const HUB_ANSWER = 'you said what time is it';

/** Reconnect and keep-alive settings of the suite's link (small, so recovery happens within a test). */
export const NET_LINK_TIMINGS = {
  reconnect: { initialDelayMs: 50, maxDelayMs: 400, jitter: 0 },
  pingIntervalMs: 150,
  pongTimeoutMs: 300,
  openTimeoutMs: 500,
  handshakeTimeoutMs: 1_000,
} as const;

/** A HubConnection to the test hub through `proxy` (what `hubLink` is for a TestHub). */
export function proxiedLink(proxy: FaultProxy, overrides: Partial<HubConnectionOptions> = {}): HubConnection {
  return new HubConnection({
    host: `ws://${proxy.host}`, port: proxy.port, accessKey: ACCESS_KEY, password: PASSWORD, siteId: 'kitchen',
    sessionId: '11111111-2222-4333-8444-555555555555', handshake: 'password', ...NET_LINK_TIMINGS, ...overrides,
  });
}

/** The suite's local persona: speaks {@link LOCAL_ANSWER} (espeak-ng) and remembers which utterances it got. */
export function localPersona(): { answerLocally: AnswerLocally; given: Int16Array[] } {
  const pcm = speak(LOCAL_ANSWER);
  const given: Int16Array[] = [];
  const answerLocally: AnswerLocally = async (u, io) => {
    given.push(u.pcm);
    await io.play(pcm);
    return { transcript: 'what time is it', answer: LOCAL_ANSWER, outcome: 'answered' };
  };
  return { answerLocally, given };
}

/** Options of {@link startNetRig}. */
export interface NetRigOptions {
  readonly faults?: readonly ProxyFault[];
  readonly agent?: HubAgent;
  /** Let the hub answer `speak:synth` with BINARY TTS_AUDIO (default true: hub → client BINARY frames exist). */
  readonly synthAllowed?: boolean;
  /** Answer failed-over turns with the suite's persona (default true). */
  readonly persona?: boolean;
  /** A local TTS for the satellite (announcements, hub TTS fallback). */
  readonly tts?: TextToSpeech;
  readonly link?: Partial<HubConnectionOptions>;
  /** Wait for the first `ready` (default true). */
  readonly waitReady?: boolean;
  readonly answerTimeoutMs?: number;
}

/** A running rig. */
export interface NetRig {
  readonly hub: TestHub;
  readonly proxy: FaultProxy;
  readonly link: HubConnection;
  readonly satellite: Satellite;
  readonly listener: Listener;
  readonly sink: RecordingSink;
  /** Utterances the hub's STT got, and whether each was exactly the spoken question. */
  readonly heard: { pcm: Int16Array; exact: boolean }[];
  /** Utterances the local persona got. */
  readonly local: Int16Array[];
  readonly closes: CloseInfo[];
  readonly errors: Error[];
  readonly states: StateChange[];
  /** The spoken fixture. */
  readonly audio: Int16Array;
  /** Speak the fixture into the satellite; resolves with the turn's report. */
  say(): Promise<TurnReport>;
  /** Resolves at the link's next `ready` (at once if it is ready). */
  ready(): Promise<void>;
  /** Backoff delays the link announced ("retry in N ms"), in order. */
  delays(): number[];
  /** Close everything (satellite, listener, link, proxy, hub); resolves when all sockets are closed. */
  close(): Promise<void>;
}

/** Start hub, proxy, link and satellite. */
export async function startNetRig(options: NetRigOptions = {}): Promise<NetRig> {
  const fixture = turnAudio();
  const heard: NetRig['heard'] = [];
  const hub = await startTestHub({
    profile: 'core-4.0',
    clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: options.synthAllowed === false ? [] : [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
    ...(options.agent === undefined ? {} : { agent: options.agent }),
    audio: {
      fileName: 'answer.wav',
      synth: (text) => answerWav(text),
      transcribe: (bytes) => {
        const pcm = bytesToPcm(bytes);
        const exact = isSliceCovering(fixture.audio, pcm, fixture.command);
        heard.push({ pcm, exact });
        return exact ? 'what time is it' : 'garbled';
      },
    },
  });
  const proxy = await startFaultProxy({ upstream: hub.port, faults: options.faults ?? [], lifetimeMs: 60_000 });
  const link = proxiedLink(proxy, options.link);
  const closes: CloseInfo[] = [];
  const errors: Error[] = [];
  const states: StateChange[] = [];
  link.on('close', (c) => closes.push(c));
  link.on('error', (e) => errors.push(e));
  link.on('state', (s) => states.push(s));
  const ready = link.connect();
  if (options.waitReady !== false) await ready;
  const persona = options.persona === false ? undefined : localPersona();
  const sink = new RecordingSink();
  const { satellite, listener } = await startSatellite({
    mode: 'audio', link, sink, lang: 'en-US', siteId: 'kitchen', synthTimeoutMs: 3_000, answerTimeoutMs: options.answerTimeoutMs ?? 10_000,
    ...(persona === undefined ? {} : { answerLocally: persona.answerLocally }),
    ...(options.tts === undefined ? {} : { tts: options.tts }),
  });
  let closing: Promise<void> | undefined;
  return {
    hub, proxy, link, satellite, listener, sink, heard, local: persona?.given ?? [], closes, errors, states, audio: fixture.audio,
    async say() {
      const turn = new Promise<TurnReport>((resolve) => satellite.once('turn', resolve));
      for (let i = 0; i < fixture.audio.length; i += 1280) {
        satellite.feed(fixture.audio.subarray(i, i + 1280));
        await listener.drained();
      }
      return turn;
    },
    ready: () => (link.state === 'ready' ? Promise.resolve() : new Promise((resolve) => link.once('ready', () => resolve()))),
    delays: () => states.filter((s) => s.to === 'backing-off').map((s) => Number(/retry in (\d+) ms/.exec(s.reason)?.[1])),
    close() {
      closing ??= (async () => {
        await satellite.close();
        await listener.close();
        await link.close();
        await proxy.close();
        await hub.stop();
      })();
      return closing;
    },
  };
}

/** Open file descriptors and active handles of this process. */
export interface ResourceSnapshot {
  readonly fds: number;
  /** `process.getActiveResourcesInfo()`, sorted. */
  readonly handles: readonly string[];
}

/** Count `/proc/self/fd` entries and the active handles. */
export function resources(): ResourceSnapshot {
  return { fds: readdirSync('/proc/self/fd').length, handles: [...process.getActiveResourcesInfo()].sort() };
}

/** What each open file descriptor points at (`socket:[…]`, `pipe:[…]`, paths), for failure messages. */
export function fdTargets(): string[] {
  return readdirSync('/proc/self/fd').map((fd) => {
    try {
      return `${fd}→${readlinkSync(`/proc/self/fd/${fd}`)}`;
    } catch {
      return fd; // the directory's own descriptor, already closed
    }
  });
}

/**
 * Let callbacks of already-closed handles run (a closed socket's FD is released in a later turn of the loop): a
 * bounded number of event-loop turns, no wall-clock wait.
 */
export async function settleLoop(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The garbage collector, made callable without `--expose-gc` on the command line (V8 allows turning the flag on
 * at run time; a new context then sees `gc`).
 */
export function exposeGc(): () => void {
  if (typeof globalThis.gc === 'function') return globalThis.gc as () => void;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Number of samples in `clip` louder than `level`. */
export function audible(clip: Int16Array, level = 1000): number {
  let n = 0;
  for (const v of clip) if (Math.abs(v) > level) n++;
  return n;
}

/** The played clip that is the local persona's answer (same length and samples as espeak's), if any. */
export function playedLocalAnswer(sink: RecordingSink): Int16Array | undefined {
  const expected = speak(LOCAL_ANSWER);
  return sink.clips.find((c) => c.length === expected.length && c.every((v, i) => v === expected[i]));
}
