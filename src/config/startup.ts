/**
 * "Will this config start": the one start-up validation. `hivesat run` builds what it starts with here (the
 * listener and its models, the hub settings, the persona, the local speech engines, the cue sounds), and
 * `hivesat config check` and `hivesat doctor` run the very same steps and throw the results away, so the three
 * cannot disagree. Every refusal says what is wrong and what to fix; `run` exits with `EXIT_CANNOT_START` (78) for
 * any of them, which the systemd unit lists in `RestartPreventExitStatus=` so that a config that cannot start is
 * not restarted in a loop.
 *
 * @module
 */
import { HivesatError } from '../errors.js';
import { type CreateListenerOptions, createListener, type Listener, type WakeEngineInfo } from '../listener/index.js';
import type { VerifierInfo } from '../wake/index.js';
import { BUILTIN_SOLVERS, builtinPhrases, type ConnectivityStatus, defaultPersonaDir, loadPersonaOrDefault, type Persona, type PersonaLogEvent, personaOfflineWarnings } from '../persona/index.js';
import { SoundLibrary } from '../satellite/index.js';
import { detectSpeechEngines, EspeakNgTts, FallbackStt, FliteTts, LAN_STT_TIMEOUT_MS, OpenAiTranscriber, PocketsphinxStt, type SpeechToText, type TextToSpeech } from '../speech/index.js';
import { listenerOptionsFromConfig } from './listener-options.js';
import { type ConnectionFlags, type ConnectionSettings, resolveConnectionSettings } from './connection-config.js';
import { ConfigError } from './errors.js';
import { ConfigValidationError, loadSatelliteConfig, type SatelliteConfig } from './satellite-config.js';

export { EXIT_CANNOT_START } from './errors.js';

/** Where the keys, their ranges and defaults are explained. */
const REFERENCE = 'docs/configuration.md';

/** One reason `hivesat run` would refuse to start. */
export interface StartupRefusal {
  /** What is wrong: a config key (`$.wake.keywords`) or a part (`config`, `hub`, `models`, `persona`, `speech`). */
  readonly subject: string;
  /** The code of the error behind it (`MODEL_ERR_UNKNOWN`, `PERSONA_ERR_NOT_FOUND`, `CFG_ERR_INVALID_VALUE` …). */
  readonly code: string;
  /** What was found, one line. */
  readonly message: string;
  /** What to do about it, one line. */
  readonly fix: string;
}

/** The line printed for a refusal, the same for `run`, `config check` and `doctor`. */
export function formatRefusal(refusal: StartupRefusal): string {
  return `${refusal.message} (${refusal.code}); fix: ${refusal.fix}`;
}

/** What `run` starts with. */
export interface Startup {
  readonly config: SatelliteConfig;
  /** Undefined: no hub configured; the satellite answers locally only (see `notes`). */
  readonly settings: ConnectionSettings | undefined;
  /** Why the hub settings are missing, when they are (`CFG_ERR_MISSING`). */
  readonly settingsMissing: ConfigError | undefined;
  readonly lang: string;
  readonly listener: Listener;
  readonly persona: Persona;
  readonly tts: TextToSpeech;
  readonly stt: SpeechToText;
  /** The cue sounds, decoded. */
  readonly sounds: SoundLibrary;
  /** Things worth a warning that do not stop the start (no hub configured). */
  readonly notes: readonly string[];
  /** Release what was built (the listener's models, the recognizer's scratch files). */
  close(): Promise<void>;
}

/** Inputs of {@link prepareStartup}. */
export interface StartupInputs {
  /** The config file and whether it was named (`--config`, `HIVESAT_CONFIG`): then it must exist. */
  readonly configPath: string;
  readonly explicit: boolean;
  /** Connection flags given on the command line. */
  readonly flags?: ConnectionFlags;
  readonly env: NodeJS.ProcessEnv;
  /** Model directories (default: `$HIVESAT_MODEL_DIR`, the package's `models/cache/` and `models/`). */
  readonly modelDirs?: readonly string[];
  /** What the persona's solvers are told about the hub (run: whether its connection is ready). */
  readonly connectivity?: () => ConnectivityStatus;
  /** The persona's log (run: solver failures go to the log, metrics and the `error` hook). */
  readonly personaLog?: (event: PersonaLogEvent) => void;
  /** Told when `speech.stt_url` failed and the grammar recognizer transcribed instead. */
  readonly onSttFallback?: (error: unknown) => void;
}

/** A config that could start ({@link Startup}), or every reason it cannot. */
export type StartupResult =
  | { readonly ok: true; readonly startup: Startup }
  | { readonly ok: false; readonly refusals: readonly StartupRefusal[]; readonly settings: ConnectionSettings | undefined; readonly settingsMissing: ConfigError | undefined };

