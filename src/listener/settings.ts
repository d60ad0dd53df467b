/**
 * Listener settings: what a user configures (milliseconds, thresholds), range-checked once at construction, and the
 * resolved form the state machine works with (sample counts at 16 kHz).
 *
 * @module
 */
import {
  DEFAULT_BARGE_IN_THRESHOLD,
  DEFAULT_MAX_UTTERANCE_MS,
  DEFAULT_MIN_UTTERANCE_MS,
  DEFAULT_NO_SPEECH_TIMEOUT_MS,
  DEFAULT_POST_ROLL_MS,
  DEFAULT_PRE_ROLL_MS,
  DEFAULT_SILENCE_END_MS,
  DEFAULT_ENERGY_GATE_MARGIN_DB,
  DEFAULT_WAKE_SPEECH_GATE_MS,
  GATE_HOLD_MS,
  MAX_ENERGY_GATE_MARGIN_DB,
  MIN_ENERGY_GATE_MARGIN_DB,
  MAX_MAX_UTTERANCE_MS,
  MAX_MIN_UTTERANCE_MS,
  MAX_NO_SPEECH_TIMEOUT_MS,
  MAX_PRE_ROLL_MS,
  MAX_SILENCE_END_MS,
  MAX_WAKE_SPEECH_GATE_MS,
  MIN_MAX_UTTERANCE_MS,
  MIN_NO_SPEECH_TIMEOUT_MS,
  MIN_SILENCE_END_MS,
  VAD_ONSET_GUARD_MS,
  VAD_SPEECH_PAD_MS,
  WAKE_AUDIO_FALLBACK_MS,
  WAKE_CONTINUATION_MS,
  WAKE_MIN_SPEECH_MS,
  WAKE_ONSET_WINDOW_MS,
} from './constants.js';
import { SAMPLES_PER_MS } from '../audio/index.js';
import type { GateTiming } from './energy-gate.js';
import { ListenerError } from './errors.js';

/** What a user may configure. Every field is optional; units are in the names. */
export interface ListenerSettings {
  /** Silence after speech that ends the utterance, milliseconds, 200–5,000. Default 700. */
  readonly silenceEndMs?: number;
  /** Longest utterance, milliseconds from the speech onset, 1,000–60,000; longer speech is cut. Default 10,000. */
  readonly maxUtteranceMs?: number;
  /**
   * How long to wait for speech after the wake word (or {@link Listener.listenWithoutWake}), milliseconds,
   * 500–30,000. Default 3,000.
   */
  readonly noSpeechTimeoutMs?: number;
  /** Shortest speech that makes an utterance, milliseconds, 0–5,000 and below `maxUtteranceMs`. Default 300. */
  readonly minUtteranceMs?: number;
  /**
   * Audio kept before the speech onset, milliseconds, 0–2,000. Default 500. (The listener adds 100 ms for the VAD's
   * onset lag, {@link VAD_ONSET_GUARD_MS}, so that this much precedes the true onset.)
   */
  readonly preRollMs?: number;
  /** Audio kept after the end of speech, milliseconds, 0 to `silenceEndMs`. Default 300. */
  readonly postRollMs?: number;
  /** Start the utterance's audio the pre-roll before the wake word instead of before the speech onset. Default false. */
  readonly includeWakeAudio?: boolean;
  /** Wake-word score needed while the satellite speaks (barge-in), in (0, 1). Default 0.8. */
  readonly bargeInThreshold?: number;
  /**
   * Speech gate: accept a wake-word detection only if the VAD heard speech within this long before it,
   * milliseconds, 0–5,000 (0: no gate). Default {@link DEFAULT_WAKE_SPEECH_GATE_MS}.
   */
  readonly wakeSpeechGateMs?: number;
  /**
   * Energy gate: run the VAD and the wake-word models only on audio louder than the tracked noise floor (plus a
   * replayed look-back when it opens), so that a quiet room costs almost no inference. Default true.
   */
  readonly energyGate?: boolean;
  /** How much louder than the noise floor a piece must be to open the energy gate, dB, 1–30. Default 6. */
  readonly energyGateMarginDb?: number;
}

