/**
 * The satellite's session: one discriminated-union state and a pure {@link transition} function (STYLE.md §5, in
 * the style of src/listener/machine.ts). It holds everything the satellite knows: whether the hub is online and why
 * not, whether an outage was announced, the open capture, the turns and where each one is (uploading, awaiting the
 * hub, answered by the hub, answered locally, and why it failed over; src/satellite/session-turns.ts), what is
 * queued and what plays at the sink, the hub-TTS requests (`speak:synth`, then `speak:b64_audio` once synth is
 * refused), the speak-storm counters, the failover in force and the mute switch. No I/O, no clock: timers are
 * effects (`start_timer`/`start_turn_timer`) and their expiry an input, times come with the inputs, so each
 * transition is tested with plain objects. src/satellite/satellite.ts feeds the inputs and executes the effects.
 *
 * ```
 *  link:     connecting ──ready──► online ──socket closed──► offline(reason) ──ready──► online
 *                 │                  └──close()──► closing ──socket closed──┘
 *                 └──first attempt failed (or a socket closed)──► offline(reason)
 *
 *  activity: idle ──wake / listen / speech──► capturing ──utterance──► idle + a turn        (no_speech, cancelled: idle)
 *              ▲                                                                      │ speech clip queued (any activity)
 *              └──────── last speech clip ended (then capturing if the answer asked: expect_response) ◄── speaking
 *            speaking ──barge-in──► capturing (the listener left speaking mode; playback and local answers stopped)
 *
 *  turn (each; session-turns.ts):
 *            hub online          sent                 speak                  last clip ended       settleMs
 *  utterance ────────► uploading ────► awaiting-hub ───────► hub-answering ──────────────► settling ───────► report
 *      │ hub offline     │ send failed    │ answerTimeoutMs (then its late answer is dropped)   │ nothing played
 *      │ stream cut      │ link dropped   │ link dropped                                        │
 *      └─────────────────┴────────────────┴─────────────► local-answering ◄─────────────────────┘
 *                                                            └── local path done, its clips ended ──► report
 *
 *  tts request:  synth ──TTS_AUDIO──► resolved            b64 ──speak:b64_audio.response──► resolved
 *                  │ no TTS_AUDIO in synthTimeoutMs,         │ no response in b64TimeoutMs, send failed,
 *                  │ hive.policy.denied(speak:synth)         │ link closed, answer too large
 *                  └──────────────► b64 (for good on this link) ─────────────► failed (the local TTS speaks it)
 *
 *  fallback: inactive ──a turn failed over──► active(reason) ──link ready / the hub answered a turn──► inactive
 *
 *  mute:     unmuted ──mute──► muted (the open capture is abandoned; audio is dropped before the listener) ──unmute──► unmuted
 *
 *  close:    any ──close──► closed (TTS requests fail, local answers abort, timers cancelled; every later input is ignored)
 * ```
 *
 * What ops report (health, LEDs, `GET /v1/status`) is {@link satelliteActivity}: speaking while a clip plays at the
 * sink, else listening while a capture is open (thinking once its speech ended), else thinking while a turn waits for
 * an answer, else idle.
 *
 * @module
 */
import type { ClipOutcome } from '../audio/index.js';
import { BinaryPayloadType, type JsonObject } from '../hivemind/index.js';
import type { Utterance } from '../listener/index.js';
import { ttsMetadataFits } from './binary-metadata.js';
import {
  type LocalOutcome,
  type SessionTurn,
  type TurnTimer,
  abortLocal,
  answerTurn,
  beginTurn,
  closeTurns,
  hubLost,
  lateAnswer,
  localDone,
  turnClipEnded,
  turnClipQueued,
  turnMark,
  turnPlaybackFailed,
  turnSendFailed,
  turnSent,
  turnTimerExpired,
  turnTranscribed,
  answerable,
} from './session-turns.js';
import { admitSpeak, type SpeakCounts } from './speak-gate.js';
import type { StreamRoute } from './stream-machine.js';
import type { TimelineTimes, TurnStep } from './timeline.js';
import type { SatelliteMode, TurnReport } from './types.js';

