/**
 * The satellite's hands: what the session's effects and the hub's commands do to the listener, the playback queue,
 * the speech output, the stream and the turns (satellite.ts feeds the session and calls these). No state of its own
 * beyond the promises of queued clips: what is playing, online or captured is read from the session.
 *
 * @module
 */
import { type AudioSink, DeviceError, type PlaybackQueue, type Timers } from '../audio/index.js';
import type { JsonObject } from '../hivemind/index.js';
import type { Listener } from '../listener/index.js';
import type { SpeechToText } from '../speech/index.js';
import type { BusActions, routeBus } from './bus-router.js';
import { NOT_UNDERSTOOD_HINT, OUTAGE_ANNOUNCEMENT } from './constants.js';
import { sendUtteranceAudio, sendUtteranceText } from './hub-send.js';
import { type SessionEffect, type SessionInput, type SessionState, type SessionStep, isOnline } from './session.js';
import type { SoundLibrary } from './sounds.js';
import type { SpeechOutput } from './speech-output.js';
import type { StreamMode } from './stream-mode.js';
import { TurnTimeline } from './timeline.js';
import type { Turn, TurnTracker } from './turns.js';
import type { AnswerLocally, HubLink, SatelliteMode } from './types.js';
import type { VolumeControl } from './volume.js';

/** What a queued clip is. */
export interface ClipMeta {
  readonly turn: Turn | undefined;
  /** Speech mutes the listener and is reported as audio output; cues (wake sound, play_sound) do not. */
  readonly speech: boolean;
  listen: boolean;
}

/** What {@link SessionActions} acts on. */
export interface SessionActionsOptions {
  readonly mode: SatelliteMode;
  readonly listener: Listener;
  readonly sink: AudioSink;
  readonly link: HubLink | undefined;
  readonly lang: string;
  readonly siteId: string;
  readonly stt?: SpeechToText;
  readonly answerLocally?: AnswerLocally;
  readonly sounds?: { readonly onWake: boolean; readonly startListening: string; readonly error: string };
  readonly timers: Timers;
  readonly queue: PlaybackQueue<ClipMeta>;
  readonly speech: SpeechOutput;
  readonly soundLibrary: SoundLibrary;
  readonly stream: StreamMode | undefined;
  readonly logger?: { log(level: 'debug' | 'info' | 'warn', message: string): void };
  session(): SessionState;
  input(input: SessionInput): SessionStep;
  ignored(kind: string): void;
  emitLate(turnId: number): void;
}

/** Effects other than the link's, timers' and refusals' (those are satellite.ts's). */
type ActionEffect = Extract<SessionEffect, { readonly type: 'notify' | 'set_speaking' | 'listen' | 'cue_start_listening' | 'announce_outage' | 'arm_stream' | 'cut_stream' | 'begin_turn' }>;

/** Carries out the session's effects on the listener, queue, speech and turns. */
export class SessionActions {
  /** Set once the tracker exists (it calls back into {@link sendToHub} and {@link answerLocally}). */
  turns: TurnTracker | undefined;
  readonly #o: SessionActionsOptions;
  readonly #clipDone = new Map<number, () => void>();

  constructor(options: SessionActionsOptions) {
    this.#o = options;
  }

  /** A clip ended: resolve whoever waits for it. */
  clipDone(clipId: number): void {
    this.#clipDone.get(clipId)?.();
    this.#clipDone.delete(clipId);
  }

