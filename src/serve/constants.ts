/**
 * Defaults and limits of `hivesat serve`. Every number carries its unit in the name; every limit is a security
 * boundary checked before the work it bounds (a body is measured before it is buffered, a client is counted before
 * its token is checked).
 *
 * @module
 */

/** Default listen address: loopback only. Anything else needs a token (see settings.ts). */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';
/** Default port: ovos-persona-server's (ANCHORS.md §5 item 1), so clients already pointed at a persona server work. */
export const DEFAULT_LISTEN_PORT = 8337;

/** Name of the model that answers through the HiveMind hub. */
export const HUB_MODEL_NAME = 'hivemind';
/** Prefix of persona model names: `persona:<slug of the persona's name>`. */
export const PERSONA_MODEL_PREFIX = 'persona:';
/** The tag clients of the Ollama API append to model names; `hivemind:latest` means `hivemind`. */
export const LATEST_TAG = ':latest';

/** Largest request body, bytes (1 MiB); larger is 413 before anything is buffered past it. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Longest utterance sent to the hub or a persona, characters. A voice question is a sentence or two. */
export const MAX_UTTERANCE_CHARS = 8 * 1024;
/** Longest conversation id taken from a request, characters. */
export const MAX_CONVERSATION_ID_CHARS = 200;

/** Sustained requests per minute per client address (token bucket refill). */
export const RATE_LIMIT_PER_MINUTE = 120;
/** Requests a client may make at once before the refill rate applies (token bucket size). */
export const RATE_LIMIT_BURST = 30;
/** Client addresses remembered by the rate limiter; the least recently seen is forgotten first. */
export const RATE_LIMIT_MAX_CLIENTS = 1024;

/** Time to receive a whole request (headers and body) from a client, milliseconds (Node's `requestTimeout`). */
export const REQUEST_RECEIVE_TIMEOUT_MS = 30_000;
/** Time to receive the request headers, milliseconds (Node's `headersTimeout`). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Open client sockets at once (Node's `maxConnections`). */
export const MAX_CLIENT_SOCKETS = 64;

/** Longest time an answer may take to its first sentence and between sentences, milliseconds. */
export const ANSWER_TIMEOUT_MS = 60_000;
/** Time to (re)establish a hub session before a request is answered 503, milliseconds. */
export const HUB_CONNECT_TIMEOUT_MS = 8_000;
/** Conversations kept at once per model (hub sessions or persona instances); the least recently used idle one goes. */
export const MAX_CONVERSATIONS = 32;
/** A conversation unused for this long is closed (its hub connection too), milliseconds. */
export const CONVERSATION_IDLE_MS = 10 * 60_000;

/** Bytes of randomness in a generated token (256 bits). */
export const TOKEN_BYTES = 32;
/** Prefix of generated tokens, so secret scanners and people recognise them. */
export const TOKEN_PREFIX = 'hst_';
/** Shortest token accepted from a flag, the environment or a file, characters. */
export const MIN_TOKEN_CHARS = 16;
/** Largest token file read, bytes. */
export const MAX_TOKEN_FILE_BYTES = 4096;
/** Name of the token file in hivesat's config folder. */
export const TOKEN_FILE_NAME = 'serve-token';

/** The Ollama version `GET /api/version` reports: one whose API has everything served here (`/api/show` capabilities). */
export const OLLAMA_COMPAT_VERSION = '0.6.4';
/** `owned_by` of models in `GET /v1/models`. */
export const MODEL_OWNER = 'hivesat';
