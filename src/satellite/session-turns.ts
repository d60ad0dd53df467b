/**
 * The turns of the session (src/satellite/session.ts): each utterance from when it is captured until its answer has
 * been played, with the failover policy (ARCHITECTURE.md "route: hub online?"). Pure functions of the session state;
 * a turn is plain data in `SessionState.turns`, its phase one of:
 *
 * ```
 *            hub online                 sent                    speak                     last clip ended
 * utterance ─────────→ uploading ─────────→ awaiting-hub ─────────→ hub-answering ──────────→ hub-answering(settling) ──(settleMs)──→ report
 *     │ hub offline       │ send failed      │ no speak in             ▲  more speak ◄─────────────────┘       │ nothing of it played
 *     │ stream cut        │                  │ answerTimeoutMs         │                                        │
 *     └───────────────────┴──────────────────┴─ link dropped ──→ local-answering(running) ◄─────────────────────┘
 *                                                                  └──(local path done, its clips ended)──→ report
 * ```
 *
 * An utterance is never dropped: whatever keeps the hub from answering it (offline, send failure, no `speak` within
 * `answerTimeoutMs`, the link dropping mid-upload or mid-wait, a hub answer none of whose audio could be played)
 * hands the very same Utterance to the local path. A turn the hub was never asked to answer (stream mode: speech
 * without a wake word) ends quietly instead.
 *
 * `speak`s answer the oldest turn still waiting; a `speak` no turn waits for (a hub announcement) is played on its own
 * — except the hub's late answer: after a turn the hub had whole went local (no answer in time, or the link dropped
 * while it waited), `speak`s that no newer turn waits for are that answer, come too late, and are dropped for
 * `answerTimeoutMs` (the `late` timer), so nothing is answered twice.
 *
 * @module
 */
import type { ClipOutcome } from '../audio/index.js';
import type { Utterance } from '../listener/index.js';
import type { SessionEffect, SessionSettings, SessionState, SessionStep } from './session.js';
import type { StreamRoute } from './stream-machine.js';
import { type TimelineTimes, type TurnStep, relativeMarks, timelineFigures, withMark } from './timeline.js';
import type { SatelliteMode, TurnOutcome, TurnReport, TurnRoute } from './types.js';

/** Where a turn is. */
export type TurnPhase =
  /** The utterance is being sent to the hub. */
  | { readonly kind: 'uploading' }
  /** Sent; the answer timer runs. */
  | { readonly kind: 'awaiting-hub' }
  /** A `speak` came; `settling`: its last clip ended and the settle timer runs (another `speak` may follow). */
  | { readonly kind: 'hub-answering'; readonly settling: boolean }
  /** Handed to the local path; `running`: the local answer is not done yet. */
  | { readonly kind: 'local-answering'; readonly running: boolean };

/** One turn, as the session holds it. */
export interface SessionTurn {
  readonly id: number;
  readonly utterance: Utterance;
  /** The hub was asked to answer (a wake word was heard, locally or by the hub). */
  readonly engaged: boolean;
  /** How the utterance goes to the hub (stream mode gives way to audio mode for a hub that cannot take streams). */
  readonly mode: SatelliteMode;
  readonly phase: TurnPhase;
  readonly route: TurnRoute;
  /** Why it went local, if it did. */
  readonly failover: string | undefined;
  readonly notUnderstood: boolean;
  /** What the local STT heard, when it transcribed this turn. */
  readonly transcript: string | undefined;
  readonly answers: readonly string[];
  /** Clips of this turn queued or playing. */
  readonly clipsInFlight: number;
  readonly ended: readonly ClipOutcome[];
  /** The first playback device failure of this turn (code: message), for its report. */
  readonly playbackError: string | undefined;
  readonly times: TimelineTimes;
}

/** A turn's timer: the answer timeout, the settle time after its answer, the window for the hub's late answer. */
export interface TurnTimer {
  readonly kind: 'answer' | 'settle' | 'late';
  readonly turnId: number;
}

/** What the local path reports for a turn (undefined: it failed). */
export interface LocalOutcome {
  readonly answer: string;
  readonly transcript: string;
  readonly notUnderstood: boolean;
}

type Step = SessionStep;
const step = (state: SessionState, ...effects: SessionEffect[]): Step => ({ state, effects });

/** Chain: apply `next` to the state of `first`, concatenating the effects. */
function then(first: Step, next: (s: SessionState) => Step): Step {
  const second = next(first.state);
  return { ...second, effects: [...first.effects, ...second.effects] };
}

function replace(s: SessionState, turn: SessionTurn): SessionState {
  return { ...s, turns: s.turns.map((t) => (t.id === turn.id ? turn : t)) };
}