/** Settings resolved to sample counts (16 kHz): the state machine's only configuration. */
export interface ListenerTiming {
  /** {@link ListenerSettings.silenceEndMs}, samples. */
  readonly silenceEndSamples: number;
  /** {@link ListenerSettings.maxUtteranceMs}, samples. */
  readonly maxUtteranceSamples: number;
  /** {@link ListenerSettings.noSpeechTimeoutMs}, samples. */
  readonly noSpeechSamples: number;
  /** {@link ListenerSettings.minUtteranceMs}, samples. */
  readonly minUtteranceSamples: number;
  /** {@link ListenerSettings.preRollMs}, samples. */
  readonly preRollSamples: number;
  /** {@link ListenerSettings.postRollMs}, samples. */
  readonly postRollSamples: number;
  /** {@link ListenerSettings.includeWakeAudio}. */
  readonly includeWakeAudio: boolean;
  /** {@link ListenerSettings.bargeInThreshold}. */
  readonly bargeInThreshold: number;
  /** {@link ListenerSettings.wakeSpeechGateMs}, samples (0: no gate). */
  readonly speechGateSamples: number;
  /** The energy gate's settings, or null when it is off. */
  readonly energyGate: GateTiming | null;
  /** Padding the VAD adds after each speech end, samples (subtracted to find where the silence began). */
  readonly vadPadSamples: number;
  /** {@link WAKE_CONTINUATION_MS}, samples. */
  readonly continuationSamples: number;
  /** {@link WAKE_MIN_SPEECH_MS}, samples. */
  readonly wakeMinSpeechSamples: number;
  /** {@link VAD_ONSET_GUARD_MS}, samples. */
  readonly onsetGuardSamples: number;
  /** {@link WAKE_ONSET_WINDOW_MS}, samples. */
  readonly wakeOnsetWindowSamples: number;
  /** {@link WAKE_AUDIO_FALLBACK_MS}, samples. */
  readonly wakeFallbackSamples: number;
}

/** The effective settings in milliseconds, defaults filled in (for logs and `--help`). */
export type ResolvedListenerSettings = { readonly [K in keyof ListenerSettings]-?: NonNullable<ListenerSettings[K]> };

/** The defaults, milliseconds. */
export const DEFAULT_LISTENER_SETTINGS: ResolvedListenerSettings = Object.freeze({
  silenceEndMs: DEFAULT_SILENCE_END_MS,
  maxUtteranceMs: DEFAULT_MAX_UTTERANCE_MS,
  noSpeechTimeoutMs: DEFAULT_NO_SPEECH_TIMEOUT_MS,
  minUtteranceMs: DEFAULT_MIN_UTTERANCE_MS,
  preRollMs: DEFAULT_PRE_ROLL_MS,
  postRollMs: DEFAULT_POST_ROLL_MS,
  includeWakeAudio: false,
  bargeInThreshold: DEFAULT_BARGE_IN_THRESHOLD,
  wakeSpeechGateMs: DEFAULT_WAKE_SPEECH_GATE_MS,
  energyGate: true,
  energyGateMarginDb: DEFAULT_ENERGY_GATE_MARGIN_DB,
});

const KNOWN = new Set(Object.keys(DEFAULT_LISTENER_SETTINGS));

/**
 * Fill in defaults and check every setting.
 *
 * @throws {LISTENER_ERR_OPTION} an unknown key, or a value of the wrong type or out of range.
 */
