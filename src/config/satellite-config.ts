/**
 * The satellite's config file: one JSON object, validated with a zod schema at start (`hivesat run`) and by
 * `hivesat config check`. Every problem is reported with its JSON path; unknown keys are errors; units are in the key
 * names (`silence_end_ms`, `playback_rate_hz`). Defaults suit a Raspberry Pi with a USB microphone and speaker on the
 * ALSA `default` device.
 *
 * ```json
 * {
 *   "mode": "audio",
 *   "hub": { "host": "hub.local", "access_key": "…", "password": "…", "site_id": "kitchen" },
 *   "audio": { "capture_device": "default", "playback_device": "default" },
 *   "wake": { "keywords": ["hey_jarvis"], "threshold": 0.1, "verifier": "hey_jarvis_verifier" },
 *   "vad": { "silence_end_ms": 700, "max_utterance_ms": 10000 },
 *   "answer_timeout_ms": 15000
 * }
 * ```
 *
 * The `"hub"` section is the one src/config/connection-config.ts reads (flags > env > this file > identity file);
 * here it is only checked for shape.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { HUB_KEYS } from './connection-config.js';
import { SERVE_CONFIG_KEYS } from '../serve/settings.js';
import { parseOpsConfig } from '../ops/config.js';
import { MAX_DECOMPRESSED_BYTES, MAX_FRAME_BYTES, MIN_INBOUND_LIMIT_BYTES } from '../hivemind/constants.js';
import {
  DEFAULT_MAX_ANSWER_SECONDS,
  DEFAULT_MAX_IGNORED_PER_INTERVAL,
  DEFAULT_MAX_SPEAKS_PER_TURN,
  DEFAULT_MAX_TTS_BYTES,
  DEFAULT_MAX_UNSOLICITED_SPEAKS,
  DEFAULT_WARN_INTERVAL_MS,
} from '../satellite/limits.js';

/** Highest wake-word trigger level (consecutive 80 ms hops; src/wake accepts 1–25). */
const MAX_TRIGGER_LEVEL = 25;

const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);
const unit = (fallback: number) => z.number().gt(0).lt(1).default(fallback);
const rateHz = (fallback: number) => z.number().int().min(8_000).max(48_000).default(fallback);
const channels = z.number().int().min(1).max(8).default(1);
const text = z.string().min(1);

/** A section whose keys are listed, with their JSON types, by the layer that reads it (hub, serve). */
function keyedSectionSchema(keys: Readonly<Record<string, 'string' | 'number' | 'boolean'>>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, type] of Object.entries(keys)) {
    const base = type === 'string' ? z.string() : type === 'number' ? z.number() : z.boolean();
    shape[key] = base.nullable().optional();
  }
  return z.strictObject(shape);
}

