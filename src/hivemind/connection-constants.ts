/**
 * Timing, size and retry defaults of the HiveMind connection client, each with its unit and source.
 *
 * Kept apart from `constants.ts` (the codec's limits) because only the connection layer uses them.
 *
 * @module
 */

/** Interval between WebSocket pings we send, ms (newest reference client: `DEFAULT_WEBSOCKET_PING_INTERVAL = 25.0`, HIVEMIND.md §1.4). */
export const PING_INTERVAL_MS = 25_000;

/**
 * How long we wait for the pong of a ping, ms (reference: `DEFAULT_WEBSOCKET_PING_TIMEOUT = 10.0`). A ping sent at
 * most 25 s after the hub died and a 10 s pong wait detect a dead hub within 35 s of its death, and within 10 s of
 * the first unanswered ping.
 */
export const PONG_TIMEOUT_MS = 10_000;

/**
 * Longest time from socket open to a usable session, ms (HIVEMIND.md §7.2 recommends 10–15 s). Time spent deriving
 * the Noise PSK (argon2id, seconds on a Pi) is not counted: the timer restarts once the PSK is known.
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Longest time for the TCP/TLS connection and the WebSocket upgrade, ms. */
export const OPEN_TIMEOUT_MS = 10_000;

/** First reconnect delay before jitter, ms (HIVEMIND.md §7.2 uses 5 s; we start lower so a restarted hub is back sooner). */
export const RECONNECT_INITIAL_DELAY_MS = 2_000;

/** Longest reconnect delay before jitter, ms (HIVEMIND.md §7.2: 60 s). */
export const RECONNECT_MAX_DELAY_MS = 60_000;

/** Growth of the reconnect delay per failure in a row (HIVEMIND.md §7.2: doubling). */
export const RECONNECT_FACTOR = 2;

/** Relative jitter of each reconnect delay: the delay is multiplied by a factor in [1 − j, 1 + j) (§7.2: ±50 %). */
export const RECONNECT_JITTER = 0.5;

/**
 * Consecutive closes with code 1005 before any HELLO after which we conclude the hub does not know our access key
 * (HIVEMIND.md §2.1: 4.x hubs close unknown keys with an empty close frame before greeting). Two, so one stray
 * close never stops a satellite for good.
 */
export const UNKNOWN_KEY_CLOSES = 2;

/** Default bound of the queue of messages sent while the connection is not ready. */
export const SEND_QUEUE_MAX_MESSAGES = 256;

/** `ask()`: default overall time limit, ms. */
export const ASK_TIMEOUT_MS = 30_000;

/** `ask()`: silence after the last `speak` that ends the answer when no end-of-handling message arrives, ms. */
export const ASK_QUIET_MS = 2_000;

/**
 * `ask()`: how long to keep listening after `ovos.utterance.handled` (or an intent failure), ms. The hub relays
 * `speak` and the end-of-handling message on different paths, so a `speak` can arrive after it (the recorded
 * session s03 shows `speak` 19 ms after `ovos.utterance.handled`).
 */
export const ASK_SETTLE_MS = 500;

/** Longest close reason we log or put in an error message, characters (reasons are peer text). */
export const MAX_LOGGED_REASON_CHARS = 120;

/** Useragent sent in the `authorization` query (no `:`; HIVEMIND.md §1.1). */
export const DEFAULT_USERAGENT = 'HivesatV0.1.0';

/** Close code we send for a normal close (RFC 6455 §7.4.1). */
export const CLOSE_NORMAL = 1000;

/** Close code we send when we give up on a session that went quiet (handshake or pong timeout). */
export const CLOSE_GOING_AWAY = 1001;

/** Close code of a hub that hit an internal error, e.g. its client database is down (RFC 6455 §7.4.1, HIVEMIND.md §7.1). */
export const CLOSE_INTERNAL_ERROR = 1011;

/** Close code of an overloaded hub: "try again later" (RFC 6455 §7.4.1, IANA registry; HIVEMIND.md §7.1). */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** Close code a peer reports when the close frame carried no status (RFC 6455 §7.1.5). */
export const CLOSE_NO_STATUS = 1005;
