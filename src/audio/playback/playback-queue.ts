/**
 * An ordered queue of clips in front of an {@link AudioSink}, for answers whose audio arrives out of order: each clip
 * is enqueued when it is decided (a `speak` arrives) with its audio still on the way (a promise: a TTS request, a
 * decode), and clips play strictly in enqueue order, each as soon as its own audio is there and the one before it
 * has finished.
 *
 * - `busy` when the queue gets its first clip, `idle` when the last one ended: what a satellite reports as
 *   `audio_output_start/end` and what mutes its listener.
 * - `clip_start` when the sink pulls the first samples of a clip (just before it writes them to the device), with the
 *   clock's time: "audio received → first sample at the sink" is measured from there.
 * - {@link PlaybackQueue.stop} (barge-in, `mycroft.stop`) drops every queued clip and interrupts the one that plays
 *   (the sink kills its device process); it resolves once the device is closed.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type { AudioSink, PcmInput, PlaybackOutcome } from './sink.js';

/** A clip in the queue. */
export interface QueuedClip<M> {
  /** 1-based, in enqueue order. */
  readonly id: number;
  /** What the caller attached (e.g. the answer text, the turn). */
  readonly meta: M;
}

/** How a clip ended: as the sink says, or `failed` when its audio or the device failed. */
export type ClipOutcome = PlaybackOutcome | 'failed';

/** `clip_end` details. */
export interface ClipEnd {
  readonly outcome: ClipOutcome;
  /** 16 kHz samples handed to the device. */
  readonly samplesPlayed: number;
  /** Clock time of the end, milliseconds. */
  readonly atMs: number;
}

/** Events of a {@link PlaybackQueue}. */
export type PlaybackQueueEvents<M> = {
  /** The queue went from empty to having a clip. */
  busy: [];
  /** The first samples of `clip` are being written to the device (clock time, ms). */
  clip_start: [clip: QueuedClip<M>, atMs: number];
  /** `clip` ended (played, stopped, aborted or failed). */
  clip_end: [clip: QueuedClip<M>, end: ClipEnd];
  /** A clip's audio could not be had (its promise rejected) or the device failed; `clip_end` (`failed`) follows. */
  clip_error: [clip: QueuedClip<M>, error: unknown];
  /** Nothing plays and nothing is queued. */
  idle: [];
};

/** Options of {@link PlaybackQueue}. */
export interface PlaybackQueueOptions {
  /** Monotonic clock, milliseconds. Default `performance.now`. */
  readonly now?: () => number;
}

interface Entry<M> {
  readonly clip: QueuedClip<M>;
  readonly audio: Promise<PcmInput>;
}

const STOPPED = Symbol('stopped');

/** Plays clips in order through one sink. */
export class PlaybackQueue<M> extends EventEmitter<PlaybackQueueEvents<M>> {
  /** The sink clips play through (its `gain` is the volume). */
  readonly sink: AudioSink;
  readonly #now: () => number;
  readonly #entries: Entry<M>[] = [];
  #nextId = 1;
  #current: QueuedClip<M> | undefined;
  #pumping = false;
  /** Resolves the wait for the head clip's audio when {@link stop} is called. */
  #cancelWait: (() => void) | undefined;
  #epoch = 0;

  constructor(sink: AudioSink, options: PlaybackQueueOptions = {}) {
    super();
    this.sink = sink;
    this.#now = options.now ?? (() => performance.now());
  }

  /** True while a clip plays or is queued. */
  get busy(): boolean {
    return this.#current !== undefined || this.#entries.length > 0;
  }

  /** Clips queued behind the one that plays. */
  get queued(): number {
    return this.#entries.length;
  }

  /**
   * Queue a clip: 16 kHz mono audio, or a promise of it (rejections are reported as `clip_error`, never thrown).
   *
   * @returns the clip, whose `id` identifies it in the events.
   */
  enqueue(audio: PcmInput | Promise<PcmInput>, meta: M): QueuedClip<M> {
    const clip: QueuedClip<M> = { id: this.#nextId++, meta };
    const promise = Promise.resolve(audio);
    promise.catch(() => undefined); // reported when its turn comes
    const wasBusy = this.busy;
    this.#entries.push({ clip, audio: promise });
    if (!wasBusy) this.emit('busy');
    if (!this.#pumping) void this.#pump();
    return clip;
  }

  /** Drop every queued clip and interrupt the one that plays. Resolves once the device is closed. */
  async stop(): Promise<void> {
    this.#epoch++;
    const dropped = this.#entries.splice(0);
    this.#cancelWait?.();
    const at = this.#now();
    for (const entry of dropped) this.emit('clip_end', entry.clip, { outcome: 'stopped', samplesPlayed: 0, atMs: at });
    await this.sink.stop();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let entry = this.#entries.shift(); entry !== undefined; entry = this.#entries.shift()) {
        this.#current = entry.clip;
        await this.#playOne(entry);
        this.#current = undefined;
      }
    } finally {
      this.#pumping = false;
      this.#current = undefined;
    }
    this.emit('idle');
  }

  async #playOne(entry: Entry<M>): Promise<void> {
    const { clip } = entry;
    const epoch = this.#epoch;
    let audio: PcmInput | typeof STOPPED;
    try {
      audio = await Promise.race([entry.audio, new Promise<typeof STOPPED>((resolve) => (this.#cancelWait = () => resolve(STOPPED)))]);
    } catch (error) {
      this.#fail(clip, error);
      return;
    } finally {
      this.#cancelWait = undefined;
    }
    if (audio === STOPPED || epoch !== this.#epoch) {
      this.emit('clip_end', clip, { outcome: 'stopped', samplesPlayed: 0, atMs: this.#now() });
      return;
    }
    try {
      const result = await this.sink.play(marked(audio, () => this.emit('clip_start', clip, this.#now())));
      this.emit('clip_end', clip, { outcome: result.outcome, samplesPlayed: result.samplesPlayed, atMs: this.#now() });
    } catch (error) {
      this.#fail(clip, error);
    }
  }

  #fail(clip: QueuedClip<M>, error: unknown): void {
    this.emit('clip_error', clip, error);
    this.emit('clip_end', clip, { outcome: 'failed', samplesPlayed: 0, atMs: this.#now() });
  }
}

/** `audio` as an iterable that calls `onFirst` when the sink pulls its first chunk. */
function marked(audio: PcmInput, onFirst: () => void): PcmInput {
  if (audio instanceof Int16Array) return markedSync([audio], onFirst);
  if (Symbol.asyncIterator in audio) return markedAsync(audio, onFirst);
  return markedSync(audio, onFirst);
}

function* markedSync(chunks: Iterable<Int16Array>, onFirst: () => void): Generator<Int16Array> {
  let first = true;
  for (const chunk of chunks) {
    if (first) {
      first = false;
      onFirst();
    }
    yield chunk;
  }
}

async function* markedAsync(chunks: AsyncIterable<Int16Array>, onFirst: () => void): AsyncGenerator<Int16Array> {
  let first = true;
  for await (const chunk of chunks) {
    if (first) {
      first = false;
      onFirst();
    }
    yield chunk;
  }
}
