/**
 * The satellite's hands: what the session's effects and the hub's commands do to the listener, the playback queue,
 * the speech output and the stream (satellite.ts feeds the session and calls these; the turns' I/O is
 * turn-actions.ts). No state of its own beyond the promises of queued clips: what is playing, online, captured or
 * answered is read from the session.
 *
 * @module
 */
import { type AudioSink, DeviceError, type PlaybackQueue, type Timers } from '../audio/index.js';
import type { JsonObject } from '../hivemind/index.js';
import type { Listener } from '../listener/index.js';
import type { BusActions, routeBus } from './bus-router.js';
import { NOT_UNDERSTOOD_HINT, OUTAGE_ANNOUNCEMENT } from './constants.js';
import { type SessionEffect, type SessionInput, type SessionState, type SessionStep, isOnline } from './session.js';
import type { SoundLibrary } from './sounds.js';
import type { SpeechOutput } from './speech-output.js';
import type { StreamMode } from './stream-mode.js';
import type { HubLink, SatelliteMode } from './types.js';
import type { VolumeControl } from './volume.js';

/** What a queued clip is. */
export interface ClipMeta {
  /** The turn it answers, if any. */
  readonly turnId: number | undefined;
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

/** Effects carried out here. */
export type ActionEffect = Extract<
  SessionEffect,
  { readonly type: 'notify' | 'set_speaking' | 'listen' | 'cancel_capture' | 'cue_start_listening' | 'announce_outage' | 'arm_stream' | 'cut_stream' | 'play_answer' | 'play_not_understood' | 'late_answer' }
>;

/** Carries out the session's effects on the listener, queue, speech and stream. */
export class SessionActions {
  readonly #o: SessionActionsOptions;
  readonly #clipDone = new Map<number, () => void>();

  constructor(options: SessionActionsOptions) {
    this.#o = options;
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
    const actions = this.busActions(volume, stop);
    link.on('bus', (message) => route(message, actions));
  }

  /** The playback queue's events as session inputs (clip start, device failure, end). */
  wireQueue(reported: (error: unknown) => boolean): void {
    const { queue, input } = this.#o;
    queue.on('clip_start', (clip, at) => input({ type: 'clip_started', clipId: clip.id, ...turnOf(clip.meta), at }));
    queue.on('clip_error', (clip, error) => {
      if (error instanceof DeviceError) input({ type: 'clip_failed', ...turnOf(clip.meta), reason: `${error.code}: ${error.message}` });
      if (reported(error)) return; // already reported (rate-limited) as a refusal
      this.#o.logger?.log('warn', `clip ${clip.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    queue.on('clip_end', (clip, end) => {
      this.#clipDone.get(clip.id)?.();
      this.#clipDone.delete(clip.id);
      input({ type: 'clip_ended', clipId: clip.id, speech: clip.meta.speech, listen: clip.meta.listen, outcome: end.outcome, ...turnOf(clip.meta), at: end.atMs });
    });
  }

