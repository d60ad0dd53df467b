/**
 * Stream mode (the mic-satellite flow, HIVEMIND.md §6.1): RAW_AUDIO chunks go to the hub while the local VAD hears
 * speech, starting with a pre-roll, and for a tail after it so that the hub's own endpointing sees the silence; while
 * the hub says it records (`recognizer_loop:record_begin` … `record_end`) streaming goes on. A hard cap bounds every
 * stream (privacy: nothing streams for ever).
 *
 * The clock is the audio, as the listener's: positions are samples fed since start (the listener's positions), and
 * the tail and the cap are sample positions, so a file streams exactly what a microphone would, whatever the CPU
 * load. Whether to stream at all is stream-machine.ts's decision; this module only moves the samples.
 *
 * @module
 */
import { BinaryPayloadType } from '../hivemind/index.js';
import { PcmRingBuffer, SAMPLE_RATE_HZ } from '../audio/index.js';
import { AUDIO_SAMPLE_WIDTH_BYTES, STREAM_CHUNK_SAMPLES } from './constants.js';
import type { HubLink } from './types.js';
import { errorCode } from '../errors.js';

/** Why a stream stopped: its tail was sent, the hub's `record_end`, the cap, the link, a failed send, the input ended. */
export type StreamStop = 'tail' | 'hub' | 'cap' | 'link' | 'send' | 'end';

/** The streamer's state. Positions are samples (the listener's stream positions). */
export type StreamState =
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'streaming';
      /** Samples sent so far. */
      readonly sent: number;
      /** The local VAD is in speech (no tail running). */
      readonly speech: boolean;
      readonly hubRecording: boolean;
      /** Where the tail ends (stream up to here after the speech end), or Infinity while in speech. */
      readonly tailEnd: number;
      /** Where the cap cuts the stream. */
      readonly capEnd: number;
    };

/** Options of {@link RawAudioStreamer}. */
export interface StreamerOptions {
  readonly link: HubLink;
  readonly preRollMs: number;
  readonly tailMs: number;
  readonly maxStreamMs: number;
  /** A stream ended (after its last chunk was handed to the link). */
  readonly onStop: (why: StreamStop, samples: number) => void;
  /**
   * A chunk could not be handed to the link for a reason other than the link going away (which the link's `close`
   * reports): a full send queue, an encoding failure. Called at most once per stream; the stream goes on until told.
   */
  readonly onSendError?: (code: string) => void;
}

const METADATA = { sample_rate: SAMPLE_RATE_HZ, sample_width: AUDIO_SAMPLE_WIDTH_BYTES };

/** Send failures that mean the link is going away: its `close` event says so, with the close code. */
const LINK_GONE = new Set(['HM_ERR_CONNECTION_LOST', 'HM_ERR_CLOSED']);

function samplesOf(ms: number): number {
  return Math.round((ms * SAMPLE_RATE_HZ) / 1000);
}

/** VAD-gated RAW_AUDIO streaming. */
export class RawAudioStreamer {
  readonly #o: StreamerOptions;
  readonly #history: PcmRingBuffer;
  #state: StreamState = { kind: 'idle' };
  #next = 0;
  /** Streams begun; a send error is reported once per stream. */
  #stream = 0;
  #errorReported = 0;

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

  /** The listener heard speech start at `sample`: stream from the pre-roll before it (or, streaming, go on). */
  speechStarted(sample: number): void {
    const s = this.#state;
    if (s.kind === 'streaming') {
      this.#state = { ...s, speech: true, tailEnd: Number.POSITIVE_INFINITY };
      this.#flush();
      return;
    }
    this.#next = Math.max(this.#history.oldestPosition, sample - samplesOf(this.#o.preRollMs));
    this.#stream += 1;
    this.#state = { kind: 'streaming', sent: 0, speech: true, hubRecording: false, tailEnd: Number.POSITIVE_INFINITY, capEnd: this.#next + samplesOf(this.#o.maxStreamMs) };
    this.#flush();
  }

  /** The listener decided the end of speech at sample `decided`: stream the tail after it, then stop unless the hub records. */
  speechEnded(decided: number): void {
    const s = this.#state;
    if (s.kind !== 'streaming' || !s.speech) return;
    this.#state = { ...s, speech: false, tailEnd: decided + samplesOf(this.#o.tailMs) };
    this.#flush();
  }

  /** The hub's `record_begin` (true) or `record_end` (false). */
  hubRecording(recording: boolean): void {
    const s = this.#state;
    if (s.kind !== 'streaming') return;
    if (!recording && !s.speech) {
      this.stop('hub');
      return;
    }
    this.#state = { ...s, hubRecording: recording };
    if (!recording) this.#flush();
  }

  /** Stop now: the link failed (`link`, `send`) or the input ended (`end`). */
  stop(why: StreamStop): void {
    const s = this.#state;
    if (s.kind !== 'streaming') return;
    this.#state = { kind: 'idle' };
    this.#o.onStop(why, s.sent);
  }

  #flush(): void {
    const s = this.#state;
    if (s.kind !== 'streaming') return;
    const limit = s.hubRecording ? s.capEnd : Math.min(s.capEnd, s.tailEnd);
    const end = Math.min(this.#history.writtenSamples, limit);
    let sent = s.sent;
    while (this.#next < end) {
      const n = Math.min(STREAM_CHUNK_SAMPLES, end - this.#next);
      // One array per network message (≈ 64 ms).
      const piece = new Int16Array(n);
      this.#history.readRange(this.#next, piece, this.#next + n);
      const stream = this.#stream;
      this.#o.link.sendBinary(BinaryPayloadType.RAW_AUDIO, new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength), METADATA).catch((error: unknown) => this.#sendFailed(stream, error));
      this.#next += n;
      sent += n;
    }
    this.#state = { ...s, sent };
    if (this.#next >= s.capEnd) this.stop('cap');
    else if (this.#next >= limit) this.stop('tail');
  }

  #sendFailed(stream: number, error: unknown): void {
    const code = errorCode(error);
    const name = typeof code === 'string' ? code : error instanceof Error ? error.name : String(error);
    if (LINK_GONE.has(name) || this.#errorReported === stream) return;
    this.#errorReported = stream;
    this.#o.onSendError?.(name);
  }
}
