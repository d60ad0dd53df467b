/**
 * The Listener's plumbing with scripted detectors injected through its constructor: strictly sequential detector
 * calls, no audio dropped or reordered while a call is pending, control calls applied at the fed position, failure
 * recovery, overrun, close. (The real models are exercised in listener.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { Listener, ListenerError, type ListenerOptions } from '../../src/listener/index.js';
import type { VadEvent } from '../../src/vad/index.js';
import type { WakeDetection } from '../../src/wake/index.js';
import { CallLog, FakeVad, FakeWake, end, start, wake } from './scripted.js';

function setup(wakes: WakeDetection[] = [], edges: VadEvent[] = [], options: Partial<ListenerOptions> = {}) {
  const log = new CallLog();
  const w = new FakeWake(log, wakes);
  const v = new FakeVad(log, edges);
  // The speech gate reads the VAD's state, which these scripts do not model: off unless a test sets it. The energy
  // gate would keep scripted detectors from seeing the silent pieces these tests feed: off unless a test sets it.
  const { settings, ...rest } = options;
  const listener = new Listener({ wake: w, vad: v, log: () => undefined, settings: { wakeSpeechGateMs: 0, energyGate: false, ...settings }, ...rest });
  const events: string[] = [];
  for (const type of ['wake', 'wake_rejected', 'barge_in', 'speech_start', 'speech_end', 'no_speech', 'cancelled'] as const) {
    listener.on(type, (e: { at: { sample: number } }) => events.push(`${type}@${e.at.sample}`));
  }
  listener.on('utterance', (u) => events.push(`utterance ${u.times.start.sample}–${u.times.end.sample}`));
  const errors: ListenerError[] = [];
  listener.on('error', (e) => errors.push(e));
  return { listener, w, v, log, events, errors };
}

function ramp(n: number, from = 0): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => ((from + i) % 60_000) - 30_000);
}

describe('Listener pipeline', () => {
  it('speech gate: a detection passes only if the VAD was in speech or above 0.5 within the gate window', async () => {
    const at = 12_800; // the end of the 10th piece
    const run = async (vadState: (piece: number) => { speaking: boolean; probability: number }, gateMs = 1_000) => {
      const s = setup([wake(at)], [], { settings: { wakeSpeechGateMs: gateMs } });
      let piece = 0;
      const process = s.v.process.bind(s.v);
      s.v.process = async (chunk) => {
        const r = await process(chunk);
        Object.assign(s.v, vadState(piece++));
        return r;
      };
      for (let i = 0; i < 20_000; i += 1_280) {
        s.listener.feed(ramp(1_280, i));
        await s.listener.drained();
      }
      await s.listener.close();
      return s.events;
    };
    // Speech in piece 0 only: its end (1,280) is 11,520 samples = 720 ms before the detection: inside a 1,000 ms
    // window, outside a 700 ms one.
    expect(await run((p) => ({ speaking: p === 0, probability: 0 }))).toEqual([`wake@${at}`]);
    expect(await run((p) => ({ speaking: p === 0, probability: 0 }), 700)).toEqual([`wake_rejected@${at}`]);
    // A probability ≥ 0.5 counts like the speech state.
    expect(await run((p) => ({ speaking: false, probability: p === 5 ? 0.5 : 0.49 }))).toEqual([`wake@${at}`]);
    // Never speech: refused.
    expect(await run(() => ({ speaking: false, probability: 0.49 }))).toEqual([`wake_rejected@${at}`]);
  });

  it('queues chunks while a detector call is pending: calls never overlap, audio is neither dropped nor reordered', async () => {
    const { listener, w, v, log } = setup();
    w.hold();
    const audio = ramp(50_000);
    const reused = new Int16Array(777); // the caller reuses its buffer, like a capture source
    for (let i = 0; i < audio.length; i += reused.length) {
      const part = audio.subarray(i, i + reused.length);
      reused.set(part);
      listener.feed(part.length === reused.length ? reused : reused.subarray(0, part.length));
    }
    expect(listener.fedSamples).toBe(50_000);
    expect(listener.position).toBe(0);
    w.release();
    await listener.drained();
    expect(log.overlaps).toBe(0);
    expect(listener.position).toBe(50_000);
    expect(w.received).toEqual([...audio]);
    expect(v.received).toEqual([...audio]);
  });

  it('applies a control call at the position fed when it was made, whatever the backlog', async () => {
    const { listener, w, events } = setup();
    w.hold();
    listener.feed(new Int16Array(10_000));
    listener.listenWithoutWake(); // at 10,000, while nothing is processed yet
    listener.feed(new Int16Array(60_000));
    w.release();
    await listener.drained();
    expect(events).toEqual([`no_speech@${10_000 + 48_000}`]);
  });

  it('maps detector positions to the stream and builds the utterance from the history', async () => {
    const audio = ramp(100_000);
    const { listener, events } = setup([wake(16_000)], [start(20_000), end(40_000)]);
    listener.on('utterance', (u) => expect(u.pcm).toEqual(audio.subarray(u.times.start.sample, u.times.end.sample)));
    listener.feed(audio);
    await listener.drained();
    expect(events).toEqual(['wake@16000', 'speech_start@20000', 'speech_end@40000', `utterance ${20_000 - 8_000 - 1_600}–${40_000 + 4_800}`]);
  });

  it('reports a detector failure, resets both detectors, abandons the capture and carries on', async () => {
    const { listener, w, v, events, errors } = setup([wake(16_000), wake(60_000)], [start(20_000)]);
    v.failAt = 30_000;
    const states: string[] = [];
    listener.on('state', (e) => states.push(`${e.from}→${e.to} (${e.cause})`));
    listener.feed(new Int16Array(120_000));
    await listener.drained();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ListenerError);
    expect(errors[0]).toMatchObject({ code: 'LISTENER_ERR_DETECTOR', message: 'a detector failed; both were reset: inference failed' });
    expect((errors[0]?.cause as Error).message).toBe('inference failed');
    expect(w.resets).toBe(2); // construction + recovery
    expect(v.resets).toBe(2);
    // The failed piece ends at 30,720 (24 × 1,280): the detectors restart from 0 there (the scripts replay), and
    // their positions are mapped onto the stream from that point.
    expect(events).toEqual(['wake@16000', 'speech_start@20000', 'cancelled@30720', `wake@${30_720 + 16_000}`, `speech_start@${30_720 + 20_000}`]);
    expect(states.slice(0, 3)).toEqual(['idle→awake (wake)', 'awake→recording (voice_start)', 'recording→idle (reset)']);
  });

  it('barge-in from per-hop scores while speaking; detections below the barge-in threshold are ignored', async () => {
    const { listener, w, events } = setup([wake(16_000, 0.6)]);
    listener.setSpeaking(true);
    // Drive the score tap as createListener wires it to openWakeWord's onScore.
    const original = w.process.bind(w);
    w.process = async (chunk) => {
      const from = w.position;
      const out = await original(chunk);
      if (from < 17_280 && w.position >= 17_280) listener.onWakeScore('hey_jarvis', 0.93, 17_280);
      return out;
    };
    listener.feed(new Int16Array(20_000));
    await listener.drained();
    expect(events).toEqual(['barge_in@17280', 'wake@17280']);
    expect(listener.speaking).toBe(false);
    expect(listener.state.kind).toBe('awake');
  });

  it('ignores per-hop scores when not speaking (the detector decides then)', async () => {
    const { listener, events } = setup();
    listener.onWakeScore('hey_jarvis', 0.99, 1_280);
    listener.feed(new Int16Array(2_560));
    await listener.drained();
    expect(events).toEqual([]);
  });

  it('drops a chunk that would overflow the backlog, with LISTENER_ERR_OVERRUN', async () => {
    const { listener, w, errors } = setup();
    w.hold();
    listener.feed(new Int16Array(1 << 22)); // the limit; the first piece (1,280) is taken out at once
    listener.feed(new Int16Array(1_281));
    expect(errors.map((e) => e.code)).toEqual(['LISTENER_ERR_OVERRUN']);
    expect(errors[0]?.message).toBe(`backlog full: expected at most ${1 << 22} samples waiting, got ${(1 << 22) + 1}; chunk dropped`);
    listener.feed(new Int16Array(1_280));
    expect(errors).toHaveLength(1);
    expect(listener.fedSamples).toBe((1 << 22) + 1_280);
    w.release();
    await listener.drained();
    expect(listener.position).toBe((1 << 22) + 1_280);
  });

  it('close() drains, closes both detectors, and later calls fail with LISTENER_ERR_CLOSED', async () => {
    const { listener, w, v } = setup();
    listener.feed(new Int16Array(5_000));
    await listener.close();
    expect(listener.position).toBe(5_000);
    expect(w.closed && v.closed).toBe(true);
    const closed = expect.objectContaining({ code: 'LISTENER_ERR_CLOSED' });
    expect(() => listener.feed(new Int16Array(1))).toThrow(closed);
    expect(() => listener.listenWithoutWake()).toThrow(closed);
    expect(() => listener.setSpeaking(true)).toThrow(closed);
    expect(() => listener.end()).toThrow(closed);
    await listener.close(); // idempotent
  });

  it('rejects bad settings at construction', () => {
    const log = new CallLog();
    expect(() => new Listener({ wake: new FakeWake(log), vad: new FakeVad(log), settings: { silenceEndMs: 10 } })).toThrow(
      expect.objectContaining({ code: 'LISTENER_ERR_OPTION', message: 'silenceEndMs: expected milliseconds in [200, 5000], got 10' }),
    );
  });

  it('logs each state change as one line', async () => {
    const lines: string[] = [];
    const { listener } = setup([wake(16_000)], [], { log: (l) => lines.push(l) });
    listener.feed(new Int16Array(80_000));
    await listener.drained();
    expect(lines).toEqual(['idle → awake on wake at 1.000 s', 'awake → idle on tick at 4.000 s']);
  });

  it('drained() resolves at once when there is nothing to do, and feeding nothing does nothing', async () => {
    const { listener } = setup();
    listener.feed(new Int16Array(0));
    await listener.drained();
    expect(listener.position).toBe(0);
  });
});

describe('Listener energy gate', () => {
  const SILENT_PIECES = 160; // 12.8 s of digital silence: 204,800 samples
  const LOUD_FROM = SILENT_PIECES * 1_280;
  // The look-back is 2,080 ms = 33,280 samples = 13 × 2,560: the detectors start at 204,800 − 33,280 = 171,520.
  const REPLAY_FROM = LOUD_FROM - 33_280;

  async function feedPieces(listener: Listener, audio: Int16Array): Promise<void> {
    for (let i = 0; i < audio.length; i += 1_280) {
      listener.feed(audio.subarray(i, i + 1_280));
      await listener.drained();
    }
  }

  it('keeps the detectors idle in digital silence, then replays the aligned look-back before the first loud piece', async () => {
    const audio = new Int16Array(LOUD_FROM + 10 * 1_280);
    audio.set(ramp(10 * 1_280), LOUD_FROM);
    // Scripted in the detectors' own positions: the wake fires at the end of the 3rd loud piece.
    const s = setup([wake(LOUD_FROM - REPLAY_FROM + 3 * 1_280)], [], { settings: { energyGate: true } });
    await feedPieces(s.listener, audio.subarray(0, LOUD_FROM));
    expect(s.w.received.length).toBe(0);
    expect(s.v.received.length).toBe(0);
    await feedPieces(s.listener, audio.subarray(LOUD_FROM));
    const seen = Int16Array.from(s.w.received);
    expect(seen).toEqual(audio.subarray(REPLAY_FROM));
    expect(Int16Array.from(s.v.received)).toEqual(audio.subarray(REPLAY_FROM));
    // Positions come back in the listener's stream.
    expect(s.events).toEqual([`wake@${LOUD_FROM + 3 * 1_280}`]);
    expect(s.listener.gateStats).toEqual({ detectedSamples: 10 * 1_280, skippedSamples: REPLAY_FROM, replayedSamples: 33_280, openings: 1 });
    expect(s.log.overlaps).toBe(0);
  });

  it('replays a whole gap shorter than the look-back: the detectors then see every sample', async () => {
    const audio = new Int16Array(40 * 1_280);
    audio.set(ramp(5 * 1_280), 0);
    audio.set(ramp(5 * 1_280), 30 * 1_280); // loud, 2 s of silence (1 s held open), loud again
    const s = setup([], [], { settings: { energyGate: true } });
    await feedPieces(s.listener, audio);
    expect(Int16Array.from(s.w.received)).toEqual(audio);
    expect(s.listener.gateStats).toMatchObject({ skippedSamples: 0, openings: 1 });
  });

  it('runs the detectors through silence while a capture is open (endpointing needs every VAD window)', async () => {
    const audio = new Int16Array(100 * 1_280);
    audio.set(ramp(5 * 1_280), 0);
    const s = setup([wake(5 * 1_280)], [], { settings: { energyGate: true, noSpeechTimeoutMs: 3_000 } });
    await feedPieces(s.listener, audio);
    // Awake from the wake at 6,400 until the no-speech timeout 48,000 later: all of it reached the detectors.
    expect(s.events).toEqual(['wake@6400', 'no_speech@54400']);
    expect(s.w.received.length).toBeGreaterThanOrEqual(54_400);
    expect(s.w.received.length).toBeLessThan(100 * 1_280);
  });
});

describe('Listener processors', () => {
  it('runs the processors in order, in place, before the detectors and the history; closes them with the listener', async () => {
    const calls: string[] = [];
    const halve = { name: 'halve', delaySamples: 0, process: (p: Int16Array) => { calls.push('halve'); for (let i = 0; i < p.length; i++) p[i] = Math.trunc((p[i] as number) / 2); }, reset: () => undefined, close: () => calls.push('close halve') };
    const negate = { name: 'negate', delaySamples: 0, process: (p: Int16Array) => { calls.push('negate'); for (let i = 0; i < p.length; i++) p[i] = -(p[i] as number); }, reset: () => undefined, close: () => calls.push('close negate') };
    const s = setup([], [], { processors: [halve, negate] });
    const audio = ramp(2 * 1_280);
    const copy = audio.slice();
    s.listener.feed(audio);
    await s.listener.drained();
    expect(audio).toEqual(copy); // the caller's chunk is untouched
    expect(Int16Array.from(s.w.received)).toEqual(Int16Array.from(copy, (v) => -Math.trunc(v / 2)));
    expect(calls).toEqual(['halve', 'negate', 'halve', 'negate']);
    await s.listener.close();
    expect(calls.slice(4)).toEqual(['close halve', 'close negate']);
  });
});

describe('Listener speech stream (stream mode)', () => {
  const STREAM = { preRollMs: 500, tailMs: 600, maxStreamMs: 10_000, chunkSamples: 1_024 };

  /** A capture opened without a wake word, speech 20,000 → 40,000, and the stream's chunks and ends. */
  function streaming(edges: VadEvent[] = [start(20_000), end(40_000)]) {
    const s = setup([], edges);
    const chunks: { from: number; pcm: Int16Array }[] = [];
    const ends: string[] = [];
    let speechStart = 0;
    let decided = 0;
    s.listener.on('speech_start', (e) => (speechStart = e.at.sample));
    s.listener.on('speech_end', (e) => (decided = e.decided.sample));
    s.listener.on('stream_chunk', (c) => chunks.push({ from: c.from.sample, pcm: c.pcm }));
    s.listener.on('stream_end', (e) => ends.push(`${e.reason}@${e.at.sample}`));
    s.listener.streamSpeech(STREAM);
    s.listener.listenWithoutWake();
    const sent = (): Int16Array => {
      const all = new Int16Array(chunks.reduce((n, c) => n + c.pcm.length, 0));
      chunks.reduce((at, c) => (all.set(c.pcm, at), at + c.pcm.length), 0);
      return all;
    };
    return { ...s, chunks, ends, sent, speech: () => ({ speechStart, decided }) };
  }

  it('streams its own history from the pre-roll to the tail, in 64 ms chunks, however the audio was fed', async () => {
    const audio = ramp(100_000);
    const runs: { from: number; length: number }[][] = [];
    for (const feed of ['one block', '777-sample chunks while the detectors lag', '80 ms pieces, drained each'] as const) {
      const r = streaming();
      if (feed === 'one block') r.listener.feed(audio);
      else if (feed === '80 ms pieces, drained each') {
        for (let i = 0; i < audio.length; i += 1_280) {
          r.listener.feed(audio.subarray(i, i + 1_280));
          await r.listener.drained();
        }
      } else {
        r.w.hold();
        for (let i = 0; i < audio.length; i += 777) r.listener.feed(audio.subarray(i, i + 777));
        r.w.release();
      }
      await r.listener.drained();
      const { speechStart, decided } = r.speech();
      expect(speechStart).toBe(20_000);
      const from = speechStart - 8_000;
      const to = decided + 9_600;
      expect(r.ends).toEqual([`tail@${to}`]);
      expect(r.sent()).toEqual(audio.subarray(from, to));
      expect(r.chunks[0]?.from).toBe(from);
      expect(r.chunks.slice(0, -1).every((c) => c.pcm.length === 1_024)).toBe(true);
      runs.push(r.chunks.map((c) => ({ from: c.from, length: c.pcm.length })));
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });

  it('goes on past the tail while the hub records; its record_end stops it with what was processed', async () => {
    const r = streaming();
    r.listener.feed(ramp(30_000));
    await r.listener.drained();
    r.listener.hubRecording(true);
    r.listener.feed(ramp(50_000, 30_000));
    await r.listener.drained();
    expect(r.ends).toEqual([]); // past the tail (≈ 62,000)
    r.listener.hubRecording(false);
    expect(r.ends).toEqual(['hub@80000']);
    expect(r.sent()).toEqual(ramp(80_000).subarray(12_000));
  });

  it('a cut ends it at once: nothing more is handed out; a disarmed listener opens no stream', async () => {
    const r = streaming();
    r.listener.feed(ramp(30_000));
    await r.listener.drained();
    const handed = r.chunks.length;
    r.listener.cutStream('link');
    r.listener.streamSpeech(null);
    expect(r.ends).toEqual(['link@30000']);
    r.listener.feed(ramp(70_000, 30_000));
    await r.listener.drained();
    expect(r.chunks).toHaveLength(handed);
    expect(r.listener.stream).toEqual({ kind: 'off', armed: null, streams: 1 });
  });

  it('the end of the input ends the stream with what there is; after close the stream inputs do nothing', async () => {
    const r = streaming([start(20_000)]);
    r.listener.feed(ramp(30_000));
    await r.listener.end();
    expect(r.ends).toEqual(['end@30000']);
    expect(r.sent()).toEqual(ramp(30_000).subarray(12_000));
    await r.listener.close();
    const closed = r.listener.stream;
    r.listener.streamSpeech(null);
    r.listener.hubRecording(true);
    r.listener.cutStream('send');
    expect(r.listener.stream).toBe(closed);
  });

  it('refuses stream settings out of range', () => {
    const r = streaming();
    expect(() => r.listener.streamSpeech({ ...STREAM, preRollMs: 2_001 })).toThrow(ListenerError);
    expect(() => r.listener.streamSpeech({ ...STREAM, maxStreamMs: 0 })).toThrow(/maxStreamMs: expected milliseconds in \[1000, 600000\], got 0/);
  });
});