  /** The listener's events as session inputs (stream mode follows them too). */
  wireListener(listener: Listener): void {
    const { stream, input } = this.#o;
    const now = (): number => this.#o.timers.now();
    listener.on('wake', (e) => {
      input({ type: 'wake', at: now() });
      this.#o.logger?.log('debug', `wake word ${e.keyword} (${e.score.toFixed(2)})${e.bargeIn ? ', barge-in' : ''}`);
    });
    listener.on('barge_in', () => input({ type: 'barge_in' }));
    listener.on('speech_start', () => {
      input({ type: 'speech_start' });
      stream?.speechStarted();
    });
    listener.on('speech_end', () => input({ type: 'speech_end', at: now() }));
    listener.on('utterance', (utterance) => {
      const route = stream?.utterance();
      input({ type: 'utterance', at: now(), utterance, ...(route === undefined ? {} : { route }) });
    });
    const closed = (): void => {
      stream?.captureClosed();
      input({ type: 'capture_closed' });
    };
    listener.on('no_speech', closed);
    listener.on('cancelled', closed);
    listener.on('error', (error) => this.#o.logger?.log('warn', `listener: ${error.message}`));
  }

  /** What each hub BUS message does (bus-router.ts dispatches); the session decides. */
  busActions(volume: VolumeControl, stop: () => void): BusActions {
    const { input, stream, link, timers } = this.#o;
    return {
      speak: (data) => input({ type: 'hub_speak', data, at: timers.now() }),
      notUnderstood: () => input({ type: 'hub_not_understood', at: timers.now() }),
      stop,
      listen: () => input({ type: 'listen' }),
      playSound: (uri) => {
        if (input({ type: 'play_sound' }).admitted !== true) return;
        void this.play(this.#o.soundLibrary.load(uri), { turnId: undefined, speech: false, listen: false }).then(() => input({ type: 'unsolicited_ended' }));
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
  execute(effect: ActionEffect): void {
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
      case 'cancel_capture':
        listener.cancel(); // a no-op when no capture is open, at the position fed so far
        return;
      case 'cue_start_listening':
        void this.play(this.#o.soundLibrary.load(this.#o.sounds?.startListening ?? ''), { turnId: undefined, speech: false, listen: false });
        return;
      case 'announce_outage':
        void this.play(this.#o.speech.local(OUTAGE_ANNOUNCEMENT), { turnId: effect.turnId, speech: true, listen: false });
        return;
      case 'arm_stream':
        this.armStream();
        return;
      case 'cut_stream':
        this.#o.stream?.sendFailed(effect.code);
        return;
      case 'play_answer':
        this.#say(effect.data, effect.turnId);
        return;
      case 'play_not_understood':
        this.#notUnderstood(effect.turnId);
        return;
      case 'late_answer':
        this.#o.logger?.log('info', `turn ${effect.turnId}: the hub answered after the turn was answered locally; its answer is dropped`);
        this.#o.ignored('late speak');
        this.#o.emitLate(effect.turnId);
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
    await this.play(audio, { turnId: undefined, speech: true, listen: false });
  }

  /** Queue audio; resolves when the clip ended. */
  play(audio: Promise<Int16Array> | Int16Array, meta: ClipMeta): Promise<void> {
    this.#o.input({ type: 'clip_queued', speech: meta.speech, ...turnOf(meta) });
    const clip = this.#o.queue.enqueue(audio, meta);
    return new Promise((resolve) => this.#clipDone.set(clip.id, resolve));
  }

  /** The hub did not understand (or the local STT of text mode heard nothing): the error sound and a hint. */
  #notUnderstood(turnId: number | undefined): void {
    const { speech } = this.#o;
    void this.play(this.#o.soundLibrary.load(this.#o.sounds?.error ?? 'snd/error.mp3'), { turnId, speech: true, listen: false });
    const hint = speech.hasLocal ? speech.local(NOT_UNDERSTOOD_HINT) : speech.fromHub({ utterance: NOT_UNDERSTOOD_HINT, lang: this.#o.lang }).audio;
    const played = this.play(hint, { turnId, speech: true, listen: false });
    if (turnId === undefined) void played.then(() => this.#o.input({ type: 'unsolicited_ended' }));
  }

  #say(data: JsonObject, turnId: number | undefined): void {
    const { timers, input } = this.#o;
    const marks = turnId === undefined ? {} : {
      requested: () => input({ type: 'turn_mark', turnId, mark: 'ttsRequested', at: timers.now() }),
      received: () => input({ type: 'turn_mark', turnId, mark: 'ttsReceived', at: timers.now() }),
    };
    const pending = this.#o.speech.fromHub(data, marks);
    const meta: ClipMeta = { turnId, speech: true, listen: data['expect_response'] === true };
    void pending.listen.then((listen) => (meta.listen ||= listen));
    const played = this.play(pending.audio, meta);
    if (turnId === undefined) void played.then(() => input({ type: 'unsolicited_ended' }));
  }
}

function turnOf(meta: ClipMeta): { turnId?: number } {
  return meta.turnId === undefined ? {} : { turnId: meta.turnId };
}
