/**
 * `node --import tsx bench/offline-frontend.ts [variant …]`: pocketsphinx front-end options measured on the TUNING
 * half only (bench/offline-corpus.ts TUNE_*, TUNE_VOICES; never the evaluation voices), clean and with noise at
 * 14 dB SNR. Per variant: in-domain questions answered right by the grammar's nearest phrase and after verification
 * (src/speech/rejection.ts), and out-of-domain sentences answered wrong (clean only).
 *
 * Variants are extra pocketsphinx arguments appended to the recognizer's own (see VARIANTS); default: all of them.
 */
import { builtinPhrases } from '../src/persona/index.js';
import { PocketsphinxStt } from '../src/speech/index.js';
import { TUNE_IN_DOMAIN, TUNE_OUT_OF_DOMAIN } from './offline-corpus.js';
import { classify, closeFixtures, speak, TUNE_VOICES } from './offline-fixtures.js';

const VARIANTS: Readonly<Record<string, readonly string[]>> = {
  default: [],
  'cmn live': ['-cmn', 'live'],
  'remove_noise no': ['-remove_noise', 'no'],
  'remove_silence no': ['-remove_silence', 'no'],
};
const NOISY_SNR_DB = 14;

interface Utterance {
  readonly reference: string;
  readonly pcm: Int16Array;
  readonly inDomain: boolean;
}

async function corpus(snrDb: number | undefined): Promise<Utterance[]> {
  const list: Utterance[] = [];
  for (const voice of TUNE_VOICES) {
    const v = snrDb === undefined ? voice : { ...voice, snrDb };
    for (const text of TUNE_IN_DOMAIN) list.push({ reference: text, pcm: await speak(text, v, 7), inDomain: true });
  }
  if (snrDb === undefined) {
    for (const [i, text] of TUNE_OUT_OF_DOMAIN.entries()) {
      const voice = TUNE_VOICES[i % TUNE_VOICES.length];
      if (voice !== undefined) list.push({ reference: text, pcm: await speak(text, voice), inDomain: false });
    }
  }
  return list;
}

export async function frontend(names: readonly string[]): Promise<void> {
  const sets = { clean: await corpus(undefined), [`${NOISY_SNR_DB} dB`]: await corpus(NOISY_SNR_DB) };
  for (const name of names) {
    const extraArgs = VARIANTS[name];
    if (extraArgs === undefined) throw new Error(`expected a variant among ${Object.keys(VARIANTS).join(', ')}, got ${JSON.stringify(name)}`);
    const verified = new PocketsphinxStt({ grammar: builtinPhrases('en'), extraArgs });
    for (const [condition, utterances] of Object.entries(sets)) {
      let nearest = 0;
      let right = 0;
      let wrong = 0;
      const nIn = utterances.filter((u) => u.inDomain).length;
      for (const u of utterances) {
        const { text, rejected } = await verified.transcribe(u.pcm, { lang: 'en-us' });
        const heard = rejected?.heard ?? text;
        if (u.inDomain) {
          if (classify(u.reference, heard) === 'correct') nearest++;
          if (classify(u.reference, text) === 'correct') right++;
        } else if (classify(u.reference, text) === 'wrong') wrong++;
      }
      const ood = utterances.length - nIn;
      process.stdout.write(`${name.padEnd(20)} ${condition.padEnd(6)} in-domain right: nearest phrase ${nearest}/${nIn}, verified ${right}/${nIn}${ood > 0 ? `; out-of-domain wrong ${wrong}/${ood}` : ''}\n`);
    }
  }
  await closeFixtures();
}

if (import.meta.url === `file://${process.argv[1]}`) await frontend(process.argv.length > 2 ? process.argv.slice(2) : Object.keys(VARIANTS));