/** Whether the hub is reachable. `connecting`: no attempt has succeeded or failed yet. */
export type LinkStatus =
  | { readonly kind: 'none' }
  | { readonly kind: 'connecting' }
  | { readonly kind: 'online' }
  /** The satellite is closing the ready link (`close()`); the socket's close makes it `offline`. */
  | { readonly kind: 'closing' }
  | { readonly kind: 'offline'; readonly reason: string };

/** How this link gets TTS: try `speak:synth` until it is refused. */
export type SynthPolicy = { readonly kind: 'try-synth' } | { readonly kind: 'b64-only'; readonly reason: string };

/** One `speak`'s audio asked of the hub. */
export interface TtsRequest {
  readonly id: number;
  readonly utterance: string;
  readonly data: JsonObject;
  readonly via: 'synth' | 'b64';
}

/** The failover in force: the last turn answered locally and why, until the hub is back. */
export type Fallback = { readonly active: false; readonly reason: string } | { readonly active: true; readonly reason: string };

/** What the user is doing with the satellite. */
export type Activity =
  | { readonly kind: 'idle' }
  /** A capture is open (wake word or push-to-talk); `hubEngaged`: the hub's own listener heard a wake word (stream mode). */
  | { readonly kind: 'capturing'; readonly hubEngaged: boolean; readonly marks: CaptureMarks };

/** When the capture's wake word and end of speech were (the satellite's clock, ms). */
export interface CaptureMarks {
  readonly wake?: number;
  readonly speechEnd?: number;
}

/** The session's state. */
export interface SessionState {
  readonly link: LinkStatus;
  /** The hub connection's own state name (`ready`, `backing-off` …; `none`: no hub configured), as last reported. */
  readonly connection: string;
  /** The hub was online at least once since start. */
  readonly everOnline: boolean;
  /** "I can't reach the hub" was said since the hub was last online. */
  readonly outageAnnounced: boolean;
  readonly activity: Activity;
  /** The turns not yet reported, oldest first (session-turns.ts). */
  readonly turns: readonly SessionTurn[];
  readonly nextTurnId: number;
  /** The turn whose hub answer may still come, too late (its window is the `late` turn timer). */
  readonly late: { readonly turnId: number } | undefined;
  /** Speech clips queued or playing (cues do not count: they neither mute the listener nor are audio output). */
  readonly speechClips: number;
  /** Clips (speech and cues) whose audio the sink is playing now, by clip id. */
  readonly atSink: readonly number[];
  /** The listener was told the satellite speaks (it leaves that mode itself on a barge-in). */
  readonly listenerMuted: boolean;
  /** A clip that ended asked to listen afterwards (`expect_response`): open the mic once playback is quiet. */
  readonly listenWhenQuiet: boolean;
  readonly tts: { readonly policy: SynthPolicy; readonly pending: readonly TtsRequest[]; readonly nextId: number };
  /** Speak-storm counters (speak-gate.ts): speaks of the current turn, unsolicited clips in flight. */
  readonly speaks: SpeakCounts;
  readonly fallback: Fallback;
  /** Stream mode: why the hub cannot take streams, once it refused them. */
  readonly streamsRefused: string | undefined;
  /** The microphone is muted: nothing captured reaches the listener. */
  readonly muted: boolean;
  /** The satellite was closed: nothing more happens (a link closing after it answers no turn). */
  readonly closed: boolean;
}

/** What the session does not change: limits and options. */
export interface SessionSettings {
  readonly mode: SatelliteMode;
  readonly answerTimeoutMs: number;
  /** How long a hub answer's last clip waits for another `speak` before the turn is reported. */
  readonly settleMs: number;
  readonly synthTimeoutMs: number;
  readonly b64TimeoutMs: number;
  readonly maxTtsBytes: number;
  readonly maxSpeaksPerTurn: number;
  readonly maxUnsolicitedSpeaks: number;
  /** Play the start-listening sound on a wake word. */
  readonly wakeSound: boolean;
  /** The satellite can speak locally (announcements). */
  readonly hasLocalTts: boolean;
}

/** Who flipped the mute switch. */
export type MuteOrigin = 'api' | 'button' | 'startup';

