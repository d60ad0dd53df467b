/**
 * The listening state machine: a discriminated-union state and a pure {@link transition} function
 * (STYLE.md §5, "Listener"). No audio, no clock, no I/O: every position is a sample index in the listener's stream
 * (16 kHz since the listener started), supplied by the caller, so each transition is tested with plain objects.
 *
 * ```
 *          wake word (while speaking: only at ≥ the barge-in threshold)
 *   idle ───────────────────────────────────────────► awake ── no speech by the timeout ──► idle (no_speech)
 *    ▲  └──────────── listenWithoutWake ────────────►  │ ▲   (a wake word in a capture opened without one: awake again)
 *    │                                   speech onset  │ │ speech shorter than minUtterance
 *    │                                                 ▼ │
 *    └────── end of speech, or the maximum length ── recording
 *            (utterance)
 *   setSpeaking(true) in awake/recording → idle (cancelled); the end of a finite input closes what is open.
 * ```
 *
 * Outcomes (`utterance`, `no_speech`) are effects of the transition back to `idle`, not states one can stay in.
 *
 * Stream mode's region (speech-stream.ts, `stepSpeechStream`) runs beside this one on the same inputs and this
 * machine's effects: it follows the capture's speech to say which audio streams out. Its own inputs (`stream_arm`,
 * `stream_cut`, `hub_recording`) leave the capture as it is.
 *
 * The Silero VAD reports raw speech edges (with a short hangover and padding); the machine turns them into an
 * endpoint: the utterance ends once the silence that began at `voice_end.sample − pad` has lasted `silenceEnd`, so the
 * VAD's own hangover is not added on top.
 *
 * @module
 */
import { assertNever } from '../errors.js';
import type { ListenerTiming } from './settings.js';
import type { SpeechStreamCut, SpeechStreamTiming } from './speech-stream.js';

/** Marks "no position" in the numeric fields below. */
export const NONE = -1;

/** What the VAD last reported, kept in every state (the listener needs it when the wake word arrives). */
export interface VoiceTrack {
  /** Whether the VAD is inside a speech region. */
  readonly active: boolean;
  /** Start of the current (or last) speech region, samples; {@link NONE} before any. */
  readonly start: number;
  /** End of the last finished speech region, samples; {@link NONE} before any. */
  readonly end: number;
}

/** The wake word that opened a capture. */
export interface WakeInfo {
  /** Keyword name (`hey_jarvis`). */
  readonly keyword: string;
  /** Score of the detection, in [0, 1]. */
  readonly score: number;
  /** Where the detection was made (end of the audio that triggered), samples. */
  readonly sample: number;
  /** Estimated start of the wake word itself, samples (from the VAD, or a fixed look-back). */
  readonly startSample: number;
  /** Whether it interrupted the satellite's own speech (barge-in). */
  readonly bargeIn: boolean;
}

/** Waiting for the wake word. `speaking`: the satellite itself is talking (VAD ignored, stricter wake threshold). */
export interface IdleState {
  readonly kind: 'idle';
  readonly speaking: boolean;
  readonly voice: VoiceTrack;
}

/** Woken (or asked to listen), waiting for the user to start speaking. */
export interface AwakeState {
  readonly kind: 'awake';
  readonly voice: VoiceTrack;
  /** The wake word, or null when opened by {@link ListenerInput} `listen`. */
  readonly wake: WakeInfo | null;
  /** Where listening began (the detection, or the `listen` request), samples. */
  readonly openedAt: number;
  /** No speech by this position → `no_speech`, samples. */
  readonly deadline: number;
  /** The VAD is still inside speech that began before {@link AwakeState.openedAt} (the wake word itself). */
  readonly carryOver: boolean;
}

