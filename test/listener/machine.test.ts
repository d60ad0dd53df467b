/**
 * The pure state machine, transition by transition: every state × every input, with plain objects (no models).
 * Positions are samples at 16 kHz; the timing below is the default settings.
 */
import { describe, expect, it } from 'vitest';
import {
  type AwakeState,
  type Effect,
  type IdleState,
  INITIAL_SPEECH_STREAM,
  INITIAL_STATE,
  type ListenerInput,
  type ListenerState,
  listenerTiming,
  NONE,
  nextDeadline,
  nextStreamDeadline,
  type RecordingState,
  type SpeechStream,
  type SpeechStreamEffect,
  type SpeechStreamOn,
  speechStreamTiming,
  stepSpeechStream,
  transition,
  type VoiceTrack,
  type WakeInfo,
} from '../../src/listener/index.js';

const T = listenerTiming();
const MS = 16; // samples per millisecond

const SILENT: VoiceTrack = { active: false, start: NONE, end: NONE };
const WAKE_VOICE: VoiceTrack = { active: true, start: 16_000, end: NONE }; // "hey jarvis" began at 1.0 s
const AFTER_WAKE: VoiceTrack = { active: false, start: 16_000, end: 30_000 };

const WAKE: WakeInfo = { keyword: 'hey_jarvis', score: 0.9, sample: 32_000, startSample: 16_000, bargeIn: false };

const idle: IdleState = { kind: 'idle', speaking: false, voice: AFTER_WAKE };
const idleSpeaking: IdleState = { kind: 'idle', speaking: true, voice: SILENT };
const awake: AwakeState = { kind: 'awake', voice: AFTER_WAKE, wake: WAKE, openedAt: 32_000, deadline: 32_000 + 3000 * MS, carryOver: false };
const awakeCarry: AwakeState = { ...awake, voice: WAKE_VOICE, carryOver: true };
const awakeNoWake: AwakeState = { kind: 'awake', voice: SILENT, wake: null, openedAt: 100_000, deadline: 100_000 + 3000 * MS, carryOver: false };
const recording: RecordingState = {
  kind: 'recording',
  voice: { active: true, start: 48_000, end: 30_000 },
  wake: WAKE,
  openedAt: 32_000,
  deadline: 80_000,
  speechStart: 48_000,
  speechEnd: NONE,
};
/** Speech 48,000 → 72,000 (1.5 s), silent since 72,000 − 480 (VAD padding). */
const recordingSilent: RecordingState = { ...recording, voice: { active: false, start: 48_000, end: 72_000 }, speechEnd: 72_000 };
const ENDPOINT = 72_000 - 30 * MS + 700 * MS;

