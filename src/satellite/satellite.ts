/**
 * The voice satellite: the executor of its session (src/satellite/session.ts). Every event of the listener, the hub
 * link and the playback queue becomes a session input; the session's effects (send, play, timers, listen, report)
 * are carried out here. No policy lives here: the session owns link, capture, the turns and their failover, speech,
 * hub TTS, speak storms and mute; stream-mode.ts the stream.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { PlaybackQueue, systemTimers, type Timers } from '../audio/index.js';
import { type HiveLogger, type JsonObject, silentLogger } from '../hivemind/index.js';
import { routeBus } from './bus-router.js';
import { B64_TIMEOUT_MS, DEFAULT_ANSWER_TIMEOUT_MS, DEFAULT_SYNTH_TIMEOUT_MS, TURN_SETTLE_MS } from './constants.js';
import { HubTtsWaits, isTtsEffect } from './hub-tts.js';
import { type ResolvedSatelliteLimits, resolveSatelliteLimits } from './limits.js';
import type { SatelliteEvents, SatelliteOptions } from './satellite-options.js';
import { IgnoredMeter, RefusalLog } from './refusals.js';
import { type MuteOrigin, type SessionEffect, type SessionInput, type SessionSettings, type SessionState, initialSession, transition } from './session.js';
import { type ActionEffect, SessionActions, type ClipMeta } from './session-actions.js';
import { SoundLibrary } from './sounds.js';
import { speakFloodError } from './speak-gate.js';
import { SpeechOutput } from './speech-output.js';
import { StreamMode } from './stream-mode.js';
import { TurnActions, isTurnEffect } from './turn-actions.js';
import { VolumeControl } from './volume.js';

/** A HiveMind voice satellite. */
export class Satellite extends EventEmitter<SatelliteEvents> {
  readonly volume: VolumeControl;
  readonly #o: SatelliteOptions;
  readonly #timers: Timers;
  readonly #log: HiveLogger;
  readonly #queue: PlaybackQueue<ClipMeta>;
  readonly #turns: TurnActions;
  readonly #act: SessionActions;
  readonly #stream: StreamMode | undefined;
  readonly #limits: ResolvedSatelliteLimits;
  readonly #refusals: RefusalLog;
  readonly #ignored: IgnoredMeter;
  readonly #tts: HubTtsWaits;
  readonly #settings: SessionSettings;
  #session: SessionState;