function find(s: SessionState, turnId: number | undefined): SessionTurn | undefined {
  return turnId === undefined ? undefined : s.turns.find((t) => t.id === turnId);
}

/** The turn a `speak` answers: the oldest still waiting for the hub, else one still playing or settling its answer. */
export function answerable(s: SessionState): SessionTurn | undefined {
  return s.turns.find((t) => t.phase.kind === 'uploading' || t.phase.kind === 'awaiting-hub') ?? s.turns.find((t) => t.phase.kind === 'hub-answering');
}

/** The timer a turn's phase runs, if any. */
function timerOf(turn: SessionTurn): TurnTimer | undefined {
  if (turn.phase.kind === 'awaiting-hub') return { kind: 'answer', turnId: turn.id };
  if (turn.phase.kind === 'hub-answering' && turn.phase.settling) return { kind: 'settle', turnId: turn.id };
  return undefined;
}

function cancelTimer(turn: SessionTurn): SessionEffect[] {
  const timer = timerOf(turn);
  return timer === undefined ? [] : [{ type: 'cancel_turn_timer', timer }];
}

/** Start a turn for a captured utterance and route it (`route`: stream mode's say, if any). */
export function beginTurn(s: SessionState, utterance: Utterance, times: TimelineTimes, hubEngaged: boolean, route: StreamRoute | undefined, o: SessionSettings): Step {
  // Stream mode asks the hub only for what it heard a wake word in (the hub itself or the local detector).
  const streamed = o.mode === 'stream' && route?.via !== 'audio';
  const turn: SessionTurn = {
    id: s.nextTurnId, utterance, engaged: !streamed || utterance.wake !== null || hubEngaged, mode: route?.via === 'audio' ? 'audio' : o.mode,
    phase: { kind: 'uploading' }, route: 'hub', failover: undefined, notUnderstood: false, transcript: undefined, answers: [], clipsInFlight: 0, ended: [], playbackError: undefined, times,
  };
  // A new question: what the hub says from now on answers it, not the last one.
  const lateCancelled: SessionEffect[] = s.late === undefined ? [] : [{ type: 'cancel_turn_timer', timer: { kind: 'late', turnId: s.late.turnId } }];
  const started: SessionState = { ...s, turns: [...s.turns, turn], nextTurnId: turn.id + 1, late: undefined };
  const begun = step(started, ...lateCancelled);
  if (route?.via === 'local') return then(begun, (x) => toLocal(x, turn.id, route.reason, o));
  if (s.link.kind !== 'online') return then(begun, (x) => toLocal(x, turn.id, 'hub not ready', o));
  return then(begun, (x) => step(x, { type: 'send_utterance', turnId: turn.id }));
}

/** The utterance was fully written to the hub: wait `answerTimeoutMs` for its `speak`. */
export function turnSent(s: SessionState, turnId: number, at: number, o: SessionSettings): Step {
  const turn = find(s, turnId);
  if (turn?.phase.kind !== 'uploading') return step(s);
  return step(replace(s, { ...turn, phase: { kind: 'awaiting-hub' }, times: withMark(turn.times, 'sent', at) }), { type: 'start_turn_timer', timer: { kind: 'answer', turnId }, ms: o.answerTimeoutMs });
}

/** The utterance could not be sent: the turn goes local. */
export function turnSendFailed(s: SessionState, turnId: number, reason: string, o: SessionSettings): Step {
  return toLocal(s, turnId, reason, o);
}

/** Text mode: what the local STT heard before sending; nothing heard is answered "not understood" at once. */
export function turnTranscribed(s: SessionState, turnId: number, transcript: string, at: number): Step {
  const turn = find(s, turnId);
  if (turn === undefined) return step(s);
  const noted = replace(s, { ...turn, transcript });
  if (transcript !== '') return step(noted);
  const answered = answerTurn(noted, undefined, at);
  return step(answered.state, ...answered.effects, { type: 'play_not_understood', turnId: answered.turnId });
}

/** A turn's timer expired. */
export function turnTimerExpired(s: SessionState, timer: TurnTimer, o: SessionSettings): Step {
  if (timer.kind === 'late') return step(s.late?.turnId === timer.turnId ? { ...s, late: undefined } : s);
  const turn = find(s, timer.turnId);
  if (turn === undefined) return step(s);
  if (timer.kind === 'answer' && turn.phase.kind === 'awaiting-hub') return toLocal(s, turn.id, `no answer in ${o.answerTimeoutMs} ms`, o, true);
  if (timer.kind === 'settle' && turn.phase.kind === 'hub-answering' && turn.phase.settling) return finish(s, turn.id, o, true);
  return step(s);
}

