/**
 * The `"wake"` and `"vad"` sections of the config file: this layer's settings as a user writes them (units in the
 * key names), with the defaults and ranges of ./constants.ts and of the detectors below (src/wake, src/vad). The
 * whole file's schema (src/config) composes them; src/config/listener-options.ts turns them into `createListener`
 * options.
 *
 * @module
 */
import { z } from 'zod';
import { DEFAULT_VAD_MODEL, DEFAULT_VAD_THRESHOLD } from '../vad/index.js';
import { AUTO_VERIFIER, DEFAULT_KEYWORD, DEFAULT_REFRACTORY_MS, DEFAULT_TRIGGER_LEVEL, MAX_TRIGGER_LEVEL } from '../wake/index.js';
import {
  CONFIG_WAKE_THRESHOLD,
  DEFAULT_BARGE_IN_THRESHOLD,
  DEFAULT_ENERGY_GATE_MARGIN_DB,
  DEFAULT_MAX_UTTERANCE_MS,
  DEFAULT_MIN_UTTERANCE_MS,
  DEFAULT_NO_SPEECH_TIMEOUT_MS,
  DEFAULT_POST_ROLL_MS,
  DEFAULT_PRE_ROLL_MS,
  DEFAULT_SILENCE_END_MS,
  DEFAULT_WAKE_SPEECH_GATE_MS,
  MAX_ENERGY_GATE_MARGIN_DB,
  MAX_MAX_UTTERANCE_MS,
  MAX_MIN_UTTERANCE_MS,
  MAX_NO_SPEECH_TIMEOUT_MS,
  MAX_PRE_ROLL_MS,
  MAX_SILENCE_END_MS,
  MAX_WAKE_SPEECH_GATE_MS,
  MIN_ENERGY_GATE_MARGIN_DB,
  MIN_MAX_UTTERANCE_MS,
  MIN_NO_SPEECH_TIMEOUT_MS,
  MIN_SILENCE_END_MS,
} from './constants.js';

/** Most keywords listened for at once (each costs one head per 80 ms hop). */
export const MAX_KEYWORDS = 8;
/** Longest refractory period a config may ask for, milliseconds. */
export const MAX_CONFIG_REFRACTORY_MS = 10_000;
/** Longest post-roll a config may ask for, milliseconds (it must also stay within `silence_end_ms`). */
export const MAX_POST_ROLL_MS = 5_000;
/** VAD models of models/manifest.json the config may name. */
export const VAD_MODELS = ['silero_vad_v5', 'silero_vad_v6'] as const;

const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);
const unit = (fallback: number) => z.number().gt(0).lt(1).default(fallback);
const text = z.string().min(1);

/**
 * Wake word. The defaults are the operating point measured best by bench/listener.bench.ts (issue #4): a low head
 * threshold for recall in noise, the shipped verifier to refuse confusable phrases, and the speech gate.
 */
export const WAKE_SECTION_SCHEMA = z
  .strictObject({
    /** Built-in head names (`hey_jarvis`) or paths of openWakeWord `.onnx` heads. */
    keywords: z.array(text).min(1).max(MAX_KEYWORDS).default([DEFAULT_KEYWORD]),
    /** Head score a hop needs (openWakeWord's own default is 0.5). */
    threshold: unit(CONFIG_WAKE_THRESHOLD),
    trigger_level: z.number().int().min(1).max(MAX_TRIGGER_LEVEL).default(DEFAULT_TRIGGER_LEVEL),
    refractory_ms: ms(0, MAX_CONFIG_REFRACTORY_MS, DEFAULT_REFRACTORY_MS),
    barge_in_threshold: unit(DEFAULT_BARGE_IN_THRESHOLD),
    /**
     * Second stage for the keywords it was trained for: `auto` (the verifier `hivesat wake enroll` saved in the state
     * folder when there is one, else the shipped one), `enrolled` (required), `hey_jarvis_verifier` (the shipped one),
     * a file path, or null for none.
     */
    verifier: text.nullable().default(AUTO_VERIFIER),
    /** Verifier probability a hop needs; default: the one stored in the verifier file. */
    verifier_threshold: z.number().gt(0).lt(1).optional(),
    /** Accept a detection only if the VAD heard speech this long before it (0: off). */
    speech_gate_ms: ms(0, MAX_WAKE_SPEECH_GATE_MS, DEFAULT_WAKE_SPEECH_GATE_MS),
    /** `openwakeword` (default) or `porcupine` (opt-in; falls back to openWakeWord when it cannot start). */
    engine: z.enum(['openwakeword', 'porcupine']).default('openwakeword'),
    /** Porcupine: AccessKey (else HIVESAT_PORCUPINE_ACCESS_KEY; never logged), built-in keywords or .ppn paths. */
    porcupine: z
      .strictObject({
        access_key: text.optional(),
        keywords: z.array(text).min(1).max(MAX_KEYWORDS).default(['jarvis']),
        sensitivity: unit(0.5),
      })
      .prefault({}),
  })
  .prefault({});

/** Voice activity detection and endpointing. */
export const VAD_SECTION_SCHEMA = z
  .strictObject({
    model: z.enum(VAD_MODELS).default(DEFAULT_VAD_MODEL as (typeof VAD_MODELS)[number]),
    threshold: unit(DEFAULT_VAD_THRESHOLD),
    silence_end_ms: ms(MIN_SILENCE_END_MS, MAX_SILENCE_END_MS, DEFAULT_SILENCE_END_MS),
    max_utterance_ms: ms(MIN_MAX_UTTERANCE_MS, MAX_MAX_UTTERANCE_MS, DEFAULT_MAX_UTTERANCE_MS),
    no_speech_timeout_ms: ms(MIN_NO_SPEECH_TIMEOUT_MS, MAX_NO_SPEECH_TIMEOUT_MS, DEFAULT_NO_SPEECH_TIMEOUT_MS),
    min_utterance_ms: ms(0, MAX_MIN_UTTERANCE_MS, DEFAULT_MIN_UTTERANCE_MS),
    pre_roll_ms: ms(0, MAX_PRE_ROLL_MS, DEFAULT_PRE_ROLL_MS),
    post_roll_ms: ms(0, MAX_POST_ROLL_MS, DEFAULT_POST_ROLL_MS),
    /** Run the VAD and wake word only on audio above the room's noise floor (quiet rooms cost almost nothing). */
    energy_gate: z.boolean().default(true),
    /** How far above the noise floor a sound must be to open the energy gate, dB. */
    energy_gate_margin_db: z.number().min(MIN_ENERGY_GATE_MARGIN_DB).max(MAX_ENERGY_GATE_MARGIN_DB).default(DEFAULT_ENERGY_GATE_MARGIN_DB),
  })
  .superRefine((vad, ctx) => {
    if (vad.post_roll_ms > vad.silence_end_ms) ctx.addIssue({ code: 'custom', path: ['post_roll_ms'], message: `expected at most silence_end_ms (${vad.silence_end_ms})` });
    if (vad.min_utterance_ms >= vad.max_utterance_ms) ctx.addIssue({ code: 'custom', path: ['min_utterance_ms'], message: `expected less than max_utterance_ms (${vad.max_utterance_ms})` });
  })
  .prefault({});

/** A parsed `"wake"` section. */
export type WakeSection = z.output<typeof WAKE_SECTION_SCHEMA>;
/** A parsed `"vad"` section. */
export type VadSection = z.output<typeof VAD_SECTION_SCHEMA>;