/** Recording the user's speech until the endpoint. */
export interface RecordingState {
  readonly kind: 'recording';
  readonly voice: VoiceTrack;
  readonly wake: WakeInfo | null;
  readonly openedAt: number;
  /** The no-speech deadline of the capture, kept for when the speech turns out too short, samples. */
  readonly deadline: number;
  /** Speech onset (the VAD's padded start), samples. */
  readonly speechStart: number;
  /** End of the latest speech region (the VAD's padded end) while silent; {@link NONE} while speech goes on. */
  readonly speechEnd: number;
}

/** The listener's state. */
export type ListenerState = IdleState | AwakeState | RecordingState;

/** Names of the states. */
export type ListenerStateKind = ListenerState['kind'];

/** What the machine reacts to. `at` is the stream position at which the input was decided, samples. */
export type ListenerInput =
  /** The wake-word detector fired (or, while speaking, a hop scored above the barge-in threshold). */
  | { readonly type: 'wake'; readonly keyword: string; readonly score: number; readonly sample: number }
  /** The VAD saw speech begin at `sample` (padding included). */
  | { readonly type: 'voice_start'; readonly sample: number; readonly at: number }
  /** The VAD saw speech end at `sample` (padding included). */
  | { readonly type: 'voice_end'; readonly sample: number; readonly at: number }
  /** The stream reached `at`; sent only when {@link nextDeadline} has passed. */
  | { readonly type: 'tick'; readonly at: number }
  /** Open a capture without a wake word (follow-up question, `expect_response`). */
  | { readonly type: 'listen'; readonly at: number }
  /** The satellite started or stopped speaking. */
  | { readonly type: 'speaking'; readonly speaking: boolean; readonly at: number }
  /** A finite input ended: close what is open. */
  | { readonly type: 'end'; readonly at: number }
  /** The detectors were reset (after a failure): forget speech, abandon any capture. */
  | { readonly type: 'reset'; readonly at: number }
  /** Abandon the open capture, if any, and change nothing else (the microphone was muted, the turn was stopped). */
  | { readonly type: 'cancel'; readonly at: number }
  /**
   * Stream speech from now on (a speech start opens a stream with this timing), or no more (`null`; a stream under
   * way runs to its end). Only the stream region (speech-stream.ts) reacts; the capture is not changed.
   */
  | { readonly type: 'stream_arm'; readonly timing: SpeechStreamTiming | null; readonly at: number }
  /** Cut the stream under way: the link failed, or a chunk could not be sent (stream region only). */
  | { readonly type: 'stream_cut'; readonly reason: SpeechStreamCut; readonly at: number }
  /** The hub's listener records (`record_begin`, true) or stopped (`record_end`, false) (stream region only). */
  | { readonly type: 'hub_recording'; readonly recording: boolean; readonly at: number };

/** The positions of a finished utterance, samples. */
export interface UtteranceSpan {
  readonly wake: WakeInfo | null;
  /** First sample of the utterance's audio (pre-roll included). */
  readonly start: number;
  /** End (exclusive) of the utterance's audio (post-roll included). */
  readonly end: number;
  readonly speechStart: number;
  readonly speechEnd: number;
  /** Where the endpoint was decided. */
  readonly decided: number;
  /** Cut at the maximum utterance length. */
  readonly truncated: boolean;
}

/** What the listener must do after a transition. */
export type Effect =
  | { readonly type: 'wake'; readonly wake: WakeInfo }
  | { readonly type: 'barge_in'; readonly wake: WakeInfo }
  | { readonly type: 'speech_start'; readonly sample: number }
  /** `decided`: where the end was decided. */
  | { readonly type: 'speech_end'; readonly sample: number; readonly decided: number; readonly truncated: boolean }
  | { readonly type: 'utterance'; readonly span: UtteranceSpan }
  | { readonly type: 'no_speech'; readonly sample: number; readonly wake: WakeInfo | null }
  /** A capture was abandoned (the satellite started speaking, the detectors were reset, or it was cancelled). */
  | { readonly type: 'cancelled'; readonly sample: number; readonly reason: CancelReason };