/** What the session reacts to. */
export type SessionInput =
  | { readonly type: 'link_state'; readonly from: string; readonly to: string; readonly reason: string }
  | { readonly type: 'link_ready' }
  | { readonly type: 'link_closed'; readonly code: number; readonly reason: string; readonly error?: string }
  | { readonly type: 'wake'; readonly at: number }
  | { readonly type: 'speech_start' }
  | { readonly type: 'speech_end'; readonly at: number }
  /** The capture ended with an utterance; `route`: stream mode's say where it goes. */
  | { readonly type: 'utterance'; readonly at: number; readonly utterance: Utterance; readonly route?: StreamRoute }
  | { readonly type: 'capture_closed' }
  /** Open a capture without a wake word (push-to-talk, the hub's `mycroft.mic.listen`). */
  | { readonly type: 'listen' }
  | { readonly type: 'barge_in' }
  | { readonly type: 'hub_listening'; readonly event: 'wakeword' | 'record_begin' | 'record_end' | 'utterance' }
  | { readonly type: 'clip_queued'; readonly speech: boolean; readonly turnId?: number }
  | { readonly type: 'clip_started'; readonly clipId: number; readonly turnId?: number; readonly at: number }
  /** The playback device failed on a clip (`code: message`). */
  | { readonly type: 'clip_failed'; readonly turnId?: number; readonly reason: string }
  | { readonly type: 'clip_ended'; readonly clipId: number; readonly speech: boolean; readonly listen: boolean; readonly outcome: ClipOutcome; readonly turnId?: number; readonly at: number }
  /** The hub's `speak`. */
  | { readonly type: 'hub_speak'; readonly data: JsonObject; readonly at: number }
  /** The hub did not understand (`speech.recognition.unknown`, `complete_intent_failure`). */
  | { readonly type: 'hub_not_understood'; readonly at: number }
  | { readonly type: 'unsolicited_ended' }
  | { readonly type: 'play_sound' }
  | { readonly type: 'tts_request'; readonly data: JsonObject }
  | { readonly type: 'tts_timeout'; readonly id: number }
  | { readonly type: 'tts_send_failed'; readonly id: number; readonly message: string }
  | { readonly type: 'binary'; readonly binaryType: number; readonly metadata: JsonObject; readonly payload: Uint8Array }
  | { readonly type: 'b64_response'; readonly data: JsonObject }
  | { readonly type: 'policy_denied'; readonly data: JsonObject }
  /** A step of a turn happened outside the session (`ttsRequested`, `ttsReceived`). */
  | { readonly type: 'turn_mark'; readonly turnId: number; readonly mark: TurnStep; readonly at: number }
  | { readonly type: 'turn_sent'; readonly turnId: number; readonly at: number }
  | { readonly type: 'turn_send_failed'; readonly turnId: number; readonly reason: string }
  /** Text mode: what the local STT heard (sent to the hub unless it is ''). */
  | { readonly type: 'turn_transcribed'; readonly turnId: number; readonly transcript: string; readonly at: number }
  | { readonly type: 'turn_timer'; readonly timer: TurnTimer }
  | { readonly type: 'local_done'; readonly turnId: number; readonly outcome?: LocalOutcome }
  /** Barge-in or `mycroft.stop`: stop what plays and the local answers. */
  | { readonly type: 'interrupt' }
  | { readonly type: 'streams_refused'; readonly advice: string }
  /** Stream mode: a RAW_AUDIO chunk was not sent (`code`); `linkGone`: the link was going away (its close decides). */
  | { readonly type: 'stream_send_failed'; readonly code: string; readonly linkGone: boolean }
  | { readonly type: 'mute'; readonly muted: boolean; readonly source: MuteOrigin }
  | { readonly type: 'close' };

