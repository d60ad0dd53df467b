/**
 * The listener as the config file describes it. `hivesat run`, `hivesat listen` and `hivesat demo` all build theirs
 * here, so that testing a wake word with `listen` (or the demo) behaves exactly as the service will: same threshold,
 * verifier, speech gate and endpointing.
 *
 * @module
 */
import type { SatelliteConfig } from '../config/satellite-config.js';
import type { CreateListenerOptions } from '../listener/index.js';

/** `createListener` options from the `wake`, `vad` and `audio` (microphone processing) sections of `config`. */
export function listenerOptionsFromConfig(config: SatelliteConfig): CreateListenerOptions & { readonly settings: NonNullable<CreateListenerOptions['settings']> } {
  const { vad, wake, audio } = config;
  return {
    settings: {
      silenceEndMs: vad.silence_end_ms, maxUtteranceMs: vad.max_utterance_ms, noSpeechTimeoutMs: vad.no_speech_timeout_ms,
      minUtteranceMs: vad.min_utterance_ms, preRollMs: vad.pre_roll_ms, postRollMs: vad.post_roll_ms, bargeInThreshold: wake.barge_in_threshold,
      wakeSpeechGateMs: wake.speech_gate_ms, energyGate: vad.energy_gate, energyGateMarginDb: vad.energy_gate_margin_db,
    },
    keywords: wake.keywords, threshold: wake.threshold, triggerLevel: wake.trigger_level, refractoryMs: wake.refractory_ms,
    ...(wake.verifier !== null && { verifier: wake.verifier }), ...(wake.verifier_threshold !== undefined && { verifierThreshold: wake.verifier_threshold }),
    engine: wake.engine,
    porcupine: { keywords: wake.porcupine.keywords, sensitivity: wake.porcupine.sensitivity, ...(wake.porcupine.access_key !== undefined && { accessKey: wake.porcupine.access_key }) },
    vadThreshold: vad.threshold, vadModel: vad.model, noiseSuppression: audio.mic_noise_suppression, autoGainDbfs: audio.mic_auto_gain,
  };
}
