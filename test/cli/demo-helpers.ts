import { writeWavFile } from '../../src/audio/index.js';
import type { SynthesizedSpeech } from '../../src/speech/index.js';

export { EspeakNgTts } from '../../src/speech/index.js';

/** Write synthesized speech, padded with a second of silence each side, as a 16 kHz WAV. */
export async function writeWavForTest(path: string, speech: SynthesizedSpeech): Promise<void> {
  const pad = 16_000;
  const pcm = new Int16Array(speech.pcm.length + 2 * pad);
  pcm.set(speech.pcm, pad);
  await writeWavFile(path, pcm);
}