/** What the executor (satellite.ts) does, in order. */
export type SessionEffect =
  | { readonly type: 'notify'; readonly busType: string }
  | { readonly type: 'send_bus'; readonly busType: string; readonly data: JsonObject; readonly requestId: number }
  | { readonly type: 'start_timer'; readonly requestId: number; readonly ms: number }
  | { readonly type: 'cancel_timer'; readonly requestId: number }
  | { readonly type: 'tts_resolved'; readonly requestId: number; readonly bytes: Uint8Array; readonly fileName: string | undefined; readonly listen: boolean }
  | { readonly type: 'tts_resolved_b64'; readonly requestId: number; readonly audio: string; readonly listen: boolean }
  | { readonly type: 'tts_failed'; readonly requestId: number; readonly code: 'SAT_ERR_TTS' | 'SAT_ERR_TTS_TOO_LARGE'; readonly message: string }
  | { readonly type: 'ignored'; readonly kind: string }
  | { readonly type: 'speak_refused'; readonly why: 'turn' | 'unsolicited' }
  | { readonly type: 'set_speaking'; readonly speaking: boolean }
  | { readonly type: 'listen' }
  | { readonly type: 'stop' }
  /** Abandon the open capture (muted). */
  | { readonly type: 'cancel_capture' }
  | { readonly type: 'cue_start_listening' }
  /** Say "I can't reach the hub" before the local answer of turn `turnId`. */
  | { readonly type: 'announce_outage'; readonly turnId: number }
  /** Send the turn's utterance to the hub as its mode says (then `turn_sent` / `turn_send_failed`). */
  | { readonly type: 'send_utterance'; readonly turnId: number }
  | { readonly type: 'start_turn_timer'; readonly timer: TurnTimer; readonly ms: number }
  | { readonly type: 'cancel_turn_timer'; readonly timer: TurnTimer }
  /** Run the local path for the turn (then `local_done`). */
  | { readonly type: 'answer_locally'; readonly turnId: number }
  | { readonly type: 'abort_local'; readonly turnId: number }
  /** The turn was handed to the local path (the satellite's `failover` event). */
  | { readonly type: 'failed_over'; readonly turnId: number; readonly reason: string }
  | { readonly type: 'turn_report'; readonly report: TurnReport }
  /** Play the hub's `speak` (its audio through the hub's TTS), as the answer of `turnId` if one waited. */
  | { readonly type: 'play_answer'; readonly data: JsonObject; readonly turnId: number | undefined }
  /** The error sound and the "not understood" hint, for `turnId` if one waited. */
  | { readonly type: 'play_not_understood'; readonly turnId: number | undefined }
  /** A `speak` was the hub's late answer to turn `turnId`, answered locally already: dropped. */
  | { readonly type: 'late_answer'; readonly turnId: number }
  | { readonly type: 'arm_stream' }
  /** Stream mode: cut the stream under way, its capture goes local (stream-machine.ts `send_failed`). */
  | { readonly type: 'cut_stream'; readonly code: string }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn'; readonly message: string };

/** A transition's result: the next state, the effects to execute in order, and (for `speak`) whether it was admitted. */
export interface SessionStep {
  readonly state: SessionState;
  readonly effects: readonly SessionEffect[];
  readonly admitted?: boolean;
  /** `tts_request`: the id the request got. */
  readonly requestId?: number;
}

/** The state at start; `link`: the hub connection's state then (`undefined`: no hub configured). */
export function initialSession(link: string | undefined, muted = false): SessionState {
  return {
    link: link === undefined ? { kind: 'none' } : link === 'ready' ? { kind: 'online' } : { kind: 'connecting' },
    connection: link ?? 'none',
    everOnline: link === 'ready',
    outageAnnounced: false,
    activity: { kind: 'idle' },
    turns: [],
    nextTurnId: 1,
    late: undefined,
    speechClips: 0,
    atSink: [],
    listenerMuted: false,
    listenWhenQuiet: false,
    tts: { policy: { kind: 'try-synth' }, pending: [], nextId: 1 },
    speaks: { thisTurn: 0, unsolicited: 0 },
    fallback: { active: false, reason: '' },
    streamsRefused: undefined,
    muted,
    closed: false,
  };
}

/** Whether the hub can be used now. */
export function isOnline(state: SessionState): boolean {
  return state.link.kind === 'online';
}

/** Whether the satellite is speaking (speech queued or playing). */
export function isSpeaking(state: SessionState): boolean {
  return state.speechClips > 0;
}

/** Whether audio (speech or a cue) is playing at the sink. */
export function isPlaying(state: SessionState): boolean {
  return state.atSink.length > 0;
}

/** What the satellite is doing, for ops (health, LEDs, `GET /v1/status`). */
export type SatelliteActivity = 'idle' | 'listening' | 'thinking' | 'speaking';

/** What the satellite is doing, from its session (see the module's note). */
export function satelliteActivity(s: SessionState): SatelliteActivity {
  if (isPlaying(s)) return 'speaking';
  if (s.activity.kind === 'capturing') return s.activity.marks.speechEnd === undefined ? 'listening' : 'thinking';
  if (s.turns.some((t) => t.phase.kind === 'uploading' || t.phase.kind === 'awaiting-hub' || (t.phase.kind === 'local-answering' && t.phase.running))) return 'thinking';
  return 'idle';
}

