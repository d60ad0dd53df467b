/**
 * The two engine interfaces of the speech layer. Audio inside the process is 16 kHz mono s16 (`Int16Array`).
 *
 * @module
 */
import type { RejectionReason } from './rejection.js';

/** Options of {@link SpeechToText.transcribe}. */
export interface TranscribeOptions {
  /** BCP-47-ish language of the speech ("en-us", "en"). */
  readonly lang: string;
  /** Aborts the run (the engine process is killed, the request cancelled). */
  readonly signal?: AbortSignal | undefined;
}

/** What an STT engine heard. */
export interface Transcript {
  /** Lower-case words separated by single spaces (engine-dependent casing for HTTP engines); '' when nothing was recognized. */
  readonly text: string;
  /** 0..1 when the engine reports one; pocketsphinx with a grammar reports none. */
  readonly confidence?: number;
  /**
   * Set when the engine heard speech but could not verify it as one of its phrases (a grammar recognizer that
   * heard something else): `text` is then '' and this says what the grammar guessed and why it was refused.
   */
  readonly rejected?: { readonly heard: string; readonly reason: RejectionReason };
}

/** A speech-to-text engine. */
export interface SpeechToText {
  /** Engine name for logs ("pocketsphinx", "openai"). */
  readonly name: string;
  /**
   * `open`: it can transcribe anything said (a whisper endpoint); `closed`: only its own phrases (pocketsphinx with a
   * grammar). Undefined: unknown, treated as closed by the checks that warn about it.
   */
  readonly vocabulary?: 'open' | 'closed';
  /**
   * Transcribe one utterance.
   *
   * @param pcm 16 kHz mono 16-bit samples
   */
  transcribe(pcm: Int16Array, options: TranscribeOptions): Promise<Transcript>;
}

/** Options of {@link TextToSpeech.synthesize}. */
export interface SynthesizeOptions {
  /** Language of the text ("en-us"); picks the default voice. */
  readonly lang: string;
  /** Engine-specific voice name; overrides the engine's configured voice. */
  readonly voice?: string | undefined;
  /** Aborts the run. */
  readonly signal?: AbortSignal | undefined;
}

/** Synthesized speech. */
export interface SynthesizedSpeech {
  /** 16 kHz mono 16-bit samples, ready for playback and for the listener's self-mute. */
  readonly pcm: Int16Array;
  /** The engine's own output before resampling (same array as `pcm` when the engine already speaks 16 kHz). */
  readonly native: Int16Array;
  /** Sample rate of `native`, hertz. */
  readonly nativeSampleRate: number;
}

/** A text-to-speech engine. */
export interface TextToSpeech {
  /** Engine name for logs ("espeak-ng", "flite", "piper", "openai"). */
  readonly name: string;
  /** Speak `text`. */
  synthesize(text: string, options: SynthesizeOptions): Promise<SynthesizedSpeech>;
}
