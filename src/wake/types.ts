/**
 * The engine-independent face of wake-word detection. openWakeWord implements it today; Porcupine (opt-in, needs an
 * AccessKey) can implement the same interface later.
 *
 * @module
 */

/** A keyword was heard. */
export interface WakeDetection {
  /** Keyword name (`hey_jarvis`, or the name given to a user-supplied head). */
  readonly keyword: string;
  /** Score of the frame that completed the trigger, in [0, 1]. */
  readonly score: number;
  /** Stream position at the end of the audio that triggered, samples since creation/reset. */
  readonly sample: number;
}

/**
 * A streaming wake-word detector over 16 kHz mono s16 audio.
 *
 * Chunks may have any length: the detector keeps its own framing, so the same audio cut into different chunks gives
 * the same scores and detections. Calls are sequential: await each `process()` before the next.
 */
export interface WakeWordDetector {
  /** Names of the keywords listened for, in configuration order. */
  readonly keywords: readonly string[];
  /** Samples fed since creation or the last {@link WakeWordDetector.reset}. */
  readonly position: number;

  /**
   * Feed audio. Resolves with the detections this chunk completed, in stream order (usually none; the same frozen
   * empty array is returned then).
   *
   * @throws {MODEL_ERR_BUSY} a previous call has not settled.
   * @throws {MODEL_ERR_CLOSED} after {@link WakeWordDetector.close}.
   * @throws {MODEL_ERR_INFERENCE} a model failed.
   */
  process(chunk: Int16Array): Promise<readonly WakeDetection[]>;

  /**
   * Forget all audio: buffered samples, feature history, trigger counters and refractory periods; position back to 0.
   *
   * @throws {MODEL_ERR_BUSY} while a `process()` call is pending.
   */
  reset(): void;

  /**
   * Release the models. Further calls to `process()` fail with `MODEL_ERR_CLOSED`; a second call does nothing.
   *
   * @throws {MODEL_ERR_BUSY} while a `process()` call is pending.
   */
  close(): Promise<void>;
}

/**
 * Called once per hop and keyword with the (warm-up-masked) score, the stream position at the hop's end and, when the
 * keyword has a verifier, the verifier's probability for the same window.
 */
export type ScoreListener = (keyword: string, score: number, endSample: number, verified?: number) => void;