const step = (state: SessionState, ...effects: SessionEffect[]): SessionStep => ({ state, effects });

const capturing = (s: SessionState): Activity => (s.activity.kind === 'capturing' ? s.activity : { kind: 'capturing', hubEngaged: false, marks: {} });

/** The session's pure transition function. */
export function transition(s: SessionState, input: SessionInput, o: SessionSettings): SessionStep {
  if (s.closed) return step(s);
  switch (input.type) {
    case 'link_state': {
      const c: SessionState = { ...s, connection: input.to };
      if (input.to === 'ready') return step({ ...c, link: { kind: 'online' }, everOnline: true });
      if (s.link.kind === 'online') return step({ ...c, link: { kind: 'closing' } });
      // The first attempt failed before any socket was up: the hub is unreachable from the start.
      if (s.link.kind === 'connecting' && (input.to === 'backing-off' || input.to === 'closed') && input.from !== 'ready') return step({ ...c, link: { kind: 'offline', reason: input.reason } });
      return step(c);
    }
    case 'link_ready': {
      const effects: SessionEffect[] = [];
      if (s.outageAnnounced) effects.push({ type: 'log', level: 'info', message: 'the hub is reachable again: answering through it' });
      effects.push({ type: 'arm_stream' });
      return step({ ...s, link: { kind: 'online' }, everOnline: true, outageAnnounced: false, ...(s.fallback.active ? { fallback: { active: false, reason: 'the hub is online' } } : {}) }, ...effects);
    }
    case 'link_closed': {
      const offline: LinkStatus = s.link.kind === 'offline' ? s.link : { kind: 'offline', reason: input.error ?? `closed (${input.code}${input.reason === '' ? '' : ` ${input.reason}`})` };
      const failed = failTts(s, 'the link to the hub dropped');
      const lost = hubLost({ ...failed.state, link: offline }, `link dropped (${input.code})`, o);
      return step(lost.state, ...failed.effects, ...lost.effects);
    }
    case 'wake': {
      const effects: SessionEffect[] = [{ type: 'notify', busType: 'recognizer_loop:record_begin' }];
      if (o.wakeSound) effects.push({ type: 'cue_start_listening' });
      return step({ ...s, activity: { kind: 'capturing', hubEngaged: false, marks: { wake: input.at } } }, ...effects);
    }
    case 'speech_start':
      return step(s.activity.kind === 'capturing' ? s : { ...s, activity: capturing(s) });
    case 'speech_end': {
      const activity: Activity = s.activity.kind === 'capturing' ? { ...s.activity, marks: { ...s.activity.marks, speechEnd: input.at } } : s.activity;
      return step({ ...s, activity }, { type: 'notify', busType: 'recognizer_loop:record_end' });
    }
    case 'utterance': {
      const open: { readonly hubEngaged: boolean; readonly marks: CaptureMarks } = s.activity.kind === 'capturing' ? s.activity : { hubEngaged: false, marks: {} };
      const times: TimelineTimes = { ...(open.marks.wake === undefined ? {} : { wake: open.marks.wake }), speechEnd: open.marks.speechEnd ?? input.at };
      const begun = beginTurn({ ...s, activity: { kind: 'idle' }, speaks: { ...s.speaks, thisTurn: 0 } }, input.utterance, times, open.hubEngaged, input.route, o);
      return step(begun.state, ...begun.effects, { type: 'arm_stream' });
    }
    case 'capture_closed':
      return step({ ...s, activity: { kind: 'idle' } }, { type: 'arm_stream' });
    case 'listen':
      if (s.muted) return step(s);
      return step({ ...s, activity: capturing(s) }, { type: 'listen' });
    case 'barge_in':
      return step({ ...s, listenerMuted: false }, { type: 'stop' });
    case 'interrupt':
      return step(s, ...abortLocal(s));
    case 'hub_listening':
      if ((input.event === 'wakeword' || input.event === 'record_begin') && s.activity.kind === 'capturing') return step({ ...s, activity: { ...s.activity, hubEngaged: true } });
      return step(s);
    case 'clip_queued': {
      const t = turnClipQueued(s, input.turnId);
      if (!input.speech) return step(t);
      if (t.speechClips > 0) return step({ ...t, speechClips: t.speechClips + 1 });
      return step({ ...t, speechClips: 1, listenerMuted: true }, { type: 'set_speaking', speaking: true }, { type: 'notify', busType: 'recognizer_loop:audio_output_start' });
    }
    case 'clip_started':
      return step({ ...turnMark(s, input.turnId, 'playbackStart', input.at), atSink: [...s.atSink, input.clipId] });
    case 'clip_failed':
      return step(turnPlaybackFailed(s, input.turnId, input.reason));
    case 'clip_ended': {
      const ended = clipEnded({ ...s, atSink: s.atSink.filter((id) => id !== input.clipId) }, input);
      const turn = turnClipEnded(ended.state, input.turnId, input.outcome, input.at, o);
      return step(turn.state, ...ended.effects, ...turn.effects);
    }
    case 'hub_speak':
      return hubSpeech(s, input.data, input.at, o);
    case 'hub_not_understood':
      return hubSpeech(s, undefined, input.at, o);
    case 'play_sound':
      return admitSpeech(s, false, o);
    case 'unsolicited_ended':
      return step({ ...s, speaks: { ...s.speaks, unsolicited: Math.max(0, s.speaks.unsolicited - 1) } });
    case 'tts_request':
      return ttsRequest(s, input.data, o);
    case 'tts_timeout':
      return ttsTimeout(s, input.id, o);
    case 'tts_send_failed':
      return ttsFail(s, input.id, 'SAT_ERR_TTS', input.message);
    case 'binary':
      return binary(s, input, o);
    case 'b64_response':
      return b64Response(s, input.data, o);
    case 'policy_denied':
      return input.data['denied_type'] === 'speak:synth' ? refuseSynth(s, `hive.policy.denied (${String(input.data['code'] ?? 'denied')})`, o) : step(s);
    case 'turn_mark':
      return step(turnMark(s, input.turnId, input.mark, input.at));
    case 'turn_sent':
      return turnSent(s, input.turnId, input.at, o);
    case 'turn_send_failed':
      return turnSendFailed(s, input.turnId, input.reason, o);
    case 'turn_transcribed':
      return turnTranscribed(s, input.turnId, input.transcript, input.at);
    case 'turn_timer':
      return turnTimerExpired(s, input.timer, o);
    case 'local_done':
      return localDone(s, input.turnId, input.outcome, o);
    case 'streams_refused':
      return step({ ...s, streamsRefused: input.advice });
    case 'stream_send_failed':
      if (input.linkGone) return step(s, { type: 'log', level: 'debug', message: `a RAW_AUDIO chunk was not sent (${input.code}): the link is going away` });
      return step(s, { type: 'log', level: 'warn', message: `a RAW_AUDIO chunk could not be sent (${input.code}): the stream is cut` }, { type: 'cut_stream', code: input.code });
    case 'mute':
      if (input.muted === s.muted) return step(s);
      // Speech begun before the mute is not sent after it.
      return step({ ...s, muted: input.muted, ...(input.muted ? { activity: { kind: 'idle' } } : {}) }, ...(input.muted ? [{ type: 'cancel_capture' } as const] : []));
    case 'close': {
      const failed = failTts(s, 'the satellite is closing');
      return step({ ...failed.state, closed: true }, ...closeTurns(s), ...failed.effects);
    }
    default:
      return assertNoInput(input);
  }
}