/** The turn a `speak` arriving now is the late answer of (dropped), if any. */
export function lateAnswer(s: SessionState): number | undefined {
  return s.late !== undefined && answerable(s) === undefined ? s.late.turnId : undefined;
}

/**
 * A `speak` (`text`) or "not understood" (undefined) answers the turn waiting for one, if any: its marks, answers,
 * and phase; the turn's timer is cancelled.
 */
export function answerTurn(s: SessionState, text: string | undefined, at: number): { readonly state: SessionState; readonly effects: SessionEffect[]; readonly turnId: number | undefined } {
  const turn = answerable(s);
  if (turn === undefined) return { state: s, effects: [], turnId: undefined };
  const next: SessionTurn = {
    ...turn, times: withMark(turn.times, 'firstSpeak', at), phase: { kind: 'hub-answering', settling: false },
    ...(text === undefined ? { notUnderstood: true } : { answers: [...turn.answers, text] }),
  };
  // The hub answers: an outage is over, the next one is announced again.
  return { state: { ...replace(s, next), ...(turn.route === 'hub' ? { outageAnnounced: false } : {}) }, effects: cancelTimer(turn), turnId: turn.id };
}

/** A step of a turn happened (`ttsRequested`, `ttsReceived`, `playbackStart`). */
export function turnMark(s: SessionState, turnId: number | undefined, mark: TurnStep, at: number): SessionState {
  const turn = find(s, turnId);
  return turn === undefined ? s : replace(s, { ...turn, times: withMark(turn.times, mark, at) });
}

/** A clip of the turn was queued. */
export function turnClipQueued(s: SessionState, turnId: number | undefined): SessionState {
  const turn = find(s, turnId);
  return turn === undefined ? s : replace(s, { ...turn, clipsInFlight: turn.clipsInFlight + 1 });
}

/** The playback device failed while playing a clip of the turn (`code: message`); the report will say so. */
export function turnPlaybackFailed(s: SessionState, turnId: number | undefined, reason: string): SessionState {
  const turn = find(s, turnId);
  return turn === undefined || turn.playbackError !== undefined ? s : replace(s, { ...turn, playbackError: reason });
}

/** A clip of the turn ended: the last one of a hub answer starts the settle time; of a finished local answer, ends it. */
export function turnClipEnded(s: SessionState, turnId: number | undefined, outcome: ClipOutcome, at: number, o: SessionSettings): Step {
  const turn = find(s, turnId);
  if (turn === undefined) return step(s);
  const next: SessionTurn = { ...turn, clipsInFlight: Math.max(0, turn.clipsInFlight - 1), ended: [...turn.ended, outcome], times: outcome === 'failed' ? turn.times : withMark(turn.times, 'playbackEnd', at) };
  const updated = replace(s, next);
  if (next.clipsInFlight > 0) return step(updated);
  if (next.phase.kind === 'hub-answering' && !next.phase.settling) {
    return step(replace(updated, { ...next, phase: { kind: 'hub-answering', settling: true } }), { type: 'start_turn_timer', timer: { kind: 'settle', turnId: next.id }, ms: o.settleMs });
  }
  if (next.phase.kind === 'local-answering' && !next.phase.running) return finish(updated, next.id, o);
  return step(updated);
}

/** The local path is done with the turn (`outcome` undefined: it failed, and said so in the log). */
export function localDone(s: SessionState, turnId: number, outcome: LocalOutcome | undefined, o: SessionSettings): Step {
  const turn = find(s, turnId);
  if (turn?.phase.kind !== 'local-answering') return step(s);
  const next: SessionTurn = {
    ...turn, phase: { kind: 'local-answering', running: false },
    ...(outcome === undefined ? {} : { answers: [...turn.answers, outcome.answer], transcript: outcome.transcript, notUnderstood: turn.notUnderstood || outcome.notUnderstood }),
  };
  const updated = replace(s, next);
  return next.clipsInFlight === 0 ? finish(updated, turnId, o) : step(updated);
}

/** The link dropped (or closed): every turn still uploading or awaiting the hub goes local. */
export function hubLost(s: SessionState, reason: string, o: SessionSettings): Step {
  let result = step(s);
  for (const turn of s.turns) if (turn.phase.kind === 'uploading' || turn.phase.kind === 'awaiting-hub') result = then(result, (x) => toLocal(x, turn.id, reason, o));
  return result;
}

/** Barge-in, `mycroft.stop`, shutdown: local answers are aborted (the queue is stopped by the executor). */
export function abortLocal(s: SessionState): SessionEffect[] {
  return s.turns.filter((t) => t.phase.kind === 'local-answering').map((t) => ({ type: 'abort_local', turnId: t.id }));
}

