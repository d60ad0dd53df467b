/**
 * The listener as the config file describes it. `hivesat run`, `listen` and `demo` all build theirs from here (and
 * the start-up check, ./startup.ts), so that testing a wake word with `listen` behaves exactly as the service will:
 * same threshold, verifier, speech gate and endpointing.
 *
 * @module
 */
import { join } from 'node:path';
import type { CreateListenerOptions } from '../listener/index.js';
import { defaultStateDir } from '../ops/index.js';
import { ENROLLED_VERIFIER_FILE } from '../wake/index.js';
import type { SatelliteConfig } from './satellite-config.js';

/** Where `hivesat wake enroll` saves the verifier and `wake.verifier: "auto"` finds it: `<state dir>/wake-verifier.json`. */
export function enrolledVerifierPath(config: SatelliteConfig, env: NodeJS.ProcessEnv = process.env): string {
  return join(config.control.state_dir ?? defaultStateDir(env), ENROLLED_VERIFIER_FILE);
}

/**
 * `createListener` options from the config's `wake`, `vad` and `audio` (microphone processing) sections; `env` finds
 * the state folder (the enrolled verifier) when `control.state_dir` is not set.
 */
export function listenerOptionsFromConfig(config: SatelliteConfig, env: NodeJS.ProcessEnv = process.env): CreateListenerOptions & { readonly settings: NonNullable<CreateListenerOptions['settings']> } {
  const { vad, wake, audio } = config;
  return {
    settings: {
      silenceEndMs: vad.silence_end_ms, maxUtteranceMs: vad.max_utterance_ms, noSpeechTimeoutMs: vad.no_speech_timeout_ms,
      minUtteranceMs: vad.min_utterance_ms, preRollMs: vad.pre_roll_ms, postRollMs: vad.post_roll_ms, bargeInThreshold: wake.barge_in_threshold,
      wakeSpeechGateMs: wake.speech_gate_ms, energyGate: vad.energy_gate, energyGateMarginDb: vad.energy_gate_margin_db,
    },
    keywords: wake.keywords, threshold: wake.threshold, triggerLevel: wake.trigger_level, refractoryMs: wake.refractory_ms,
    ...(wake.verifier !== null && { verifier: wake.verifier, enrolledVerifierPath: enrolledVerifierPath(config, env) }), ...(wake.verifier_threshold !== undefined && { verifierThreshold: wake.verifier_threshold }),
    engine: wake.engine,
    porcupine: { keywords: wake.porcupine.keywords, sensitivity: wake.porcupine.sensitivity, ...(wake.porcupine.access_key !== undefined && { accessKey: wake.porcupine.access_key }) },
    vadThreshold: vad.threshold, vadModel: vad.model, noiseSuppression: audio.mic_noise_suppression, autoGainDbfs: audio.mic_auto_gain,
  };
}
