/**
 * Stream mode's executor: holds the {@link StreamModeState}, feeds it the listener's, the streamer's and the link's
 * events, and carries out its effects on the {@link RawAudioStreamer}. The decisions are stream-machine.ts's.
 *
 * @module
 */
import type { HiveLogger } from '../hivemind/index.js';
import { RawAudioStreamer, type StreamStop } from './streamer.js';
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
  readonly preRollMs: number;
  readonly tailMs: number;
  readonly maxStreamMs: number;
  readonly logger: HiveLogger;
  /** The hub cannot take streams (said once, with what it needs): the satellite is in audio mode from now on. */
  readonly onStreamsRefused: (advice: string) => void;
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
  readonly #streamer: RawAudioStreamer;
  #state: StreamModeState = INITIAL_STREAM_STATE;
  readonly #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(options: StreamModeOptions) {
    this.#o = options;
    this.#streamer = new RawAudioStreamer({
      link: options.link, preRollMs: options.preRollMs, tailMs: options.tailMs, maxStreamMs: options.maxStreamMs,
      onStop: (why) => this.#stopped(why),
      onSendError: (code) => this.#input({ type: 'send_failed', reason: code }),
    });
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

  /** Audio fed to the listener (same positions). */
  feed(chunk: Int16Array): void {
    this.#streamer.feed(chunk);
  }

  linkUp(): void {
    this.#input({ type: 'link_up' });
  }

  /** The link dropped or closed (`reason` as the turn report says it). */
  linkDown(reason: string): void {
    this.#input({ type: 'link_down', reason });
  }

  /** The listener heard speech start at `sample`. */
  speechStarted(sample: number): void {
    if (this.#input({ type: 'speech_start' }).some((e) => e.type === 'start_stream')) this.#streamer.speechStarted(sample);
  }

  /** The listener decided the end of speech at sample `decided`. */
  speechEnded(decided: number): void {
    this.#streamer.speechEnded(decided);
  }

  /** The hub's `record_begin`/`wakeword` (true) or `record_end` (false). */
  hubRecording(recording: boolean): void {
    this.#streamer.hubRecording(recording);
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

  /** The input ended (end of a file): nothing more to stream. */
  inputEnded(): void {
    this.#streamer.stop('end');
  }

  /** Resolves when the stream under way has been sent whole (at once when none); rejects when it was cut. */
  streamed(): Promise<void> {
    if (this.#streamer.state.kind !== 'streaming') return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #stopped(why: StreamStop): void {
    if (why !== 'link' && why !== 'send') this.#input({ type: 'stream_end' });
    for (const w of this.#waiters.splice(0)) {
      if (why === 'link' || why === 'send') w.reject(new Error(why === 'link' ? 'the link dropped during the stream' : 'a stream chunk could not be sent'));
      else w.resolve();
    }
  }

  #input(input: StreamInput): readonly StreamEffect[] {
    const [next, effects] = streamTransition(this.#state, input);
    this.#state = next;
    for (const effect of effects) {
      if (effect.type === 'stop_stream') this.#streamer.stop(input.type === 'send_failed' ? 'send' : 'link');
      else if (effect.type === 'streams_refused') {
        const advice = streamsRefusedAdvice(effect.drops);
        this.#o.logger.log('warn', advice);
        this.#o.onStreamsRefused(advice);
      }
    }
    return effects;
  }
}