function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null) {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

for (const s of [idle, idleSpeaking, awake, awakeCarry, awakeNoWake, recording, recordingSilent]) deepFreeze(s);

interface Row {
  readonly name: string;
  readonly from: ListenerState;
  readonly input: ListenerInput;
  /** The expected next state; `'same'` when it must be the very same object. */
  readonly to: ListenerState | 'same';
  readonly effects: readonly Effect[];
}

const wakeIn = (score: number, sample = 40_000): ListenerInput => ({ type: 'wake', keyword: 'hey_jarvis', score, sample });
const wakeOut = (score: number, sample: number, startSample: number, bargeIn: boolean): WakeInfo => ({ keyword: 'hey_jarvis', score, sample, startSample, bargeIn });

const rows: Row[] = [
  // ───── idle ─────
  {
    name: 'idle + wake → awake, onset from the VAD region that carried the wake word',
    from: idle,
    input: wakeIn(0.6),
    to: { kind: 'awake', voice: AFTER_WAKE, wake: wakeOut(0.6, 40_000, 16_000, false), openedAt: 40_000, deadline: 40_000 + 48_000, carryOver: false },
    effects: [{ type: 'wake', wake: wakeOut(0.6, 40_000, 16_000, false) }],
  },
  {
    name: 'idle + wake while the VAD is still in the wake word → awake with carry-over',
    from: { ...idle, voice: WAKE_VOICE },
    input: wakeIn(0.9, 30_000),
    to: { kind: 'awake', voice: WAKE_VOICE, wake: wakeOut(0.9, 30_000, 16_000, false), openedAt: 30_000, deadline: 78_000, carryOver: true },
    effects: [{ type: 'wake', wake: wakeOut(0.9, 30_000, 16_000, false) }],
  },
  {
    name: 'idle + wake with no recent VAD onset → wake start falls back 1.5 s',
    from: { ...idle, voice: SILENT },
    input: wakeIn(0.7, 100_000),
    to: { kind: 'awake', voice: SILENT, wake: wakeOut(0.7, 100_000, 76_000, false), openedAt: 100_000, deadline: 148_000, carryOver: false },
    effects: [{ type: 'wake', wake: wakeOut(0.7, 100_000, 76_000, false) }],
  },
  { name: 'idle (speaking) + wake below the barge-in threshold → ignored', from: idleSpeaking, input: wakeIn(0.79), to: 'same', effects: [] },
  {
    name: 'idle (speaking) + wake at the barge-in threshold → awake, barge_in then wake',
    from: idleSpeaking,
    input: wakeIn(0.8, 64_000),
    to: { kind: 'awake', voice: SILENT, wake: wakeOut(0.8, 64_000, 40_000, true), openedAt: 64_000, deadline: 112_000, carryOver: false },
    effects: [
      { type: 'barge_in', wake: wakeOut(0.8, 64_000, 40_000, true) },
      { type: 'wake', wake: wakeOut(0.8, 64_000, 40_000, true) },
    ],
  },
  {
    name: 'idle + voice_start → tracked only',
    from: idle,
    input: { type: 'voice_start', sample: 50_000, at: 51_000 },
    to: { ...idle, voice: { active: true, start: 50_000, end: 30_000 } },
    effects: [],
  },
  {
    name: 'idle + voice_end → tracked only',
    from: { ...idle, voice: WAKE_VOICE },
    input: { type: 'voice_end', sample: 30_000, at: 31_600 },
    to: { ...idle, voice: AFTER_WAKE },
    effects: [],
  },
  {
    name: 'idle (speaking) + voice edges → tracked, speaking kept (VAD ignored)',
    from: idleSpeaking,
    input: { type: 'voice_start', sample: 50_000, at: 51_000 },
    to: { ...idleSpeaking, voice: { active: true, start: 50_000, end: NONE } },
    effects: [],
  },
  { name: 'idle + tick → nothing', from: idle, input: { type: 'tick', at: 1e6 }, to: 'same', effects: [] },
  {
    name: 'idle + listen → awake without wake word',
    from: idle,
    input: { type: 'listen', at: 100_000 },
    to: { kind: 'awake', voice: AFTER_WAKE, wake: null, openedAt: 100_000, deadline: 148_000, carryOver: false },
    effects: [],
  },
  {
    name: 'idle (speaking) + listen → awake, speaking mode ends',
    from: idleSpeaking,
    input: { type: 'listen', at: 100_000 },
    to: { kind: 'awake', voice: SILENT, wake: null, openedAt: 100_000, deadline: 148_000, carryOver: false },
    effects: [],
  },
  {
    name: 'idle + listen while speech goes on → awake with carry-over',
    from: { ...idle, voice: WAKE_VOICE },
    input: { type: 'listen', at: 20_000 },
    to: { kind: 'awake', voice: WAKE_VOICE, wake: null, openedAt: 20_000, deadline: 68_000, carryOver: true },
    effects: [],
  },
  { name: 'idle + speaking(true) → idle (speaking)', from: idle, input: { type: 'speaking', speaking: true, at: 5 }, to: { ...idle, speaking: true }, effects: [] },
  { name: 'idle + speaking(false) when not speaking → same', from: idle, input: { type: 'speaking', speaking: false, at: 5 }, to: 'same', effects: [] },
  { name: 'idle (speaking) + speaking(false) → idle', from: idleSpeaking, input: { type: 'speaking', speaking: false, at: 5 }, to: { ...idleSpeaking, speaking: false }, effects: [] },
  { name: 'idle + cancel → same', from: idle, input: { type: 'cancel', at: 5 }, to: 'same', effects: [] },
  { name: 'idle (speaking) + cancel → same (still speaking)', from: idleSpeaking, input: { type: 'cancel', at: 5 }, to: 'same', effects: [] },
  { name: 'idle + end → nothing', from: idle, input: { type: 'end', at: 1e6 }, to: 'same', effects: [] },
  {
    name: 'idle + reset while the VAD is in speech → speech no longer in progress',
    from: { ...idle, voice: WAKE_VOICE },
    input: { type: 'reset', at: 1e6 },
    to: { ...idle, voice: { active: false, start: 16_000, end: NONE } },
    effects: [],
  },
  { name: 'idle (silent) + reset → same', from: idle, input: { type: 'reset', at: 1e6 }, to: 'same', effects: [] },

  // ───── awake ─────
  {
    name: 'awake + voice_start → recording, speech_start at the padded onset',
    from: awake,
    input: { type: 'voice_start', sample: 47_520, at: 49_000 },
    to: { kind: 'recording', voice: { active: true, start: 47_520, end: 30_000 }, wake: WAKE, openedAt: 32_000, deadline: 80_000, speechStart: 47_520, speechEnd: NONE },
    effects: [{ type: 'speech_start', sample: 47_520 }],
  },
  {
    name: 'awake (carry-over) + voice_end → the wake word is over, keep waiting',
    from: awakeCarry,
    input: { type: 'voice_end', sample: 33_000, at: 34_600 },
    to: { ...awakeCarry, voice: { active: false, start: 16_000, end: 33_000 }, carryOver: false },
    effects: [],
  },
  { name: 'awake + tick before the deadline → nothing', from: awake, input: { type: 'tick', at: 79_999 }, to: 'same', effects: [] },
  {
    name: 'awake + tick at the deadline → idle, no_speech at the deadline',
    from: awake,
    input: { type: 'tick', at: 81_000 },
    to: { kind: 'idle', speaking: false, voice: AFTER_WAKE },
    effects: [{ type: 'no_speech', sample: 80_000, wake: WAKE }],
  },
  {
    name: 'awake (no wake word) + tick at the deadline → no_speech without wake',
    from: awakeNoWake,
    input: { type: 'tick', at: 148_000 },
    to: { kind: 'idle', speaking: false, voice: SILENT },
    effects: [{ type: 'no_speech', sample: 148_000, wake: null }],
  },
  { name: 'awake (carry-over) + tick before the continuation → nothing', from: awakeCarry, input: { type: 'tick', at: 32_000 + 1_000 * MS - 1 }, to: 'same', effects: [] },
  {
    name: 'awake (carry-over) + tick 1 s after the wake, still speaking → recording from the detection',
    from: awakeCarry,
    input: { type: 'tick', at: 32_000 + 1_000 * MS },
    to: { kind: 'recording', voice: WAKE_VOICE, wake: WAKE, openedAt: 32_000, deadline: 80_000, speechStart: 32_000, speechEnd: NONE },
    effects: [{ type: 'speech_start', sample: 32_000 }],
  },
  {
    name: 'awake (carry-over) + tick 1 s after a late detection, in speech that began < 500 ms before it → recording from that onset',
    from: { ...awakeCarry, voice: { active: true, start: 32_000 - 400 * MS, end: 20_000 } },
    input: { type: 'tick', at: 32_000 + 1_000 * MS },
    to: {
      kind: 'recording',
      voice: { active: true, start: 32_000 - 400 * MS, end: 20_000 },
      wake: WAKE,
      openedAt: 32_000,
      deadline: 80_000,
      speechStart: 32_000 - 400 * MS,
      speechEnd: NONE,
    },
    effects: [{ type: 'speech_start', sample: 32_000 - 400 * MS }],
  },
  { name: 'awake + wake → ignored', from: awake, input: wakeIn(0.99, 50_000), to: 'same', effects: [] },
  {
    name: 'awake without a wake word + wake → awake again, from the wake word (stream mode, follow-ups)',
    from: awakeNoWake,
    input: wakeIn(0.9, 110_000),
    to: { kind: 'awake', voice: SILENT, wake: wakeOut(0.9, 110_000, 110_000 - T.wakeFallbackSamples, false), openedAt: 110_000, deadline: 110_000 + 3000 * MS, carryOver: false },
    effects: [{ type: 'wake', wake: wakeOut(0.9, 110_000, 110_000 - T.wakeFallbackSamples, false) }],
  },
  { name: 'awake + listen → ignored', from: awake, input: { type: 'listen', at: 50_000 }, to: 'same', effects: [] },
  {
    name: 'awake + speaking(true) → idle (speaking), cancelled',
    from: awake,
    input: { type: 'speaking', speaking: true, at: 50_000 },
    to: { kind: 'idle', speaking: true, voice: AFTER_WAKE },
    effects: [{ type: 'cancelled', sample: 50_000, reason: 'speaking' }],
  },
  { name: 'awake + speaking(false) → same', from: awake, input: { type: 'speaking', speaking: false, at: 50_000 }, to: 'same', effects: [] },
  {
    name: 'awake + end → idle, no_speech at the end of input',
    from: awake,
    input: { type: 'end', at: 50_000 },
    to: { kind: 'idle', speaking: false, voice: AFTER_WAKE },
    effects: [{ type: 'no_speech', sample: 50_000, wake: WAKE }],
  },
  {
    name: 'awake + reset → idle, cancelled',
    from: awake,
    input: { type: 'reset', at: 50_000 },
    to: { kind: 'idle', speaking: false, voice: AFTER_WAKE },
    effects: [{ type: 'cancelled', sample: 50_000, reason: 'reset' }],
  },
  {
    name: 'awake + cancel → idle, cancelled, the speech track kept',
    from: awake,
    input: { type: 'cancel', at: 50_000 },
    to: { kind: 'idle', speaking: false, voice: awake.voice },
    effects: [{ type: 'cancelled', sample: 50_000, reason: 'cancel' }],
  },

  // ───── recording ─────
  {
    name: 'recording + voice_end → silent since the padded end',
    from: recording,
    input: { type: 'voice_end', sample: 72_000, at: 73_600 },
    to: recordingSilent,
    effects: [],
  },
  {
    name: 'recording (silent) + voice_start → speech resumed',
    from: recordingSilent,
    input: { type: 'voice_start', sample: 76_000, at: 77_000 },
    to: { ...recordingSilent, voice: { active: true, start: 76_000, end: 72_000 }, speechEnd: NONE },
    effects: [],
  },
  { name: 'recording + tick while speaking → nothing', from: recording, input: { type: 'tick', at: 100_000 }, to: 'same', effects: [] },
  { name: 'recording (silent) + tick before silence end → nothing', from: recordingSilent, input: { type: 'tick', at: ENDPOINT - 1 }, to: 'same', effects: [] },
  {
    name: 'recording (silent) + tick at silence end → idle, speech_end + utterance with pre- and post-roll',
    from: recordingSilent,
    input: { type: 'tick', at: ENDPOINT + 300 },
    to: { kind: 'idle', speaking: false, voice: recordingSilent.voice },
    effects: [
      { type: 'speech_end', sample: 72_000, decided: ENDPOINT, truncated: false },
      {
        type: 'utterance',
        span: { wake: WAKE, start: 48_000 - 8_000 - 1_600, end: 72_000 + 4_800, speechStart: 48_000, speechEnd: 72_000, decided: ENDPOINT, truncated: false },
      },
    ],
  },
  {
    name: 'recording (silent, too short) + tick at silence end → back to awake',
    from: { ...recordingSilent, speechEnd: 48_000 + 4_799, deadline: 200_000 },
    input: { type: 'tick', at: 48_000 + 4_799 - 480 + 11_200 },
    to: { kind: 'awake', voice: recordingSilent.voice, wake: WAKE, openedAt: 32_000, deadline: 200_000, carryOver: false },
    effects: [{ type: 'speech_end', sample: 52_799, decided: 63_519, truncated: false }],
  },
  {
    name: 'recording (silent, too short) + tick after the capture deadline → idle, no_speech',
    from: { ...recordingSilent, speechEnd: 50_000, deadline: 60_000 },
    input: { type: 'tick', at: 61_000 },
    to: { kind: 'idle', speaking: false, voice: recordingSilent.voice },
    effects: [
      { type: 'speech_end', sample: 50_000, decided: 60_720, truncated: false },
      { type: 'no_speech', sample: 60_720, wake: WAKE },
    ],
  },
  {
    name: 'recording + tick at the maximum length → idle, truncated utterance',
    from: recording,
    input: { type: 'tick', at: 48_000 + 160_000 },
    to: { kind: 'idle', speaking: false, voice: recording.voice },
    effects: [
      { type: 'speech_end', sample: 208_000, decided: 208_000, truncated: true },
      { type: 'utterance', span: { wake: WAKE, start: 38_400, end: 208_000, speechStart: 48_000, speechEnd: 208_000, decided: 208_000, truncated: true } },
    ],
  },
  { name: 'recording + wake → ignored', from: recording, input: wakeIn(0.99, 60_000), to: 'same', effects: [] },
  {
    name: 'recording without a wake word + wake → awake from the wake word, the speech that carried it goes on',
    from: { ...recording, wake: null },
    input: wakeIn(0.9, 60_000),
    to: { kind: 'awake', voice: recording.voice, wake: wakeOut(0.9, 60_000, 48_000, false), openedAt: 60_000, deadline: 60_000 + 3000 * MS, carryOver: true },
    effects: [{ type: 'wake', wake: wakeOut(0.9, 60_000, 48_000, false) }],
  },
  { name: 'recording + listen → ignored', from: recording, input: { type: 'listen', at: 60_000 }, to: 'same', effects: [] },
  {
    name: 'recording + speaking(true) → idle (speaking), cancelled',
    from: recording,
    input: { type: 'speaking', speaking: true, at: 60_000 },
    to: { kind: 'idle', speaking: true, voice: recording.voice },
    effects: [{ type: 'cancelled', sample: 60_000, reason: 'speaking' }],
  },
  { name: 'recording + speaking(false) → same', from: recording, input: { type: 'speaking', speaking: false, at: 60_000 }, to: 'same', effects: [] },
  {
    name: 'recording + cancel → idle, cancelled, the speech track kept',
    from: recording,
    input: { type: 'cancel', at: 60_000 },
    to: { kind: 'idle', speaking: false, voice: recording.voice },
    effects: [{ type: 'cancelled', sample: 60_000, reason: 'cancel' }],
  },
  {
    name: 'recording + end while speaking → utterance up to the end of input',
    from: recording,
    input: { type: 'end', at: 70_000 },
    to: { kind: 'idle', speaking: false, voice: recording.voice },
    effects: [
      { type: 'speech_end', sample: 70_000, decided: 70_000, truncated: false },
      { type: 'utterance', span: { wake: WAKE, start: 38_400, end: 70_000, speechStart: 48_000, speechEnd: 70_000, decided: 70_000, truncated: false } },
    ],
  },
  {
    name: 'recording (silent) + end → utterance ending at the speech end (+ what post-roll there is)',
    from: recordingSilent,
    input: { type: 'end', at: 74_000 },
    to: { kind: 'idle', speaking: false, voice: recordingSilent.voice },
    effects: [
      { type: 'speech_end', sample: 72_000, decided: 74_000, truncated: false },
      { type: 'utterance', span: { wake: WAKE, start: 38_400, end: 74_000, speechStart: 48_000, speechEnd: 72_000, decided: 74_000, truncated: false } },
    ],
  },
  {
    name: 'recording (too short) + end → idle, no_speech',
    from: recording,
    input: { type: 'end', at: 50_000 },
    to: { kind: 'idle', speaking: false, voice: recording.voice },
    effects: [
      { type: 'speech_end', sample: 50_000, decided: 50_000, truncated: false },
      { type: 'no_speech', sample: 50_000, wake: WAKE },
    ],
  },
  {
    name: 'recording + reset → idle, speech no longer in progress, cancelled',
    from: recording,
    input: { type: 'reset', at: 60_000 },
    to: { kind: 'idle', speaking: false, voice: { active: false, start: 48_000, end: 30_000 } },
    effects: [{ type: 'cancelled', sample: 60_000, reason: 'reset' }],
  },

  // ───── the stream's inputs leave the capture alone (speech-stream.ts reacts to them) ─────
  ...([['idle', idle], ['idle (speaking)', idleSpeaking], ['awake', awake], ['recording', recording]] as const).flatMap(([label, from]): Row[] => [
    { name: `${label} + stream_arm → same`, from, input: { type: 'stream_arm', timing: null, at: 50_000 }, to: 'same', effects: [] },
    { name: `${label} + stream_cut → same`, from, input: { type: 'stream_cut', reason: 'link', at: 50_000 }, to: 'same', effects: [] },
    { name: `${label} + hub_recording → same`, from, input: { type: 'hub_recording', recording: true, at: 50_000 }, to: 'same', effects: [] },
  ]),
];

describe('transition', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const [next, effects] = transition(row.from, row.input, T);
    if (row.to === 'same') expect(next).toBe(row.from);
    else expect(next).toEqual(row.to);
    expect(effects).toEqual(row.effects);
  });

  it('covers every state kind with every input type', () => {
    const kinds = new Set(rows.map((r) => `${r.from.kind}×${r.input.type}`));
    for (const state of ['idle', 'awake', 'recording']) {
      for (const input of ['wake', 'voice_start', 'voice_end', 'tick', 'listen', 'speaking', 'end', 'reset', 'stream_arm', 'stream_cut', 'hub_recording']) {
        expect(kinds.has(`${state}×${input}`), `${state}×${input}`).toBe(true);
      }
    }
  });

  it('includes the wake-word audio when asked, and never starts before sample 0', () => {
    const t = listenerTiming({ includeWakeAudio: true });
    const [, effects] = transition(recordingSilent, { type: 'tick', at: ENDPOINT }, t);
    expect(effects[1]).toMatchObject({ type: 'utterance', span: { start: 16_000 - 8_000 - 1_600 } });
    const early: RecordingState = { ...recordingSilent, wake: null, speechStart: 1_000, speechEnd: 30_000 };
    const [, e2] = transition(early, { type: 'tick', at: 1e6 }, T);
    expect(e2[1]).toMatchObject({ type: 'utterance', span: { start: 0 } });
  });

  it('cuts at the maximum length when it comes before the endpoint', () => {
    const near: RecordingState = { ...recordingSilent, speechEnd: 48_000 + 160_000 - 100 };
    const [next, effects] = transition(near, { type: 'tick', at: 48_000 + 160_000 }, T);
    expect(next.kind).toBe('idle');
    expect(effects[0]).toEqual({ type: 'speech_end', sample: 208_000, decided: 208_000, truncated: true });
  });

  it('stays in idle from the initial state until a wake word or listen', () => {
    expect(INITIAL_STATE).toEqual({ kind: 'idle', speaking: false, voice: SILENT });
    expect(transition(INITIAL_STATE, { type: 'tick', at: 1e9 }, T)[0]).toBe(INITIAL_STATE);
  });
});

