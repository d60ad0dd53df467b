/**
 * Stream mode when the hub fails (issue #19), against the loopback test hub with its RAW_AUDIO listener (test/hub/
 * stream.ts) and the real listener on espeak-ng speech: a drop at the first RAW_AUDIO, mid-stream, and after the
 * stream with the answer pending are each answered locally, once, with the very utterance; a hub that answers after
 * the answer timeout is not played on top of the local answer; two dropped first streams switch to audio mode; and
 * streaming resumes when the hub is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BinaryPayloadType, type HubConnection } from '../../src/hivemind/index.js';
import type { Listener } from '../../src/listener/index.js';
import type { AnswerLocally, Satellite, TurnReport } from '../../src/satellite/index.js';
import { DEFAULT_ALLOWED_TYPES, type HubConnection as HubSide, type HubFault, type HubStreamOptions, type TestHub, startTestHub } from '../hub/index.js';
import { ensureModels, speak } from '../vad/fixtures.js';
import { ACCESS_KEY, PASSWORD, RecordingSink, answerWav, bytesToPcm, feedAll, hubLink, isSliceCovering, startSatellite, turnAudio } from './helpers.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const fixture = models.ok ? turnAudio() : undefined;
const LOCAL_ANSWER = 'it is noon';
const HUB_ANSWER = 'you said what time is it';

interface Rig {
  hub: TestHub;
  link: HubConnection;
  satellite: Satellite;
  listener: Listener;
  sink: RecordingSink;
  reports: TurnReport[];
  /** The utterances the local path was asked to answer. */
  local: Int16Array[];
  /** The next turn report. */
  nextTurn(): Promise<TurnReport>;
  /** Resolves once the link is ready (at once if it is). */
  ready(): Promise<void>;
  feedTurn(): Promise<void>;
}

let teardown: (() => Promise<void>) | undefined;
afterEach(async () => {
  await teardown?.();
  teardown = undefined;
});

function heard(pcm: Int16Array): string {
  const f = fixture as NonNullable<typeof fixture>;
  return isSliceCovering(f.audio, pcm, f.command) ? 'what time is it' : 'garbled';
}

