/**
 * Limits and defaults of the operations layer (logs, metrics, health endpoint, systemd, hooks, doctor), each with
 * its unit and the reason for its value.
 *
 * @module
 */

/** Loopback address the health/metrics listener binds to: it is never reachable from the LAN. */
export const OPS_HTTP_HOST = '127.0.0.1';
/** Time a client gets to send its request headers and body, ms (a scraper sends a few hundred bytes). */
export const OPS_HTTP_REQUEST_TIMEOUT_MS = 5_000;
/** Concurrent connections the listener accepts (Prometheus and a health probe need two). */
export const OPS_HTTP_MAX_CONNECTIONS = 16;

/** A clean shutdown must finish within this, ms; then the process exits anyway (systemd's stop timeout is 10 s). */
export const SHUTDOWN_TIMEOUT_MS = 2_000;

/** `systemd-notify` waits up to 5 s for systemd to process a message (its barrier); we kill it after this, ms. */
export const NOTIFY_TIMEOUT_MS = 8_000;
/** Notifications waiting for `systemd-notify` at most; older WATCHDOG=1 duplicates are merged first. */
export const NOTIFY_QUEUE_MAX = 8;
/** Heartbeats sent per `WatchdogSec` (systemd recommends at least 2; 4 leaves room for a lost one). */
export const WATCHDOG_PINGS_PER_INTERVAL = 4;
/** The audio loop counts as stalled when it has not pinged for this fraction of `WatchdogSec`. */
export const WATCHDOG_STALL_FRACTION = 0.5;

/** Default time a hook may run before it is killed, ms. */
export const HOOK_TIMEOUT_MS = 10_000;
/** Longest hook timeout the config accepts, ms (a hook is a reaction to an event, not a service). */
export const HOOK_TIMEOUT_MAX_MS = 300_000;
/** Default hooks running at once. */
export const HOOK_MAX_CONCURRENT = 4;
/** Most hooks a config may allow to run at once (`ops.hooks.max_concurrent`). */
export const HOOK_MAX_CONCURRENT_LIMIT = 32;
/** Hooks waiting for a slot at most; more are dropped (and logged), so a stuck hook never grows memory. */
export const HOOK_QUEUE_MAX = 32;
/** After SIGTERM, a hook's process group gets this long before SIGKILL, ms. */
export const HOOK_KILL_GRACE_MS = 1_000;
/** Characters of a hook's stderr kept for the log. */
export const HOOK_STDERR_TAIL_CHARS = 500;
/** Longest value of one `HIVESAT_*` variable given to a hook, characters (an utterance, an answer). */
export const HOOK_ENV_VALUE_MAX_CHARS = 4_000;
/** Variables of the service's environment that hooks inherit; everything else (secrets!) is withheld. */
export const HOOK_INHERITED_ENV: readonly string[] = Object.freeze([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'LC_MESSAGES',
  'TZ',
  'XDG_RUNTIME_DIR',
  'ALSA_CONFIG_PATH',
  'ALSA_CARD',
]);
/** PATH given to hooks when the service has none. */
export const HOOK_DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Longest log message, characters; longer ones are cut (journald splits lines over 48 KiB anyway). */
export const LOG_MESSAGE_MAX_CHARS = 8_000;
/** Deepest object nesting written in a log field; deeper values are summarised. */
export const LOG_FIELD_MAX_DEPTH = 4;
/** Registered secret values shorter than this are not redacted by value (they would match everywhere). */
export const SECRET_MIN_CHARS = 4;

/** Distinct values one metric label may take; more are counted under `other` (bounded memory, bounded scrapes). */
export const METRIC_LABEL_MAX_VALUES = 32;
/** Longest metric label value, characters. */
export const METRIC_LABEL_MAX_CHARS = 48;
/** Buckets of the per-stage turn latency histograms, seconds. */
export const TURN_STAGE_BUCKETS_S: readonly number[] = Object.freeze([0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 20, 30]);