/** The schema of the config file (zod 4). Sections default to `{}`, fields to the documented defaults. */
export const SATELLITE_CONFIG_SCHEMA = z.strictObject({
  /** `audio`: utterances go up as STT_AUDIO_HANDLE; `stream`: RAW_AUDIO while the VAD hears speech; `text`: local STT/TTS. */
  mode: z.enum(['audio', 'stream', 'text']).default('audio'),
  hub: keyedSectionSchema(HUB_KEYS).prefault({}),
  /** Logs, health/metrics listener and event hooks (validated by `parseOpsConfig` in src/ops/config.ts). */
  ops: z.unknown().optional(),
  /** `hivesat serve` (read by src/serve/settings.ts). */
  serve: keyedSectionSchema(SERVE_CONFIG_KEYS).prefault({}),
  audio: z
    .strictObject({
      capture_device: text.default('default'),
      capture_rate_hz: rateHz(16_000),
      capture_channels: channels,
      playback_device: text.default('default'),
      playback_rate_hz: rateHz(16_000),
      playback_channels: channels,
      /** No audio from the capture device for this long (ms) = it hangs: kill, report, restart. 0 turns it off. */
      capture_stall_ms: z.union([z.literal(0), z.number().int().min(200).max(60_000)]).default(2_000),
      /** Constant non-zero or full-scale capture audio for this long (ms of audio) = stuck: report, restart. 0 = off. */
      capture_stuck_ms: z.union([z.literal(0), z.number().int().min(500).max(600_000)]).default(3_000),
      /** Noise suppression in front of the wake word, VAD and the audio sent (wyoming-satellite --mic-noise-suppression). */
      mic_noise_suppression: z.enum(['off', 'rnnoise']).default('off'),
      /** Automatic gain: target speech level in dB below full scale, 1–31; 0 is off (wyoming-satellite --mic-auto-gain). */
      mic_auto_gain: z.number().int().min(0).max(31).default(0),
    })
    .prefault({}),
  /**
   * Wake word. The defaults are the operating point measured best by bench/listener.bench.ts (issue #4): a low head
   * threshold for recall in noise, the shipped verifier to refuse confusable phrases, and the speech gate.
   */
  wake: z
    .strictObject({
      keywords: z.array(text).min(1).max(8).default(['hey_jarvis']),
      /** Head score a hop needs (openWakeWord's own default is 0.5). */
      threshold: unit(0.1),
      trigger_level: z.number().int().min(1).max(MAX_TRIGGER_LEVEL).default(1),
      refractory_ms: ms(0, 10_000, 2_000),
      barge_in_threshold: unit(0.8),
      /** Second stage for the keywords it was trained for: `hey_jarvis_verifier`, a file path, or null for none. */
      verifier: text.nullable().default('hey_jarvis_verifier'),
      /** Verifier probability a hop needs; default: the one stored in the verifier file. */
      verifier_threshold: z.number().gt(0).lt(1).optional(),
      /** Accept a detection only if the VAD heard speech this long before it (0: off). */
      speech_gate_ms: ms(0, 5_000, 1_000),
      /** `openwakeword` (default) or `porcupine` (opt-in; falls back to openWakeWord when it cannot start). */
      engine: z.enum(['openwakeword', 'porcupine']).default('openwakeword'),
      /** Porcupine: AccessKey (else HIVESAT_PORCUPINE_ACCESS_KEY; never logged), built-in keywords or .ppn paths. */
      porcupine: z
        .strictObject({
          access_key: text.optional(),
          keywords: z.array(text).min(1).max(8).default(['jarvis']),
          sensitivity: unit(0.5),
        })
        .prefault({}),
    })
    .prefault({}),
  vad: z
    .strictObject({
      model: z.enum(['silero_vad_v5', 'silero_vad_v6']).default('silero_vad_v5'),
      threshold: unit(0.5),
      silence_end_ms: ms(200, 5_000, 700),
      max_utterance_ms: ms(1_000, 60_000, 10_000),
      no_speech_timeout_ms: ms(500, 30_000, 3_000),
      min_utterance_ms: ms(0, 5_000, 300),
      pre_roll_ms: ms(0, 2_000, 500),
      post_roll_ms: ms(0, 5_000, 300),
      /** Run the VAD and wake word only on audio above the room's noise floor (quiet rooms cost almost nothing). */
      energy_gate: z.boolean().default(true),
      /** How far above the noise floor a sound must be to open the energy gate, dB. */
      energy_gate_margin_db: z.number().min(1).max(30).default(6),
    })
    .superRefine((vad, ctx) => {
      if (vad.post_roll_ms > vad.silence_end_ms) ctx.addIssue({ code: 'custom', path: ['post_roll_ms'], message: `expected at most silence_end_ms (${vad.silence_end_ms})` });
      if (vad.min_utterance_ms >= vad.max_utterance_ms) ctx.addIssue({ code: 'custom', path: ['min_utterance_ms'], message: `expected less than max_utterance_ms (${vad.max_utterance_ms})` });
    })
    .prefault({}),
  stream: z
    .strictObject({
      /** Hard cap on one continuous RAW_AUDIO stream (privacy, ANCHORS.md §5.8). */
      max_stream_ms: ms(1_000, 60_000, 15_000),
      /** Audio still streamed after the local end of speech, so the hub's own endpointing sees silence. */
      tail_ms: ms(0, 5_000, 1_000),
    })
    .prefault({}),
  sounds: z
    .strictObject({
      on_wake: z.boolean().default(true),
      start_listening: text.default('snd/start_listening.wav'),
      acknowledge: text.default('snd/acknowledge.mp3'),
      error: text.default('snd/error.mp3'),
    })
    .prefault({}),
  volume: z
    .strictObject({
      initial_percent: z.number().int().min(0).max(100).default(80),
      step_percent: z.number().int().min(1).max(50).default(10),
      /** Output gain at 100 % (0–4; above 1 amplifies and may clip). */
      max_gain: z.number().gt(0).max(4).default(1),
    })
    .prefault({}),
  persona: z
    .strictObject({
      name: text.nullable().default(null),
      dir: text.nullable().default(null),
    })
    .prefault({}),
  speech: z
    .strictObject({
      stt: z.enum(['pocketsphinx']).default('pocketsphinx'),
      tts: z.enum(['espeak-ng', 'flite']).default('espeak-ng'),
      voice: text.nullable().default(null),
    })
    .prefault({}),
  /**
   * What a hub (or something pretending to be one) may make the satellite hold or do; each refusal is a coded error
   * logged at most once per `warn_interval_ms`. Defaults and reasons: src/hivemind/constants.ts (frames, zlib) and
   * src/satellite/limits.ts; docs/operations.md "Limits".
   */
  limits: z
    .strictObject({
      /** Largest WebSocket frame from the hub; larger ones are refused from their header (close 1009), never buffered. */
      max_frame_bytes: z.number().int().min(MIN_INBOUND_LIMIT_BYTES).max(MAX_FRAME_BYTES).default(MAX_FRAME_BYTES),
      /** Largest result of inflating one WIRE-1 block (zlib bomb guard). */
      max_inflated_bytes: z.number().int().min(MIN_INBOUND_LIMIT_BYTES).max(1024 * 1024 * 1024).default(MAX_DECOMPRESSED_BYTES),
      /** Largest TTS answer file (TTS_AUDIO or `speak:b64_audio`); larger ones are spoken with the local TTS. */
      max_tts_bytes: z.number().int().min(MIN_INBOUND_LIMIT_BYTES).max(MAX_FRAME_BYTES).default(DEFAULT_MAX_TTS_BYTES),
      /** Longest TTS answer, judged from its headers before decoding; longer ones are spoken with the local TTS. */
      max_answer_seconds: z.number().gt(0).max(3_600).default(DEFAULT_MAX_ANSWER_SECONDS),
      /** `speak`s played for one turn; the rest of a storm is dropped. */
      max_speaks_per_turn: z.number().int().min(1).max(1_000).default(DEFAULT_MAX_SPEAKS_PER_TURN),
      /** Unsolicited `speak`s / sounds queued or playing at once; more are dropped. */
      max_unsolicited_speaks: z.number().int().min(1).max(100).default(DEFAULT_MAX_UNSOLICITED_SPEAKS),
      /** Ignored hub messages (PING/PROPAGATE, BROADCAST…) per warning interval before it is reported as a flood. */
      max_ignored_per_interval: z.number().int().min(1).max(1_000_000).default(DEFAULT_MAX_IGNORED_PER_INTERVAL),
      /** Each kind of refusal is logged at most once per this interval. */
      warn_interval_ms: ms(1_000, 3_600_000, DEFAULT_WARN_INTERVAL_MS),
    })
    .prefault({}),
  /** No `speak` this long after the utterance was sent: answer locally. */
  answer_timeout_ms: ms(1_000, 120_000, 15_000),
  /** No TTS_AUDIO this long after `speak:synth`: ask again with `speak:b64_audio`. */
  synth_timeout_ms: ms(200, 30_000, 3_000),
  /** Session id declared to the hub; default derived from the access key and site id (stable across restarts). */
  session_id: text.nullable().default(null),
});

