/**
 * The turns of a satellite: each utterance from when it is captured until its answer has been played, with the
 * failover policy (ARCHITECTURE.md "route: hub online?"). One discriminated-union phase per turn:
 *
 * ```
 *            hub ready                 sent                      speak                  last clip ended
 * utterance ─────────→ sending ───────────→ waiting ───────────→ answering ──────────→ settling ──(quiet)──→ done
 *     │ hub not ready     │ send failed      │ no speak in time     ▲  more speak ◄──────────┘    │ nothing played
 *     └───────────────────┴──────────────────┴─ link dropped ──→ local ◄──────────────────────────────────┘
 *                                                                  └──(local path done, clips ended)──→ done
 * ```
 *
 * An utterance is never dropped: whatever keeps the hub from answering it (not ready, send failure, no `speak` within
 * `answerTimeoutMs`, the link dropping mid-turn, a hub answer none of whose audio could be played) hands the very same
 * Utterance to the local path. A turn the hub
 * was never asked to answer (stream mode: speech without a wake word) ends quietly instead.
 *
 * `speak`s answer the oldest turn still waiting; a `speak` no turn waits for (a hub announcement) is played on its own
 * — except the hub's late answer: after a turn the hub had whole went local (no answer in time, or the link dropped
 * while it waited), `speak`s that no newer turn waits for are that answer, come too late, and are dropped for
 * `answerTimeoutMs` (see {@link TurnTracker.lateAnswer}), so nothing is answered twice.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { assertNever, errorCode } from '../errors.js';
import type { ClipOutcome, Timers } from '../audio/index.js';
import type { Utterance } from '../listener/index.js';
import { TURN_SETTLE_MS } from './constants.js';
import type { TurnTimeline } from './timeline.js';
import type { SatelliteMode, TurnOutcome, TurnReport, TurnRoute } from './types.js';

/** Where a turn is. */
export type TurnPhase =
  | { readonly kind: 'sending' }
  | { readonly kind: 'waiting'; readonly timer: unknown }
  | { readonly kind: 'answering' }
  | { readonly kind: 'settling'; readonly timer: unknown }
  | { readonly kind: 'local'; readonly abort: AbortController; readonly running: boolean }
  | { readonly kind: 'done' };

/** One turn. */
export interface Turn {
  readonly id: number;
  readonly utterance: Utterance;
  readonly timeline: TurnTimeline;
  /** The hub was asked to answer (a wake word was heard, locally or by the hub). */
  readonly engaged: boolean;
  /** How the utterance goes to the hub (stream mode gives way to audio mode for a hub that cannot take streams). */
  readonly mode: SatelliteMode;
  phase: TurnPhase;
  route: TurnRoute;
  failover: string | undefined;
  notUnderstood: boolean;
  /** What the local STT heard, when it transcribed this turn. */
  transcript?: string;
  readonly answers: string[];
  /** Clips of this turn queued or playing. */
  clipsInFlight: number;
  readonly ended: ClipOutcome[];
  /** The first playback device failure of this turn (code: message), for its report. */
  playbackError?: string;
}

/** How a turn begins. */
export interface TurnStart {
  /** The hub was asked to answer (see {@link Turn.engaged}). */
  readonly engaged: boolean;
  readonly mode: SatelliteMode;
  /** Known already that the hub cannot answer it (stream mode: the stream was cut): why, for the local path. */
  readonly localBecause?: string;
}

/** What the tracker needs from the satellite. */
export interface TurnDeps {
  readonly timers: Timers;
  readonly answerTimeoutMs: number;
  readonly settleMs?: number;
  hubReady(): boolean;
  /** Send the utterance to the hub; resolves once it is fully written. */
  sendToHub(turn: Turn): Promise<void>;
  /** Answer on the local path (announcement, then the failover hook), playing through the queue. */
  answerLocally(turn: Turn, signal: AbortSignal): Promise<void>;
  log(level: 'debug' | 'info' | 'warn', message: string): void;
}

/** Events of a {@link TurnTracker}. */
export type TurnEvents = {
  /** A turn ended. */
  turn: [report: TurnReport];
  /** A turn was handed to the local path, and why. */
  failover: [turnId: number, reason: string];
};

/** Keeps every turn until its answer has been played. */
export class TurnTracker extends EventEmitter<TurnEvents> {
  readonly #d: TurnDeps;
  readonly #turns: Turn[] = [];
  #nextId = 1;
  /** The turn whose hub answer may still come, too late, and until when (timers.now()). */
  #late: { readonly turnId: number; readonly until: number } | undefined;

