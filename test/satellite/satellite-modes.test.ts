/**
 * Barge-in, text mode and stream mode against the loopback test hub, with the real listener on espeak-ng speech.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BinaryPayloadType, type HubConnection } from '../../src/hivemind/index.js';
import type { Listener } from '../../src/listener/index.js';
import { builtinPhrases } from '../../src/persona/index.js';
import type { Satellite, SatelliteMode, TurnReport } from '../../src/satellite/index.js';
import { EspeakNgTts, PocketsphinxStt } from '../../src/speech/index.js';
import { DEFAULT_ALLOWED_TYPES, type TestHub, agents, startTestHub } from '../hub/index.js';
import { concat, ensureModels, silence, speak } from '../vad/fixtures.js';
import { ACCESS_KEY, PASSWORD, RecordingSink, answerWav, bytesToPcm, feedAll, hubLink, isSliceCovering, startSatellite, turnAudio } from './helpers.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const fixture = models.ok ? turnAudio() : undefined;

let teardown: (() => Promise<void>) | undefined;
afterEach(async () => {
  await teardown?.();
  teardown = undefined;
});

async function rig(mode: SatelliteMode, hubOptions: Omit<Parameters<typeof startTestHub>[0], 'clients'>, sink = new RecordingSink()): Promise<{ hub: TestHub; link: HubConnection; satellite: Satellite; listener: Listener; sink: RecordingSink; turn: Promise<TurnReport> }> {
  const hub = await startTestHub({ clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }], ...hubOptions });
  const link = hubLink(hub);
  await link.connect();
  const stt = new PocketsphinxStt({ grammar: builtinPhrases('en') });
  const { satellite, listener, turn } = await startSatellite({ mode, link, sink, lang: 'en-US', siteId: 'kitchen', stt, tts: new EspeakNgTts(), synthTimeoutMs: 500, stream: { preRollMs: 500, tailMs: 600, maxStreamMs: 10_000 } });
  teardown = async () => {
    await satellite.close();
    await listener.close();
    await link.close();
    await hub.stop();
  };
  return { hub, link, satellite, listener, sink, turn };
}

describe.skipIf(!models.ok)('satellite modes and barge-in', () => {
  it('barge-in: the wake word during playback stops it within 100 ms and opens a capture', async () => {
    const long = Array.from({ length: 6 }, () => 'this is a very long answer that goes on and on').join(', ');
    const r = await rig('audio', { agent: agents.responder({ answer: () => long }), audio: { synth: answerWav, transcribe: () => 'what time is it' } }, new RecordingSink({ realtime: true }));
    await feedAll(r.satellite, r.listener, (fixture as NonNullable<typeof fixture>).audio);
    await r.sink.whenPlayed(8_000);
    const woke = new Promise<number>((resolve) => r.listener.once('barge_in', () => resolve(performance.now())));
    await feedAll(r.satellite, r.listener, concat(speak('hey jarvis'), silence(0.5)).audio);
    const at = await woke;
    const report = await r.turn;
    expect(report.outcome).toBe('interrupted');
    expect((r.sink.abortedAt as number) - at).toBeLessThan(100);
    expect(['awake', 'recording']).toContain(r.listener.state.kind);
  });

  it('text mode: local STT, recognizer_loop:utterance up, speak down, local TTS', async () => {
    const seen: string[] = [];
    const r = await rig('text', { agent: (message, api) => {
      const u = message.type === 'recognizer_loop:utterance' ? (message.data['utterances'] as string[])[0] : undefined;
      if (u === undefined) return;
      seen.push(u);
      api.speak(`you said ${u}`);
    } });
    await feedAll(r.satellite, r.listener, (fixture as NonNullable<typeof fixture>).audio);
    const report = await r.turn;
    expect(seen).toEqual(['what time is it']);
    expect(report).toMatchObject({ mode: 'text', route: 'hub', outcome: 'answered', answers: ['you said what time is it'] });
    expect(r.sink.clips.some((c) => c.length > 16_000)).toBe(true);
  });

  it('stream mode: RAW_AUDIO while the VAD hears speech (pre-roll included), following the hub listener', async () => {
    const streamed: Int16Array[] = [];
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const r = await rig('stream', {
      audio: { synth: answerWav },
      binary: (event, hub) => {
        if (event.binaryType !== BinaryPayloadType.RAW_AUDIO) return;
        expect(event.metadata).toEqual({ sample_rate: 16_000, sample_width: 2 });
        if (streamed.length === 0) {
          event.connection.sendBus('recognizer_loop:wakeword', {});
          event.connection.sendBus('recognizer_loop:record_begin', {});
        }
        streamed.push(bytesToPcm(event.payload));
        clearTimeout(quiet);
        quiet = setTimeout(() => {
          const all = concat(...streamed).audio;
          const f = fixture as NonNullable<typeof fixture>;
          event.connection.sendBus('recognizer_loop:record_end', {});
          event.connection.inject('recognizer_loop:utterance', { utterances: [isSliceCovering(f.audio, all, f.command) ? 'what time is it' : 'garbled'], lang: 'en-US' });
          void hub;
        }, 300);
      },
    });
    await feedAll(r.satellite, r.listener, (fixture as NonNullable<typeof fixture>).audio);
    const report = await r.turn;
    expect(report).toMatchObject({ mode: 'stream', route: 'hub', outcome: 'answered', answers: ['you said what time is it'] });
    expect(streamed.length).toBeGreaterThan(0);
  });
});
