/**
 * The voice satellite: composes the listener, the hub link, the turn tracker and the playback queue. No policy
 * lives here — routing and failover are in turns.ts, TTS in hub-tts.ts/speech-output.ts, hub messages in
 * bus-router.ts, stream mode in stream-machine.ts/stream-mode.ts — only the wiring of their typed events.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { type AudioSink, DeviceError, PlaybackQueue, type QueuedClip, systemTimers, type Timers } from '../audio/index.js';
import type { HivesatError } from '../errors.js';
import { type HiveLogger, type JsonObject, silentLogger } from '../hivemind/index.js';
import type { Listener, Utterance } from '../listener/index.js';
import type { SpeechToText, TextToSpeech } from '../speech/index.js';
import { routeBus } from './bus-router.js';
import { DEFAULT_ANSWER_TIMEOUT_MS, DEFAULT_SYNTH_TIMEOUT_MS, NOT_UNDERSTOOD_HINT, OUTAGE_ANNOUNCEMENT } from './constants.js';
import { sendUtteranceAudio, sendUtteranceText } from './hub-send.js';
import { HubTts } from './hub-tts.js';
import { type ResolvedSatelliteLimits, type SatelliteLimits, resolveSatelliteLimits } from './limits.js';
import { IgnoredMeter, RefusalLog } from './refusals.js';
import { SoundLibrary } from './sounds.js';
import { SpeakGate } from './speak-gate.js';
import { SpeechOutput } from './speech-output.js';
import { StreamMode } from './stream-mode.js';
import { TurnTimeline } from './timeline.js';
import { type Turn, TurnTracker } from './turns.js';
import { SatelliteError } from './errors.js';
import type { AnswerLocally, HubLink, SatelliteMode, TurnReport } from './types.js';
import { VolumeControl, type VolumeOptions } from './volume.js';

/** Options of {@link Satellite}. */
export interface SatelliteOptions {
  readonly mode: SatelliteMode;
  /** The listener (wake word, VAD, endpointing); the satellite drives its speaking flag. */
  readonly listener: Listener;
  /** The hub connection; `undefined` when no hub is configured (every turn is local). */
  readonly link: HubLink | undefined;
  readonly sink: AudioSink;
  readonly lang: string;
  readonly siteId: string;
  /** Local STT (text mode). */
  readonly stt?: SpeechToText;
  /** Local TTS (text mode, announcements, fallback). */
  readonly tts?: TextToSpeech;
  /** The failover hook. */
  readonly answerLocally?: AnswerLocally;
  readonly answerTimeoutMs?: number;
  readonly synthTimeoutMs?: number;
  readonly stream?: { readonly preRollMs: number; readonly tailMs: number; readonly maxStreamMs: number };
  readonly sounds?: { readonly onWake: boolean; readonly startListening: string; readonly error: string };
  readonly volume?: VolumeOptions;
  readonly soundLibrary?: SoundLibrary;
  readonly timers?: Timers;
  readonly logger?: HiveLogger;
  /** What a (misbehaving) hub may make the satellite hold or do; see src/satellite/limits.ts for the defaults. */
  readonly limits?: SatelliteLimits;
}

/**
 * Events of a {@link Satellite}. `refused`: something from the hub was refused (a coded error), emitted with its one
 * log line, so at most once per code and `limits.warnIntervalMs`.
 */
export type SatelliteEvents = {
  turn: [report: TurnReport];
  failover: [turnId: number, reason: string];
  refused: [error: HivesatError];
  /** A `speak` was the hub's late answer to a turn already answered locally: dropped, not played. */
  lateAnswer: [turnId: number];
  /** Stream mode: the hub cannot take RAW_AUDIO streams; `advice` says what it needs. Audio mode until restart. */
  streamsRefused: [advice: string];
};

interface ClipMeta {
  readonly turn: Turn | undefined;
  /** Speech mutes the listener and is reported as audio output; cues (wake sound, play_sound) do not. */
  readonly speech: boolean;
  listen: boolean;
}

/** A HiveMind voice satellite. */
export class Satellite extends EventEmitter<SatelliteEvents> {
  readonly volume: VolumeControl;
  readonly #o: SatelliteOptions;
  readonly #timers: Timers;
  readonly #log: HiveLogger;
  readonly #queue: PlaybackQueue<ClipMeta>;
  readonly #turns: TurnTracker;
  readonly #speech: SpeechOutput;
  readonly #hubTts: HubTts | undefined;
  readonly #stream: StreamMode | undefined;
  readonly #sounds: SoundLibrary;
  readonly #clipDone = new Map<number, () => void>();
  readonly #limits: ResolvedSatelliteLimits;
  readonly #refusals: RefusalLog;
  readonly #ignored: IgnoredMeter;
  readonly #gate: SpeakGate;
  #capture: { timeline: TurnTimeline; hubEngaged: boolean } | undefined;
  #outage: 'online' | 'outage' | 'announced' = 'online';
  #speechClips = 0;
  #speaking = false;
  #listenWhenQuiet = false;
  #streamsRefused: string | undefined;