describe('nextDeadline', () => {
  it.each([
    ['idle', idle, Number.POSITIVE_INFINITY],
    ['idle (speaking)', idleSpeaking, Number.POSITIVE_INFINITY],
    ['awake: the no-speech deadline', awake, 80_000],
    ['awake (carry-over): the continuation check', awakeCarry, 32_000 + 1_000 * MS],
    ['recording while speaking: the maximum length', recording, 48_000 + 160_000],
    ['recording while silent: the endpoint', recordingSilent, ENDPOINT],
  ] as const)('%s', (_name, state, expected) => {
    expect(nextDeadline(state, T)).toBe(expected);
  });

  it('is exactly where a tick starts to change the state', () => {
    for (const state of [awake, awakeCarry, recording, recordingSilent]) {
      const at = nextDeadline(state, T);
      expect(transition(state, { type: 'tick', at: at - 1 }, T)[0]).toBe(state);
      expect(transition(state, { type: 'tick', at }, T)[0]).not.toBe(state);
    }
  });
});

// ───────────────────────────────────────────────────────────────────────── the stream region (speech-stream.ts)

/** Stream mode's settings in the satellite tests: 500 ms pre-roll, 600 ms tail, 10 s cap, 64 ms chunks. */
const ST = speechStreamTiming({ preRollMs: 500, tailMs: 600, maxStreamMs: 10_000, chunkSamples: 1_024 });
const C = 1_024;