/** Why a capture was abandoned: the satellite started speaking, the detectors were reset, or a `cancel` input. */
export type CancelReason = 'speaking' | 'reset' | 'cancel';

const NO_EFFECTS: readonly Effect[] = Object.freeze([]);
const SILENT: VoiceTrack = Object.freeze({ active: false, start: NONE, end: NONE });

/** The state a listener starts in. */
export const INITIAL_STATE: IdleState = Object.freeze({ kind: 'idle', speaking: false, voice: SILENT });

/** Result of {@link transition}: the next state (the same object when nothing changed) and the effects, in order. */
export type Transition = readonly [ListenerState, readonly Effect[]];

/**
 * The state machine. Pure: the same state, input and timing always give the same result, and nothing is mutated.
 *
 * @param state - the current state.
 * @param input - what happened.
 * @param timing - the settings in samples ({@link listenerTiming}).
 */
export function transition(state: ListenerState, input: ListenerInput, timing: ListenerTiming): Transition {
  switch (state.kind) {
    case 'idle':
      return fromIdle(state, input, timing);
    case 'awake':
      return fromAwake(state, input, timing);
    case 'recording':
      return fromRecording(state, input, timing);
    default:
      return assertNever(state, 'listener state');
  }
}

/**
 * The next stream position at which a `tick` can change `state`, samples (`Infinity` when none): the no-speech
 * deadline, the carry-over decision, the endpoint or the maximum length. The listener ticks only when the stream
 * passes it, so idle audio costs one comparison per piece.
 */
export function nextDeadline(state: ListenerState, timing: ListenerTiming): number {
  switch (state.kind) {
    case 'idle':
      return Number.POSITIVE_INFINITY;
    case 'awake':
      return state.carryOver ? Math.min(state.openedAt + timing.continuationSamples, state.deadline) : state.deadline;
    case 'recording':
      return Math.min(endpointAt(state, timing), state.speechStart + timing.maxUtteranceSamples);
    default:
      return assertNever(state, 'listener state');
  }
}

function fromIdle(s: IdleState, e: ListenerInput, t: ListenerTiming): Transition {
  switch (e.type) {
    case 'voice_start':
    case 'voice_end':
      return [{ ...s, voice: track(s.voice, e) }, NO_EFFECTS];
    case 'wake': {
      if (s.speaking && e.score < t.bargeInThreshold) return [s, NO_EFFECTS];
      const wake: WakeInfo = { keyword: e.keyword, score: e.score, sample: e.sample, startSample: wakeOnset(s.voice, e.sample, t), bargeIn: s.speaking };
      const next = awake(s.voice, wake, e.sample, t);
      return [next, s.speaking ? [{ type: 'barge_in', wake }, { type: 'wake', wake }] : [{ type: 'wake', wake }]];
    }
    case 'listen':
      return [awake(s.voice, null, e.at, t), NO_EFFECTS];
    case 'speaking':
      return e.speaking === s.speaking ? [s, NO_EFFECTS] : [{ ...s, speaking: e.speaking }, NO_EFFECTS];
    case 'reset':
      return s.voice.active ? [{ ...s, voice: hushed(s.voice) }, NO_EFFECTS] : [s, NO_EFFECTS];
    case 'tick':
    case 'end':
    case 'cancel':
    case 'stream_arm':
    case 'stream_cut':
    case 'hub_recording':
      return [s, NO_EFFECTS];
    default:
      return assertNever(e, 'listener input');
  }
}

/** Awake → recording: speech started at `speechStart`. */
function startRecording(s: AwakeState, voice: VoiceTrack, speechStart: number): Transition {
  const next: RecordingState = { kind: 'recording', voice, wake: s.wake, openedAt: s.openedAt, deadline: s.deadline, speechStart, speechEnd: NONE };
  return [next, [{ type: 'speech_start', sample: speechStart }]];
}