  constructor(o: SatelliteOptions) {
    super();
    this.#o = o;
    this.#timers = o.timers ?? systemTimers;
    this.#log = o.logger ?? silentLogger;
    const log = (level: 'debug' | 'info' | 'warn', message: string): void => this.#log.log(level, message);
    const limits = resolveSatelliteLimits(o.limits);
    this.#limits = limits;
    this.#refusals = new RefusalLog({ timers: this.#timers, intervalMs: limits.warnIntervalMs, log, emit: (error) => this.emit('refused', error) });
    this.#ignored = new IgnoredMeter({ timers: this.#timers, intervalMs: limits.warnIntervalMs, maxPerInterval: limits.maxIgnoredPerInterval, refusals: this.#refusals });
    this.#gate = new SpeakGate({ maxPerTurn: limits.maxSpeaksPerTurn, maxUnsolicited: limits.maxUnsolicitedSpeaks });
    this.volume = new VolumeControl(o.volume ?? { initialPercent: 100, stepPercent: 10, maxGain: 1 });
    o.sink.gain = this.volume.gain;
    this.#queue = new PlaybackQueue<ClipMeta>(o.sink, { now: () => this.#timers.now() });
    this.#sounds = o.soundLibrary ?? new SoundLibrary();
    const ignored = (kind: string): void => this.#ignored.ignored(kind);
    this.#hubTts = o.link === undefined || o.mode === 'text' ? undefined : new HubTts({ link: o.link, timers: this.#timers, synthTimeoutMs: o.synthTimeoutMs ?? DEFAULT_SYNTH_TIMEOUT_MS, maxTtsBytes: limits.maxTtsBytes, ignored, log });
    this.#speech = new SpeechOutput({
      hub: this.#hubTts, local: o.tts, lang: o.lang, log,
      maxAnswerBytes: limits.maxTtsBytes, maxAnswerSeconds: limits.maxAnswerSeconds, refused: (error) => this.#refusals.report(error),
    });
    this.#stream =
      o.mode === 'stream' && o.link !== undefined
        ? new StreamMode({
            link: o.link, logger: this.#log, ...(o.stream ?? { preRollMs: 500, tailMs: 1_000, maxStreamMs: 15_000 }),
            onStreamsRefused: (advice) => {
              this.#streamsRefused = advice;
              this.emit('streamsRefused', advice);
            },
          })
        : undefined;
    this.#turns = new TurnTracker({
      timers: this.#timers, answerTimeoutMs: o.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS, log,
      hubReady: () => o.link?.state === 'ready',
      sendToHub: (turn) => this.#sendToHub(turn),
      answerLocally: (turn, signal) => this.#answerLocally(turn, signal),
    });
    this.#turns.on('turn', (report) => {
      this.#log.log('info', `turn ${report.id} ${report.route} ${report.outcome}: ${report.failover ?? ''} ${JSON.stringify(report.marks)} ${report.figures.overheadMs === undefined ? '' : `overhead ${report.figures.overheadMs} ms`}`);
      this.emit('turn', report);
    });
    this.#turns.on('failover', (id, reason) => this.emit('failover', id, reason));
    this.#wireQueue();
    this.#wireListener(o.listener);
    if (o.link !== undefined) this.#wireLink(o.link);
    this.#armStream();
  }

  /** Stream mode: why the hub cannot take streams (the satellite then sends utterances in audio mode), if it cannot. */
  get streamsRefused(): string | undefined {
    return this.#streamsRefused;
  }

  /** Turns not yet answered and played. */
  get openTurns(): number {
    return this.#turns.open.length;
  }

  /** The limits in force (defaults filled in). */
  get limits(): ResolvedSatelliteLimits {
    return this.#limits;
  }

  /** Refusals of `code` so far (`SAT_ERR_SPEAK_FLOOD`, `SAT_ERR_HUB_FLOOD`, `AUDIO_ERR_TOO_LONG`…), logged or not. */
  refusalCount(code: string): number {
    return this.#refusals.count(code);
  }

  /** Hub messages ignored so far (PING/PROPAGATE, BROADCAST, unrequested TTS…). */
  get ignoredMessages(): number {
    return this.#ignored.total;
  }

  /** Audio from the microphone (16 kHz mono, any chunk size). */
  feed(chunk: Int16Array): void {
    this.#o.listener.feed(chunk);
    this.#stream?.feed(chunk);
  }

  /** The input ended (end of a file): close the open capture and stop streaming. Resolves when the listener is done. */
  async end(): Promise<void> {
    await this.#o.listener.end();
    this.#stream?.inputEnded();
  }

  /** Stop playback and local answers (barge-in, `mycroft.stop`). */
  async stop(): Promise<void> {
    this.#turns.interrupt();
    await this.#queue.stop();
  }

  // Entry points of the local controls (the control API, a button): src/ops/control-api.ts.

  /**
   * Push-to-talk: stop what is playing, then open a capture without a wake word (the listener ignores it while one
   * is already open).
   */
  async listen(): Promise<void> {
    if (this.#speechClips > 0) await this.stop();
    this.#o.listener.listenWithoutWake();
  }

  /**
   * Speak `text` now, outside any turn: through the hub's TTS while the hub is connected (audio and stream modes),
   * else with the local TTS. Resolves when it has been played (or stopped); rejects when it could not be synthesized.
   */
  async say(text: string): Promise<void> {
    const online = this.#o.link?.state === 'ready';
    const audio = online && this.#hubTts !== undefined ? this.#speech.fromHub({ utterance: text, lang: this.#o.lang }).audio : this.#speech.local(text);
    await audio; // a synthesis failure is the caller's answer, not a failed clip in the queue
    await this.#play(audio, { turn: undefined, speech: true, listen: false });
  }

  /** Set the output volume, 0–100 (as `mycroft.volume.set` does). */
  setVolume(percent: number): void {
    if (this.volume.apply('mycroft.volume.set', { percent: Math.min(100, Math.max(0, percent)) / 100 })) this.#o.sink.gain = this.volume.gain;
  }

  /** Stop everything and detach from the link (the caller closes the listener, link and sink). */
  async close(): Promise<void> {
    this.#turns.close();
    this.#hubTts?.close();
    await this.#queue.stop();
  }

  #wireListener(listener: Listener): void {
    listener.on('wake', (e) => {
      this.#capture = { timeline: new TurnTimeline(), hubEngaged: false };
      this.#capture.timeline.mark('wake', this.#timers.now());
      this.#notify('recognizer_loop:record_begin');
      if (this.#o.sounds?.onWake === true) this.#cue(this.#o.sounds.startListening);
      this.#log.log('debug', `wake word ${e.keyword} (${e.score.toFixed(2)})${e.bargeIn ? ', barge-in' : ''}`);
    });
    listener.on('barge_in', () => {
      this.#speaking = false; // the listener left speaking mode by itself
      void this.stop();
    });
    listener.on('speech_start', (e) => {
      this.#capture ??= { timeline: new TurnTimeline(), hubEngaged: false };
      this.#stream?.speechStarted(e.at.sample);
    });
    listener.on('speech_end', (e) => {
      this.#capture?.timeline.mark('speechEnd', this.#timers.now());
      this.#notify('recognizer_loop:record_end');
      this.#stream?.speechEnded(e.decided.sample);
    });
    listener.on('utterance', (u) => this.#onUtterance(u));
    const closed = (): void => {
      this.#capture = undefined;
      this.#stream?.captureClosed();
      this.#armStream();
    };
    listener.on('no_speech', closed);
    listener.on('cancelled', closed);
    listener.on('error', (error) => this.#log.log('warn', `listener: ${error.message}`));
  }

  #onUtterance(u: Utterance): void {
    const capture = this.#capture ?? { timeline: new TurnTimeline(), hubEngaged: false };
    this.#capture = undefined;
    if (!capture.timeline.has('speechEnd')) capture.timeline.mark('speechEnd', this.#timers.now());
    this.#gate.turnBegan();
    const route = this.#stream?.utterance();
    // Stream mode asks the hub only for what it heard a wake word in (the hub itself or the local detector).
    const streamed = this.#o.mode === 'stream' && route?.via !== 'audio';
    const mode = route?.via === 'audio' ? 'audio' : this.#o.mode;
    this.#turns.begin(u, capture.timeline, { engaged: !streamed || u.wake !== null || capture.hubEngaged, mode, ...(route?.via === 'local' ? { localBecause: route.reason } : {}) });
    this.#armStream();
  }

  #wireLink(link: HubLink): void {
    link.on('ready', () => {
      if (this.#outage !== 'online') this.#log.log('info', 'the hub is reachable again: answering through it');
      this.#outage = 'online';
      this.#stream?.linkUp();
      this.#armStream();
    });
    link.on('close', (info) => {
      this.#stream?.linkDown(`link dropped (${info.code})`);
      this.#hubTts?.failAll('the link to the hub dropped');
      this.#turns.hubLost(`link dropped (${info.code})`);
    });
    // Wrapper and topology messages (PING/PROPAGATE, BROADCAST, ESCALATE…) are not for a satellite: counted, dropped.
    link.on('hive', (message) => this.#ignored.ignored(message.msg_type));
    link.on('bus', (message) => {
      routeBus(message, {
        speak: (data) => !this.#late() && this.#admitted() && this.#say(data),
        notUnderstood: () => !this.#late() && this.#admitted() && this.#notUnderstood(),
        stop: () => void this.stop(),
        listen: () => this.#o.listener.listenWithoutWake(),
        playSound: (uri) => {
          if (this.#gate.admit(false) !== undefined) return this.#refuseSpeak('unsolicited');
          void this.#play(this.#sounds.load(uri), { turn: undefined, speech: false, listen: false }).then(() => this.#gate.unsolicitedEnded());
        },
        volume: (type, data) => this.#onVolume(type, data),
        hubListening: (event) => {
          if (event === 'wakeword' || event === 'record_begin') {
            if (this.#capture !== undefined) this.#capture.hubEngaged = true;
            this.#stream?.hubRecording(true);
          } else if (event === 'record_end') this.#stream?.hubRecording(false);
        },
      });
    });
  }

  #wireQueue(): void {
    this.#queue.on('clip_start', (clip, at) => clip.meta.turn?.timeline.mark('playbackStart', at));
    this.#queue.on('clip_error', (clip, error) => {
      if (clip.meta.turn !== undefined && error instanceof DeviceError) this.#turns.playbackFailed(clip.meta.turn, `${error.code}: ${error.message}`);
      if (this.#refusals.has(error)) return; // already reported (rate-limited) as a refusal
      this.#log.log('warn', `clip ${clip.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.#queue.on('clip_end', (clip, end) => {
      if (clip.meta.turn !== undefined) this.#turns.clipEnded(clip.meta.turn, end.outcome, end.atMs);
      if (clip.meta.listen && end.outcome === 'completed') this.#listenWhenQuiet = true;
      if (end.outcome === 'stopped' || end.outcome === 'aborted') this.#listenWhenQuiet = false;
      this.#clipDone.get(clip.id)?.();
      this.#clipDone.delete(clip.id);
      if (clip.meta.speech && --this.#speechClips === 0) this.#quiet();
    });
  }

  /** Queue audio; speech clips mute the listener and count as audio output. Resolves when the clip ended. */
  #play(audio: Promise<Int16Array> | Int16Array, meta: ClipMeta): Promise<void> {
    if (meta.turn !== undefined) this.#turns.clipQueued(meta.turn);
    if (meta.speech && this.#speechClips++ === 0) {
      this.#speaking = true;
      this.#o.listener.setSpeaking(true);
      this.#notify('recognizer_loop:audio_output_start');
    }
    const clip: QueuedClip<ClipMeta> = this.#queue.enqueue(audio, meta);
    return new Promise((resolve) => this.#clipDone.set(clip.id, resolve));
  }

  #quiet(): void {
    this.#notify('recognizer_loop:audio_output_end');
    if (this.#speaking) this.#o.listener.setSpeaking(false);
    this.#speaking = false;
    if (this.#listenWhenQuiet) this.#o.listener.listenWithoutWake();
    this.#listenWhenQuiet = false;
    this.#armStream();
  }

  #cue(uri: string): void {
    void this.#play(this.#sounds.load(uri), { turn: undefined, speech: false, listen: false });
  }

  /** A `speak` that is the hub's late answer to a turn answered locally: dropped (true), counted and reported. */
  #late(): boolean {
    const turnId = this.#turns.lateAnswer();
    if (turnId === undefined) return false;
    this.#log.log('info', `turn ${turnId}: the hub answered after the turn was answered locally; its answer is dropped`);
    this.#ignored.ignored('late speak');
    this.emit('lateAnswer', turnId);
    return true;
  }

  /**
   * The storm policy (speak-gate.ts) for a `speak` or "not understood": true when it may be played. Decided before
   * the turn tracker sees it, so a dropped speak leaves no trace in the turn, the TTS or the queue.
   */
  #admitted(): boolean {
    const drop = this.#gate.admit(this.#turns.expectsSpeak);
    if (drop === undefined) return true;
    this.#refuseSpeak(drop);
    return false;
  }

  #refuseSpeak(drop: 'turn' | 'unsolicited'): void {
    const { maxSpeaksPerTurn, maxUnsolicitedSpeaks } = this.#limits;
    this.#refusals.refuse('SAT_ERR_SPEAK_FLOOD', () =>
      new SatelliteError(
        'SAT_ERR_SPEAK_FLOOD',
        drop === 'turn'
          ? `expected at most ${maxSpeaksPerTurn} speak messages for one turn, got more: the first ${maxSpeaksPerTurn} are played, the rest dropped`
          : `expected at most ${maxUnsolicitedSpeaks} unsolicited speak messages or sounds queued, got more: dropped until one has played`,
      ),
    );
  }

  #say(data: JsonObject): void {
    const now = this.#timers.now();
    const turn = this.#turns.answer(typeof data['utterance'] === 'string' ? data['utterance'] : '', now);
    if (turn !== undefined && turn.route === 'hub') this.#outage = 'online';
    const pending = this.#speech.fromHub(data, turn === undefined ? {} : { requested: () => turn.timeline.mark('ttsRequested', this.#timers.now()), received: () => turn.timeline.mark('ttsReceived', this.#timers.now()) });
    const meta: ClipMeta = { turn, speech: true, listen: data['expect_response'] === true };
    void pending.listen.then((listen) => (meta.listen ||= listen));
    const played = this.#play(pending.audio, meta);
    if (turn === undefined) void played.then(() => this.#gate.unsolicitedEnded());
  }

  #notUnderstood(): void {
    const turn = this.#turns.answer(undefined, this.#timers.now());
    void this.#play(this.#sounds.load(this.#o.sounds?.error ?? 'snd/error.mp3'), { turn, speech: true, listen: false });
    const hint = this.#speech.hasLocal ? this.#speech.local(NOT_UNDERSTOOD_HINT) : this.#speech.fromHub({ utterance: NOT_UNDERSTOOD_HINT, lang: this.#o.lang }).audio;
    const played = this.#play(hint, { turn, speech: true, listen: false });
    if (turn === undefined) void played.then(() => this.#gate.unsolicitedEnded());
  }

  #onVolume(type: string, data: JsonObject): void {
    if (this.volume.apply(type, data)) this.#o.sink.gain = this.volume.gain;
    if (type === 'mycroft.volume.get') this.#o.link?.sendBus('mycroft.volume.get.response', this.volume.response()).catch(() => undefined);
  }

  async #sendToHub(turn: Turn): Promise<void> {
    const link = this.#o.link as HubLink;
    if (turn.mode === 'audio') return sendUtteranceAudio(link, turn.utterance, { lang: this.#o.lang, siteId: this.#o.siteId });
    if (turn.mode === 'text') {
      if (this.#o.stt === undefined) throw new RangeError('text mode needs a local STT engine');
      turn.transcript = await sendUtteranceText(link, this.#o.stt, turn.utterance, this.#o.lang);
      if (turn.transcript === '') this.#notUnderstood();
      return;
    }
    await this.#stream?.streamed();
  }

  async #answerLocally(turn: Turn, signal: AbortSignal): Promise<void> {
    const play = (pcm: Promise<Int16Array> | Int16Array): Promise<void> => this.#play(pcm, { turn, speech: true, listen: false });
    if (this.#outage !== 'announced' && this.#speech.hasLocal) void play(this.#speech.local(OUTAGE_ANNOUNCEMENT));
    this.#outage = 'announced';
    if (this.#o.answerLocally === undefined) {
      await play(this.#sounds.load(this.#o.sounds?.error ?? 'snd/error.mp3'));
      return;
    }
    const summary = await this.#o.answerLocally(turn.utterance, { lang: this.#o.lang, play, signal });
    turn.answers.push(summary.answer);
    turn.transcript = summary.transcript;
    if (summary.outcome === 'not-understood' || summary.outcome === 'not-heard') turn.notUnderstood = true;
  }

  #armStream(): void {
    // Never while the satellite speaks: opening a capture ends the listener's speaking mode (it would hear itself).
    if (this.#stream?.listensWithoutWake === true && !this.#speaking && this.#o.listener.state.kind === 'idle') this.#o.listener.listenWithoutWake();
  }

  #notify(type: string): void {
    if (this.#o.link?.state === 'ready') this.#o.link.sendBus(type, {}).catch(() => undefined);
  }
}
