/**
 * The rig of the hostile-hub suite: the real test hub on loopback (password session, AES-GCM), a real
 * HubConnection whose sockets are tapped (bytes read when `ws` refused a frame), the real Satellite on the real
 * listener (openWakeWord + Silero) with the real espeak-ng as its local TTS, and loggers that keep every line.
 *
 * `normalTurn` is the responsiveness check: the spoken fixture ("hey jarvis … what time is it") fed in, the hub's
 * answer spoken and played.
 */
import { type Socket, connect as netConnect, type NetConnectOpts } from 'node:net';
import { expect } from 'vitest';
import { HubConnection, type HiveLogger, type LogLevel } from '../../src/hivemind/index.js';
import { type WebSocketFactory, wsFactory } from '../../src/hivemind/connection-io.js';
import type { Listener } from '../../src/listener/index.js';
import type { Satellite, SatelliteLimits, TurnReport } from '../../src/satellite/index.js';
import { EspeakNgTts } from '../../src/speech/index.js';
import { DEFAULT_ALLOWED_TYPES, type HubAgent, type HubConnection as HubSide, type TestHub, agents, startTestHub } from '../hub/index.js';
import { ACCESS_KEY, PASSWORD, RecordingSink, answerWav, bytesToPcm, feedAll, isSliceCovering, loudSamples, startSatellite, turnAudio } from '../satellite/helpers.js';

/** One log line. */
export interface LogLine {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
}

/** A logger that keeps every line. */
export function recordingLogger(lines: LogLine[]): HiveLogger {
  return { log: (level, message, fields) => lines.push({ level, message, fields }) };
}

/** What `ws` reported when it refused a frame: its error code and how many bytes the TCP socket had read by then. */
export interface SocketRefusal {
  readonly code: string | undefined;
  readonly bytesRead: number;
}

/** Sockets of the connection, tapped. */
export interface SocketTap {
  readonly sockets: Socket[];
  readonly refusals: SocketRefusal[];
  readonly factory: WebSocketFactory;
}

/** A `ws` factory (the production one) whose TCP sockets are kept, and whose `error` events record the bytes read. */
export function socketTap(): SocketTap {
  const sockets: Socket[] = [];
  const refusals: SocketRefusal[] = [];
  const factory: WebSocketFactory = (url, options) => {
    let socket: Socket | undefined;
    // ws's own netConnect, plus keeping the socket (ws calls it with its options object, `socketPath` → `path`).
    const createConnection = ((opts: NetConnectOpts & { socketPath?: string }): Socket => {
      socket = netConnect({ ...opts, ...(opts.socketPath === undefined ? {} : { path: opts.socketPath }) } as NetConnectOpts);
      sockets.push(socket);
      return socket;
    }) as NonNullable<Parameters<WebSocketFactory>[1]['createConnection']>;
    const ws = wsFactory(url, { ...options, createConnection });
    ws.on('error', (error: NodeJS.ErrnoException) => refusals.push({ code: error.code, bytesRead: socket?.bytesRead ?? -1 }));
    return ws;
  };
  return { sockets, refusals, factory };
}

/** The hub's TTS: a function of the text, replaceable per test (hostile answers). */
export type HubSynth = (text: string) => Uint8Array | Promise<Uint8Array>;

/** The rig. `agent` and `synth` may be swapped at any time. */
export interface HostileRig {
  readonly hub: TestHub;
  readonly link: HubConnection;
  readonly satellite: Satellite;
  readonly listener: Listener;
  readonly sink: RecordingSink;
  readonly tap: SocketTap;
  /** Lines of the connection's logger. */
  readonly linkLog: LogLine[];
  /** Lines of the satellite's logger. */
  readonly satLog: LogLine[];
  /** Every refusal the satellite emitted. */
  readonly refused: { code: string; message: string }[];
  /** Errors of every `close` event of the link. */
  readonly closeErrors: { code: string | undefined; message: string }[];
  agent: HubAgent;
  synth: HubSynth;
  close(): Promise<void>;
}

/** Options of {@link startHostileRig}. */
export interface HostileRigOptions {
  /** Allow `speak:synth` (TTS_AUDIO answers); else the satellite falls back to `speak:b64_audio`. Default true. */
  readonly synthAllowed?: boolean;
  readonly limits?: SatelliteLimits;
}

const fixture = turnAudio();
export const ANSWER = 'you said what time is it';