/**
 * A `speak` (`data`) or "not understood" (undefined) from the hub: dropped when it is the late answer of a turn
 * answered locally, or by the storm policy; else it answers the turn waiting for one, or is an announcement.
 */
function hubSpeech(s: SessionState, data: JsonObject | undefined, at: number, o: SessionSettings): SessionStep {
  const late = lateAnswer(s);
  if (late !== undefined) return { state: s, effects: [{ type: 'late_answer', turnId: late }], admitted: false };
  const admitted = admitSpeech(s, answerable(s) !== undefined, o);
  if (admitted.admitted !== true) return admitted;
  const text = data === undefined ? undefined : typeof data['utterance'] === 'string' ? data['utterance'] : '';
  const answered = answerTurn(admitted.state, text, at);
  const play: SessionEffect = data === undefined ? { type: 'play_not_understood', turnId: answered.turnId } : { type: 'play_answer', data, turnId: answered.turnId };
  return { state: answered.state, effects: [...answered.effects, play], admitted: true };
}

function assertNoInput(input: never): never {
  throw new TypeError(`unexpected session input ${JSON.stringify(input)}`);
}

function clipEnded(s: SessionState, input: { readonly speech: boolean; readonly listen: boolean; readonly outcome: ClipOutcome }): SessionStep {
  let listenWhenQuiet = s.listenWhenQuiet;
  if (input.listen && input.outcome === 'completed') listenWhenQuiet = true;
  if (input.outcome === 'stopped' || input.outcome === 'aborted') listenWhenQuiet = false;
  if (!input.speech) return step({ ...s, listenWhenQuiet });
  const speechClips = Math.max(0, s.speechClips - 1);
  if (speechClips > 0) return step({ ...s, speechClips, listenWhenQuiet });
  // Quiet: the listener hears the room again; a question asked (expect_response) opens the mic without a wake word.
  const effects: SessionEffect[] = [{ type: 'notify', busType: 'recognizer_loop:audio_output_end' }];
  if (s.listenerMuted) effects.push({ type: 'set_speaking', speaking: false });
  if (listenWhenQuiet && !s.muted) effects.push({ type: 'listen' });
  effects.push({ type: 'arm_stream' });
  return step({ ...s, speechClips, listenerMuted: false, listenWhenQuiet: false, ...(listenWhenQuiet && !s.muted ? { activity: capturing(s) } : {}) }, ...effects);
}

