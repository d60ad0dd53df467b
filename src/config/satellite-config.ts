/**
 * The satellite's config file: one JSON object, validated once with one zod schema at start (`hivesat run`), by
 * `hivesat config check` and by `hivesat doctor`. Each layer owns the schema and defaults of its section (`hub`:
 * ./hub-schema.ts, `ops`: src/ops/config.ts, `wake`/`vad`: src/listener/config-schema.ts, `serve`:
 * src/serve/settings.ts); this module composes them with the satellite's own sections. Every problem is reported
 * with its JSON path; unknown keys are errors (with the nearest known key); units are in the key names
 * (`silence_end_ms`, `playback_rate_hz`). Defaults suit a Raspberry Pi with a USB microphone and speaker on the
 * ALSA `default` device. Every key is documented in docs/configuration.md (a test keeps it complete).
 *
 * ```json
 * {
 *   "mode": "audio",
 *   "hub": { "host": "hub.local", "access_key": "…", "password": "…", "site_id": "kitchen" },
 *   "audio": { "capture_device": "default", "playback_device": "default" },
 *   "wake": { "keywords": ["hey_jarvis"], "threshold": 0.1, "verifier": "auto" },
 *   "vad": { "silence_end_ms": 700, "max_utterance_ms": 10000 },
 *   "answer_timeout_ms": 15000
 * }
 * ```
 *
 * The `"hub"` section is one source of src/config/connection-config.ts (flags > env > this file > identity file).
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { HUB_SECTION_SCHEMA } from './hub-schema.js';
import { SERVE_CONFIG_KEYS } from '../serve/index.js';
import { OPS_SECTION_SCHEMA } from '../ops/index.js';
import { VAD_SECTION_SCHEMA, WAKE_SECTION_SCHEMA } from '../listener/index.js';
import { type SchemaIssue, describeIssues } from '../schema-issues.js';
import { MAX_DECOMPRESSED_BYTES, MAX_FRAME_BYTES, MIN_INBOUND_LIMIT_BYTES } from '../hivemind/index.js';
import { STALL_TIMEOUT_MS, STUCK_TIMEOUT_MS } from '../audio/index.js';
import {
  DEFAULT_ANSWER_TIMEOUT_MS,
  DEFAULT_MAX_ANSWER_SECONDS,
  DEFAULT_MAX_IGNORED_PER_INTERVAL,
  DEFAULT_MAX_SPEAKS_PER_TURN,
  DEFAULT_MAX_TTS_BYTES,
  DEFAULT_MAX_UNSOLICITED_SPEAKS,
  DEFAULT_SYNTH_TIMEOUT_MS,
  DEFAULT_VOLUME_STEP_PERCENT,
  DEFAULT_WARN_INTERVAL_MS,
} from '../satellite/index.js';
import { errorCode } from '../errors.js';

export { jsonPath } from '../schema-issues.js';

const ms = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);
const rateHz = (fallback: number) => z.number().int().min(8_000).max(48_000).default(fallback);
const channels = z.number().int().min(1).max(8).default(1);
const text = z.string().min(1);

/** A section whose keys are listed, with their JSON types, by the layer that reads it (serve). */
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
  hub: HUB_SECTION_SCHEMA.prefault({}),
  /** Logs, health/metrics listener and event hooks (src/ops/config.ts). */
  ops: OPS_SECTION_SCHEMA,
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
      capture_stall_ms: z.union([z.literal(0), z.number().int().min(200).max(60_000)]).default(STALL_TIMEOUT_MS),
      /** Constant non-zero or full-scale capture audio for this long (ms of audio) = stuck: report, restart. 0 = off. */
      capture_stuck_ms: z.union([z.literal(0), z.number().int().min(500).max(600_000)]).default(STUCK_TIMEOUT_MS),
      /**
       * A program printing raw s16le PCM at capture_rate_hz × capture_channels on stdout, instead of arecord
       * (`["pw-record", "--rate", "16000", "--channels", "1", "--format", "s16", "-"]`); supervised like arecord.
       */
      capture_command: z.array(text).min(1).nullable().default(null),
      /** A program playing raw s16le PCM at playback_rate_hz × playback_channels from stdin, instead of aplay. */
      playback_command: z.array(text).min(1).nullable().default(null),
      /** Noise suppression in front of the wake word, VAD and the audio sent (wyoming-satellite --mic-noise-suppression). */
      mic_noise_suppression: z.enum(['off', 'rnnoise']).default('off'),
      /** Automatic gain: target speech level in dB below full scale, 1–31; 0 is off (wyoming-satellite --mic-auto-gain). */
      mic_auto_gain: z.number().int().min(0).max(31).default(0),
    })
    .prefault({}),
  /** A GPIO push button read with gpiomon (src/ops/button.ts, docs/hardware.md); off while `chip` is null. */
  buttons: z
    .strictObject({
      /** `gpiochip0` on a Pi; null: no button. */
      chip: text.nullable().default(null),
      /** Line offset (BCM GPIO number); 17 is the ReSpeaker 2-mic HAT's button. */
      line: z.number().int().min(0).max(1_023).default(17),
      active_low: z.boolean().default(true),
      bias: z.enum(['pull-up', 'pull-down', 'disable', 'as-is']).default('pull-up'),
      /** Held this long: mute toggle; shorter: push-to-talk (or stop while speaking). */
      long_press_ms: ms(300, 10_000, 1_000),
    })
    .prefault({}),
  /** APA102 LEDs on SPI (src/ops/leds.ts, docs/hardware.md); off while `device` is null. */
  leds: z
    .strictObject({
      /** The spidev device, e.g. `/dev/spidev0.1`; null: no LEDs. */
      device: text.nullable().default(null),
      /** LEDs on the chain: 3 on the ReSpeaker 2-mic HAT, 12 on the 4-mic. */
      count: z.number().int().min(1).max(1_024).default(3),
      /** APA102 global brightness, 0–31. */
      brightness: z.number().int().min(0).max(31).default(8),
    })
    .prefault({}),
  /** Debug recordings (`run --save DIR`, src/ops/recordings.ts): every utterance and the audio around each wake. */
  debug: z
    .strictObject({
      /** Folder for the recordings; null: none. */
      save_dir: text.nullable().default(null),
      /** Recordings kept (WAV + sidecar each); the oldest are deleted first. */
      max_recordings: z.number().int().min(1).max(100_000).default(100),
      /** Bytes kept in the folder at most. */
      max_bytes: z.number().int().min(64 * 1024).max(64 * 1024 * 1024 * 1024).default(50 * 1024 * 1024),
      wake_before_ms: ms(0, 10_000, 2_000),
      wake_after_ms: ms(0, 10_000, 1_000),
    })
    .prefault({}),
  /** The control API of `hivesat run` (src/ops/control-settings.ts, docs/control.md). */
  control: z
    .strictObject({
      /** `HOST:PORT`; null turns the control API off. */
      listen: text.nullable().default('127.0.0.1:8338'),
      /** Bearer token required (generated at first start); false is refused off loopback. */
      auth: z.boolean().default(true),
      /** Default `$XDG_CONFIG_HOME/hivesat/control-token`. */
      token_file: text.nullable().default(null),
      /** Where the mute switch is kept; default `$STATE_DIRECTORY`, else `$XDG_STATE_HOME/hivesat`. */
      state_dir: text.nullable().default(null),
    })
    .prefault({}),
  wake: WAKE_SECTION_SCHEMA,
  vad: VAD_SECTION_SCHEMA,
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
      step_percent: z.number().int().min(1).max(50).default(DEFAULT_VOLUME_STEP_PERCENT),
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
      /**
       * An OpenAI-compatible transcription endpoint (`/v1` root, e.g. a whisper server on the LAN) used before the
       * grammar recognizer, which stays the fallback: what lets an LLM persona hear open questions offline.
       */
      stt_url: z.url({ protocol: /^https?$/ }).nullable().default(null),
      /** Model name sent to `stt_url` (default `whisper-1`). */
      stt_model: text.nullable().default(null),
      /** API key for `stt_url` (sent as a bearer token; never logged). */
      stt_key: text.nullable().default(null),
      /** Keep what the user said out of the logs and the printed turn reports (`[redacted speech]`). */
      redact_transcripts: z.boolean().default(false),
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
  answer_timeout_ms: ms(1_000, 120_000, DEFAULT_ANSWER_TIMEOUT_MS),
  /** No TTS_AUDIO this long after `speak:synth`: ask again with `speak:b64_audio`. */
  synth_timeout_ms: ms(200, 30_000, DEFAULT_SYNTH_TIMEOUT_MS),
  /** Session id declared to the hub; default derived from the access key and site id (stable across restarts). */
  session_id: text.nullable().default(null),
});

/** A validated config with every default filled in. */
export type SatelliteConfig = z.output<typeof SATELLITE_CONFIG_SCHEMA>;

/** One problem in a config file. */
export type ConfigIssue = SchemaIssue;

/** A config file that does not validate: every problem, each with its path. Code `CFG_ERR_INVALID_VALUE`. */
export class ConfigValidationError extends ConfigError {
  readonly issues: readonly ConfigIssue[];

  constructor(source: string, issues: readonly ConfigIssue[]) {
    super('CFG_ERR_INVALID_VALUE', `${source}: ${issues.length} problem(s): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
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
  if (result.success) return { config: result.data, issues: [] };
  return { config: undefined, issues: describeIssues(SATELLITE_CONFIG_SCHEMA, result.error) };
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
    const errno = errorCode(cause);
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
