/**
 * {@link createListener}: load Silero VAD and openWakeWord (and the wake verifier) and build a {@link Listener} over
 * them. Kept apart from the pipeline in listener.ts, which takes its detectors ready-made.
 *
 * @module
 */
import { AutoGain, createRnnoiseSuppressor, type MicProcessor } from '../audio/index.js';
import { type ModelLocatorOptions, type OrtModule } from '../models/index.js';
import { createSileroVad } from '../vad/index.js';
import { createPorcupine, type PorcupineOptions, WakeError } from '../wake/index.js';
import { createOpenWakeWord, DEFAULT_KEYWORD, describeVerifier, type KeywordOptions, PORCUPINE_FIXES, resolveVerifier, type ScoreListener, type VerifierInfo, type WakeVerifier, type WakeWordDetector } from '../wake/index.js';
import { VAD_HANGOVER_MS, VAD_SPEECH_PAD_MS } from './constants.js';
import { Listener, type WakeEngineInfo } from './listener.js';
import { type ListenerSettings, listenerTiming } from './settings.js';

/** Options of {@link createListener}: the listener's settings plus what to load. */
export interface CreateListenerOptions extends ModelLocatorOptions {
  /** Endpointing and capture settings. */
  readonly settings?: ListenerSettings;
  /** Keywords: built-in names (`hey_jarvis`) or paths of openWakeWord heads, or full options. Default `['hey_jarvis']`. */
  readonly keywords?: readonly (string | KeywordOptions)[];
  /**
   * Wake-word score threshold (when not speaking), in (0, 1). Default: the detector's, `DEFAULT_WAKE_THRESHOLD` of
   * src/wake (0.5), for use without a verifier; the config file's default is `CONFIG_WAKE_THRESHOLD` (./constants.ts).
   */
  readonly threshold?: number;
  /** Consecutive 80 ms hops at or above the threshold, 1–25. Default 1. */
  readonly triggerLevel?: number;
  /** Ignore a keyword for this long after it fired, milliseconds. Default 2,000. */
  readonly refractoryMs?: number;
  /**
   * Second-stage verifier, attached to the keywords it was trained for (others run without): `auto` (the enrolled
   * one at {@link CreateListenerOptions.enrolledVerifierPath} when it exists, else `hey_jarvis_verifier`),
   * `enrolled`, `hey_jarvis_verifier`, a file path, or a loaded one. Default: none.
   */
  readonly verifier?: string | WakeVerifier;
  /** Where `hivesat wake enroll` saves its verifier (`<state dir>/wake-verifier.json`), for `auto` and `enrolled`. */
  readonly enrolledVerifierPath?: string;
  /** Probability the verifier must give, in (0, 1). Default: the threshold stored in the verifier file. */
  readonly verifierThreshold?: number;
  /** VAD speech probability threshold, in (0, 1). Default 0.5. */
  readonly vadThreshold?: number;
  /** VAD model manifest name (`silero_vad_v5`, `silero_vad_v6`). Default `silero_vad_v5`. */
  readonly vadModel?: string;
  /**
   * Wake-word engine: `openwakeword` (default) or `porcupine` (opt-in, needs `@picovoice/porcupine-node` and an
   * AccessKey). When Porcupine cannot start, the listener falls back to openWakeWord and says why in
   * {@link Listener.wakeEngine} and the log.
   */
  readonly engine?: 'openwakeword' | 'porcupine';
  /** Porcupine's AccessKey, keywords and sensitivity (used with `engine: 'porcupine'`). */
  readonly porcupine?: PorcupineOptions;
  /** Noise suppression in front of everything that listens: `rnnoise` or `off`. Default `off`. */
  readonly noiseSuppression?: 'off' | 'rnnoise';
  /** Automatic gain after it: the target speech level in dB below full scale, 1–31, or 0 for off. Default 0. */
  readonly autoGainDbfs?: number;
  /** Where a warning goes (Porcupine falling back). Default `process.emitWarning` (stderr, the journal). */
  readonly warn?: (line: string) => void;
  /** Transition log. */
  readonly log?: (line: string) => void;
  /** Loads onnxruntime (tests). */
  readonly loadRuntime?: () => Promise<OrtModule>;
}

/**
 * Load Silero VAD and openWakeWord and build a {@link Listener} over them, with the VAD's hangover set short and the
 * wake scores wired to the barge-in check.
 *
 * @throws {LISTENER_ERR_OPTION} a listener setting is out of range.
 * @throws {MODEL_ERR_*} a model is missing or broken, or a detector option is out of range (see src/vad, src/wake).
 */
