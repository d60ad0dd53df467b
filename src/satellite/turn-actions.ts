/**
 * The turns' I/O, as the session (src/satellite/session-turns.ts) asks for it: sending an utterance to the hub,
 * running the local path, the turns' timers. Only handles live here (timer handles, abort controllers); each result
 * goes back to the session as an input (`turn_sent`, `turn_send_failed`, `turn_transcribed`, `local_done`,
 * `turn_timer`).
 *
 * @module
 */
import type { Timers } from '../audio/index.js';
import { errorCode } from '../errors.js';
import type { SpeechToText } from '../speech/index.js';
import { sendUtteranceAudio, sendUtteranceText } from './hub-send.js';
import type { SessionEffect, SessionInput, SessionState } from './session.js';
import type { LocalOutcome, SessionTurn, TurnTimer } from './session-turns.js';
import type { ClipMeta } from './session-actions.js';
import type { SoundLibrary } from './sounds.js';
import type { StreamMode } from './stream-mode.js';
import type { AnswerLocally, HubLink } from './types.js';

/** What {@link TurnActions} acts on. */
export interface TurnActionsOptions {
  readonly link: HubLink | undefined;
  readonly lang: string;
  readonly siteId: string;
  readonly stt?: SpeechToText;
  readonly answerLocally?: AnswerLocally;
  readonly sounds?: { readonly error: string };
  readonly soundLibrary: SoundLibrary;
  readonly stream: StreamMode | undefined;
  readonly timers: Timers;
  readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void;
  session(): SessionState;
  input(input: SessionInput): unknown;
  play(audio: Promise<Int16Array> | Int16Array, meta: ClipMeta): Promise<void>;
}

/** The turn effects {@link TurnActions.execute} carries out. */
export type TurnEffect = Extract<SessionEffect, { readonly type: 'send_utterance' | 'start_turn_timer' | 'cancel_turn_timer' | 'answer_locally' | 'abort_local' }>;

const TURN_EFFECTS: ReadonlySet<string> = new Set<TurnEffect['type']>(['send_utterance', 'start_turn_timer', 'cancel_turn_timer', 'answer_locally', 'abort_local']);

/** Whether {@link TurnActions.execute} carries out `e`. */
export function isTurnEffect(e: SessionEffect): e is TurnEffect {
  return TURN_EFFECTS.has(e.type);
}

const key = (timer: TurnTimer): string => `${timer.kind}:${timer.turnId}`;

/** Carries out the turns' effects. */
export class TurnActions {
  readonly #o: TurnActionsOptions;
  readonly #timers = new Map<string, unknown>();
  readonly #aborts = new Map<number, AbortController>();

  constructor(options: TurnActionsOptions) {
    this.#o = options;
  }

  execute(e: TurnEffect): void {
    const { timers, input } = this.#o;
    switch (e.type) {
      case 'start_turn_timer':
        this.#timers.set(key(e.timer), timers.setTimeout(() => this.#timers.delete(key(e.timer)) && input({ type: 'turn_timer', timer: e.timer }), e.ms));
        return;
      case 'cancel_turn_timer':
        timers.clearTimeout(this.#timers.get(key(e.timer)));
        this.#timers.delete(key(e.timer));
        return;
      case 'abort_local':
        this.#aborts.get(e.turnId)?.abort();
        return;
      case 'send_utterance':
      case 'answer_locally': {
        const turn = this.#o.session().turns.find((t) => t.id === e.turnId);
        if (turn === undefined) return;
        if (e.type === 'send_utterance') this.#send(turn);
        else this.#answerLocally(turn);
      }
    }
  }

  #send(turn: SessionTurn): void {
    const { input, timers } = this.#o;
    this.#sendToHub(turn).then(
      () => input({ type: 'turn_sent', turnId: turn.id, at: timers.now() }),
      (error: unknown) => input({ type: 'turn_send_failed', turnId: turn.id, reason: `send failed (${errorCode(error) ?? String(error)})` }),
    );
  }

  async #sendToHub(turn: SessionTurn): Promise<void> {
    const { link, lang, siteId, stt } = this.#o;
    if (turn.mode === 'audio') return sendUtteranceAudio(link as HubLink, turn.utterance, { lang, siteId });
    if (turn.mode === 'text') {
      if (stt === undefined) throw new RangeError('text mode needs a local STT engine');
      const transcript = await sendUtteranceText(link as HubLink, stt, turn.utterance, lang);
      this.#o.input({ type: 'turn_transcribed', turnId: turn.id, transcript, at: this.#o.timers.now() });
      return;
    }
    await this.#o.stream?.streamed();
  }

  /** The local path: the failover hook (or the error sound); the outage announcement is the session's. */
  #answerLocally(turn: SessionTurn): void {
    const abort = new AbortController();
    this.#aborts.set(turn.id, abort);
    const done = (outcome?: LocalOutcome): void => {
      this.#aborts.delete(turn.id);
      this.#o.input({ type: 'local_done', turnId: turn.id, ...(outcome === undefined ? {} : { outcome }) });
    };
    const play = (pcm: Promise<Int16Array> | Int16Array): Promise<void> => this.#o.play(pcm, { turnId: turn.id, speech: true, listen: false });
    const hook = this.#o.answerLocally;
    // Async, so that whatever throws (a closed listener, say) is the local path failing, not the caller's input.
    const answered = (async (): Promise<LocalOutcome | undefined> => {
      if (hook === undefined) {
        await play(this.#o.soundLibrary.load(this.#o.sounds?.error ?? 'snd/error.mp3'));
        return undefined;
      }
      const s = await hook(turn.utterance, { lang: this.#o.lang, play, signal: abort.signal });
      return { answer: s.answer, transcript: s.transcript, notUnderstood: s.outcome === 'not-understood' || s.outcome === 'not-heard' };
    })();
    answered.then(done, (error: unknown) => {
      this.#o.log('warn', `turn ${turn.id}: the local path failed: ${error instanceof Error ? error.message : String(error)}`);
      done();
    });
  }
}