function fromAwake(s: AwakeState, e: ListenerInput, t: ListenerTiming): Transition {
  switch (e.type) {
    case 'voice_start':
      return startRecording(s, track(s.voice, e), e.sample);
    case 'voice_end':
      // The speech that carried the wake word (or was going on when listening opened) is over.
      return [{ ...s, voice: track(s.voice, e), carryOver: false }, NO_EFFECTS];
    case 'tick': {
      if (s.carryOver && e.at >= s.openedAt + t.continuationSamples) {
        // Speech goes on after the detection. Either there was no pause after the wake word (the command runs on from
        // the detection), or the detection came late, during a command that began too recently to hold the wake word.
        const late = s.voice.start !== NONE && s.openedAt - s.voice.start < t.wakeMinSpeechSamples;
        return startRecording(s, s.voice, late ? s.voice.start : s.openedAt);
      }
      if (e.at >= s.deadline) return [idle(s.voice), [{ type: 'no_speech', sample: s.deadline, wake: s.wake }]];
      return [s, NO_EFFECTS];
    }
    case 'end':
      return [idle(s.voice), [{ type: 'no_speech', sample: Math.min(e.at, s.deadline), wake: s.wake }]];
    case 'speaking':
    case 'reset':
    case 'cancel':
      return abandon(s, e);
    case 'wake':
      return heardWake(s, e, t);
    case 'listen':
    case 'stream_arm':
    case 'stream_cut':
    case 'hub_recording':
      return [s, NO_EFFECTS];
    default:
      return assertNever(e, 'listener input');
  }
}

function fromRecording(s: RecordingState, e: ListenerInput, t: ListenerTiming): Transition {
  switch (e.type) {
    case 'voice_start':
      return [{ ...s, voice: track(s.voice, e), speechEnd: NONE }, NO_EFFECTS];
    case 'voice_end':
      return [{ ...s, voice: track(s.voice, e), speechEnd: Math.max(e.sample, s.speechStart) }, NO_EFFECTS];
    case 'tick': {
      const cut = s.speechStart + t.maxUtteranceSamples;
      const endpoint = endpointAt(s, t);
      if (cut <= endpoint && e.at >= cut) return finish(s, t, cut, cut, true);
      if (endpoint < cut && e.at >= endpoint) return finish(s, t, s.speechEnd, endpoint, false);
      return [s, NO_EFFECTS];
    }
    case 'end': {
      const cut = s.speechStart + t.maxUtteranceSamples;
      if (e.at >= cut) return finish(s, t, cut, cut, true);
      return finish(s, t, s.speechEnd === NONE ? e.at : s.speechEnd, e.at, false, true);
    }
    case 'speaking':
    case 'reset':
    case 'cancel':
      return abandon(s, e);
    case 'wake':
      return heardWake(s, e, t);
    case 'listen':
    case 'stream_arm':
    case 'stream_cut':
    case 'hub_recording':
      return [s, NO_EFFECTS];
    default:
      return assertNever(e, 'listener input');
  }
}

/**
 * A wake word inside a capture opened without one (`listen`: stream mode, a follow-up): the capture starts again from
 * the wake word, as from idle — the command that follows it is the utterance, and it carries the wake word (stream
 * mode answers such an utterance locally when the hub is lost). A capture that has its wake word ignores further ones.
 */
function heardWake(s: AwakeState | RecordingState, e: Extract<ListenerInput, { readonly type: 'wake' }>, t: ListenerTiming): Transition {
  if (s.wake !== null) return [s, NO_EFFECTS];
  const wake: WakeInfo = { keyword: e.keyword, score: e.score, sample: e.sample, startSample: wakeOnset(s.voice, e.sample, t), bargeIn: false };
  return [awake(s.voice, wake, e.sample, t), [{ type: 'wake', wake }]];
}

/**
 * Close a recording: an utterance, or — speech shorter than the minimum — back to waiting (or `no_speech` when the
 * capture's deadline has passed or the input ended).
 */
