/**
 * The whole listener with the REAL models (Silero VAD v5, openWakeWord hey_jarvis) on REAL speech made at test time
 * by espeak-ng + sox. The true speech boundaries are known from how each file is built (silence padding around
 * clips whose loud part `activeSpan` finds).
 */
import { describe, expect, it } from 'vitest';
import { activeSpan, concat, ensureModels, silence, speak } from '../vad/fixtures.js';
import { first, type RunResult, runListener, types } from './fixtures.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const RATE = 16_000;
const PRE_ROLL = 500 * 16;
const SILENCE_END = 700 * 16;
const SLACK = 150 * 16;

/** `parts` laid end to end; for each clip part, where its loud part is in the stream (samples). */
function build(...parts: (Int16Array | number)[]) {
  const clips = parts.map((p) => (typeof p === 'number' ? silence(p) : p));
  const { audio, starts } = concat(...clips);
  const spans = clips.map((c, i) => {
    if (typeof parts[i] === 'number') return undefined;
    const s = activeSpan(c);
    return { first: (starts[i] as number) + s.first, end: (starts[i] as number) + s.end };
  });
  return { audio, spans };
}

const heyJarvis = () => speak('hey jarvis');
const command = () => speak('what time is it');

/** "hey jarvis" 0.8 s "what time is it" 2 s, in a 1.5 s lead-in. */
function wakeThenCommand() {
  const b = build(1.5, heyJarvis(), 0.8, command(), 2);
  return { audio: b.audio, wake: b.spans[1] as { first: number; end: number }, cmd: b.spans[3] as { first: number; end: number } };
}

function withoutStates(r: RunResult): string[] {
  return types(r);
}

