import { medianPitchHz } from './src/speech/pitch.js';
import { reduceNoise } from './src/speech/index.js';
import { speak, ALL_TUNE_VOICES } from './bench/offline-fixtures.js';
const texts = ['what is six times nine', 'what time is it', 'the train leaves from platform four'];
for (const v of ALL_TUNE_VOICES) {
  const row: string[] = [];
  for (const t of texts) { const pcm = reduceNoise(await speak(t, v, 1)); const t0 = performance.now(); const p = medianPitchHz(pcm); row.push(`${p?.toFixed(0)} (${(performance.now() - t0).toFixed(1)} ms)`); }
  console.log(v.name.padEnd(36), row.join('  '));
}