function finish(s: RecordingState, t: ListenerTiming, speechEnd: number, decided: number, truncated: boolean, ended = false): Transition {
  const end: Effect = { type: 'speech_end', sample: speechEnd, decided, truncated };
  if (!truncated && speechEnd - s.speechStart < t.minUtteranceSamples) {
    if (ended || decided >= s.deadline) return [idle(s.voice), [end, { type: 'no_speech', sample: decided, wake: s.wake }]];
    const next: AwakeState = { kind: 'awake', voice: s.voice, wake: s.wake, openedAt: s.openedAt, deadline: s.deadline, carryOver: false };
    return [next, [end]];
  }
  const before = t.preRollSamples + t.onsetGuardSamples;
  let start = Math.max(0, s.speechStart - before);
  if (t.includeWakeAudio && s.wake !== null) start = Math.min(start, Math.max(0, s.wake.startSample - before));
  const stop = truncated ? speechEnd : Math.max(speechEnd, Math.min(speechEnd + t.postRollSamples, decided));
  const span: UtteranceSpan = { wake: s.wake, start, end: stop, speechStart: s.speechStart, speechEnd, decided, truncated };
  return [idle(s.voice), [end, { type: 'utterance', span }]];
}

/** Where the current silence will have lasted `silenceEnd`, samples (Infinity while speech goes on). */
function endpointAt(s: RecordingState, t: ListenerTiming): number {
  if (s.speechEnd === NONE) return Number.POSITIVE_INFINITY;
  // speechEnd includes the VAD's padding; the silence began that much earlier.
  return Math.max(s.speechStart, s.speechEnd - t.vadPadSamples) + t.silenceEndSamples;
}

/**
 * Awake or recording, the satellite started speaking, the detectors were reset or the capture was cancelled: the
 * capture is abandoned (`cancelled`); the VAD's track is kept (only a reset forgets speech in progress). The satellite stopping speaking changes nothing.
 */
function abandon(s: AwakeState | RecordingState, e: Extract<ListenerInput, { readonly type: 'speaking' | 'reset' | 'cancel' }>): Transition {
  if (e.type === 'reset') return [idle(hushed(s.voice)), [{ type: 'cancelled', sample: e.at, reason: 'reset' }]];
  if (e.type === 'cancel') return [idle(s.voice), [{ type: 'cancelled', sample: e.at, reason: 'cancel' }]];
  return e.speaking ? [{ kind: 'idle', speaking: true, voice: s.voice }, [{ type: 'cancelled', sample: e.at, reason: 'speaking' }]] : [s, NO_EFFECTS];
}

function awake(voice: VoiceTrack, wake: WakeInfo | null, at: number, t: ListenerTiming): AwakeState {
  return { kind: 'awake', voice, wake, openedAt: at, deadline: at + t.noSpeechSamples, carryOver: voice.active };
}

function idle(voice: VoiceTrack): IdleState {
  return { kind: 'idle', speaking: false, voice };
}

/** The VAD was reset: no speech in progress any more (past positions stay valid). */
function hushed(v: VoiceTrack): VoiceTrack {
  return v.active ? { active: false, start: v.start, end: v.end } : v;
}

function track(v: VoiceTrack, e: { readonly type: 'voice_start' | 'voice_end'; readonly sample: number }): VoiceTrack {
  return e.type === 'voice_start' ? { active: true, start: e.sample, end: v.end } : { active: false, start: v.start, end: e.sample };
}

/** Where the wake word began: the VAD onset of the speech that carried it, or a fixed look-back. */
function wakeOnset(v: VoiceTrack, at: number, t: ListenerTiming): number {
  if (v.start !== NONE && v.start <= at && at - v.start <= t.wakeOnsetWindowSamples) return v.start;
  return Math.max(0, at - t.wakeFallbackSamples);
}