  constructor(deps: TurnDeps) {
    super();
    this.#d = deps;
  }

  /** Turns not yet done, oldest first. */
  get open(): readonly Turn[] {
    return this.#turns;
  }

  /** Start a turn for a captured utterance and route it. */
  begin(utterance: Utterance, timeline: TurnTimeline, start: TurnStart): Turn {
    const turn: Turn = {
      id: this.#nextId++, utterance, timeline, engaged: start.engaged, mode: start.mode, phase: { kind: 'sending' }, route: 'hub',
      failover: undefined, notUnderstood: false, answers: [], clipsInFlight: 0, ended: [],
    };
    this.#turns.push(turn);
    this.#late = undefined; // a new question: what the hub says from now on answers it
    if (start.localBecause !== undefined) {
      this.#toLocal(turn, start.localBecause);
      return turn;
    }
    if (!this.#d.hubReady()) {
      this.#toLocal(turn, 'hub not ready');
      return turn;
    }
    this.#d.sendToHub(turn).then(
      () => this.#onSent(turn),
      (error: unknown) => this.#toLocal(turn, `send failed (${errorCode(error) ?? String(error)})`),
    );
    return turn;
  }

  /**
   * Whether a `speak` arriving now is the late answer to a turn already answered locally: its id, or undefined.
   * True while no turn waits for the hub and less than `answerTimeoutMs` passed since that turn went local.
   */
  lateAnswer(): number | undefined {
    const late = this.#late;
    if (late === undefined || this.#answerable() !== undefined) return undefined;
    if (this.#d.timers.now() < late.until) return late.turnId;
    this.#late = undefined;
    return undefined;
  }

  /** Whether a `speak` from the hub would answer a turn now (otherwise it is an announcement no turn asked for). */
  get expectsSpeak(): boolean {
    return this.#answerable() !== undefined;
  }

  /** A `speak` (or `speech.recognition.unknown`) arrived: the turn it answers, if one waits. */
  answer(text: string | undefined, atMs: number): Turn | undefined {
    const turn = this.#answerable();
    if (turn === undefined) return undefined;
    this.#clearTimer(turn);
    turn.timeline.mark('firstSpeak', atMs);
    if (text === undefined) turn.notUnderstood = true;
    else turn.answers.push(text);
    turn.phase = { kind: 'answering' };
    return turn;
  }

  /** The turn a `speak` answers: the oldest still waiting for the hub, else one still playing or settling its answer. */
  #answerable(): Turn | undefined {
    return this.#turns.find((t) => t.phase.kind === 'sending' || t.phase.kind === 'waiting') ?? this.#turns.find((t) => t.phase.kind === 'settling' || t.phase.kind === 'answering');
  }

  /** A clip of `turn` was queued. */
  clipQueued(turn: Turn): void {
    turn.clipsInFlight++;
  }

  /** The playback device failed while playing a clip of `turn` (`code: message`); the report will say so. */
  playbackFailed(turn: Turn, reason: string): void {
    turn.playbackError ??= reason;
  }

  /** A clip of `turn` ended. */
  clipEnded(turn: Turn, outcome: ClipOutcome, atMs: number): void {
    turn.clipsInFlight = Math.max(0, turn.clipsInFlight - 1);
    turn.ended.push(outcome);
    if (outcome !== 'failed') turn.timeline.mark('playbackEnd', atMs);
    if (turn.clipsInFlight > 0) return;
    const phase = turn.phase;
    if (phase.kind === 'answering') {
      const timer = this.#d.timers.setTimeout(() => this.#finish(turn), this.#d.settleMs ?? TURN_SETTLE_MS);
      turn.phase = { kind: 'settling', timer };
    } else if (phase.kind === 'local' && !phase.running) {
      this.#finish(turn);
    }
  }

  /** The link dropped (or closed): every turn still waiting for the hub goes local. */
  hubLost(reason: string): void {
    for (const turn of [...this.#turns]) if (turn.phase.kind === 'sending' || turn.phase.kind === 'waiting') this.#toLocal(turn, reason);
  }

  /** Barge-in or `mycroft.stop`: local answers are aborted (the queue is stopped by the caller). */
  interrupt(): void {
    for (const turn of this.#turns) if (turn.phase.kind === 'local') turn.phase.abort.abort();
  }

  /** Shut down: abort local answers, forget the timers. */
  close(): void {
    this.interrupt();
    for (const turn of this.#turns) this.#clearTimer(turn);
  }

  #onSent(turn: Turn): void {
    if (turn.phase.kind !== 'sending') return;
    turn.timeline.mark('sent', this.#d.timers.now());
    const timer = this.#d.timers.setTimeout(() => this.#onNoAnswer(turn), this.#d.answerTimeoutMs);
    turn.phase = { kind: 'waiting', timer };
  }

  #onNoAnswer(turn: Turn): void {
    if (turn.phase.kind !== 'waiting') return;
    turn.phase = { kind: 'answering' }; // the timer fired: nothing to clear
    this.#toLocal(turn, `no answer in ${this.#d.answerTimeoutMs} ms`);
  }

  #toLocal(turn: Turn, reason: string): void {
    // A turn goes local once, whichever failure (the send's rejection, the link's close) reports first.
    if (turn.phase.kind === 'local' || turn.phase.kind === 'done') return;
    // The hub had the whole utterance: its answer may still come, and must not be played on top of the local one.
    if (turn.phase.kind === 'waiting' || (turn.phase.kind === 'answering' && turn.timeline.has('sent') && !turn.timeline.has('firstSpeak'))) {
      this.#late = { turnId: turn.id, until: this.#d.timers.now() + this.#d.answerTimeoutMs };
    }
    this.#clearTimer(turn);
    if (!turn.engaged) {
      this.#d.log('debug', `turn ${turn.id}: ${reason}; no wake word, nothing to answer`);
      this.#remove(turn);
      return;
    }
    const abort = new AbortController();
    turn.phase = { kind: 'local', abort, running: true };
    turn.route = 'local';
    turn.failover = reason;
    this.#d.log('info', `turn ${turn.id}: ${reason}; answering locally`);
    this.emit('failover', turn.id, reason);
    this.#d.answerLocally(turn, abort.signal).then(
      () => this.#localDone(turn, abort),
      (error: unknown) => {
        this.#d.log('warn', `turn ${turn.id}: the local path failed: ${error instanceof Error ? error.message : String(error)}`);
        this.#localDone(turn, abort);
      },
    );
  }

  #localDone(turn: Turn, abort: AbortController): void {
    if (turn.phase.kind !== 'local') return;
    turn.phase = { kind: 'local', abort, running: false };
    if (turn.clipsInFlight === 0) this.#finish(turn);
  }

  #finish(turn: Turn): void {
    if (turn.phase.kind === 'done') return;
    this.#clearTimer(turn);
    // The hub answered but nothing of its answer could be played (its TTS audio was lost with the link, say): the
    // user heard nothing, so the very utterance goes to the local path rather than ending in silence.
    if (turn.route === 'hub' && turn.engaged && outcomeOf(turn) === 'failed') {
      this.#toLocal(turn, "the hub's answer could not be played");
      return;
    }
    turn.phase = { kind: 'done' };
    this.#remove(turn);
    this.emit('turn', {
      id: turn.id,
      mode: turn.mode,
      route: turn.route,
      outcome: outcomeOf(turn),
      ...(turn.failover === undefined ? {} : { failover: turn.failover }),
      ...(turn.playbackError === undefined ? {} : { playbackError: turn.playbackError }),
      ...(turn.transcript === undefined ? {} : { transcript: turn.transcript }),
      answers: [...turn.answers],
      marks: turn.timeline.marks(),
      figures: turn.timeline.figures(),
    });
  }

  #remove(turn: Turn): void {
    const index = this.#turns.indexOf(turn);
    if (index >= 0) this.#turns.splice(index, 1);
  }

  #clearTimer(turn: Turn): void {
    const phase = turn.phase;
    switch (phase.kind) {
      case 'waiting':
      case 'settling':
        this.#d.timers.clearTimeout(phase.timer);
        return;
      case 'sending':
      case 'answering':
      case 'local':
      case 'done':
        return;
      default:
        assertNever(phase, 'turn phase');
    }
  }
}

function outcomeOf(turn: Turn): TurnOutcome {
  if (turn.ended.some((o) => o === 'stopped' || o === 'aborted')) return 'interrupted';
  if (!turn.ended.some((o) => o === 'completed')) return 'failed';
  return turn.notUnderstood ? 'not-understood' : 'answered';
}