const armed: SpeechStream = { kind: 'off', armed: ST, streams: 0 };
/** Stream 1 from 40,000 (the pre-roll of an onset at 48,000), two chunks handed out, speech going on. */
const streaming: SpeechStreamOn = {
  kind: 'on', armed: ST, streams: 1, timing: ST, start: 40_000, next: 40_000 + 2 * C, speech: true, hubRecording: false,
  tailEnd: Number.POSITIVE_INFINITY, capEnd: 40_000 + 160_000,
};
/** The same after the end of speech was decided at 50,000: the tail runs to 59,600. */
const tailing: SpeechStreamOn = { ...streaming, next: 40_000 + 9 * C, speech: false, tailEnd: 59_600 };
const hubRecords: SpeechStreamOn = { ...tailing, hubRecording: true };
for (const s of [armed, streaming, tailing, hubRecords]) deepFreeze(s);

/** `n` whole chunks of stream 1 from `from`. */
function chunks(from: number, n: number): SpeechStreamEffect[] {
  return Array.from({ length: n }, (_, i) => ({ type: 'stream_chunk', stream: 1, from: from + i * C, to: from + (i + 1) * C }));
}

interface StreamRow {
  readonly name: string;
  readonly from: SpeechStream;
  readonly input: ListenerInput;
  /** The capture's effects for the input. */
  readonly capture?: readonly Effect[];
  readonly to: SpeechStream | 'same';
  readonly effects: readonly SpeechStreamEffect[];
}