async function setUp(options: { faults?: readonly HubFault[]; stream?: Partial<HubStreamOptions>; answerTimeoutMs?: number } = {}): Promise<Rig> {
  const f = fixture as NonNullable<typeof fixture>;
  const hub = await startTestHub({
    clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
    audio: { synth: answerWav, transcribe: (pcm) => heard(bytesToPcm(pcm)) },
    // 1 s of silence ends the hub's utterance: later than the satellite's own endpoint (700 ms), as a real hub's is.
    stream: { transcribe: heard, silenceMs: 1_000, ...options.stream },
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  const link = hubLink(hub);
  await link.connect();
  const local: Int16Array[] = [];
  const answerLocally: AnswerLocally = async (u, io) => {
    local.push(u.pcm);
    await io.play(speak(LOCAL_ANSWER));
    return { transcript: heard(u.pcm), answer: LOCAL_ANSWER, outcome: 'answered' };
  };
  const sink = new RecordingSink();
  const { satellite, listener } = await startSatellite({
    mode: 'stream', link, sink, lang: 'en-US', siteId: 'kitchen', synthTimeoutMs: 500, answerLocally,
    answerTimeoutMs: options.answerTimeoutMs ?? 10_000, stream: { preRollMs: 500, tailMs: 600, maxStreamMs: 10_000 },
  });
  const reports: TurnReport[] = [];
  const waiting: ((report: TurnReport) => void)[] = [];
  satellite.on('turn', (report) => {
    reports.push(report);
    waiting.shift()?.(report);
  });
  teardown = async () => {
    await satellite.close();
    await listener.close();
    await link.close();
    await hub.stop();
  };
  return {
    hub, link, satellite, listener, sink, reports, local,
    nextTurn: () => new Promise((resolve) => waiting.push(resolve)),
    ready: () => (link.state === 'ready' ? Promise.resolve() : new Promise((resolve) => link.once('ready', () => resolve()))),
    feedTurn: () => feedAll(satellite, listener, f.audio),
  };
}

/** The RAW_AUDIO the hub received on a connection. */
function rawAudioOf(connection: HubSide | undefined): number {
  return (connection?.received ?? []).filter((m) => m.binary?.binaryType === BinaryPayloadType.RAW_AUDIO).length;
}

/** One local answer, of the very utterance the user spoke, and nothing from the hub. */
function expectAnsweredLocallyOnce(r: Rig, report: TurnReport): void {
  const f = fixture as NonNullable<typeof fixture>;
  expect(report).toMatchObject({ mode: 'stream', route: 'local', outcome: 'answered', answers: [LOCAL_ANSWER] });
  expect(r.local).toHaveLength(1);
  expect(isSliceCovering(f.audio, r.local[0] as Int16Array, f.command)).toBe(true);
  expect(r.reports).toHaveLength(1);
  expect(r.satellite.openTurns).toBe(0);
}

describe.skipIf(!models.ok)('stream mode when the hub fails', () => {
  it('the hub drops at the first RAW_AUDIO: answered locally once, with the very utterance', async () => {
    const r = await setUp({ faults: [{ stage: { rawAudio: 1 }, action: { kind: 'abort' }, connections: [1] }] });
    const turn = r.nextTurn();
    await r.feedTurn();
    const report = await turn;
    expectAnsweredLocallyOnce(r, report);
    expect(report.failover).toBe('link dropped (1006) during the stream');
    expect(rawAudioOf(r.hub.connections[0])).toBeGreaterThanOrEqual(1);
    expect(r.satellite.streamsRefused).toBeUndefined(); // one drop is not yet a hub that cannot take streams
  });

  it('the hub drops mid-stream (during the question): answered locally once', async () => {
    const r = await setUp({ faults: [{ stage: { rawAudio: 30 }, action: { kind: 'abort' }, connections: [1] }] });
    const turn = r.nextTurn();
    await r.feedTurn();
    const report = await turn;
    expectAnsweredLocallyOnce(r, report);
    expect(report.failover).toBe('link dropped (1006) during the stream');
  });

  it('the hub drops after the stream, with the answer pending: answered locally once', async () => {
    const r = await setUp({ stream: { afterUtterance: 'abort' } });
    const turn = r.nextTurn();
    await r.feedTurn();
    const report = await turn;
    expectAnsweredLocallyOnce(r, report);
    expect(report.failover).toMatch(/^link dropped \(1006\)/);
  });

  it('the hub answers after the answer timeout: the local answer is played, the late one is dropped', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const r = await setUp({ answerTimeoutMs: 1_500, stream: { transcribe: async (pcm) => (await released, heard(pcm)) } });
    r.satellite.once('failover', () => release());
    const late = new Promise<number>((resolve) => r.satellite.once('lateAnswer', resolve));
    const turn = r.nextTurn();
    await r.feedTurn();
    const report = await turn;
    expect(report.failover).toBe('no answer in 1500 ms');
    expect(await late).toBe(report.id);
    expectAnsweredLocallyOnce(r, report);
    await r.hub.settled();
    const asked = (r.hub.connections[0]?.received ?? []).map((m) => (m.message.payload as { type?: string }).type);
    expect(asked).not.toContain('speak:synth'); // the late answer was never voiced
    expect(r.sink.clips).toHaveLength(1);
    expect(r.satellite.ignoredMessages).toBeGreaterThanOrEqual(1);
  });

  it('a hub that drops the first stream of two sessions in a row: logged once, audio mode until restart', async () => {
    const r = await setUp({ faults: [{ stage: { rawAudio: 1 }, action: { kind: 'abort' }, connections: [1, 2] }] });
    const refusals: string[] = [];
    r.satellite.on('streamsRefused', (advice) => refusals.push(advice));
    for (const n of [1, 2]) {
      await r.ready();
      const turn = r.nextTurn();
      await r.feedTurn();
      expect(await turn).toMatchObject({ id: n, mode: 'stream', route: 'local', failover: 'link dropped (1006) during the stream' });
    }
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('wake-word plugin');
    expect(refusals[0]).toContain('"mode": "audio"');
    expect(r.satellite.streamsRefused).toBe(refusals[0]);
    await r.ready();
    const turn = r.nextTurn();
    await r.feedTurn();
    // The third turn: the local wake word opened it, and it went up as one STT_AUDIO_HANDLE the hub answered.
    expect(await turn).toMatchObject({ id: 3, mode: 'audio', route: 'hub', outcome: 'answered', answers: [HUB_ANSWER] });
    expect(rawAudioOf(r.hub.connections[2])).toBe(0);
    expect(r.local).toHaveLength(2);
    expect(refusals).toHaveLength(1);
  });

  it('with the hub down a local wake word starts a local turn; when the hub is back, streaming resumes', async () => {
    const r = await setUp();
    await r.hub.stop();
    const first = r.nextTurn();
    await r.feedTurn();
    expect(await first).toMatchObject({ id: 1, mode: 'stream', route: 'local', outcome: 'answered', failover: 'hub not ready', answers: [LOCAL_ANSWER] });
    await r.hub.start();
    await r.ready();
    const second = r.nextTurn();
    await r.feedTurn();
    expect(await second).toMatchObject({ id: 2, mode: 'stream', route: 'hub', outcome: 'answered', answers: [HUB_ANSWER] });
    expect(rawAudioOf(r.hub.connections.at(-1))).toBeGreaterThan(0);
    expect(r.local).toHaveLength(1);
    expect(r.reports).toHaveLength(2);
  });
});