export async function createListener(options: CreateListenerOptions = {}): Promise<Listener> {
  listenerTiming(options.settings); // check the settings before loading any model
  const locator: ModelLocatorOptions = {
    ...(options.modelDirs !== undefined && { modelDirs: options.modelDirs }),
    ...(options.env !== undefined && { env: options.env }),
    ...(options.manifest !== undefined && { manifest: options.manifest }),
    ...(options.verify !== undefined && { verify: options.verify }),
  };
  const runtime = options.loadRuntime !== undefined ? { loadRuntime: options.loadRuntime } : {};
  let tap: ScoreListener | undefined;
  const resolved = typeof options.verifier === 'string' ? await resolveVerifier(options.verifier, options.enrolledVerifierPath) : { verifier: options.verifier, info: describeVerifier(options.verifier, options.enrolledVerifierPath) };
  const verifier = resolved.verifier;
  const keywords = withVerifier(options.keywords ?? [DEFAULT_KEYWORD], verifier);
  const vad = await createSileroVad({
    ...locator,
    ...runtime,
    minSilenceMs: VAD_HANGOVER_MS,
    speechPadMs: VAD_SPEECH_PAD_MS,
    ...(options.vadThreshold !== undefined && { threshold: options.vadThreshold }),
    ...(options.vadModel !== undefined && { model: options.vadModel }),
  });
  let wake: WakeWordDetector | undefined;
  const requested = options.engine ?? 'openwakeword';
  let wakeEngine: WakeEngineInfo = { requested, engine: 'openwakeword', fallback: null };
  if (options.engine === 'porcupine') {
    try {
      wake = await createPorcupine(options.porcupine);
      wakeEngine = { requested, engine: 'porcupine', fallback: null };
    } catch (error) {
      if (!(error instanceof WakeError)) {
        await vad.close();
        throw error;
      }
      // Porcupine is opt-in and may not start (offline activation, key limits): the satellite keeps a wake word.
      wakeEngine = { requested, engine: 'openwakeword', fallback: { code: error.code, message: error.message, fix: PORCUPINE_FIXES[error.code] } };
      (options.warn ?? defaultWarn)(`wake engine porcupine did not start, using openWakeWord: ${error.code}: ${error.message}`);
    }
  }
  try {
    wake ??= await createOpenWakeWord({
      ...locator,
      ...runtime,
      keywords,
      ...(options.verifierThreshold !== undefined && { verifierThreshold: options.verifierThreshold }),
      ...(options.threshold !== undefined && { threshold: options.threshold }),
      ...(options.triggerLevel !== undefined && { triggerLevel: options.triggerLevel }),
      ...(options.refractoryMs !== undefined && { refractoryMs: options.refractoryMs }),
      onScore: (keyword, score, end) => tap?.(keyword, score, end),
    });
  } catch (error) {
    await vad.close();
    throw error;
  }
  const processors: MicProcessor[] = [];
  try {
    if (options.noiseSuppression === 'rnnoise') processors.push(await createRnnoiseSuppressor());
    if (options.autoGainDbfs !== undefined && options.autoGainDbfs !== 0) processors.push(new AutoGain({ targetDbfs: options.autoGainDbfs }));
  } catch (error) {
    await Promise.all([vad.close(), wake.close()]);
    throw error;
  }
  const listener = new Listener({
    wake,
    vad,
    processors,
    wakeEngine,
    verifier: wakeEngine.engine === 'porcupine' ? describeVerifier(undefined) : verifierInfo(resolved.info, verifier, keywords),
    vadSpeechPadMs: VAD_SPEECH_PAD_MS,
    ...(options.settings !== undefined && { settings: options.settings }),
    ...(options.log !== undefined && { log: options.log }),
  });
  tap = listener.onWakeScore;
  return listener;
}

/** What runs as the verifier: none when Porcupine runs or no keyword is the one the verifier was trained for. */
function verifierInfo(info: VerifierInfo, verifier: WakeVerifier | undefined, keywords: readonly (string | KeywordOptions)[]): VerifierInfo {
  const attached = keywords.some((k) => typeof k !== 'string' && k.verifier === verifier);
  return verifier === undefined || attached ? info : describeVerifier(undefined, undefined, info.problem);
}

function defaultWarn(line: string): void {
  process.emitWarning(line, { code: 'HIVESAT_WAKE_FALLBACK' });
}

/** Attach `verifier` to the keywords whose model it was trained for (built-in names only: a path is a custom head). */
function withVerifier(keywords: readonly (string | KeywordOptions)[], verifier: WakeVerifier | undefined): readonly (string | KeywordOptions)[] {
  if (verifier === undefined) return keywords;
  return keywords.map((k) => {
    const spec = typeof k === 'string' ? { model: k } : k;
    return spec.model === verifier.keyword && spec.verifier === undefined ? { ...spec, verifier } : k;
  });
}