const streamRows: StreamRow[] = [
  // ───── off ─────
  { name: 'off + stream_arm → armed', from: INITIAL_SPEECH_STREAM, input: { type: 'stream_arm', timing: ST, at: 1_000 }, to: armed, effects: [] },
  { name: 'armed + stream_arm(null) → not armed', from: armed, input: { type: 'stream_arm', timing: null, at: 1_000 }, to: INITIAL_SPEECH_STREAM, effects: [] },
  {
    name: 'not armed + speech_start → nothing streams',
    from: INITIAL_SPEECH_STREAM,
    input: { type: 'voice_start', sample: 48_000, at: 49_000 },
    capture: [{ type: 'speech_start', sample: 48_000 }],
    to: 'same',
    effects: [],
  },
  {
    name: 'armed + speech_start → stream 1 from the pre-roll, its whole chunks up to the input handed out',
    from: armed,
    input: { type: 'voice_start', sample: 48_000, at: 49_000 },
    capture: [{ type: 'speech_start', sample: 48_000 }],
    to: { ...streaming, next: 40_000 + 8 * C },
    effects: [{ type: 'stream_start', stream: 1, from: 40_000 }, ...chunks(40_000, 8)],
  },
  {
    name: 'armed + speech_start within the pre-roll of the stream start → from sample 0',
    from: armed,
    input: { type: 'voice_start', sample: 3_000, at: 3_000 },
    capture: [{ type: 'speech_start', sample: 3_000 }],
    to: { ...streaming, start: 0, next: 2 * C, capEnd: 160_000 },
    effects: [{ type: 'stream_start', stream: 1, from: 0 }, ...chunks(0, 2)],
  },
  { name: 'off + tick → same', from: armed, input: { type: 'tick', at: 1e6 }, to: 'same', effects: [] },
  { name: 'off + hub_recording → same', from: armed, input: { type: 'hub_recording', recording: true, at: 1e6 }, to: 'same', effects: [] },
  { name: 'off + stream_cut → same', from: armed, input: { type: 'stream_cut', reason: 'link', at: 1e6 }, to: 'same', effects: [] },
  { name: 'off + end → same', from: armed, input: { type: 'end', at: 1e6 }, to: 'same', effects: [] },

  // ───── on, speech going on ─────
  { name: 'on + tick before the next chunk is whole → same', from: streaming, input: { type: 'tick', at: 40_000 + 3 * C - 1 }, to: 'same', effects: [] },
  {
    name: 'on + tick → every chunk the audio completed, none beyond',
    from: streaming,
    input: { type: 'tick', at: 40_000 + 5 * C + 10 },
    to: { ...streaming, next: 40_000 + 5 * C },
    effects: chunks(40_000 + 2 * C, 3),
  },
  {
    name: 'on + a wake word (any input) → the chunks up to its position',
    from: streaming,
    input: { type: 'wake', keyword: 'hey_jarvis', score: 0.9, sample: 40_000 + 3 * C },
    capture: [{ type: 'wake', wake: WAKE }],
    to: { ...streaming, next: 40_000 + 3 * C },
    effects: chunks(40_000 + 2 * C, 1),
  },
  {
    name: 'on + speech_end → the tail runs from the decided end',
    from: streaming,
    input: { type: 'tick', at: 50_000 },
    capture: [{ type: 'speech_end', sample: 49_000, decided: 50_000, truncated: false }],
    to: { ...streaming, next: 40_000 + 9 * C, speech: false, tailEnd: 59_600 },
    effects: chunks(40_000 + 2 * C, 7),
  },
  {
    name: 'on + the capture closes without a speech end (no_speech) → the tail runs from there',
    from: streaming,
    input: { type: 'tick', at: 42_048 },
    capture: [{ type: 'no_speech', sample: 42_048, wake: WAKE }],
    to: { ...streaming, speech: false, tailEnd: 42_048 + 9_600 },
    effects: [],
  },
  {
    name: 'on + the capture is abandoned (cancelled) → the tail runs from there',
    from: streaming,
    input: { type: 'speaking', speaking: true, at: 42_048 },
    capture: [{ type: 'cancelled', sample: 42_048, reason: 'speaking' }],
    to: { ...streaming, speech: false, tailEnd: 42_048 + 9_600 },
    effects: [],
  },
  { name: 'on + speech_start again → same stream', from: streaming, input: { type: 'voice_start', sample: 42_000, at: 42_048 }, capture: [{ type: 'speech_start', sample: 42_000 }], to: 'same', effects: [] },
  { name: 'on + hub_recording(true) → records', from: streaming, input: { type: 'hub_recording', recording: true, at: 42_048 }, to: { ...streaming, hubRecording: true }, effects: [] },
  {
    name: 'on (hub records) + hub_recording(false) during the speech → the stream goes on to its tail',
    from: { ...streaming, hubRecording: true },
    input: { type: 'hub_recording', recording: false, at: 42_048 },
    to: streaming,
    effects: [],
  },
  { name: 'on + stream_arm(null) → the stream goes on, not armed', from: streaming, input: { type: 'stream_arm', timing: null, at: 42_048 }, to: { ...streaming, armed: null }, effects: [] },
  {
    name: 'on + stream_cut → off at once, nothing more handed out',
    from: streaming,
    input: { type: 'stream_cut', reason: 'link', at: 45_000 },
    to: { kind: 'off', armed: ST, streams: 1 },
    effects: [{ type: 'stream_end', stream: 1, at: 45_000, reason: 'link' }],
  },
  {
    name: 'on + end → what there is, one short chunk, then off',
    from: streaming,
    input: { type: 'end', at: 42_048 + 100 },
    to: { kind: 'off', armed: ST, streams: 1 },
    effects: [{ type: 'stream_chunk', stream: 1, from: 42_048, to: 42_148 }, { type: 'stream_end', stream: 1, at: 42_148, reason: 'end' }],
  },
  {
    name: 'on + tick at the cap → the chunks, one short one to the cap, then off',
    from: { ...streaming, next: 199_000 - C },
    input: { type: 'tick', at: 201_000 },
    to: { kind: 'off', armed: ST, streams: 1 },
    effects: [
      { type: 'stream_chunk', stream: 1, from: 199_000 - C, to: 199_000 },
      { type: 'stream_chunk', stream: 1, from: 199_000, to: 200_000 },
      { type: 'stream_end', stream: 1, at: 200_000, reason: 'cap' },
    ],
  },

  // ───── on, in the tail ─────
  {
    name: 'tail + tick past its end → the chunks, one short one to the tail end, then off',
    from: tailing,
    input: { type: 'tick', at: 61_000 },
    to: { kind: 'off', armed: ST, streams: 1 },
    effects: [...chunks(40_000 + 9 * C, 10), { type: 'stream_chunk', stream: 1, from: 40_000 + 19 * C, to: 59_600 }, { type: 'stream_end', stream: 1, at: 59_600, reason: 'tail' }],
  },
  {
    name: 'tail + speech_start → the same stream, speech again, no tail',
    from: tailing,
    input: { type: 'voice_start', sample: 49_000, at: 49_216 },
    capture: [{ type: 'speech_start', sample: 49_000 }],
    to: { ...tailing, speech: true, tailEnd: Number.POSITIVE_INFINITY },
    effects: [],
  },
  {
    name: 'tail, the hub records + tick past the tail → streaming goes on',
    from: hubRecords,
    input: { type: 'tick', at: 40_000 + 20 * C },
    to: { ...hubRecords, next: 40_000 + 20 * C },
    effects: chunks(40_000 + 9 * C, 11),
  },
  {
    name: 'tail, the hub records + its record_end → what there is, then off',
    from: { ...hubRecords, next: 40_000 + 20 * C },
    input: { type: 'hub_recording', recording: false, at: 40_000 + 20 * C + 300 },
    to: { kind: 'off', armed: ST, streams: 1 },
    effects: [{ type: 'stream_chunk', stream: 1, from: 40_000 + 20 * C, to: 40_000 + 20 * C + 300 }, { type: 'stream_end', stream: 1, at: 40_000 + 20 * C + 300, reason: 'hub' }],
  },
  {
    name: 'tail + record_end before the tail ended → what there is, then off',
    from: tailing,
    input: { type: 'hub_recording', recording: false, at: 40_000 + 9 * C },
    to: { kind: 'off', armed: ST, streams: 1 },
    effects: [{ type: 'stream_end', stream: 1, at: 40_000 + 9 * C, reason: 'hub' }],
  },
  {
    name: 'off after stream 1 + speech_start → stream 2',
    from: { kind: 'off', armed: ST, streams: 1 },
    input: { type: 'voice_start', sample: 100_000, at: 100_000 },
    capture: [{ type: 'speech_start', sample: 100_000 }],
    to: { ...streaming, streams: 2, start: 92_000, next: 92_000 + 7 * C, capEnd: 252_000 },
    effects: [{ type: 'stream_start', stream: 2, from: 92_000 }, ...chunks(92_000, 7).map((c) => ({ ...c, stream: 2 }))],
  },
];

