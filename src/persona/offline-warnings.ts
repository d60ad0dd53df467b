/**
 * Warnings about a persona that can answer anything while the offline speech-to-text understands only the built-in
 * phrases: its LLM (or hub) solver would only ever be asked those phrases, so it is of little use offline until a
 * transcription endpoint is configured. Shared by `hivesat config check` and `hivesat doctor`.
 *
 * @module
 */
import { loadPersonaOrDefault, defaultPersonaDir } from './loader.js';
import type { Persona } from './persona.js';

/** The parts of the satellite config the warnings look at (structurally the config file's sections). */
export interface OfflineWarningsInput {
  readonly persona: { readonly name: string | null; readonly dir: string | null };
  readonly speech: { readonly stt_url: string | null };
}

/** How to fix the warning: the config key and what to put in it. */
export const OPEN_VOCABULARY_FIX =
  'set "speech": {"stt_url": "http://HOST:PORT/v1"} to an OpenAI-compatible transcription endpoint (for example a whisper server on the LAN); the grammar recognizer stays the fallback';

/** The solvers of `persona` that answer open questions (LLM endpoints, other hubs). */
export function openEndedSolvers(persona: Persona): string[] {
  return persona.solvers.filter((s) => s.role === 'language-model' || s.role === 'hub').map((s) => s.id);
}

/** The warnings for a loaded persona and whether the STT is open-vocabulary ([] when there is nothing to say). */
export function personaOfflineWarnings(persona: Persona, openVocabularyStt: boolean): string[] {
  const open = openEndedSolvers(persona);
  if (open.length === 0 || openVocabularyStt) return [];
  return [
    `persona "${persona.name}" can answer anything (${open.join(', ')}), but the local speech-to-text only understands the built-in phrases (time, date, sums), so offline it never hears other questions; ${OPEN_VOCABULARY_FIX}`,
  ];
}

/**
 * The warnings for a satellite config: loads its persona (as `run` does) and checks `speech.stt_url`.
 *
 * @throws the persona loader's errors (a missing or invalid persona: `run` would refuse it too)
 */
export async function offlineWarnings(config: OfflineWarningsInput, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  // The HiveMind solver needs a client only when it is asked; loading it for a check needs none.
  const persona = await loadPersonaOrDefault(config.persona.dir ?? defaultPersonaDir(env), config.persona.name ?? undefined, {
    hivemind: () => ({ ask: () => Promise.reject(new Error('not connected: loaded for a check')) }),
  });
  return personaOfflineWarnings(persona, config.speech.stt_url !== null);
}
