/**
 * Stream mode's executor: holds the {@link StreamModeState}, feeds it the listener's and the link's events, and
 * carries out its effects on the listener's speech stream (listener/speech-stream.ts), whose chunks the
 * {@link RawAudioStreamer} sends. The decisions are stream-machine.ts's; which audio goes out is the listener's (its
 * history is the only copy of the audio, pre-roll included).
 *
 * @module
 */
import type { HiveLogger } from '../hivemind/index.js';
import type { Listener, SpeechStreamEnd, SpeechStreamSettings } from '../listener/index.js';
import { STREAM_CHUNK_SAMPLES } from './constants.js';
import { RawAudioStreamer, type StreamSendFailure } from './streamer.js';
import {
  INITIAL_STREAM_STATE,
  type StreamEffect,
  type StreamInput,
  type StreamModeState,
  type StreamRoute,
  effectiveMode,
  listensWithoutWake,
  streamTransition,
} from './stream-machine.js';
import type { HubLink } from './types.js';

/** Options of {@link StreamMode}. */
export interface StreamModeOptions {
  readonly link: HubLink;
  /** The listener whose speech is streamed. */
  readonly listener: Listener;
  readonly preRollMs: number;
  readonly tailMs: number;
  readonly maxStreamMs: number;
  readonly logger: HiveLogger;
  /** The hub cannot take streams (said once, with what it needs): the satellite is in audio mode from now on. */
  readonly onStreamsRefused: (advice: string) => void;
  /**
   * A chunk of a stream could not be sent (once per stream): the satellite's session decides (`stream_send_failed`),
   * and calls {@link StreamMode.sendFailed} when the stream is cut by it.
   */
  readonly onSendFailed: (failure: StreamSendFailure) => void;
}

/** What the log, `doctor` and `/healthz` say about a hub that cannot take streams. */
export function streamsRefusedAdvice(drops: number): string {
  return (
    `the hub dropped the connection during the first RAW_AUDIO stream of ${drops} sessions in a row: it cannot take ` +
    'audio streams (hivemind-audio-binary-protocol listens to a stream only with a wake-word plugin installed and named ' +
    'in server.json, binary_protocol → "wake_word" and "hotwords"). Sending utterances as STT_AUDIO_HANDLE (audio mode) ' +
    'until restart; configure the hub\'s wake word, or set "mode": "audio"'
  );
}

/** Stream mode over one hub link. */
export class StreamMode {
  readonly #o: StreamModeOptions;
  readonly #settings: SpeechStreamSettings;
  readonly #streamer: RawAudioStreamer;
  #state: StreamModeState = INITIAL_STREAM_STATE;
  readonly #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(options: StreamModeOptions) {
    this.#o = options;
    this.#settings = { preRollMs: options.preRollMs, tailMs: options.tailMs, maxStreamMs: options.maxStreamMs, chunkSamples: STREAM_CHUNK_SAMPLES };
    this.#streamer = new RawAudioStreamer({ link: options.link, onSendFailed: options.onSendFailed });
    options.listener.on('stream_chunk', (chunk) => this.#streamer.send(chunk.stream, chunk.pcm));
    options.listener.on('stream_end', (event) => this.#ended(event.reason));
    if (options.link.state === 'ready') this.linkUp();
  }

  /** The machine's state (for health and tests). */
  get state(): StreamModeState {
    return this.#state;
  }

  /** The mode utterances go up in now (`audio` once the hub refused streams). */
  get mode(): 'stream' | 'audio' {
    return effectiveMode(this.#state);
  }

  /** Whether captures open without a wake word now (the hub listens to the stream). */
  get listensWithoutWake(): boolean {
    return listensWithoutWake(this.#state);
  }

  linkUp(): void {
    this.#input({ type: 'link_up' });
  }

  /** The link dropped or closed (`reason` as the turn report says it). */
  linkDown(reason: string): void {
    this.#input({ type: 'link_down', reason });
  }

  /** The listener heard speech start (it opened or continued its stream itself when armed). */
  speechStarted(): void {
    const starts = this.#input({ type: 'speech_start' }).some((e) => e.type === 'start_stream');
    // Armed exactly when this machine starts streams, the listener must agree; say so if it ever does not.
    if (starts !== (this.#o.listener.stream.kind === 'on')) this.#o.logger.log('warn', `stream mode: the listener ${starts ? 'streams nothing' : 'streams'} where the stream machine ${starts ? 'streams' : 'does not'}`);
  }

  /** The hub's `record_begin`/`wakeword` (true) or `record_end` (false). */
  hubRecording(recording: boolean): void {
    this.#o.listener.hubRecording(recording);
  }

  /** The session cut the stream: a chunk could not be sent (`code`: its error code). */
  sendFailed(code: string): void {
    this.#input({ type: 'send_failed', reason: code });
  }

  /** The capture ended with an utterance: where it goes. */
  utterance(): StreamRoute {
    for (const effect of this.#input({ type: 'utterance' })) if (effect.type === 'route') return effect.route;
    return { via: 'local', reason: 'hub not ready' }; // unreachable: `utterance` always routes
  }

  /** The capture ended without an utterance. */
  captureClosed(): void {
    this.#input({ type: 'capture_closed' });
  }

  /** Resolves when the stream under way has been sent whole (at once when none); rejects when it was cut. */
  streamed(): Promise<void> {
    if (this.#state.stream.kind === 'off') return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** The listener's stream ended; a cut was this machine's own `stop_stream`, already carried out. */
  #ended(reason: SpeechStreamEnd): void {
    if (reason === 'link' || reason === 'send') return;
    this.#input({ type: 'stream_end' });
    for (const w of this.#waiters.splice(0)) w.resolve();
  }

  #input(input: StreamInput): readonly StreamEffect[] {
    const [next, effects] = streamTransition(this.#state, input);
    this.#state = next;
    for (const effect of effects) {
      if (effect.type === 'stop_stream') this.#cut(input.type === 'send_failed' ? 'send' : 'link');
      else if (effect.type === 'streams_refused') {
        const advice = streamsRefusedAdvice(effect.drops);
        this.#o.logger.log('warn', advice);
        this.#o.onStreamsRefused(advice);
      }
    }
    // The listener opens a stream at a speech start exactly when this machine would start one.
    const armed = listensWithoutWake(next);
    if (armed !== (this.#o.listener.stream.armed !== null)) this.#o.listener.streamSpeech(armed ? this.#settings : null);
    return effects;
  }

  #cut(why: 'link' | 'send'): void {
    this.#o.listener.cutStream(why);
    const error = new Error(why === 'link' ? 'the link dropped during the stream' : 'a stream chunk could not be sent');
    for (const w of this.#waiters.splice(0)) w.reject(error);
  }
}
