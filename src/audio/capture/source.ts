/**
 * The one interface every capture source implements.
 *
 * Events, not an async iterator: the audio path is synchronous (detectors run inside the `chunk` callback, see
 * ARCHITECTURE.md "nothing in the audio path awaits"), and an iterator would add a promise per chunk and let a slow
 * consumer build an unbounded queue.
 *
 * Lifecycle: `stopped → starting → running → stopping → stopped`. A source that fails or ends goes back to
 * `stopped` by itself and tells why (`error` or `end`). Live sources can be started again after that; wrap them in a
 * {@link SupervisedSource} to have that done with backoff.
 *
 * @module
 */
import type { DeviceError } from '../errors.js';
import type { SupervisedSource } from './supervised-source.js';

/** Events of an {@link AudioSource}. */
export type AudioSourceEvents = {
  /**
   * 16 kHz mono s16 audio, any number of samples. The array is a view into the source's own buffer, valid only
   * during the call: copy it (e.g. into a PcmRingBuffer) to keep it.
   */
  chunk: [samples: Int16Array];
  /**
   * The device failed while running (its process died, the pipe broke). The source is `stopped` when this fires.
   * Like any Node `error` event it throws if nobody listens: listen, or wrap the source in a SupervisedSource.
   */
  error: [error: DeviceError];
  /** A finite source (file, stdin) delivered all its audio. The source is `stopped` when this fires. */
  end: [];
};

/** Lifecycle state of a source. `backoff` is used only by a {@link SupervisedSource} waiting to restart its device. */
export type SourceState = 'stopped' | 'starting' | 'running' | 'backoff' | 'stopping';

/**
 * A capture source of 16 kHz mono audio. Implementations are `EventEmitter<AudioSourceEvents>`s (or emitters of more
 * events, like a {@link SupervisedSource}); the interface names only the listener methods consumers need.
 */
export interface AudioSource {
  /** Adds a listener for audio. */
  on(event: 'chunk', listener: (samples: Int16Array) => void): this;
  /** Adds a listener for a device failure. */
  on(event: 'error', listener: (error: DeviceError) => void): this;
  /** Adds a listener for the end of a finite source. */
  on(event: 'end', listener: () => void): this;
  /** Adds a listener called at most once. */
  once(event: 'chunk', listener: (samples: Int16Array) => void): this;
  /** Adds a listener called at most once. */
  once(event: 'error', listener: (error: DeviceError) => void): this;
  /** Adds a listener called at most once. */
  once(event: 'end', listener: () => void): this;
  /** Removes a listener. */
  off(event: 'chunk', listener: (samples: Int16Array) => void): this;
  /** Removes a listener. */
  off(event: 'error', listener: (error: DeviceError) => void): this;
  /** Removes a listener. */
  off(event: 'end', listener: () => void): this;
  /** For logs: what this source reads, e.g. `arecord -D plughw:1,0 @48000 Hz ×2`. */
  readonly name: string;
  /** Where the source is in its lifecycle. */
  readonly state: SourceState;
  /**
   * Opens the device and starts emitting `chunk`s. Resolves once it runs.
   * @throws {DeviceError} (AUDIO_ERR_DEVICE_SPAWN) when the device cannot be opened; the source stays `stopped`.
   * @throws {AudioError} (AUDIO_ERR_STATE) when it is not `stopped`.
   */
  start(): Promise<void>;
  /** Stops emitting and closes the device. Resolves once it is closed. Idempotent. */
  stop(): Promise<void>;
  /**
   * Optional: ends the device at once, without the grace period of {@link AudioSource.stop} (SIGKILL for a process).
   * A supervisor uses it for a device that hangs or is stuck, whose orderly stop could itself hang. Idempotent.
   */
  abort?(): Promise<void>;
}
