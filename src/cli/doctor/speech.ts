/**
 * The local fallback's engines: the satellite answers offline only if it can transcribe (pocketsphinx with its
 * English model) and speak (espeak-ng, flite or piper) on its own.
 *
 * @module
 */
import { type SatelliteConfig, defaultConfigPath, loadSatelliteConfig } from '../../config/index.js';
import { OPEN_VOCABULARY_FIX, offlineWarnings } from '../../persona/index.js';
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

/**
 * What the satellite understands offline: a persona with an LLM (or another hub) can answer anything, but the
 * grammar recognizer only hears the built-in phrases, so without `speech.stt_url` it warns and says how to fix it.
 */
export const offlineUnderstandingCheck: DoctorCheck = {
  id: 'offline-understanding',
  group: 'speech',
  title: 'Offline understanding',
  run: async (ctx) => {
    const explicit = ctx.flags.config ?? (ctx.env['HIVESAT_CONFIG'] === '' ? undefined : ctx.env['HIVESAT_CONFIG']);
    let config: SatelliteConfig;
    try {
      config = await loadSatelliteConfig(explicit ?? defaultConfigPath(ctx.env), explicit !== undefined);
    } catch {
      return { status: 'skip', summary: 'the config file does not validate (see the config check)' };
    }
    let warnings: string[];
    try {
      warnings = await offlineWarnings(config, ctx.env);
    } catch (error) {
      return { status: 'fail', summary: `the persona cannot be loaded: ${error instanceof Error ? error.message : String(error)}`, fix: 'fix the persona file or "persona" in the config (run refuses it too)' };
    }
    const stt = config.speech.stt_url === null ? 'grammar recognizer (built-in phrases; the rest is "not understood")' : `${new URL(config.speech.stt_url).host} first, grammar recognizer as fallback`;
    const details = { stt_url: config.speech.stt_url === null ? null : new URL(config.speech.stt_url).host, persona: config.persona.name };
    if (warnings.length > 0) return { status: 'warn', summary: warnings.join('; '), details, fix: OPEN_VOCABULARY_FIX };
    return { status: 'ok', summary: `speech in: ${stt}`, details };
  },
};