/** A config file that could be read and validated, or why not. */
export type ConfigLoad = { readonly ok: true; readonly config: SatelliteConfig } | { readonly ok: false; readonly refusals: readonly StartupRefusal[] };

/** Read and validate the config file (the first step, before logging is set up from its `ops` section). */
export async function loadStartupConfig(path: string, explicit: boolean): Promise<ConfigLoad> {
  try {
    return { ok: true, config: await loadSatelliteConfig(path, explicit) };
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      return { ok: false, refusals: error.issues.map((issue) => ({ subject: issue.path, code: error.code, message: `${path}: ${issue.path}: ${issue.message}`, fix: `edit ${path} (every key, its range and default: ${REFERENCE})` })) };
    }
    if (error instanceof ConfigError) {
      const fix = error.code === 'CFG_ERR_IO' ? `check --config / HIVESAT_CONFIG, or write the file (hivesat config defaults > ${path})` : `make ${path} one JSON object (see ${REFERENCE})`;
      return { ok: false, refusals: [{ subject: 'config', code: error.code, message: error.message, fix }] };
    }
    throw error;
  }
}

/** The error's code, if it is one of ours. */
function codeOf(error: unknown): string | undefined {
  return error instanceof HivesatError ? error.code : undefined;
}

function modelFix(code: string, config: SatelliteConfig): string {
  switch (code) {
    case 'MODEL_ERR_UNKNOWN':
      return `set wake.keywords to built-in heads or paths of openWakeWord .onnx files (now ${JSON.stringify(config.wake.keywords)}), and vad.model to one of models/manifest.json`;
    case 'MODEL_ERR_MISSING':
      return 'fetch the models: scripts/fetch-models (or point HIVESAT_MODEL_DIR at a directory that has them); a custom head or verifier must be the path of an existing file';
    case 'MODEL_ERR_CORRUPT':
      return 'fetch it again as the message says (scripts/fetch-models checks sha256)';
    case 'MODEL_ERR_LOAD':
      return 'the file is unreadable or not an ONNX model: fetch it again (scripts/fetch-models), or fix its path in wake.keywords / wake.verifier';
    case 'MODEL_ERR_SIGNATURE':
      return 'the file is not the model it is named as: fix wake.keywords / wake.verifier, or fetch it again (scripts/fetch-models)';
    case 'MODEL_ERR_RUNTIME':
      return 'reinstall hivesat: onnxruntime-node for this platform is missing or broken';
    default:
      return `fix the wake/vad setting named above (${REFERENCE})`;
  }
}

function personaFix(code: string, dir: string): string {
  switch (code) {
    case 'PERSONA_ERR_NOT_FOUND':
      return `put the persona's .json file in ${dir} (or set persona.dir), or set persona.name to one listed above, or to null for the built-in persona`;
    case 'PERSONA_ERR_UNKNOWN_SOLVER':
      return `list only solvers hivesat has in the persona file's "handlers" (${[...BUILTIN_SOLVERS.keys()].join(', ')}), or choose another persona`;
    case 'PERSONA_ERR_IO':
      return `make the persona folder ${dir} and its files readable by the satellite's user`;
    default:
      return 'fix the persona file named above (ovos-persona format)';
  }
}

/** A step of the start-up: what it builds, or the refusals that stop it. */
type Step<T> = { readonly value: T; readonly refusals?: undefined } | { readonly value?: undefined; readonly refusals: readonly StartupRefusal[] };