/** Start the hub, connect the link, build the satellite. */
export async function startHostileRig(options: HostileRigOptions = {}): Promise<HostileRig> {
  const linkLog: LogLine[] = [];
  const satLog: LogLine[] = [];
  const refused: HostileRig['refused'] = [];
  const closeErrors: HostileRig['closeErrors'] = [];
  const tap = socketTap();
  const state: { agent: HubAgent; synth: HubSynth } = { agent: agents.responder(), synth: (text) => answerWav(text) };
  const hub = await startTestHub({
    profile: 'core-4.0',
    serverConfig: { allowedCiphers: ['AES-GCM'] },
    clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: options.synthAllowed === false ? [] : [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
    agent: (message, api) => state.agent(message, api),
    audio: {
      fileName: 'answer.wav',
      synth: (text) => state.synth(text),
      transcribe: (pcm) => (isSliceCovering(fixture.audio, bytesToPcm(pcm), fixture.command) ? 'what time is it' : 'garbled'),
    },
  });
  const [host, port] = hub.url.replace('ws://', '').split(':');
  const link = new HubConnection({
    host: `ws://${host}`, port: Number(port), accessKey: ACCESS_KEY, password: PASSWORD, siteId: 'kitchen', handshake: 'password',
    sessionId: '11111111-2222-4333-8444-555555555555', reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    createWebSocket: tap.factory, logger: recordingLogger(linkLog),
  });
  link.on('close', (info) => closeErrors.push({ code: (info.error as { code?: string } | undefined)?.code, message: info.error?.message ?? '' }));
  await link.connect();
  const sink = new RecordingSink();
  const { satellite, listener } = await startSatellite({
    mode: 'audio', link, sink, lang: 'en-US', siteId: 'kitchen', synthTimeoutMs: 500, answerTimeoutMs: 10_000,
    tts: new EspeakNgTts(), logger: recordingLogger(satLog), ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  satellite.on('refused', (error) => refused.push({ code: error.code, message: error.message }));
  const rig: HostileRig = {
    hub, link, satellite, listener, sink, tap, linkLog, satLog, refused, closeErrors,
    get agent() {
      return state.agent;
    },
    set agent(agent: HubAgent) {
      state.agent = agent;
    },
    get synth() {
      return state.synth;
    },
    set synth(synth: HubSynth) {
      state.synth = synth;
    },
    async close() {
      await satellite.close();
      await listener.close();
      await link.close();
      await hub.stop();
    },
  };
  return rig;
}

/** The hub side of the link's live connection. */
export function hubSide(rig: HostileRig): HubSide {
  const live = rig.hub.connections.filter((c) => c.state === 'open');
  const last = live[live.length - 1];
  if (last === undefined) throw new Error('expected an open connection on the hub, got none');
  return last;
}

/** Resolves at the link's next `ready` (after a refusal closed the socket and it reconnected). */
export function nextReady(rig: HostileRig): Promise<void> {
  return new Promise((resolve) => rig.link.once('ready', () => resolve()));
}

/**
 * A round trip through everything the hub sent so far: frames are processed in order, so once the satellite has
 * answered this `mycroft.volume.get`, every earlier frame has been handled.
 */
export async function drained(rig: HostileRig): Promise<void> {
  const connection = hubSide(rig);
  const reply = rig.hub.waitFor('message', (e) => e.connection === connection && (e.message.payload as { type?: string }).type === 'mycroft.volume.get.response', 20_000);
  rig.hub.sendBus(connection, 'mycroft.volume.get', {});
  await reply;
}

/** Feed the spoken fixture and resolve with its turn report. */
export async function spokenTurn(rig: HostileRig): Promise<TurnReport> {
  const report = new Promise<TurnReport>((resolve) => rig.satellite.once('turn', resolve));
  await feedAll(rig.satellite, rig.listener, fixture.audio);
  return report;
}

/**
 * The responsiveness check: a normal turn, answered by the hub with its own TTS and played (a loud clip at least
 * 1 s long that arrived during this turn).
 */
export async function expectNormalTurn(rig: HostileRig): Promise<TurnReport> {
  rig.agent = agents.responder();
  rig.synth = (text) => answerWav(text);
  const clipsBefore = rig.sink.clips.length;
  const report = await spokenTurn(rig);
  expect(report).toMatchObject({ route: 'hub', outcome: 'answered', answers: [ANSWER] });
  const played = rig.sink.clips.slice(clipsBefore).filter((c) => c.length > 16_000);
  expect(played.length).toBeGreaterThanOrEqual(1);
  expect(loudSamples(played[0] as Int16Array)).toBeGreaterThan(2_000);
  return report;
}

/** Log lines at `level` whose message or fields mention `text`. */
export function linesWith(lines: readonly LogLine[], level: LogLevel, text: string): LogLine[] {
  return lines.filter((l) => l.level === level && (l.message.includes(text) || Object.values(l.fields ?? {}).some((v) => String(v).includes(text))));
}
