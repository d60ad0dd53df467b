/**
 * Limits on what a hub may make the satellite do or hold (hostile-hub guard, issue #8). Each default is sized for
 * real OVOS answers with a wide margin, and bounds memory and work on a Raspberry Pi whatever the hub sends. The
 * frame and zlib caps live on the connection (`HubConnectionOptions.limits`); these are the satellite's own.
 *
 * @module
 */

/** Limits of a {@link Satellite}; every field optional (defaults below). */
export interface SatelliteLimits {
  /** Largest TTS answer file (TTS_AUDIO payload or decoded `speak:b64_audio` audio), bytes. */
  readonly maxTtsBytes?: number;
  /** Longest TTS answer, seconds (judged from its headers, before decoding). */
  readonly maxAnswerSeconds?: number;
  /** `speak`s played for one turn; later ones in the same turn are dropped with one warning. */
  readonly maxSpeaksPerTurn?: number;
  /** `speak`s (and sounds) no turn asked for that may be queued or playing at once; more are dropped. */
  readonly maxUnsolicitedSpeaks?: number;
  /** Ignored hub messages (PING/PROPAGATE, BROADCAST, unrequested TTS_AUDIO…) per interval before a warning. */
  readonly maxIgnoredPerInterval?: number;
  /** Interval of the rate-limited refusal warnings: each kind of refusal is logged at most once per interval, ms. */
  readonly warnIntervalMs?: number;
}

/**
 * 8 MiB: 190 s of 22.05 kHz 16-bit mono WAV (what OVOS TTS plugins write), 95 s at 44.1 kHz; a TTS_AUDIO frame cannot
 * carry more than the 10 MiB frame cap anyway, and `speak:b64_audio` (base64 inside an encrypted JSON frame) less.
 */
export const DEFAULT_MAX_TTS_BYTES = 8 * 1024 * 1024;

/**
 * 120 s: a long Wikipedia summary read aloud is about a minute. Decoding a 48 kHz stereo MP3 of that length holds
 * ≈ 46 MB of float samples at the peak; hours of audio (a few MiB of 8 kbit/s MP3) would hold gigabytes.
 */
export const DEFAULT_MAX_ANSWER_SECONDS = 120;

/** 20: an OVOS skill answers in one to a few `speak`s (a dialog per sentence at most); 500 is a storm. */
export const DEFAULT_MAX_SPEAKS_PER_TURN = 20;

/** 4: announcements (timers, reminders) come one at a time; each queued one also holds a TTS request. */
export const DEFAULT_MAX_UNSOLICITED_SPEAKS = 4;

/** 100 ignored messages: a hub's topology PINGs are a handful; more than this in an interval is a flood. */
export const DEFAULT_MAX_IGNORED_PER_INTERVAL = 100;

/** 60 s: one line per minute per kind of refusal at most, whatever the hub sends. */
export const DEFAULT_WARN_INTERVAL_MS = 60_000;

/** The limits with every default applied. */
export type ResolvedSatelliteLimits = Required<SatelliteLimits>;

function positiveInt(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`limits.${what}: expected a positive integer, got ${value}`);
  return value;
}

/**
 * Fill in the defaults.
 *
 * @throws {RangeError} for a limit that is not a positive integer (`maxAnswerSeconds` may be fractional).
 */
export function resolveSatelliteLimits(limits: SatelliteLimits = {}): ResolvedSatelliteLimits {
  const seconds = limits.maxAnswerSeconds ?? DEFAULT_MAX_ANSWER_SECONDS;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`limits.maxAnswerSeconds: expected a positive number, got ${seconds}`);
  return {
    maxTtsBytes: positiveInt(limits.maxTtsBytes, DEFAULT_MAX_TTS_BYTES, 'maxTtsBytes'),
    maxAnswerSeconds: seconds,
    maxSpeaksPerTurn: positiveInt(limits.maxSpeaksPerTurn, DEFAULT_MAX_SPEAKS_PER_TURN, 'maxSpeaksPerTurn'),
    maxUnsolicitedSpeaks: positiveInt(limits.maxUnsolicitedSpeaks, DEFAULT_MAX_UNSOLICITED_SPEAKS, 'maxUnsolicitedSpeaks'),
    maxIgnoredPerInterval: positiveInt(limits.maxIgnoredPerInterval, DEFAULT_MAX_IGNORED_PER_INTERVAL, 'maxIgnoredPerInterval'),
    warnIntervalMs: positiveInt(limits.warnIntervalMs, DEFAULT_WARN_INTERVAL_MS, 'warnIntervalMs'),
  };
}