/** The storm policy (speak-gate.ts) for one `speak`, "not understood" or sound. */
function admitSpeech(s: SessionState, solicited: boolean, o: SessionSettings): SessionStep {
  const { counts, drop } = admitSpeak(s.speaks, solicited, { maxPerTurn: o.maxSpeaksPerTurn, maxUnsolicited: o.maxUnsolicitedSpeaks });
  if (drop !== undefined) return { state: s, effects: [{ type: 'speak_refused', why: drop }], admitted: false };
  return { state: { ...s, speaks: counts }, effects: [], admitted: true };
}

// ------------------------------------------------------------------------------------------ hub TTS (HIVEMIND.md §6.1)
//
// `speak:synth` is not in a hub's default `allowed_types`: a 4.0.x hub drops it silently, a newer one answers
// `hive.policy.denied`. Either refusal (the denial, or no TTS_AUDIO within the synth timeout) switches this link to
// `speak:b64_audio` for good: the request that was refused is asked again that way, later ones go straight to it. An
// utterance too long for TTS_AUDIO's 255-byte metadata goes straight to b64 as well. Answers are matched to requests
// by utterance text, else in request order (hubs answer in order).

function withPending(s: SessionState, pending: readonly TtsRequest[], policy: SynthPolicy = s.tts.policy): SessionState {
  return { ...s, tts: { ...s.tts, policy, pending } };
}

function ask(request: TtsRequest, o: SessionSettings): SessionEffect[] {
  const busType = request.via === 'synth' ? 'speak:synth' : 'speak:b64_audio';
  return [
    { type: 'start_timer', requestId: request.id, ms: request.via === 'synth' ? o.synthTimeoutMs : o.b64TimeoutMs },
    { type: 'send_bus', busType, data: request.data, requestId: request.id },
  ];
}

function ttsRequest(s: SessionState, data: JsonObject, o: SessionSettings): SessionStep {
  const utterance = typeof data['utterance'] === 'string' ? data['utterance'] : '';
  const lang = typeof data['lang'] === 'string' ? data['lang'] : 'en-US';
  const id = s.tts.nextId;
  const via = s.tts.policy.kind === 'try-synth' && ttsMetadataFits(utterance, lang) ? 'synth' : 'b64';
  const request: TtsRequest = { id, utterance, data, via };
  const state: SessionState = { ...s, tts: { ...s.tts, pending: [...s.tts.pending, request], nextId: id + 1 } };
  return { state, effects: ask(request, o), requestId: id };
}

function ttsTimeout(s: SessionState, id: number, o: SessionSettings): SessionStep {
  const request = s.tts.pending.find((p) => p.id === id);
  if (request === undefined) return step(s);
  if (request.via === 'synth') return refuseSynth(s, `no TTS_AUDIO within ${o.synthTimeoutMs} ms of speak:synth`, o);
  return ttsFail(s, id, 'SAT_ERR_TTS', `expected speak:b64_audio.response within ${o.b64TimeoutMs} ms, got none`);
}

