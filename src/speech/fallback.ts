/**
 * An open-vocabulary recognizer (an OpenAI-compatible transcription endpoint, e.g. a whisper server on the LAN)
 * with the grammar recognizer as its fallback: when the endpoint fails (unreachable, timeout, HTTP error, bad body)
 * the utterance is transcribed locally instead, so the satellite still understands its built-in phrases.
 *
 * @module
 */
import type { SpeechToText, TranscribeOptions, Transcript } from './types.js';

/** Options of {@link FallbackStt}. */
export interface FallbackSttOptions {
  readonly primary: SpeechToText;
  readonly fallback: SpeechToText;
  /** Told each time the primary failed and the fallback was used (log, metrics). */
  readonly onFallback?: (error: unknown) => void;
}

/** Tries `primary`, then `fallback`. */
export class FallbackStt implements SpeechToText {
  readonly name: string;
  readonly vocabulary: 'open' | 'closed';
  readonly #o: FallbackSttOptions;

  constructor(options: FallbackSttOptions) {
    this.#o = options;
    this.name = `${options.primary.name}+${options.fallback.name}`;
    this.vocabulary = options.primary.vocabulary ?? 'open';
  }

  /** @throws what the fallback throws, or the signal's reason when aborted */
  async transcribe(pcm: Int16Array, options: TranscribeOptions): Promise<Transcript> {
    try {
      return await this.#o.primary.transcribe(pcm, options);
    } catch (error) {
      if (options.signal?.aborted === true) throw options.signal.reason;
      this.#o.onFallback?.(error);
      return this.#o.fallback.transcribe(pcm, options);
    }
  }
}
