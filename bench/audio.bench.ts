/**
 * Audio layer costs: resampling (CPU time per second of audio), the pre-roll ring buffer (per 80 ms chunk), WAV
 * parsing (per 10 s file). `npm run bench -- audio`.
 *
 * For the resampler rows, "ms/op" is milliseconds of CPU per second of audio, so CPU-s per audio-s = ms/op ÷ 1000.
 */
import { PcmRingBuffer, StreamingResampler, encodeWav, readWav16kMono } from '../src/audio/index.js';
import { type BenchRow, measure } from './harness.js';

function noise(samples: number, seed = 1): Int16Array {
  const out = new Int16Array(samples);
  let s = seed;
  for (let i = 0; i < samples; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = ((s >>> 16) & 0xffff) - 32768 >> 2;
  }
  return out;
}

/** One second of audio pushed in 80 ms chunks through a streaming resampler. */
function resampleSecond(inRate: number, outRate: number, channels: number): () => void {
  const rs = new StreamingResampler({ inputRateHz: inRate, outputRateHz: outRate, inputChannels: channels });
  const chunkFrames = (inRate * 80) / 1000;
  const second = noise(Math.round(inRate / chunkFrames) * chunkFrames * channels);
  const chunkSamples = Math.round(chunkFrames * channels);
  return () => {
    for (let at = 0; at < second.length; at += chunkSamples) rs.push(second.subarray(at, at + chunkSamples));
  };
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const group = 'audio';

  rows.push(await measure(group, 'resample 48k stereo→16k mono (ms CPU per audio-s)', resampleSecond(48000, 16000, 2)));
  rows.push(await measure(group, 'resample 44.1k mono→16k (ms CPU per audio-s)', resampleSecond(44100, 16000, 1)));
  rows.push(await measure(group, 'resample 22.05k mono→16k (ms CPU per audio-s)', resampleSecond(22050, 16000, 1)));
  rows.push(await measure(group, 'resample 16k→48k playback (ms CPU per audio-s)', resampleSecond(16000, 48000, 1)));

  const ring = PcmRingBuffer.forDuration(2);
  const chunk = noise(1280);
  const out = new Int16Array(24000);
  rows.push(await measure(group, 'ring buffer write, 80 ms chunk (1,280 samples)', () => ring.write(chunk), { bytes: 2560 }));
  rows.push(await measure(group, 'ring buffer read 1.5 s pre-roll', () => ring.readLast(24000, out), { bytes: 48000 }));

  const wav16 = encodeWav(noise(160000));
  rows.push(await measure(group, 'WAV parse 10 s 16k mono → Int16Array', () => readWav16kMono(wav16), { bytes: wav16.length }));
  const wav48 = encodeWav(noise(960000), 48000, 2);
  rows.push(await measure(group, 'WAV parse 10 s 48k stereo → 16k mono', () => readWav16kMono(wav48), { bytes: wav48.length }));
  return rows;
}
