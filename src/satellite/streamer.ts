/**
 * Stream mode's wire end (the mic-satellite flow, HIVEMIND.md §6.1): each chunk of the listener's speech stream
 * (listener/speech-stream.ts decides which audio, when, and for how long; it reads it from the listener's own
 * history) goes to the hub as one RAW_AUDIO message. Nothing is kept here but which stream last reported a failed
 * send.
 *
 * @module
 */
import { BinaryPayloadType } from '../hivemind/index.js';
import { SAMPLE_RATE_HZ } from '../audio/index.js';
import { AUDIO_SAMPLE_WIDTH_BYTES } from './constants.js';
import type { HubLink } from './types.js';
import { errorCode } from '../errors.js';

/** A RAW_AUDIO chunk the link did not take. */
export interface StreamSendFailure {
  /** The listener's stream number. */
  readonly stream: number;
  /** The send's error code (`HM_ERR_QUEUE_FULL`…), else the error's name. */
  readonly code: string;
  /** The link was going away (`HM_ERR_CONNECTION_LOST`, `HM_ERR_CLOSED`): its `close` event says what became of it. */
  readonly linkGone: boolean;
}

/** Options of {@link RawAudioStreamer}. */
export interface StreamerOptions {
  readonly link: HubLink;
  /** A chunk of a stream could not be sent: called for its first failed chunk only. */
  readonly onSendFailed: (failure: StreamSendFailure) => void;
}

const METADATA = { sample_rate: SAMPLE_RATE_HZ, sample_width: AUDIO_SAMPLE_WIDTH_BYTES };

/** Send failures that mean the link is going away. */
const LINK_GONE = new Set(['HM_ERR_CONNECTION_LOST', 'HM_ERR_CLOSED']);

/** Sends stream chunks as RAW_AUDIO. */
export class RawAudioStreamer {
  readonly #o: StreamerOptions;
  /** The last stream a failed send was reported for (streams are numbered from 1). */
  #reported = 0;

  constructor(options: StreamerOptions) {
    this.#o = options;
  }

  /** Send one chunk of stream `stream` (16 kHz mono s16; the array is sent as it is, not copied). */
  send(stream: number, pcm: Int16Array): void {
    const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    this.#o.link.sendBinary(BinaryPayloadType.RAW_AUDIO, bytes, METADATA).catch((error: unknown) => this.#failed(stream, error));
  }

  #failed(stream: number, error: unknown): void {
    if (this.#reported >= stream) return;
    this.#reported = stream;
    const code = errorCode(error);
    const name = typeof code === 'string' ? code : error instanceof Error ? error.name : String(error);
    this.#o.onSendFailed({ stream, code: name, linkGone: LINK_GONE.has(name) });
  }
}