async function step<T>(build: () => Promise<T>, refuse: (error: unknown, code: string) => StartupRefusal): Promise<Step<T>> {
  try {
    return { value: await build() };
  } catch (error) {
    const code = codeOf(error);
    if (code === undefined) throw error; // not a configuration problem: a bug, reported as such by the caller
    return { refusals: [refuse(error, code)] };
  }
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function speechFix(code: string, engine: string, lang: string): string {
  switch (code) {
    case 'SPEECH_ERR_UNKNOWN_VOICE':
      return 'set speech.voice to an installed voice, or to null for the default';
    case 'SPEECH_ERR_UNSUPPORTED_LANGUAGE':
      return `set speech.tts to an engine that speaks ${lang} (espeak-ng speaks most languages), or hub.lang to a language ${engine} speaks`;
    default:
      return `reinstall ${engine}, or set speech.tts to the other engine`;
  }
}

/** The local speech engines the config names, checked by running them once. */
async function speechEngines(config: SatelliteConfig, env: NodeJS.ProcessEnv, lang: string, onSttFallback: (error: unknown) => void): Promise<{ tts?: TextToSpeech; stt?: SpeechToText; grammar?: PocketsphinxStt; refusals: StartupRefusal[] }> {
  const found = await detectSpeechEngines(env);
  const refusals: StartupRefusal[] = [];
  const tts: TextToSpeech = config.speech.tts === 'flite' ? new FliteTts() : new EspeakNgTts(config.speech.voice === null ? {} : { voice: config.speech.voice });
  const ttsPath = config.speech.tts === 'flite' ? found.flite : found.espeakNg;
  if (ttsPath === undefined) {
    refusals.push({ subject: '$.speech.tts', code: 'SPEECH_ERR_ENGINE_MISSING', message: `speech.tts: ${config.speech.tts} is not installed (not on PATH)`, fix: `sudo apt-get install ${config.speech.tts}, or set speech.tts to the other engine` });
  } else {
    try {
      // One word through the engine: proves it runs and knows the voice, before a user's question needs it.
      await tts.synthesize('ok', { lang: lang.toLowerCase(), ...(config.speech.voice === null ? {} : { voice: config.speech.voice }) });
    } catch (error) {
      const code = codeOf(error);
      if (code === undefined) throw error;
      refusals.push({ subject: config.speech.voice === null ? '$.speech.tts' : '$.speech.voice', code, message: `speech: ${config.speech.tts} cannot speak: ${message(error)}`, fix: speechFix(code, config.speech.tts, lang) });
    }
  }
  if (found.pocketsphinx === undefined || !found.pocketsphinxEnUs) {
    const missing = found.pocketsphinx === undefined ? 'pocketsphinx' : 'pocketsphinx-en-us';
    refusals.push({ subject: '$.speech.stt', code: found.pocketsphinx === undefined ? 'SPEECH_ERR_ENGINE_MISSING' : 'SPEECH_ERR_MODEL_MISSING', message: `speech.stt: pocketsphinx cannot run: ${missing} is not installed`, fix: `sudo apt-get install ${missing}` });
  }
  const grammar = new PocketsphinxStt({ grammar: builtinPhrases(lang.split('-')[0] ?? 'en') });
  return { tts, stt: localStt(config, grammar, onSttFallback), grammar, refusals };
}

/**
 * The local speech-to-text: pocketsphinx with the built-in phrases (rejecting what it cannot verify), behind an
 * OpenAI-compatible transcription endpoint when `speech.stt_url` names one.
 */
function localStt(config: SatelliteConfig, grammar: PocketsphinxStt, onFallback: (error: unknown) => void): SpeechToText {
  const { stt_url: apiUrl, stt_model: model, stt_key: key } = config.speech;
  if (apiUrl === null) return grammar;
  const primary = new OpenAiTranscriber({ apiUrl, timeoutMs: LAN_STT_TIMEOUT_MS, ...(model === null ? {} : { model }), ...(key === null ? {} : { key }) });
  return new FallbackStt({ primary, fallback: grammar, onFallback });
}

/** Decode the sounds the satellite plays by itself (the wake cue when `on_wake`, the error cue). */
async function cueSounds(config: SatelliteConfig): Promise<{ sounds: SoundLibrary; refusals: StartupRefusal[] }> {
  const sounds = new SoundLibrary();
  const cues: [string, string][] = [...(config.sounds.on_wake ? [['start_listening', config.sounds.start_listening] as [string, string]] : []), ['error', config.sounds.error]];
  const refusals: StartupRefusal[] = [];
  for (const [key, uri] of cues) {
    try {
      await sounds.load(uri);
    } catch (error) {
      const code = codeOf(error) ?? (error instanceof RangeError ? 'CFG_ERR_INVALID_VALUE' : 'CFG_ERR_IO');
      refusals.push({ subject: `$.sounds.${key}`, code, message: `sounds.${key}: cannot play ${JSON.stringify(uri)}: ${message(error)}`, fix: `set sounds.${key} to a readable WAV or MP3 file (snd/NAME, an absolute path or file://)${key === 'start_listening' ? ', or sounds.on_wake to false' : ''}` });
    }
  }
  return { sounds, refusals };
}

/**
 * Build everything `run` starts with from a validated config, or say every reason it cannot start. On refusal
 * whatever was built is released.
 *
 * @throws what is not a configuration problem (a bug): errors without a hivesat code.
 */
export async function prepareStartup(config: SatelliteConfig, inputs: StartupInputs): Promise<StartupResult> {
  const refusals: StartupRefusal[] = [];
  const notes: string[] = [];
  let settingsMissing: ConfigError | undefined;
  const hub = await step(
    async () => {
      try {
        return await resolveConnectionSettings({ flags: inputs.flags ?? {}, env: inputs.env, config: { hub: config.hub, path: inputs.configPath, explicit: inputs.explicit } });
      } catch (error) {
        if (!(error instanceof ConfigError) || error.code !== 'CFG_ERR_MISSING') throw error;
        settingsMissing = error;
        notes.push(`no hub configured (${error.message}): answering locally only`);
        return undefined;
      }
    },
    (error, code) => ({ subject: 'hub', code, message: message(error), fix: 'fix the hub setting named above (command-line flag, HIVESAT_* variable, the "hub" section or the identity file)' }),
  );
  refusals.push(...(hub.refusals ?? []));
  const settings = hub.value;
  const hubLang = config.hub.lang;
  const lang = settings?.lang ?? (typeof hubLang === 'string' && hubLang !== '' ? hubLang : 'en-US');

  const listenerOptions: CreateListenerOptions = { ...listenerOptionsFromConfig(config, inputs.env), env: inputs.env, ...(inputs.modelDirs === undefined ? {} : { modelDirs: inputs.modelDirs }) };
  const listener = await step(() => createListener(listenerOptions), (error, code) => ({ subject: 'models', code, message: message(error), fix: modelFix(code, config) }));
  refusals.push(...(listener.refusals ?? []));

  const personaDir = config.persona.dir ?? defaultPersonaDir(inputs.env);
  const persona = await step(
    () => loadPersonaOrDefault(personaDir, config.persona.name ?? undefined, { ...(inputs.connectivity === undefined ? {} : { connectivity: inputs.connectivity }), ...(inputs.personaLog === undefined ? {} : { log: inputs.personaLog }) }),
    (error, code) => ({ subject: '$.persona', code, message: `persona: ${message(error)}`, fix: personaFix(code, personaDir) }),
  );
  refusals.push(...(persona.refusals ?? []));

  const speech = await speechEngines(config, inputs.env, lang, inputs.onSttFallback ?? (() => undefined));
  refusals.push(...speech.refusals);
  const cues = await cueSounds(config);
  refusals.push(...cues.refusals);
  // An LLM persona behind the grammar recognizer would only ever be asked the built-in phrases: say so.
  if (persona.value !== undefined) notes.push(...personaOfflineWarnings(persona.value, speech.stt?.vocabulary === 'open'));

  const close = async (): Promise<void> => {
    await listener.value?.close().catch(() => undefined); // best-effort release
    await speech.grammar?.close().catch(() => undefined); // best-effort release
  };
  if (refusals.length > 0 || listener.value === undefined || persona.value === undefined || speech.tts === undefined || speech.stt === undefined) {
    await close();
    return { ok: false, refusals, settings, settingsMissing };
  }
  return { ok: true, startup: { config, settings, settingsMissing, lang, listener: listener.value, persona: persona.value, tts: speech.tts, stt: speech.stt, sounds: cues.sounds, notes, close } };
}

/** What {@link checkStartup} found. */
export interface StartupCheck {
  /** The validated config, when the file is valid. */
  readonly config: SatelliteConfig | undefined;
  /** Every reason `run` would refuse to start; empty when it would start. */
  readonly refusals: readonly StartupRefusal[];
  /** The hub settings, when they resolve (also when something else is refused). */
  readonly settings: ConnectionSettings | undefined;
  /** Why there are no hub settings, when none are configured (not a refusal: `run` answers locally). */
  readonly settingsMissing: ConfigError | undefined;
  /** Warnings that do not stop the start. */
  readonly notes: readonly string[];
  /** The wake engine and verifier the listener ran with, when it was built. */
  readonly wake?: { readonly engine: WakeEngineInfo; readonly verifier: VerifierInfo };
}

/**
 * The whole start-up check without starting: read and validate the file, build everything, release it. What
 * `hivesat config check` and `hivesat doctor` run.
 */
export async function checkStartup(inputs: StartupInputs): Promise<StartupCheck> {
  const loaded = await loadStartupConfig(inputs.configPath, inputs.explicit);
  if (!loaded.ok) return { config: undefined, refusals: loaded.refusals, settings: undefined, settingsMissing: undefined, notes: [] };
  const prepared = await prepareStartup(loaded.config, inputs);
  if (!prepared.ok) return { config: loaded.config, refusals: prepared.refusals, settings: prepared.settings, settingsMissing: prepared.settingsMissing, notes: [] };
  const { settings, settingsMissing, notes, listener } = prepared.startup;
  const wake = { engine: listener.wakeEngine, verifier: listener.verifier };
  await prepared.startup.close();
  return { config: loaded.config, refusals: [], settings, settingsMissing, notes, wake };
}