describe('stepSpeechStream', () => {
  it.each(streamRows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const [next, effects] = stepSpeechStream(row.from, row.input, row.capture ?? []);
    if (row.to === 'same') expect(next).toBe(row.from);
    else expect(next).toEqual(row.to);
    expect(effects).toEqual(row.effects);
  });

  it('nextStreamDeadline: the next whole chunk, or the tail end or the cap if sooner; none while off', () => {
    expect(nextStreamDeadline(armed)).toBe(Number.POSITIVE_INFINITY);
    expect(nextStreamDeadline(streaming)).toBe(40_000 + 3 * C);
    expect(nextStreamDeadline({ ...tailing, next: 59_000 })).toBe(59_600);
    expect(nextStreamDeadline({ ...hubRecords, next: 59_000 })).toBe(59_000 + C);
    expect(nextStreamDeadline({ ...streaming, next: 199_500 })).toBe(200_000);
    for (const s of [streaming, tailing, hubRecords]) {
      const at = nextStreamDeadline(s);
      expect(stepSpeechStream(s, { type: 'tick', at: at - 1 }, [])[0]).toBe(s);
      expect(stepSpeechStream(s, { type: 'tick', at }, [])[0]).not.toBe(s);
    }
  });

  it('refuses settings out of range', () => {
    expect(() => speechStreamTiming({ preRollMs: 2_001, tailMs: 0, maxStreamMs: 10_000, chunkSamples: 1_024 })).toThrow(/preRollMs: expected milliseconds in \[0, 2000\], got 2001/);
    expect(() => speechStreamTiming({ preRollMs: 0, tailMs: 0, maxStreamMs: 10_000, chunkSamples: 0.5 })).toThrow(/chunkSamples: expected an integer in \[1, 16000\], got 0.5/);
  });
});

