/**
 * Stream mode (the mic-satellite flow, HIVEMIND.md §6.1): RAW_AUDIO chunks go to the hub while the local VAD hears
 * speech, starting with a pre-roll, and for a tail after it so that the hub's own endpointing sees the silence; while
 * the hub says it records (`recognizer_loop:record_begin` … `record_end`) streaming goes on. A hard cap bounds every
 * stream (privacy: nothing streams for ever).
 *
 * The stream's positions are the listener's (samples fed since start), so the pre-roll is exact whatever the
 * detectors' lag.
 *
 * @module
 */
import { BinaryPayloadType } from '../hivemind/index.js';
import { PcmRingBuffer, SAMPLE_RATE_HZ, type Timers } from '../audio/index.js';
import { AUDIO_SAMPLE_WIDTH_BYTES, STREAM_CHUNK_SAMPLES } from './constants.js';
import type { HubLink } from './types.js';

/** Why a stream stopped. */
export type StreamStop = 'tail' | 'hub' | 'cap' | 'link';

/** The streamer's state. */
export type StreamState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'streaming'; readonly sent: number; readonly speech: boolean; readonly hubRecording: boolean; readonly tail: unknown; readonly cap: unknown };

/** Options of {@link RawAudioStreamer}. */
export interface StreamerOptions {
  readonly link: HubLink;
  readonly timers: Timers;
  readonly preRollMs: number;
  readonly tailMs: number;
  readonly maxStreamMs: number;
  /** A stream ended (after its last chunk was handed to the link). */
  readonly onStop: (why: StreamStop, samples: number) => void;
}

const METADATA = { sample_rate: SAMPLE_RATE_HZ, sample_width: AUDIO_SAMPLE_WIDTH_BYTES };

/** VAD-gated RAW_AUDIO streaming. */
export class RawAudioStreamer {
  readonly #o: StreamerOptions;
  readonly #history: PcmRingBuffer;
  #state: StreamState = { kind: 'idle' };
  #next = 0;

  constructor(options: StreamerOptions) {
    this.#o = options;
    this.#history = PcmRingBuffer.forDuration((options.preRollMs + 2_000) / 1000);
  }

  get state(): StreamState {
    return this.#state;
  }

  /** Audio fed to the listener (same positions). Sends it when streaming. */
  feed(chunk: Int16Array): void {
    this.#history.write(chunk);
    if (this.#state.kind === 'streaming') this.#flush();
  }

  /** The listener heard speech start at `sample`: stream from the pre-roll before it. */
  speechStarted(sample: number): void {
    const s = this.#state;
    if (s.kind === 'streaming') {
      this.#o.timers.clearTimeout(s.tail);
      this.#state = { ...s, speech: true, tail: undefined };
      return;
    }
    if (this.#o.link.state !== 'ready') return;
    this.#next = Math.max(this.#history.oldestPosition, sample - Math.round((this.#o.preRollMs * SAMPLE_RATE_HZ) / 1000));
    const cap = this.#o.timers.setTimeout(() => this.#stop('cap'), this.#o.maxStreamMs);
    this.#state = { kind: 'streaming', sent: 0, speech: true, hubRecording: false, tail: undefined, cap };
    this.#flush();
  }

  /** The listener heard the speech end: stream the tail, then stop unless the hub records. */
  speechEnded(): void {
    const s = this.#state;
    if (s.kind !== 'streaming' || !s.speech) return;
    const tail = this.#o.timers.setTimeout(() => this.#onTail(), this.#o.tailMs);
    this.#state = { ...s, speech: false, tail };
  }

  /** The hub's `record_begin` (true) or `record_end` (false). */
  hubRecording(recording: boolean): void {
    const s = this.#state;
    if (s.kind !== 'streaming') return;
    if (!recording && !s.speech) {
      this.#stop('hub');
      return;
    }
    this.#state = { ...s, hubRecording: recording };
  }

  /** The link dropped: stop at once. */
  linkLost(): void {
    if (this.#state.kind === 'streaming') this.#stop('link');
  }

  #onTail(): void {
    const s = this.#state;
    if (s.kind !== 'streaming') return;
    if (s.hubRecording) this.#state = { ...s, tail: undefined };
    else this.#stop('tail');
  }

  #flush(): void {
    const s = this.#state;
    if (s.kind !== 'streaming') return;
    const end = this.#history.writtenSamples;
    let sent = s.sent;
    while (this.#next < end) {
      const n = Math.min(STREAM_CHUNK_SAMPLES, end - this.#next);
      // One array per network message (≈ 64 ms): a link that is not ready queues the payload as it is.
      const piece = new Int16Array(n);
      this.#history.readRange(this.#next, piece, this.#next + n);
      this.#o.link.sendBinary(BinaryPayloadType.RAW_AUDIO, new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength), METADATA).catch(() => undefined);
      this.#next += n;
      sent += n;
    }
    this.#state = { ...s, sent };
  }

  #stop(why: StreamStop): void {
    const s = this.#state;
    if (s.kind !== 'streaming') return;
    this.#o.timers.clearTimeout(s.cap);
    if (s.tail !== undefined) this.#o.timers.clearTimeout(s.tail);
    this.#state = { kind: 'idle' };
    this.#o.onStop(why, s.sent);
  }
}