  constructor(o: SatelliteOptions) {
    super();
    this.#o = o;
    this.#timers = o.timers ?? systemTimers;
    this.#log = o.logger ?? silentLogger;
    const log = (level: 'debug' | 'info' | 'warn', message: string): void => this.#log.log(level, message);
    const limits = (this.#limits = resolveSatelliteLimits(o.limits));
    this.#session = initialSession(o.link?.state, o.muted === true);
    this.#tts = new HubTtsWaits({ timers: this.#timers, link: o.link, input: (i) => this.#step(i) });
    this.#settings = {
      mode: o.mode, answerTimeoutMs: o.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS, settleMs: TURN_SETTLE_MS, synthTimeoutMs: o.synthTimeoutMs ?? DEFAULT_SYNTH_TIMEOUT_MS, b64TimeoutMs: B64_TIMEOUT_MS, maxTtsBytes: limits.maxTtsBytes,
      maxSpeaksPerTurn: limits.maxSpeaksPerTurn, maxUnsolicitedSpeaks: limits.maxUnsolicitedSpeaks, wakeSound: o.sounds?.onWake === true, hasLocalTts: o.tts !== undefined,
    };
    this.#refusals = new RefusalLog({ timers: this.#timers, intervalMs: limits.warnIntervalMs, log, emit: (error) => this.emit('refused', error) });
    this.#ignored = new IgnoredMeter({ timers: this.#timers, intervalMs: limits.warnIntervalMs, maxPerInterval: limits.maxIgnoredPerInterval, refusals: this.#refusals });
    this.volume = new VolumeControl(o.volume ?? { initialPercent: 100, stepPercent: 10, maxGain: 1 });
    o.sink.gain = this.volume.gain;
    this.#queue = new PlaybackQueue<ClipMeta>(o.sink, { now: () => this.#timers.now() });
    const hub = o.link === undefined || o.mode === 'text' ? undefined : { request: (data: JsonObject) => this.#tts.wait(this.#step({ type: 'tts_request', data }).requestId ?? 0) };
    const speech = new SpeechOutput({ hub, local: o.tts, lang: o.lang, log, maxAnswerBytes: limits.maxTtsBytes, maxAnswerSeconds: limits.maxAnswerSeconds, refused: (error) => this.#refusals.report(error) });
    this.#stream = o.mode === 'stream' && o.link !== undefined
      ? new StreamMode({ link: o.link, listener: o.listener, logger: this.#log, ...(o.stream ?? { preRollMs: 500, tailMs: 1_000, maxStreamMs: 15_000 }), onStreamsRefused: (advice) => this.#step({ type: 'streams_refused', advice }) && this.emit('streamsRefused', advice),
        onSendFailed: (failure) => this.#step({ type: 'stream_send_failed', code: failure.code, linkGone: failure.linkGone }) })
      : undefined;
    const session = (): SessionState => this.#session;
    const soundLibrary = o.soundLibrary ?? new SoundLibrary();
    const input = (i: SessionInput): ReturnType<typeof transition> => this.#step(i);
    this.#act = new SessionActions({ ...o, timers: this.#timers, queue: this.#queue, speech, soundLibrary, stream: this.#stream, session, input, ignored: (kind) => this.#ignored.ignored(kind), emitLate: (id) => this.emit('lateAnswer', id) });
    this.#turns = new TurnActions({ ...o, soundLibrary, stream: this.#stream, timers: this.#timers, log, session, input, play: (audio, meta) => this.#act.play(audio, meta) });
    this.#act.wireQueue((error) => this.#refusals.has(error));
    this.#act.wireListener(this.#o.listener);
    if (o.link !== undefined) this.#act.wireLink(o.link, routeBus, this.volume, () => void this.stop());
    this.#act.armStream();
  }

  /** The session now: link, capture, turns, speech, hub TTS, failover, mute (src/satellite/session.ts). */
  get session(): SessionState {
    return this.#session;
  }

  /** Stream mode: why the hub cannot take streams (the satellite then sends utterances in audio mode), if it cannot. */
  get streamsRefused(): string | undefined {
    return this.#session.streamsRefused;
  }

  /** Turns not yet answered and played. */
  get openTurns(): number {
    return this.#session.turns.length;
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
    if (this.#session.muted) return; // mute means deaf: nothing reaches the listener or the stream
    this.#o.listener.feed(chunk);
  }

  /** The input ended (end of a file): close the open capture and stop streaming. Resolves when the listener is done. */
  async end(): Promise<void> {
    await this.#o.listener.end();
  }

  /** Stop playback and local answers (barge-in, `mycroft.stop`). */
  async stop(): Promise<void> {
    this.#step({ type: 'interrupt' });
    await this.#queue.stop();
  }

  /** Push-to-talk: stop what is playing, then open a capture without a wake word (ignored while one is open). */
  async listen(): Promise<void> {
    if (this.#session.speechClips > 0) await this.stop();
    this.#step({ type: 'listen' });
  }

  /** Mute (nothing captured reaches the listener; the open capture is abandoned) or unmute; `source`: who asked. */
  setMuted(muted: boolean, source: MuteOrigin): void {
    this.#step({ type: 'mute', muted, source });
  }

  /**
   * Speak `text` now, outside any turn: through the hub's TTS while the hub is connected (audio and stream modes),
   * else with the local TTS. Resolves when it has been played (or stopped); rejects when it could not be synthesized.
   */
  say(text: string): Promise<void> {
    return this.#act.say(text);
  }

  /** Set the output volume, 0–100 (as `mycroft.volume.set` does). */
  setVolume(percent: number): void {
    if (this.volume.apply('mycroft.volume.set', { percent: Math.min(100, Math.max(0, percent)) / 100 })) this.#o.sink.gain = this.volume.gain;
  }

  /** Stop everything and detach from the link (the caller closes the listener, link and sink). */
  async close(): Promise<void> {
    this.#step({ type: 'close' });
    await this.#queue.stop();
  }

  /** Feed one input to the session, carry out its effects, report the change. */
  #step(input: SessionInput): ReturnType<typeof transition> {
    const previous = this.#session;
    const result = transition(previous, input, this.#settings);
    this.#session = result.state;
    // Reported before the effects run: a transition they cause is reported after this one, so the events chain.
    if (result.state !== previous) this.emit('state', result.state, previous, input);
    for (const effect of result.effects) this.#execute(effect);
    return result;
  }

  #execute(e: SessionEffect): void {
    if (isTtsEffect(e)) return this.#tts.execute(e);
    if (isTurnEffect(e)) return this.#turns.execute(e);
    switch (e.type) {
      case 'ignored':
        this.#ignored.ignored(e.kind);
        return;
      case 'speak_refused':
        this.#refusals.refuse('SAT_ERR_SPEAK_FLOOD', () => speakFloodError(e.why, this.#limits));
        return;
      case 'failed_over':
        this.emit('failover', e.turnId, e.reason);
        return;
      case 'turn_report':
        this.emit('turn', e.report);
        return;
      case 'stop':
        void this.stop();
        return;
      case 'log':
        this.#log.log(e.level, e.message);
        return;
      default:
        this.#act.execute(e satisfies ActionEffect);
    }
  }
}