/**
 * The stream on the sample clock, as the listener drives it: the audio arrives in 80 ms pieces and a tick comes at a
 * piece's end once it reaches {@link nextStreamDeadline}; speech edges and the hub's messages are inputs at their
 * positions. Every handed-out span must follow the one before.
 */
function streamDriver(maxStreamMs = 10_000) {
  let s: SpeechStream = { kind: 'off', armed: speechStreamTiming({ preRollMs: 500, tailMs: 600, maxStreamMs, chunkSamples: 1_024 }), streams: 0 };
  let fed = 0;
  const spans: [number, number][] = [];
  const ends: [string, number][] = [];
  const apply = (input: ListenerInput, capture: readonly Effect[] = []): void => {
    const [next, effects] = stepSpeechStream(s, input, capture);
    s = next;
    for (const e of effects) {
      if (e.type === 'stream_chunk') {
        expect(e.from).toBe(spans.at(-1)?.[1] ?? e.from);
        expect(e.to - e.from).toBeLessThanOrEqual(1_024);
        spans.push([e.from, e.to]);
      } else if (e.type === 'stream_end') ends.push([e.reason, e.at]);
    }
  };
  return {
    spans, ends,
    feed(ms: number): void {
      for (let left = ms * MS; left > 0; left -= 1_280) {
        fed += Math.min(1_280, left);
        if (fed >= nextStreamDeadline(s)) apply({ type: 'tick', at: fed });
      }
    },
    speechStart: (ms: number) => apply({ type: 'voice_start', sample: ms * MS, at: fed }, [{ type: 'speech_start', sample: ms * MS }]),
    speechEnd: (ms: number) => apply({ type: 'tick', at: fed }, [{ type: 'speech_end', sample: ms * MS, decided: ms * MS, truncated: false }]),
    hub: (recording: boolean) => apply({ type: 'hub_recording', recording, at: fed }),
    end: () => apply({ type: 'end', at: fed }),
    first: () => spans[0]?.[0],
    length: () => spans.reduce((n, [from, to]) => n + to - from, 0),
  };
}