/** A validated config with every default filled in. */
export type SatelliteConfig = z.output<typeof SATELLITE_CONFIG_SCHEMA>;

/** One problem in a config file. */
export interface ConfigIssue {
  /** JSON path, e.g. `$.vad.silence_end_ms` or `$.wake.keywords[0]`. */
  readonly path: string;
  readonly message: string;
}

/** A config file that does not validate: every problem, each with its path. Code `CFG_ERR_INVALID_VALUE`. */
export class ConfigValidationError extends ConfigError {
  readonly issues: readonly ConfigIssue[];

  constructor(source: string, issues: readonly ConfigIssue[]) {
    super('CFG_ERR_INVALID_VALUE', `${source}: ${issues.length} problem(s): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
}

/** `$.a.b[0]` for a zod path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), '$');
}

/** The defaults (what an empty `{}` file means). */
export function defaultSatelliteConfig(): SatelliteConfig {
  return SATELLITE_CONFIG_SCHEMA.parse({});
}

/**
 * Validate a parsed JSON value.
 *
 * @returns the config, or every problem (never both).
 */
export function checkSatelliteConfig(value: unknown): { readonly config: SatelliteConfig; readonly issues: readonly [] } | { readonly config: undefined; readonly issues: readonly ConfigIssue[] } {
  const result = SATELLITE_CONFIG_SCHEMA.safeParse(value);
  if (result.success) {
    try {
      parseOpsConfig(result.data.ops, '$.ops');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { config: undefined, issues: [{ path: '$.ops', message: error.message }] };
    }
    return { config: result.data, issues: [] };
  }
  const issues = result.error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: jsonPath([...issue.path, key]), message: 'unknown key' }));
    return [{ path: jsonPath(issue.path), message: issue.message }];
  });
  return { config: undefined, issues };
}

/**
 * Read and validate a config file. A missing file is the defaults unless `required` (an explicit `--config`).
 *
 * @throws {ConfigError} `CFG_ERR_IO` (unreadable or missing when required), `CFG_ERR_MALFORMED` (not a JSON object),
 *   {@link ConfigValidationError} `CFG_ERR_INVALID_VALUE` (every schema problem).
 */
export async function loadSatelliteConfig(path: string, required: boolean): Promise<SatelliteConfig> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (cause) {
    const errno = (cause as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT' && !required) return defaultSatelliteConfig();
    throw new ConfigError('CFG_ERR_IO', `${path}: cannot read the config file (${errno ?? 'error'})`, { cause });
  }
  return parseSatelliteConfig(raw, path);
}

/**
 * Parse and validate config text.
 *
 * @throws {ConfigError} `CFG_ERR_MALFORMED`, or {@link ConfigValidationError}.
 */
export function parseSatelliteConfig(raw: string, source: string): SatelliteConfig {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError('CFG_ERR_MALFORMED', `${source}: expected JSON, got text that does not parse (${(cause as Error).message})`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('CFG_ERR_MALFORMED', `${source}: expected a JSON object`);
  const checked = checkSatelliteConfig(value);
  if (checked.config === undefined) throw new ConfigValidationError(source, checked.issues);
  return checked.config;
}