describe.skipIf(!models.ok)('Listener on real speech', () => {
  it('hey jarvis <pause> what time is it → wake, speech_start, speech_end, utterance with pre-roll and a prompt end', async () => {
    const { audio, wake, cmd } = wakeThenCommand();
    const r = await runListener(audio);
    expect(r.errors).toEqual([]);
    expect(withoutStates(r)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance']);
    expect(r.states).toEqual(['idle→awake', 'awake→recording', 'recording→idle']);

    const w = first(r, 'wake');
    expect(w).toMatchObject({ keyword: 'hey_jarvis', bargeIn: false });
    expect(w.score).toBeGreaterThan(0.5);
    expect(w.sample).toBeGreaterThan(wake.end);
    expect(w.sample - wake.end).toBeLessThan(400 * 16);

    // Speech onset near the true onset of the command (the VAD pads 30 ms).
    const start = first(r, 'speech_start');
    expect(Math.abs(start.sample - cmd.first)).toBeLessThan(100 * 16);

    const end = first(r, 'speech_end');
    expect(end.truncated).toBe(false);
    // Reported (decided) within silenceEnd + 150 ms of the true end, and not before the silence end.
    expect(end.decided - cmd.end).toBeLessThanOrEqual(SILENCE_END + SLACK);
    expect(end.decided - cmd.end).toBeGreaterThanOrEqual(SILENCE_END - 50 * 16);
    // …and the event really is emitted then: the listener had processed no more than that.
    const emitted = r.emittedAt[r.events.indexOf(end)] as number;
    expect(emitted - cmd.end).toBeLessThanOrEqual(SILENCE_END + SLACK);

    const [u] = r.utterances;
    expect(u).toBeDefined();
    if (u === undefined) return;
    // The first syllable is never clipped: the audio starts at least the pre-roll before the true onset.
    expect(u.times.start.sample).toBeLessThanOrEqual(cmd.first - PRE_ROLL);
    expect(u.times.end.sample).toBeGreaterThanOrEqual(cmd.end);
    expect(u.times.end.sample - cmd.end).toBeLessThanOrEqual(SILENCE_END + SLACK);
    // It is exactly the stream's audio.
    expect(u.pcm).toEqual(audio.subarray(u.times.start.sample, u.times.end.sample));
    expect(u.sampleRateHz).toBe(RATE);
    expect(u.durationSeconds).toBeCloseTo(u.pcm.length / RATE, 9);
    expect(u.times.start.seconds).toBeCloseTo(u.times.start.sample / RATE, 9);
    expect(u.wake).toMatchObject({ keyword: 'hey_jarvis', score: w.score, at: { sample: w.sample } });
    expect(u.times.wake?.sample).toBe(w.sample);
    expect(u.truncated).toBe(false);
    // espeak-ng speaks at roughly −20 dBFS RMS with peaks near −3 dBFS.
    expect(u.loudness.rmsDbfs).toBeGreaterThan(-35);
    expect(u.loudness.rmsDbfs).toBeLessThan(-8);
    expect(u.loudness.peak).toBe(Math.max(...Array.from(audio.subarray(u.times.speechStart.sample, u.times.speechEnd.sample), Math.abs)));
  });

  it('can include the wake word audio in the utterance', async () => {
    const { audio, wake } = wakeThenCommand();
    const r = await runListener(audio, { settings: { includeWakeAudio: true } });
    const [u] = r.utterances;
    expect(u?.times.start.sample).toBeLessThanOrEqual(wake.first - PRE_ROLL);
    expect(Math.abs((u?.wake?.start.sample as number) - wake.first)).toBeLessThan(100 * 16);
  });

  it('wake then silence → no_speech exactly after the no-speech timeout', async () => {
    const { audio } = build(1.5, heyJarvis(), 4);
    const r = await runListener(audio);
    expect(types(r)).toEqual(['wake', 'no_speech']);
    expect(first(r, 'no_speech').sample - first(r, 'wake').sample).toBe(3_000 * 16);
    expect(r.states).toEqual(['idle→awake', 'awake→idle']);
  });

  it('respects a shorter no-speech timeout', async () => {
    const { audio } = build(1.5, heyJarvis(), 2);
    const r = await runListener(audio, { settings: { noSpeechTimeoutMs: 1_000 } });
    expect(first(r, 'no_speech').sample - first(r, 'wake').sample).toBe(1_000 * 16);
  });

  it('a long monologue is cut at the maximum utterance length', async () => {
    const monologue = speak(
      'I would like to hear a very long story about the history of the world and all the kings and queens who ruled over the lands in the middle ages and then some more about the people who lived in the villages and farmed the fields every day of the year',
    );
    const { audio, spans } = build(1.5, heyJarvis(), 0.8, monologue, 1);
    const r = await runListener(audio);
    expect(types(r)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance']);
    const start = first(r, 'speech_start');
    const end = first(r, 'speech_end');
    expect(end).toMatchObject({ truncated: true, sample: start.sample + 10_000 * 16, decided: start.sample + 10_000 * 16 });
    const u = r.utterances[0];
    expect(u?.truncated).toBe(true);
    expect(u?.pcm.length).toBe(PRE_ROLL + 100 * 16 + 10_000 * 16); // pre-roll + VAD onset guard + maximum
    expect(end.sample).toBeLessThan((spans[3] as { end: number }).end); // really cut mid-speech
  });

  it('a too-short blip after the wake word makes no utterance (min utterance), then no_speech', async () => {
    const cmd = command();
    const s = activeSpan(cmd);
    const blip = cmd.subarray(s.first, s.first + 120 * 16);
    const { audio } = build(1.5, heyJarvis(), 0.8, blip, 3.5);
    const r = await runListener(audio);
    expect(types(r)).toEqual(['wake', 'speech_start', 'speech_end', 'no_speech']);
    expect(r.utterances).toEqual([]);
    // The capture kept waiting after the blip, until the no-speech deadline of the wake word.
    expect(first(r, 'no_speech').sample - first(r, 'wake').sample).toBe(3_000 * 16);
    expect(r.states).toEqual(['idle→awake', 'awake→recording', 'recording→awake', 'awake→idle']);
  });

  it('a blip then a real command in the same capture → one utterance, of the command', async () => {
    const cmd = command();
    const s = activeSpan(cmd);
    const blip = cmd.subarray(s.first, s.first + 120 * 16);
    const { audio, spans } = build(1.5, heyJarvis(), 0.6, blip, 0.9, cmd, 1.5);
    const r = await runListener(audio);
    expect(types(r)).toEqual(['wake', 'speech_start', 'speech_end', 'speech_start', 'speech_end', 'utterance']);
    expect(r.utterances[0]?.times.start.sample).toBeLessThanOrEqual((spans[5] as { first: number }).first - PRE_ROLL);
  });

  it('no pause after the wake word: the command runs on from the detection', async () => {
    const { audio, spans } = build(1.5, speak('hey jarvis'), 0.05, speak('turn on the kitchen lights please'), 2);
    const r = await runListener(audio);
    expect(types(r)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance']);
    const end = first(r, 'speech_end');
    expect(end.decided - (spans[3] as { end: number }).end).toBeLessThanOrEqual(SILENCE_END + SLACK);
  });

  it('continuous mode: listenWithoutWake() after an utterance records a follow-up without the wake word', async () => {
    const { audio, cmd } = wakeThenCommand();
    const followUp = speak('and what about tomorrow');
    const b = build(audio.length / RATE, 0.3, followUp, 2, 4);
    b.audio.set(audio, 0);
    const listenAt = audio.length; // right after the first utterance (2 s of silence after it)
    const r = await runListener(b.audio, { steps: [{ at: listenAt, act: (l) => l.listenWithoutWake() }] });
    expect(types(r)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance', 'speech_start', 'speech_end', 'utterance']);
    const second = r.utterances[1];
    expect(second?.wake).toBeNull();
    expect(second?.times.wake).toBeNull();
    const f = b.spans[2] as { first: number; end: number };
    expect(second?.times.start.sample).toBeLessThanOrEqual(f.first - PRE_ROLL);
    expect((second?.times.decided.sample as number) - f.end).toBeLessThanOrEqual(SILENCE_END + SLACK);
    expect(r.states).toEqual(['idle→awake', 'awake→recording', 'recording→idle', 'idle→awake', 'awake→recording', 'recording→idle']);
    expect(r.utterances[0]?.times.end.sample).toBeLessThan(cmd.end + SILENCE_END + SLACK);
  });

  it('continuous mode with nobody answering → no_speech after the timeout, measured from the request', async () => {
    const { audio } = build(1, 4);
    const r = await runListener(audio, { steps: [{ at: 16_000, act: (l) => l.listenWithoutWake() }] });
    expect(r.events).toEqual([{ type: 'no_speech', sample: 16_000 + 48_000 }]);
  });

  it('while speaking, speech alone (no wake word) is ignored', async () => {
    const { audio } = build(1, command(), 1, command(), 1);
    const r = await runListener(audio, { steps: [{ at: 0, act: (l) => l.setSpeaking(true) }] });
    expect(r.events).toEqual([]);
    expect(r.states).toEqual(['idle→idle (speaking)']);
  });

  describe('barge-in', () => {
    // en-gb-x-rp "hey jarvis": its first hop above 0.5 scores ≈ 0.66, the next ones ≈ 0.97.
    const clip = () => speak('hey jarvis', { voice: 'en-gb-x-rp', speed: 170 });

    it('not speaking: the normal threshold fires on the first hop above 0.5', async () => {
      const { audio } = build(1.5, clip(), 1.5);
      const r = await runListener(audio);
      const w = first(r, 'wake');
      expect(w.score).toBeLessThan(0.8);
      expect(w.bargeIn).toBe(false);
    });

    it('speaking: the normal detection is ignored and a later hop at the strict threshold barges in', async () => {
      const { audio, spans } = build(1.5, clip(), 0.8, command(), 2);
      const r = await runListener(audio, { steps: [{ at: 0, act: (l) => l.setSpeaking(true) }] });
      expect(types(r)).toEqual(['barge_in', 'wake', 'speech_start', 'speech_end', 'utterance']);
      const b = first(r, 'barge_in');
      expect(b.score).toBeGreaterThanOrEqual(0.8);
      expect(b.bargeIn).toBe(true);
      expect(first(r, 'wake')).toEqual({ ...b, type: 'wake' });
      expect(r.states).toEqual(['idle→idle (speaking)', 'idle→awake', 'awake→recording', 'recording→idle']);
      expect(r.utterances[0]?.times.start.sample).toBeLessThanOrEqual((spans[3] as { first: number }).first - PRE_ROLL);
    });

    it('speaking with a barge-in threshold above every hop: nothing fires', async () => {
      const { audio } = build(1.5, clip(), 2);
      const r = await runListener(audio, { settings: { bargeInThreshold: 0.9999 }, steps: [{ at: 0, act: (l) => l.setSpeaking(true) }] });
      expect(r.events).toEqual([]);
    });

    it('a weak wake word accepted at a low normal threshold is not enough to barge in', async () => {
      // en-us+Andy at 130 wpm peaks ≈ 0.47 on hey_jarvis.
      const { audio } = build(1.5, speak('hey jarvis', { voice: 'en-us+Andy', speed: 130 }), 1.5);
      const normal = await runListener(audio, { threshold: 0.4 });
      expect(types(normal)).toContain('wake');
      const speaking = await runListener(audio, { threshold: 0.4, steps: [{ at: 0, act: (l) => l.setSpeaking(true) }] });
      expect(speaking.events).toEqual([]);
    });

    it('starting to speak during a capture cancels it', async () => {
      const { audio, spans } = build(1.5, heyJarvis(), 0.8, command(), 2);
      const at = (spans[3] as { first: number }).first + 3_200;
      const r = await runListener(audio, { steps: [{ at, act: (l) => l.setSpeaking(true) }] });
      expect(r.events.map((e) => e.type)).toEqual(['wake', 'speech_start', 'cancelled']);
      expect(first(r, 'cancelled')).toEqual({ type: 'cancelled', sample: at, reason: 'speaking' });
      expect(r.states.at(-1)).toBe('recording→idle (speaking)');
    });
  });

  it('gives the same events whatever the chunk size (and when everything is fed at once)', async () => {
    const { audio } = build(1, heyJarvis(), 0.7, command(), 1.2, heyJarvis(), 3.5);
    const reference = await runListener(audio, { chunk: 1_280 });
    expect(types(reference)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance', 'wake', 'no_speech']);
    for (const chunk of [37, 512, 1_000, 4_096, 16_000]) {
      const r = await runListener(audio, { chunk });
      expect(r.events, `chunk ${chunk}`).toEqual(reference.events);
    }
    const atOnce = await runListener(audio, { chunk: audio.length, drainEach: false });
    expect(atOnce.events).toEqual(reference.events);
    expect(atOnce.utterances[0]?.pcm).toEqual(reference.utterances[0]?.pcm);
  });

  it('end() closes an open capture at the end of a file', async () => {
    const { audio } = build(1.5, heyJarvis(), 0.8, command(), 0.2);
    const r = await runListener(audio, { end: true });
    expect(types(r)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance']);
    const end = first(r, 'speech_end');
    expect(end.decided).toBe(audio.length);
    expect(r.utterances[0]?.times.end.sample).toBe(Math.min(audio.length, end.sample + 300 * 16));
  });
});