export function resolveListenerSettings(settings: ListenerSettings = {}): ResolvedListenerSettings {
  for (const key of Object.keys(settings)) {
    if (!KNOWN.has(key)) throw new ListenerError('LISTENER_ERR_OPTION', `listener settings: expected one of ${[...KNOWN].join(', ')}, got "${key}"`);
  }
  const d = DEFAULT_LISTENER_SETTINGS;
  const silenceEndMs = checkMs('silenceEndMs', settings.silenceEndMs ?? d.silenceEndMs, MIN_SILENCE_END_MS, MAX_SILENCE_END_MS);
  const maxUtteranceMs = checkMs('maxUtteranceMs', settings.maxUtteranceMs ?? d.maxUtteranceMs, MIN_MAX_UTTERANCE_MS, MAX_MAX_UTTERANCE_MS);
  const noSpeechTimeoutMs = checkMs('noSpeechTimeoutMs', settings.noSpeechTimeoutMs ?? d.noSpeechTimeoutMs, MIN_NO_SPEECH_TIMEOUT_MS, MAX_NO_SPEECH_TIMEOUT_MS);
  const minUtteranceMs = checkMs('minUtteranceMs', settings.minUtteranceMs ?? d.minUtteranceMs, 0, Math.min(MAX_MIN_UTTERANCE_MS, maxUtteranceMs - 1));
  const preRollMs = checkMs('preRollMs', settings.preRollMs ?? d.preRollMs, 0, MAX_PRE_ROLL_MS);
  const postRollMs = checkMs('postRollMs', settings.postRollMs ?? Math.min(d.postRollMs, silenceEndMs), 0, silenceEndMs);
  const includeWakeAudio = settings.includeWakeAudio ?? d.includeWakeAudio;
  if (typeof includeWakeAudio !== 'boolean') {
    throw new ListenerError('LISTENER_ERR_OPTION', `includeWakeAudio: expected a boolean, got ${typeof includeWakeAudio}`);
  }
  const bargeInThreshold = settings.bargeInThreshold ?? d.bargeInThreshold;
  if (typeof bargeInThreshold !== 'number' || !(bargeInThreshold > 0 && bargeInThreshold < 1)) {
    throw new ListenerError('LISTENER_ERR_OPTION', `bargeInThreshold: expected a number in (0, 1), got ${String(bargeInThreshold)}`);
  }
  const wakeSpeechGateMs = checkMs('wakeSpeechGateMs', settings.wakeSpeechGateMs ?? d.wakeSpeechGateMs, 0, MAX_WAKE_SPEECH_GATE_MS);
  const energyGate = settings.energyGate ?? d.energyGate;
  if (typeof energyGate !== 'boolean') throw new ListenerError('LISTENER_ERR_OPTION', `energyGate: expected a boolean, got ${typeof energyGate}`);
  const energyGateMarginDb = settings.energyGateMarginDb ?? d.energyGateMarginDb;
  if (typeof energyGateMarginDb !== 'number' || !(energyGateMarginDb >= MIN_ENERGY_GATE_MARGIN_DB && energyGateMarginDb <= MAX_ENERGY_GATE_MARGIN_DB)) {
    throw new ListenerError('LISTENER_ERR_OPTION', `energyGateMarginDb: expected dB in [${MIN_ENERGY_GATE_MARGIN_DB}, ${MAX_ENERGY_GATE_MARGIN_DB}], got ${String(energyGateMarginDb)}`);
  }
  return Object.freeze({
    silenceEndMs, maxUtteranceMs, noSpeechTimeoutMs, minUtteranceMs, preRollMs, postRollMs, includeWakeAudio, bargeInThreshold, wakeSpeechGateMs, energyGate, energyGateMarginDb,
  });
}

/**
 * Settings in samples, for the state machine.
 *
 * @param vadPadMs - padding the VAD adds after each speech end, milliseconds, 0–1,000 (Silero's default 30).
 * @throws {LISTENER_ERR_OPTION} as {@link resolveListenerSettings}, or a bad `vadPadMs`.
 */
export function listenerTiming(settings: ListenerSettings = {}, vadPadMs: number = VAD_SPEECH_PAD_MS): ListenerTiming {
  const s = resolveListenerSettings(settings);
  checkMs('vadPadMs', vadPadMs, 0, 1_000);
  return Object.freeze({
    silenceEndSamples: toSamples(s.silenceEndMs),
    maxUtteranceSamples: toSamples(s.maxUtteranceMs),
    noSpeechSamples: toSamples(s.noSpeechTimeoutMs),
    minUtteranceSamples: toSamples(s.minUtteranceMs),
    preRollSamples: toSamples(s.preRollMs),
    postRollSamples: toSamples(s.postRollMs),
    includeWakeAudio: s.includeWakeAudio,
    bargeInThreshold: s.bargeInThreshold,
    speechGateSamples: toSamples(s.wakeSpeechGateMs),
    energyGate: s.energyGate ? Object.freeze({ marginDb: s.energyGateMarginDb, holdSamples: toSamples(GATE_HOLD_MS) }) : null,
    vadPadSamples: toSamples(vadPadMs),
    continuationSamples: toSamples(WAKE_CONTINUATION_MS),
    wakeMinSpeechSamples: toSamples(WAKE_MIN_SPEECH_MS),
    onsetGuardSamples: toSamples(VAD_ONSET_GUARD_MS),
    wakeOnsetWindowSamples: toSamples(WAKE_ONSET_WINDOW_MS),
    wakeFallbackSamples: toSamples(WAKE_AUDIO_FALLBACK_MS),
  });
}

/** Milliseconds → samples at 16 kHz, rounded. */
export function toSamples(ms: number): number {
  return Math.round(ms * SAMPLES_PER_MS);
}

/** `value` when it is milliseconds in [min, max]; the listener layer's own range check. @throws {LISTENER_ERR_OPTION} */
export function checkMs(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ListenerError('LISTENER_ERR_OPTION', `${name}: expected milliseconds in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}
