/**
 * The engine-independent face of voice activity detection.
 *
 * @module
 */

/** Speech began or ended. Positions are sample indices in the stream fed to the detector since creation/reset. */
export interface VadEvent {
  /** Which edge. */
  readonly type: 'speech-start' | 'speech-end';
  /**
   * Where the edge is in the stream, samples (padding included): the first sample of speech for `speech-start`,
   * the first sample after speech for `speech-end`.
   */
  readonly sample: number;
  /** How many samples had been fed when the edge was decided (`speech-end` is decided after the hangover). */
  readonly decidedAt: number;
  /** Speech probability of the window that decided the edge. */
  readonly probability: number;
}

/**
 * A streaming voice activity detector over 16 kHz mono s16 audio.
 *
 * Chunks may have any length: the detector keeps its own framing, so the same audio cut into different chunks gives
 * the same probabilities and events. Calls are sequential: await each `process()` before the next.
 */
export interface VoiceActivityDetector {
  /** Samples per analysis window (512 for Silero at 16 kHz). */
  readonly windowSamples: number;
  /** Samples fed since creation or the last {@link VoiceActivityDetector.reset}. */
  readonly position: number;
  /** Whether the detector is inside a speech region. */
  readonly speaking: boolean;
  /** Speech probability of the last complete window (0 before the first). */
  readonly probability: number;

  /**
   * Feed audio. Resolves with the speech edges decided by this chunk, in order (usually none; the same frozen empty
   * array is returned then).
   *
   * @throws {MODEL_ERR_BUSY} a previous call has not settled.
   * @throws {MODEL_ERR_CLOSED} after {@link VoiceActivityDetector.close}.
   * @throws {MODEL_ERR_INFERENCE} the model failed.
   */
  process(chunk: Int16Array): Promise<readonly VadEvent[]>;

  /**
   * Forget all audio: model state, partial window, position (back to 0) and speech state.
   *
   * @throws {MODEL_ERR_BUSY} while a `process()` call is pending.
   */
  reset(): void;

  /**
   * Release the model. Further calls to `process()` fail with `MODEL_ERR_CLOSED`; a second call does nothing.
   *
   * @throws {MODEL_ERR_BUSY} while a `process()` call is pending.
   */
  close(): Promise<void>;
}

/** Called once per analysis window with its speech probability and the stream position at its end, samples. */
export type ProbabilityListener = (probability: number, endSample: number) => void;
