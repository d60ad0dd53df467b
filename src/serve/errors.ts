/**
 * Coded errors of `hivesat serve`. Request errors carry the HTTP status they are answered with; each API turns them
 * into its own error body (OpenAI `{"error": {"message", "type", "param", "code"}}`, Ollama `{"error": "…"}`).
 * Messages never contain the token, a message's text or a hub credential.
 *
 * @module
 */
import { HivesatError } from '../errors.js';

/** Codes of {@link ServeError}. */
export type ServeErrorCode =
  /** Start-up: refusing to listen on a non-loopback address without a token, or `--no-auth` off loopback. */
  | 'SERVE_ERR_INSECURE'
  /** Start-up: the token (flag, environment or file) is missing, too short, unreadable or readable by others. */
  | 'SERVE_ERR_TOKEN'
  /** Start-up: the address cannot be listened on (in use, not permitted, not local). */
  | 'SERVE_ERR_LISTEN'
  /** 400: the body is not JSON, not an object, or lacks a field the API requires. */
  | 'SERVE_ERR_BAD_REQUEST'
  /** 401: no `Authorization: Bearer …` header, or the wrong token. */
  | 'SERVE_ERR_UNAUTHORIZED'
  /** 403: a browser request (`Origin` header), or a non-loopback `Host` while authentication is off. */
  | 'SERVE_ERR_FORBIDDEN'
  /** 404: no such endpoint. */
  | 'SERVE_ERR_NOT_FOUND'
  /** 404: no such model. */
  | 'SERVE_ERR_UNKNOWN_MODEL'
  /** 405: the endpoint exists but not with this method. */
  | 'SERVE_ERR_METHOD'
  /** 413: the body is larger than the limit. */
  | 'SERVE_ERR_TOO_LARGE'
  /** 429: the client made too many requests; `Retry-After` says when to try again. */
  | 'SERVE_ERR_RATE_LIMITED'
  /** 502: the hub refused the utterance, or no solver of the persona answered. */
  | 'SERVE_ERR_UPSTREAM'
  /** 503: the hub cannot be reached (and no fallback persona is configured), or too many conversations are busy. */
  | 'SERVE_ERR_UNAVAILABLE'
  /** 504: no answer in time. */
  | 'SERVE_ERR_TIMEOUT'
  /** 500: a bug; the log has the details. */
  | 'SERVE_ERR_INTERNAL';

/** The HTTP status of each request error code (start-up codes have none). */
export const SERVE_ERROR_STATUS: Readonly<Record<ServeErrorCode, number>> = {
  SERVE_ERR_INSECURE: 500,
  SERVE_ERR_TOKEN: 500,
  SERVE_ERR_LISTEN: 500,
  SERVE_ERR_BAD_REQUEST: 400,
  SERVE_ERR_UNAUTHORIZED: 401,
  SERVE_ERR_FORBIDDEN: 403,
  SERVE_ERR_NOT_FOUND: 404,
  SERVE_ERR_UNKNOWN_MODEL: 404,
  SERVE_ERR_METHOD: 405,
  SERVE_ERR_TOO_LARGE: 413,
  SERVE_ERR_RATE_LIMITED: 429,
  SERVE_ERR_UPSTREAM: 502,
  SERVE_ERR_UNAVAILABLE: 503,
  SERVE_ERR_TIMEOUT: 504,
  SERVE_ERR_INTERNAL: 500,
};

/** A serve failure. Match on `code`; `status` is the HTTP status a request error is answered with. */
export class ServeError extends HivesatError<ServeErrorCode> {
  override readonly name = 'ServeError';

  /** The HTTP status of this error. */
  get status(): number {
    return SERVE_ERROR_STATUS[this.code];
  }
}