describe('the stream on the sample clock', () => {
  it('streams from the pre-roll before the speech start to the tail after the decided end, in ≤ 64 ms chunks', () => {
    const d = streamDriver();
    d.feed(1_000);
    d.speechStart(900);
    d.feed(1_000); // speech, fed 2.0 s
    d.speechEnd(2_000);
    expect(d.ends).toEqual([]);
    d.feed(2_000);
    expect(d.first()).toBe(400 * MS); // 500 ms before the onset
    expect(d.length()).toBe((2_000 + 600 - 400) * MS); // through the 600 ms tail, not a sample more
    expect(d.ends).toEqual([['tail', 2_600 * MS]]);
  });

  it('goes on past the tail while the hub records, and stops at its record_end', () => {
    const d = streamDriver();
    d.feed(1_000);
    d.speechStart(1_000);
    d.hub(true);
    d.speechEnd(1_000);
    d.feed(1_000);
    expect(d.ends).toEqual([]);
    expect(500 * MS + d.length()).toBeGreaterThan(1_600 * MS); // past the 600 ms tail
    d.hub(false);
    expect(d.length()).toBe(1_500 * MS); // 500 ms pre-roll + 1 s, tail or not
    expect(d.ends).toEqual([['hub', 2_000 * MS]]);
  });

  it('speech again within the tail keeps one stream going', () => {
    const d = streamDriver();
    d.feed(1_000);
    d.speechStart(1_000);
    d.speechEnd(1_000);
    d.feed(300);
    d.speechStart(1_300);
    d.feed(2_000);
    expect(d.ends).toEqual([]);
    expect(2_800 * MS - d.length()).toBeLessThan(1_024); // all but the chunk not yet whole
    d.end();
    expect(d.length()).toBe(2_800 * MS);
    expect(d.ends).toEqual([['end', 3_300 * MS]]);
  });

  it('cuts every stream at the cap', () => {
    const d = streamDriver(1_000);
    d.feed(1_000);
    d.speechStart(1_000);
    d.feed(5_000);
    expect(d.ends).toEqual([['cap', 1_500 * MS]]);
    expect(d.length()).toBe(1_000 * MS);
  });
});
