/**
 * Stream mode when the link refuses a RAW_AUDIO chunk but stays up (a full send queue): the failure is a session
 * input (`stream_send_failed`), said once at warn, the stream is cut, and the utterance — which carried the local
 * wake word — is answered locally with the listener's own recording. A send lost because the link is going away is
 * left to the link's close. Scripted detectors (test/listener/scripted.ts) and a link that records, so every
 * position is exact.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { NullSink } from '../../src/audio/index.js';
import { BinaryPayloadType } from '../../src/hivemind/index.js';
import { Listener, type Utterance } from '../../src/listener/index.js';
import { type AnswerLocally, type HubLink, Satellite, type TurnReport } from '../../src/satellite/index.js';
import { CallLog, FakeVad, FakeWake, end, start, wake } from '../listener/scripted.js';

/** A ready link whose RAW_AUDIO sends reject with `code` (everything else goes through). */
function refusingLink(code: string): { link: HubLink; rawAudio: () => number } {
  let rawAudio = 0;
  const link = Object.assign(new EventEmitter(), {
    state: 'ready',
    sessionId: 's',
    sendBus: () => Promise.resolve(),
    sendBinary: (type: BinaryPayloadType) => {
      if (type !== BinaryPayloadType.RAW_AUDIO) return Promise.resolve();
      rawAudio += 1;
      return Promise.reject(Object.assign(new Error(code), { code }));
    },
  });
  return { link: link as unknown as HubLink, rawAudio: () => rawAudio };
}

async function run(code: string) {
  const { link, rawAudio } = refusingLink(code);
  const log = new CallLog();
  // Speech from 20,000 (the armed capture, no wake word); the local wake word at 30,000 restarts it as a woken one.
  const listener = new Listener({ wake: new FakeWake(log, [wake(30_000)]), vad: new FakeVad(log, [start(20_000), end(60_000)]), log: () => undefined, settings: { wakeSpeechGateMs: 0, energyGate: false } });
  const local: Utterance[] = [];
  const answerLocally: AnswerLocally = async (u, io) => {
    local.push(u);
    await io.play(new Int16Array(1_600));
    return { transcript: 'what time is it', answer: 'it is noon', outcome: 'answered' };
  };
  const logs: string[] = [];
  const satellite = new Satellite({
    mode: 'stream', link, listener, sink: new NullSink(), lang: 'en-US', siteId: 'kitchen', answerLocally, answerTimeoutMs: 60_000,
    stream: { preRollMs: 500, tailMs: 600, maxStreamMs: 10_000 }, logger: { log: (level: string, message: string) => logs.push(`${level} ${message}`) },
  });
  const streamEnds: string[] = [];
  listener.on('stream_end', (e) => streamEnds.push(e.reason));
  const utterances: Utterance[] = [];
  listener.on('utterance', (u) => utterances.push(u));
  const turn = new Promise<TurnReport>((resolve) => satellite.once('turn', resolve));
  const audio = Int16Array.from({ length: 120_000 }, (_, i) => (i % 2_000) - 1_000);
  for (let i = 0; i < audio.length; i += 1_280) {
    satellite.feed(audio.subarray(i, i + 1_280));
    await listener.drained();
  }
  return { satellite, listener, turn, local, logs, streamEnds, utterances, rawAudio };
}

describe('stream mode: a chunk the link refuses', () => {
  it('is a session input, said once per stream; the stream is cut and the woken utterance is answered locally, once', async () => {
    const r = await run('HM_ERR_QUEUE_FULL');
    const report = await r.turn;
    expect(report).toMatchObject({ mode: 'stream', route: 'local', outcome: 'answered', failover: 'stream send failed (HM_ERR_QUEUE_FULL)', answers: ['it is noon'] });
    // The armed capture's stream, cut at its first chunk; the wake word restarted the capture and its speech opened a
    // second stream (the capture stays cut, stream-machine.ts): each is reported once, not once per chunk.
    expect(r.streamEnds).toEqual(['send', 'send']);
    expect(r.logs.filter((l) => l.startsWith('warn'))).toEqual(Array(2).fill('warn a RAW_AUDIO chunk could not be sent (HM_ERR_QUEUE_FULL): the stream is cut'));
    expect(r.rawAudio()).toBeGreaterThan(2);
    expect(r.utterances).toHaveLength(1);
    expect(r.local).toEqual(r.utterances); // the listener's own recording, pre-roll included
    expect(r.satellite.session.link.kind).toBe('online');
    await r.satellite.close();
    await r.listener.close();
  });

  it('lost because the link is going away: a session input too, but the stream and the capture are left to the link', async () => {
    const r = await run('HM_ERR_CONNECTION_LOST');
    expect(r.logs.filter((l) => l.includes('RAW_AUDIO'))).toEqual(['debug a RAW_AUDIO chunk was not sent (HM_ERR_CONNECTION_LOST): the link is going away']);
    expect(r.streamEnds).toEqual(['tail']); // not cut: the link's close would say what became of the capture
    expect(r.rawAudio()).toBeGreaterThan(1);
    expect(r.satellite.openTurns).toBe(1); // routed to the hub, waiting for its answer (or the link's close)
    await r.satellite.close();
    await r.listener.close();
  });
});