  /** The hub link's events as session inputs; BUS messages through the one router. */
  wireLink(link: HubLink, route: typeof routeBus, volume: VolumeControl, stop: () => void): void {
    const { input, stream } = this.#o;
    link.on('state', (change) => input({ type: 'link_state', ...change }));
    link.on('ready', () => {
      stream?.linkUp();
      input({ type: 'link_ready' });
    });
    link.on('close', (info) => {
      stream?.linkDown(`link dropped (${info.code})`);
      input({ type: 'link_closed', code: info.code, reason: info.reason, ...(info.error === undefined ? {} : { error: info.error.message }) });
    });
    // Wrapper and topology messages (PING/PROPAGATE, BROADCAST, ESCALATE…) are not for a satellite: counted, dropped.
    link.on('hive', (message) => this.#o.ignored(message.msg_type));
    link.on('binary', (m) => input({ type: 'binary', binaryType: m.binaryType, metadata: m.metadata, payload: m.payload }));
    const actions = this.busActions(this.#o.listener, volume, stop);
    link.on('bus', (message) => route(message, actions));
  }

  /** The playback queue's events: the turns' marks and clip ends, and the session's `clip_ended`. */
  wireQueue(reported: (error: unknown) => boolean): void {
    const { queue, input } = this.#o;
    queue.on('clip_start', (clip, at) => clip.meta.turn?.timeline.mark('playbackStart', at));
    queue.on('clip_error', (clip, error) => {
      if (clip.meta.turn !== undefined && error instanceof DeviceError) this.turns?.playbackFailed(clip.meta.turn, `${error.code}: ${error.message}`);
      if (reported(error)) return; // already reported (rate-limited) as a refusal
      this.#o.logger?.log('warn', `clip ${clip.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    queue.on('clip_end', (clip, end) => {
      if (clip.meta.turn !== undefined) this.turns?.clipEnded(clip.meta.turn, end.outcome, end.atMs);
      this.clipDone(clip.id);
      input({ type: 'clip_ended', speech: clip.meta.speech, listen: clip.meta.listen, outcome: end.outcome });
    });
  }

  /** The listener's events as session inputs (stream mode follows them too). */
  wireListener(listener: Listener, input: (i: SessionInput) => unknown): void {
    const stream = this.#o.stream;
    const now = (): number => this.#o.timers.now();
    listener.on('wake', (e) => {
      input({ type: 'wake', at: now() });
      this.#o.logger?.log('debug', `wake word ${e.keyword} (${e.score.toFixed(2)})${e.bargeIn ? ', barge-in' : ''}`);
    });
    listener.on('barge_in', () => input({ type: 'barge_in' }));
    listener.on('speech_start', (e) => {
      input({ type: 'speech_start' });
      stream?.speechStarted();
    });
    listener.on('speech_end', () => input({ type: 'speech_end', at: now() }));
    listener.on('utterance', (utterance) => input({ type: 'utterance', at: now(), utterance }));
    const closed = (): void => {
      stream?.captureClosed();
      input({ type: 'capture_closed' });
    };
    listener.on('no_speech', closed);
    listener.on('cancelled', closed);
    listener.on('error', (error) => this.#o.logger?.log('warn', `listener: ${error.message}`));
  }

  /** What each hub BUS message does (bus-router.ts dispatches). */
  busActions(listener: Listener, volume: VolumeControl, stop: () => void): BusActions {
    const { input, stream, link } = this.#o;
    const admitted = (): boolean => input({ type: 'speak', solicited: this.turns?.expectsSpeak === true }).admitted === true;
    return {
      speak: (data) => !this.#late() && admitted() && this.#say(data),
      notUnderstood: () => !this.#late() && admitted() && this.notUnderstood(),
      stop,
      listen: () => listener.listenWithoutWake(),
      playSound: (uri) => {
        if (input({ type: 'play_sound' }).admitted !== true) return;
        void this.play(this.#o.soundLibrary.load(uri), { turn: undefined, speech: false, listen: false }).then(() => input({ type: 'unsolicited_ended' }));
      },
      volume: (type, data) => {
        if (volume.apply(type, data)) this.#o.sink.gain = volume.gain;
        if (type === 'mycroft.volume.get') link?.sendBus('mycroft.volume.get.response', volume.response()).catch(() => undefined);
      },
      hubListening: (event) => {
        input({ type: 'hub_listening', event });
        if (event === 'wakeword' || event === 'record_begin') stream?.hubRecording(true);
        else if (event === 'record_end') stream?.hubRecording(false);
      },
      ttsAnswer: (data) => input({ type: 'b64_response', data }),
      policyDenied: (data) => input({ type: 'policy_denied', data }),
    };
  }

  /** Carry out one effect. */
  execute(e: SessionEffect): void {
    const effect = e as ActionEffect;
    const { listener } = this.#o;
    switch (effect.type) {
      case 'notify':
        if (isOnline(this.#o.session())) this.#o.link?.sendBus(effect.busType, {}).catch(() => undefined);
        return;
      case 'set_speaking':
        listener.setSpeaking(effect.speaking);
        return;
      case 'listen':
        listener.listenWithoutWake();
        return;
      case 'cue_start_listening':
        void this.play(this.#o.soundLibrary.load(this.#o.sounds?.startListening ?? ''), { turn: undefined, speech: false, listen: false });
        return;
      case 'announce_outage': {
        const turn = this.turns?.open.find((t) => t.id === effect.turnId);
        void this.play(this.#o.speech.local(OUTAGE_ANNOUNCEMENT), { turn, speech: true, listen: false });
        return;
      }
      case 'arm_stream':
        this.armStream();
        return;
      case 'cut_stream':
        this.#o.stream?.sendFailed(effect.code);
        return;
      case 'begin_turn':
        this.#beginTurn(effect);
        return;
    }
  }

  /** Stream mode: open a capture without a wake word, unless one is open or the satellite speaks (it would hear itself). */
  armStream(): void {
    if (this.#o.stream?.listensWithoutWake === true && !this.#o.session().listenerMuted && this.#o.listener.state.kind === 'idle') this.#o.listener.listenWithoutWake();
  }

  /** Speak `text` outside any turn (the control API): the hub's TTS while online, else the local one. */
  async say(text: string): Promise<void> {
    const hub = this.#o.link !== undefined && this.#o.mode !== 'text' && isOnline(this.#o.session());
    const audio = hub ? this.#o.speech.fromHub({ utterance: text, lang: this.#o.lang }).audio : this.#o.speech.local(text);
    await audio; // a synthesis failure is the caller's answer, not a failed clip in the queue
    await this.play(audio, { turn: undefined, speech: true, listen: false });
  }

  /** Queue audio; resolves when the clip ended. */
  play(audio: Promise<Int16Array> | Int16Array, meta: ClipMeta): Promise<void> {
    if (meta.turn !== undefined) this.turns?.clipQueued(meta.turn);
    this.#o.input({ type: 'clip_queued', speech: meta.speech });
    const clip = this.#o.queue.enqueue(audio, meta);
    return new Promise((resolve) => this.#clipDone.set(clip.id, resolve));
  }

  /** The hub did not understand (or the local STT of text mode heard nothing): the error sound and a hint. */
  notUnderstood(): void {
    const { speech, timers } = this.#o;
    const turn = this.turns?.answer(undefined, timers.now());
    void this.play(this.#o.soundLibrary.load(this.#o.sounds?.error ?? 'snd/error.mp3'), { turn, speech: true, listen: false });
    const hint = speech.hasLocal ? speech.local(NOT_UNDERSTOOD_HINT) : speech.fromHub({ utterance: NOT_UNDERSTOOD_HINT, lang: this.#o.lang }).audio;
    const played = this.play(hint, { turn, speech: true, listen: false });
    if (turn === undefined) void played.then(() => this.#o.input({ type: 'unsolicited_ended' }));
  }

  /** Send a turn's utterance to the hub as its mode says. */
  async sendToHub(turn: Turn): Promise<void> {
    const link = this.#o.link as HubLink;
    if (turn.mode === 'audio') return sendUtteranceAudio(link, turn.utterance, { lang: this.#o.lang, siteId: this.#o.siteId });
    if (turn.mode === 'text') {
      if (this.#o.stt === undefined) throw new RangeError('text mode needs a local STT engine');
      turn.transcript = await sendUtteranceText(link, this.#o.stt, turn.utterance, this.#o.lang);
      if (turn.transcript === '') this.notUnderstood();
      return;
    }
    await this.#o.stream?.streamed();
  }

  /** Answer a turn on the local path: the outage announcement once, then the failover hook (or the error sound). */
  async answerLocally(turn: Turn, signal: AbortSignal): Promise<void> {
    const play = (pcm: Promise<Int16Array> | Int16Array): Promise<void> => this.play(pcm, { turn, speech: true, listen: false });
    this.#o.input({ type: 'local_answer', turnId: turn.id });
    if (this.#o.answerLocally === undefined) {
      await play(this.#o.soundLibrary.load(this.#o.sounds?.error ?? 'snd/error.mp3'));
      return;
    }
    const summary = await this.#o.answerLocally(turn.utterance, { lang: this.#o.lang, play, signal });
    turn.answers.push(summary.answer);
    turn.transcript = summary.transcript;
    if (summary.outcome === 'not-understood' || summary.outcome === 'not-heard') turn.notUnderstood = true;
  }

  #beginTurn(e: Extract<SessionEffect, { readonly type: 'begin_turn' }>): void {
    const timeline = new TurnTimeline();
    if (e.marks.wake !== undefined) timeline.mark('wake', e.marks.wake);
    if (e.marks.speechEnd !== undefined) timeline.mark('speechEnd', e.marks.speechEnd);
    const route = this.#o.stream?.utterance();
    // Stream mode asks the hub only for what it heard a wake word in (the hub itself or the local detector).
    const streamed = this.#o.mode === 'stream' && route?.via !== 'audio';
    const mode = route?.via === 'audio' ? 'audio' : this.#o.mode;
    this.turns?.begin(e.utterance, timeline, { engaged: !streamed || e.utterance.wake !== null || e.hubEngaged, mode, ...(route?.via === 'local' ? { localBecause: route.reason } : {}) });
  }

  /** A `speak` that is the hub's late answer to a turn answered locally: dropped (true), counted and reported. */
  #late(): boolean {
    const turnId = this.turns?.lateAnswer();
    if (turnId === undefined) return false;
    this.#o.logger?.log('info', `turn ${turnId}: the hub answered after the turn was answered locally; its answer is dropped`);
    this.#o.ignored('late speak');
    this.#o.emitLate(turnId);
    return true;
  }

  #say(data: JsonObject): void {
    const { timers } = this.#o;
    const turn = this.turns?.answer(typeof data['utterance'] === 'string' ? data['utterance'] : '', timers.now());
    if (turn !== undefined && turn.route === 'hub') this.#o.input({ type: 'hub_answered' });
    const marks = turn === undefined ? {} : { requested: () => turn.timeline.mark('ttsRequested', timers.now()), received: () => turn.timeline.mark('ttsReceived', timers.now()) };
    const pending = this.#o.speech.fromHub(data, marks);
    const meta: ClipMeta = { turn, speech: true, listen: data['expect_response'] === true };
    void pending.listen.then((listen) => (meta.listen ||= listen));
    const played = this.play(pending.audio, meta);
    if (turn === undefined) void played.then(() => this.#o.input({ type: 'unsolicited_ended' }));
  }
}
