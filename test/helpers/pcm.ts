/**
 * PCM helpers shared by the audio and fault tests.
 *
 * @module
 */
import type { AudioSource } from '../../src/audio/index.js';

/** Copies the next `n` samples `source` delivers (from the moment of the call). */
export function nextSamples(source: Pick<AudioSource, 'on' | 'off'>, n: number): Promise<Int16Array> {
  return new Promise((resolve) => {
    const buf = new Int16Array(n);
    let have = 0;
    const onChunk = (samples: Int16Array): void => {
      const take = Math.min(samples.length, n - have);
      buf.set(samples.subarray(0, take), have);
      have += take;
      if (have === n) {
        source.off('chunk', onChunk);
        resolve(buf);
      }
    };
    source.on('chunk', onChunk);
  });
}