/** Shut down: abort local answers, cancel the turns' timers. */
export function closeTurns(s: SessionState): SessionEffect[] {
  const late: SessionEffect[] = s.late === undefined ? [] : [{ type: 'cancel_turn_timer', timer: { kind: 'late', turnId: s.late.turnId } }];
  return [...abortLocal(s), ...s.turns.flatMap(cancelTimer), ...late];
}

/** Hand the turn to the local path (once, whichever failure reports first). `timedOut`: its answer timer fired. */
function toLocal(s: SessionState, turnId: number, reason: string, o: SessionSettings, timedOut = false): Step {
  const turn = find(s, turnId);
  if (turn === undefined || turn.phase.kind === 'local-answering') return step(s);
  const effects: SessionEffect[] = timedOut ? [] : cancelTimer(turn);
  let state = s;
  // The hub had the whole utterance: its answer may still come, and must not be played on top of the local one.
  if (turn.phase.kind === 'awaiting-hub') {
    if (s.late !== undefined) effects.push({ type: 'cancel_turn_timer', timer: { kind: 'late', turnId: s.late.turnId } });
    state = { ...state, late: { turnId } };
    effects.push({ type: 'start_turn_timer', timer: { kind: 'late', turnId }, ms: o.answerTimeoutMs });
  }
  if (!turn.engaged) {
    effects.push({ type: 'log', level: 'debug', message: `turn ${turnId}: ${reason}; no wake word, nothing to answer` });
    return step({ ...state, turns: state.turns.filter((t) => t.id !== turnId) }, ...effects);
  }
  state = { ...replace(state, { ...turn, phase: { kind: 'local-answering', running: true }, route: 'local', failover: reason }), fallback: { active: true, reason } };
  effects.push({ type: 'log', level: 'info', message: `turn ${turnId}: ${reason}; answering locally` }, { type: 'failed_over', turnId, reason });
  // "I can't reach the hub" once per outage, before the first local answer.
  if (!state.outageAnnounced) {
    state = { ...state, outageAnnounced: true };
    if (o.hasLocalTts) effects.push({ type: 'announce_outage', turnId });
  }
  effects.push({ type: 'answer_locally', turnId });
  return step(state, ...effects);
}

/** The turn is over: its report, unless nothing of the hub's answer could be played (then the local path answers). */
function finish(s: SessionState, turnId: number, o: SessionSettings, timerFired = false): Step {
  const turn = find(s, turnId);
  if (turn === undefined) return step(s);
  const effects: SessionEffect[] = timerFired ? [] : cancelTimer(turn);
  // The hub answered but nothing of its answer could be played (its TTS audio was lost with the link, say): the
  // user heard nothing, so the very utterance goes to the local path rather than ending in silence.
  if (turn.route === 'hub' && turn.engaged && outcomeOf(turn) === 'failed') {
    const settled: SessionTurn = { ...turn, phase: { kind: 'hub-answering', settling: false } };
    return then(step(replace(s, settled), ...effects), (x) => toLocal(x, turnId, "the hub's answer could not be played", o));
  }
  const report: TurnReport = {
    id: turn.id, mode: turn.mode, route: turn.route, outcome: outcomeOf(turn),
    ...(turn.failover === undefined ? {} : { failover: turn.failover }),
    ...(turn.playbackError === undefined ? {} : { playbackError: turn.playbackError }),
    ...(turn.transcript === undefined ? {} : { transcript: turn.transcript }),
    answers: [...turn.answers], marks: relativeMarks(turn.times), figures: timelineFigures(turn.times),
  };
  const state: SessionState = { ...s, turns: s.turns.filter((t) => t.id !== turnId) };
  // The hub answered a turn: the failover is over.
  const fallback = turn.route === 'hub' && s.fallback.active ? { fallback: { active: false, reason: 'the hub answered' } } : {};
  const line = `turn ${report.id} ${report.route} ${report.outcome}: ${report.failover ?? ''} ${JSON.stringify(report.marks)} ${report.figures.overheadMs === undefined ? '' : `overhead ${report.figures.overheadMs} ms`}`;
  return step({ ...state, ...fallback }, ...effects, { type: 'log', level: 'info', message: line }, { type: 'turn_report', report });
}

function outcomeOf(turn: SessionTurn): TurnOutcome {
  if (turn.ended.some((o) => o === 'stopped' || o === 'aborted')) return 'interrupted';
  if (!turn.ended.some((o) => o === 'completed')) return 'failed';
  return turn.notUnderstood ? 'not-understood' : 'answered';
}
