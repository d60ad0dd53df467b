/**
 * The local fallback's engines: the satellite answers offline only if it can transcribe (pocketsphinx with its
 * English model) and speak (espeak-ng, flite or piper) on its own.
 *
 * @module
 */
import { detectSpeechEngines } from '../../speech/index.js';
import type { DoctorCheck } from './types.js';

/** Local STT and TTS engines. */
export const speechCheck: DoctorCheck = {
  id: 'local-speech',
  group: 'speech',
  title: 'Local fallback engines',
  run: async (ctx) => {
    const found = await detectSpeechEngines(ctx.env);
    const tts = [found.espeakNg === undefined ? undefined : 'espeak-ng', found.flite === undefined ? undefined : 'flite', found.piper === undefined ? undefined : 'piper'].filter((x): x is string => x !== undefined);
    const stt = found.pocketsphinx !== undefined && found.pocketsphinxEnUs ? ['pocketsphinx (en-us)'] : [];
    const details = { espeak_ng: found.espeakNg ?? null, flite: found.flite ?? null, piper: found.piper ?? null, pocketsphinx: found.pocketsphinx ?? null, pocketsphinx_en_us: found.pocketsphinxEnUs };
    const summary = `speech out: ${tts.length === 0 ? 'none' : tts.join(', ')}; speech in: ${stt.length === 0 ? 'none' : stt.join(', ')}`;
    const missing = [...(tts.length === 0 ? ['espeak-ng'] : []), ...(stt.length === 0 ? ['pocketsphinx', 'pocketsphinx-en-us'] : [])];
    if (missing.length > 0) return { status: 'warn', summary, details, fix: `without the hub the satellite cannot answer by itself: sudo apt-get install ${missing.join(' ')}` };
    return { status: 'ok', summary, details };
  },
};
