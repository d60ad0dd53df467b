/**
 * The pure state machine, transition by transition: every state × every input, with plain objects (no models).
 * Positions are samples at 16 kHz; the timing below is the default settings.
 */
import { describe, expect, it } from 'vitest';
import {
  type AwakeState,
  type Effect,
  type IdleState,
  INITIAL_STATE,
  type ListenerInput,
  type ListenerState,
  listenerTiming,
  NONE,
  nextDeadline,
  type RecordingState,
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
      for (const input of ['wake', 'voice_start', 'voice_end', 'tick', 'listen', 'speaking', 'end', 'reset']) {
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
