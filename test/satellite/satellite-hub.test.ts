/**
 * Full spoken turns against the TypeScript test hub on loopback, with the REAL listener (openWakeWord hey_jarvis,
 * Silero VAD) on espeak-ng speech: "hey jarvis" <0.6 s> "what time is it". The hub's STT checks that the PCM it
 * receives is exactly the spoken segment, and answers with a `speak` and TTS audio (WAV at another rate and channel
 * count, or MP3).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HubConnection } from '../../src/hivemind/index.js';
import type { Listener } from '../../src/listener/index.js';
import type { AnswerLocally, Satellite, TurnReport } from '../../src/satellite/index.js';
import { DEFAULT_ALLOWED_TYPES, type HubProfile, type TestHub, agents, startTestHub } from '../hub/index.js';
import { ensureModels, speak } from '../vad/fixtures.js';
import {
  ACCESS_KEY, PASSWORD, RecordingSink, answerMp3, answerWav, bytesToPcm, feedAll, hubLink, isSliceCovering, loudSamples, startSatellite, turnAudio,
} from './helpers.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const fixture = models.ok ? turnAudio() : undefined;
const ANSWER = 'you said what time is it';

interface Rig {
  hub: TestHub;
  link: HubConnection;
  satellite: Satellite;
  listener: Listener;
  sink: RecordingSink;
  turn: Promise<TurnReport>;
  received: Int16Array[];
}

let rig: Rig | undefined;
afterEach(async () => {
  if (rig === undefined) return;
  await rig.satellite.close();
  await rig.listener.close();
  await rig.link.close();
  await rig.hub.stop();
  rig = undefined;
});

async function setUp(options: {
  synthAllowed?: boolean;
  profile?: HubProfile;
  mp3?: boolean;
  agent?: Parameters<typeof startTestHub>[0]['agent'];
  answerLocally?: AnswerLocally;
  answerTimeoutMs?: number;
  realtime?: boolean;
}): Promise<Rig> {
  const received: Int16Array[] = [];
  const f = fixture as NonNullable<typeof fixture>;
  const hub = await startTestHub({
    profile: options.profile ?? 'core-4.0',
    clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: options.synthAllowed === true ? [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] : [] }],
    ...(options.agent === undefined ? {} : { agent: options.agent }),
    audio: {
      fileName: options.mp3 === true ? 'answer.mp3' : 'answer.wav',
      synth: (text) => (options.mp3 === true ? answerMp3(text) : answerWav(text)),
      transcribe: (pcm) => {
        const samples = bytesToPcm(pcm);
        received.push(samples);
        return isSliceCovering(f.audio, samples, f.command) ? 'what time is it' : 'garbled';
      },
    },
  });
  const link = hubLink(hub);
  await link.connect();
  const sink = new RecordingSink({ realtime: options.realtime ?? false });
  const { satellite, listener, turn } = await startSatellite({
    mode: 'audio', link, sink, lang: 'en-US', siteId: 'kitchen', synthTimeoutMs: 500,
    answerTimeoutMs: options.answerTimeoutMs ?? 10_000,
    ...(options.answerLocally === undefined ? {} : { answerLocally: options.answerLocally }),
  });
  rig = { hub, link, satellite, listener, sink, turn, received };
  return rig;
}

describe.skipIf(!models.ok)('satellite, audio mode, on a loopback hub', () => {
  it('sends the utterance as STT_AUDIO_HANDLE, gets the speak and its TTS_AUDIO, and plays it', async () => {
    const r = await setUp({ synthAllowed: true });
    const bins = r.hub.waitFor('message', (e) => e.binary !== undefined);
    await feedAll(r.satellite, r.listener, (fixture as NonNullable<typeof fixture>).audio);
    const bin = await bins;
    expect(bin.binary?.binaryType).toBe(5); // STT_AUDIO_HANDLE
    expect(bin.binary?.metadata).toMatchObject({ lang: 'en-US', sample_rate: 16_000, sample_width: 2, site_id: 'kitchen' });
    const report = await r.turn;
    expect(r.received).toHaveLength(1);
    expect(isSliceCovering((fixture as NonNullable<typeof fixture>).audio, r.received[0] as Int16Array, (fixture as NonNullable<typeof fixture>).command)).toBe(true);
    expect(report).toMatchObject({ route: 'hub', outcome: 'answered', answers: [ANSWER], mode: 'audio' });
    for (const step of ['wake', 'speechEnd', 'sent', 'firstSpeak', 'ttsRequested', 'ttsReceived', 'playbackStart', 'playbackEnd'] as const) expect(report.marks[step]).toBeTypeOf('number');
    expect(report.figures.overheadMs).toBeGreaterThanOrEqual(0);
    // The answer was played: espeak's "you said what time is it", converted from 16 kHz stereo to the sink's format.
    const played = r.sink.clips.find((c) => c.length > 16_000);
    expect(played).toBeDefined();
    expect(Math.abs((played as Int16Array).length - speak(ANSWER).length)).toBeLessThan(400);
    // Bookkeeping: record_begin/end and audio_output_start/end reached the hub; speak:synth was used.
    const types = r.hub.connections[0]?.received.map((e) => (e.message.payload as { type?: string }).type) ?? [];
    expect(types).toEqual(expect.arrayContaining(['recognizer_loop:record_begin', 'recognizer_loop:record_end', 'speak:synth', 'recognizer_loop:audio_output_start']));
    await r.hub.waitFor('message', (e) => (e.message.payload as { type?: string }).type === 'recognizer_loop:audio_output_end').catch(() => undefined);
  });

  it('plays an MP3 answer', async () => {
    const r = await setUp({ synthAllowed: true, mp3: true });
    await feedAll(r.satellite, r.listener, (fixture as NonNullable<typeof fixture>).audio);
    const report = await r.turn;
    expect(report).toMatchObject({ route: 'hub', outcome: 'answered' });
    const played = r.sink.clips.find((c) => c.length > 16_000) as Int16Array;
    expect(loudSamples(played)).toBeGreaterThan(2_000);
  });

  it.each(['core-4.0', 'core-new'] as const)('falls back to speak:b64_audio when %s refuses speak:synth, and remembers it', async (profile) => {
    const r = await setUp({ profile, agent: agents.speakAll(['first answer', 'second answer']) });
    const audio = (fixture as NonNullable<typeof fixture>).audio;
    await feedAll(r.satellite, r.listener, audio);
    const report = await r.turn;
    expect(report).toMatchObject({ route: 'hub', outcome: 'answered', answers: ['first answer', 'second answer'] });
    const types = (): string[] => r.hub.connections[0]?.received.map((e) => (e.message.payload as { type?: string }).type ?? '') ?? [];
    const synthFirst = types().filter((t) => t === 'speak:synth').length;
    expect(synthFirst).toBeGreaterThanOrEqual(1);
    expect(types().filter((t) => t === 'speak:b64_audio')).toHaveLength(2);
    const answers = r.sink.clips.filter((c) => c.length > 8_000);
    expect(answers).toHaveLength(2);
    // A second turn on the same connection goes straight to speak:b64_audio.
    const second = new Promise<TurnReport>((resolve) => r.satellite.once('turn', resolve));
    await feedAll(r.satellite, r.listener, audio);
    expect(await second).toMatchObject({ route: 'hub', outcome: 'answered' });
    expect(types().filter((t) => t === 'speak:synth')).toHaveLength(synthFirst);
    expect(types().filter((t) => t === 'speak:b64_audio')).toHaveLength(4);
  });

  it('hands the turn to the failover hook when the link drops mid-turn, with the very utterance', async () => {
    let given: Int16Array | undefined;
    const local: AnswerLocally = async (u, io) => {
      given = u.pcm;
      await io.play(speak('it is noon'));
      return { transcript: 'what time is it', answer: 'it is noon', outcome: 'answered' };
    };
    const r = await setUp({ agent: agents.silent(), answerLocally: local });
    r.hub.on('message', (e) => {
      if (e.binary !== undefined) void r.hub.fault(e.connection, { kind: 'abort' });
    });
    await feedAll(r.satellite, r.listener, (fixture as NonNullable<typeof fixture>).audio);
    const report = await r.turn;
    expect(report).toMatchObject({ route: 'local', outcome: 'answered', answers: ['it is noon'], transcript: 'what time is it' });
    expect(report.failover).toMatch(/link dropped|send failed/);
    expect(isSliceCovering((fixture as NonNullable<typeof fixture>).audio, given as Int16Array, (fixture as NonNullable<typeof fixture>).command)).toBe(true);
  });

  it('answers locally after answerTimeoutMs without a speak', async () => {
    const local: AnswerLocally = async (_u, io) => {
      await io.play(speak('it is noon'));
      return { transcript: 'what time is it', answer: 'it is noon', outcome: 'answered' };
    };
    const r = await setUp({ agent: agents.silent(), answerLocally: local, answerTimeoutMs: 1_000 });
    await feedAll(r.satellite, r.listener, (fixture as NonNullable<typeof fixture>).audio);
    const report = await r.turn;
    expect(report).toMatchObject({ route: 'local', outcome: 'answered', failover: 'no answer in 1000 ms' });
  });

  it('a local turn whose utterance was not understood reports not-understood, with its transcript', async () => {
    const local: AnswerLocally = async (_u, io) => {
      await io.play(speak("I'm offline, so I can only tell the time and the date and do sums."));
      return { transcript: '', answer: "I'm offline, so I can only tell the time and the date and do sums.", outcome: 'not-understood' };
    };
    const r = await setUp({ agent: agents.silent(), answerLocally: local, answerTimeoutMs: 1_000 });
    await feedAll(r.satellite, r.listener, (fixture as NonNullable<typeof fixture>).audio);
    expect(await r.turn).toMatchObject({ route: 'local', outcome: 'not-understood', transcript: '' });
  });

  it('mycroft.stop interrupts playback within 100 ms', async () => {
    const long = Array.from({ length: 6 }, () => 'this is a very long answer that goes on and on').join(', ');
    const r = await setUp({ synthAllowed: true, agent: agents.responder({ answer: () => long }), realtime: true });
    const playing = r.sink.whenPlayed(8_000); // half a second of the answer on the (real-time) speaker
    await feedAll(r.satellite, r.listener, (fixture as NonNullable<typeof fixture>).audio);
    await playing;
    const connection = r.hub.connections[0] as NonNullable<TestHub['connections'][0]>;
    const t0 = performance.now();
    r.hub.sendBus(connection, 'mycroft.stop', {});
    const report = await r.turn;
    expect(report.outcome).toBe('interrupted');
    expect((r.sink.abortedAt as number) - t0).toBeLessThan(100);
    const stopAt = (report.marks.playbackEnd as number) - (report.marks.playbackStart as number);
    expect(stopAt).toBeLessThan(speak(long).length / 16);
  });

  it('answers volume requests', async () => {
    const r = await setUp({});
    const connection = r.hub.connections[0] as NonNullable<TestHub['connections'][0]>;
    r.hub.sendBus(connection, 'mycroft.volume.set', { percent: 0.5 });
    r.hub.sendBus(connection, 'mycroft.volume.decrease', {});
    const reply = r.hub.waitFor('message', (e) => (e.message.payload as { type?: string }).type === 'mycroft.volume.get.response');
    r.hub.sendBus(connection, 'mycroft.volume.get', {});
    const got = await reply;
    expect((got.message.payload as { data?: unknown }).data).toEqual({ percent: 0.4, muted: false });
    expect(r.sink.gain).toBeCloseTo(0.4, 6);
  });
});