/** `speak:synth` is refused on this link: remember it, and ask again for everything that waited on it. */
function refuseSynth(s: SessionState, reason: string, o: SessionSettings): SessionStep {
  const effects: SessionEffect[] = [];
  if (s.tts.policy.kind === 'try-synth') effects.push({ type: 'log', level: 'info', message: `speak:synth refused (${reason}); using speak:b64_audio on this connection` });
  const pending = s.tts.pending.map((p) => {
    if (p.via !== 'synth') return p;
    const again: TtsRequest = { ...p, via: 'b64' };
    effects.push({ type: 'cancel_timer', requestId: p.id }, ...ask(again, o));
    return again;
  });
  return { state: withPending(s, pending, { kind: 'b64-only', reason }), effects };
}

function ttsFail(s: SessionState, id: number, code: 'SAT_ERR_TTS' | 'SAT_ERR_TTS_TOO_LARGE', message: string): SessionStep {
  if (!s.tts.pending.some((p) => p.id === id)) return step(s);
  return step(withPending(s, s.tts.pending.filter((p) => p.id !== id)), { type: 'cancel_timer', requestId: id }, { type: 'tts_failed', requestId: id, code, message });
}

function failTts(s: SessionState, message: string): SessionStep {
  const effects = s.tts.pending.flatMap((p): SessionEffect[] => [{ type: 'cancel_timer', requestId: p.id }, { type: 'tts_failed', requestId: p.id, code: 'SAT_ERR_TTS', message }]);
  return step(withPending(s, []), ...effects);
}

function match(s: SessionState, via: 'synth' | 'b64', utterance: unknown): TtsRequest | undefined {
  const candidates = s.tts.pending.filter((p) => p.via === via);
  return candidates.find((p) => p.utterance === utterance) ?? candidates[0];
}

/** Fail the request when its answer is over the cap, else nothing. */
function tooLarge(s: SessionState, request: TtsRequest, bytes: number, what: string, o: SessionSettings): SessionStep | undefined {
  if (bytes <= o.maxTtsBytes) return undefined;
  return ttsFail(s, request.id, 'SAT_ERR_TTS_TOO_LARGE', `expected a TTS answer of at most ${o.maxTtsBytes} bytes, got ${what} of ${bytes} bytes`);
}

function resolved(s: SessionState, request: TtsRequest, effect: SessionEffect): SessionStep {
  return step(withPending(s, s.tts.pending.filter((p) => p !== request)), { type: 'cancel_timer', requestId: request.id }, effect);
}

function binary(s: SessionState, input: { readonly binaryType: number; readonly metadata: JsonObject; readonly payload: Uint8Array }, o: SessionSettings): SessionStep {
  if (input.binaryType !== BinaryPayloadType.TTS_AUDIO) return step(s, { type: 'ignored', kind: `BINARY type ${input.binaryType}` });
  const utterance = input.metadata['utterance'];
  const fileName = input.metadata['file_name'];
  const request = match(s, 'synth', utterance) ?? match(s, 'b64', utterance);
  if (request === undefined) return step(s, { type: 'ignored', kind: 'unrequested TTS_AUDIO' });
  return (
    tooLarge(s, request, input.payload.length, 'TTS_AUDIO', o) ??
    resolved(s, request, { type: 'tts_resolved', requestId: request.id, bytes: input.payload, fileName: typeof fileName === 'string' ? fileName : undefined, listen: false })
  );
}

function b64Response(s: SessionState, data: JsonObject, o: SessionSettings): SessionStep {
  const request = match(s, 'b64', data['utterance']);
  if (request === undefined) return step(s, { type: 'ignored', kind: 'unrequested speak:b64_audio.response' });
  const audio = data['audio'];
  if (typeof audio !== 'string') return step(s);
  // Judge the size from the base64 length, before the decoded copy is made.
  const listen = data['listen'] === true || data['expect_response'] === true;
  return tooLarge(s, request, Math.floor((audio.length * 3) / 4), 'speak:b64_audio.response audio', o) ?? resolved(s, request, { type: 'tts_resolved_b64', requestId: request.id, audio, listen });
}
