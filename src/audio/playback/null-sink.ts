/**
 * A sink that plays nothing: it consumes clips as fast as they come and counts them. For headless runs with no
 * speaker and for tests.
 *
 * @module
 */
import { BaseSink, type DeviceFormat, type PlaybackSession } from './sink.js';

/** Discards everything played. */
export class NullSink extends BaseSink {
  readonly name = 'null';
  #samples = 0;

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an unsupported format or gain. */
  constructor(format: DeviceFormat = {}) {
    super(format);
  }

  /** Device samples "played" since the sink was made. */
  get samplesDiscarded(): number {
    return this.#samples;
  }

  protected async openSession(): Promise<PlaybackSession> {
    return {
      write: async (samples) => {
        this.#samples += samples.length;
      },
      finish: async () => {},
      abort: async () => {},
    };
  }
}
