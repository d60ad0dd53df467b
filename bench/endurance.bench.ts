/**
 * The front end over two hours of audio, as fast as the CPU allows: the service's own listener (config defaults:
 * wake word, verifier, speech gate, VAD, endpointing) hears the soak's spoken turns back to back, with a noise floor
 * between them. Prints RSS / heap / external memory every 10 minutes of audio: they must level off (no per-turn
 * growth in onnxruntime, the ring buffers or the listener). Run with `node --expose-gc` for steadier heap figures.
 */
import { listenerOptionsFromConfig } from '../src/config/index.js';
import { defaultSatelliteConfig } from '../src/config/satellite-config.js';
import { createListener } from '../src/listener/index.js';
import type { BenchRow } from './harness.js';
import { MIC_CHUNK_SAMPLES } from './soak/paced-mic.js';
import { spokenQuestions } from './soak/turn-audio.js';

const RATE_HZ = 16_000;
const MINUTES = 120;
/** Noise floor between turns: ten 80 ms chunks. */
const GAP_CHUNKS = 10;

export async function run(): Promise<BenchRow[]> {
  const questions = spokenQuestions();
  const listener = await createListener(listenerOptionsFromConfig(defaultSatelliteConfig()));
  let utterances = 0;
  listener.on('utterance', () => utterances++);
  const noise = new Int16Array(MIC_CHUNK_SAMPLES);
  let seed = 7;
  let fed = 0;
  const started = performance.now();
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  const report = (minute: number): { rss: number } => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    process.stderr.write(`endurance: ${minute} min of audio, RSS ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)} MiB, external ${mib(m.external)} MiB, ${utterances} utterances\n`);
    return { rss: m.rss };
  };
  let atThirty = 0;
  try {
    for (let minute = 0; minute < MINUTES; minute++) {
      if (minute % 10 === 0) {
        const { rss } = report(minute);
        if (minute === 30) atThirty = rss;
      }
      const end = fed + 60 * RATE_HZ;
      for (let turn = 0; fed < end; turn++) {
        const audio = (questions[turn % questions.length] as (typeof questions)[number]).audio;
        for (let i = 0; i < audio.length; i += MIC_CHUNK_SAMPLES) {
          listener.feed(audio.subarray(i, i + MIC_CHUNK_SAMPLES));
          await listener.drained();
        }
        for (let k = 0; k < GAP_CHUNKS; k++) {
          for (let i = 0; i < noise.length; i++) {
            seed ^= seed << 13;
            seed ^= seed >>> 17;
            seed ^= seed << 5;
            noise[i] = seed % 33;
          }
          listener.feed(noise);
          await listener.drained();
        }
        fed += audio.length + GAP_CHUNKS * MIC_CHUNK_SAMPLES;
      }
    }
  } finally {
    await listener.close();
  }
  const { rss } = report(MINUTES);
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`endurance: RSS growth from 30 to ${MINUTES} min of audio: ${mib(rss - atThirty)} MiB (${(((rss - atThirty) / atThirty) * 100).toFixed(2)} %)\n`);
  return [{ group: 'endurance', name: `listener, ${MINUTES} min of turns (${utterances} utterances)`, opsPerSec: (MINUTES * 60) / seconds, msPerOp: (seconds * 1000) / (MINUTES * 60), mibPerSec: undefined }];
}
