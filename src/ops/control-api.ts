/**
 * The control API of `hivesat run` (docs/control.md), served on the one local HTTP server next to `/healthz` and
 * `/metrics`:
 *
 * | request | does |
 * |---|---|
 * | `GET /v1/status` | `{"state","muted","hub":{"state"},"mic":{"up"},"volume","last_turn"}` |
 * | `POST /v1/mute`, `POST /v1/unmute` | the persisted mute switch (mute means deaf: see src/ops/mute.ts) |
 * | `POST /v1/listen` | push-to-talk: capture now, no wake word (409 while muted) |
 * | `POST /v1/stop` | stop speaking, cancel the turn |
 * | `POST /v1/say {"text"}` | speak it (hub TTS when online, local TTS otherwise); answered once played |
 * | `POST /v1/volume {"level": 0-100}` | output volume |
 * | `GET /v1/events` | Server-Sent Events of what the hooks get (src/ops/sse.ts) |
 *
 * Every request passes, in order and as `hivesat serve` does: a refusal of browser requests (an `Origin` header),
 * the per-client rate limit, the bearer token (or, with authentication off, a loopback `Host` header, against DNS
 * rebinding), the method, the body size limit. Errors are `{"error":{"code","message"}}` with serve's codes and
 * statuses (`SERVE_ERR_UNAUTHORIZED` 401 …, docs/errors.md).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BearerCheck, RateLimiter, ServeError, hostOfHeader, isLoopbackHost, readJsonBody, sendJson } from '../serve/index.js';
import { OpsError } from './errors.js';
import { type Logger, nullLogger } from './logger.js';
import type { EventStream } from './sse.js';
import { errorCode } from '../errors.js';

/** Largest control request body, bytes (a sentence to say). */
export const CONTROL_MAX_BODY_BYTES = 16 * 1024;
/** Longest text `POST /v1/say` speaks, characters. */
export const CONTROL_MAX_SAY_CHARS = 2_000;

/** The `GET /v1/status` document. */
export interface ControlStatus {
  /** What the satellite is doing: `starting`, `idle`, `listening`, `thinking`, `speaking`, `stopping`. */
  readonly state: string;
  readonly muted: boolean;
  /** The hub connection's state (`ready`, `backing-off` …), or `none` when no hub is configured. */
  readonly hub: { readonly state: string };
  /** Whether the capture device delivers audio. */
  readonly mic: { readonly up: boolean };
  readonly volume: { readonly percent: number };
  /** The last turn's report (the `turn` line `hivesat run` prints), or null before the first. */
  readonly last_turn: unknown;
}

/** What the control API drives: `hivesat run` wires it to the satellite, the mute switch and the health state. */
export interface ControlTarget {
  status(): ControlStatus;
  setMuted(muted: boolean): Promise<void>;
  /** @throws {OpsError} `OPS_ERR_MUTED` while muted (answered 409). */
  listen(): Promise<void>;
  stop(): Promise<void>;
  say(text: string): Promise<void>;
  setVolume(percent: number): void;
}

/** How clients authenticate. */
export type ControlAuth = { readonly token: string } | { readonly disabled: true };

/** Options of {@link createControlApi}. */
export interface ControlApiOptions {
  readonly target: ControlTarget;
  readonly events: EventStream;
  readonly auth: ControlAuth;
  readonly logger?: Logger;
  /** Monotonic clock for the rate limit, ms. */
  readonly now?: () => number;
}

/** A request handler for part of the paths of the shared server. */
export interface RouteHandler {
  /** True when the path is this handler's (it then answers it). */
  owns(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
}

type Action = (body: Record<string, unknown>) => Promise<unknown>;

/** The `/v1/…` routes of the control API. */
export function createControlApi(options: ControlApiOptions): RouteHandler {
  const { target, events } = options;
  const logger = options.logger ?? nullLogger;
  const bearer = 'token' in options.auth ? new BearerCheck(options.auth.token) : undefined;
  const limiter = new RateLimiter({ now: options.now ?? (() => performance.now()) });
  const status = async (): Promise<unknown> => target.status();
  const posts: Readonly<Record<string, Action>> = {
    '/v1/mute': async () => (await target.setMuted(true), target.status()),
    '/v1/unmute': async () => (await target.setMuted(false), target.status()),
    '/v1/listen': async () => (await target.listen(), { listening: true }),
    '/v1/stop': async () => (await target.stop(), { stopped: true }),
    '/v1/say': async (body) => {
      const text = body['text'];
      if (typeof text !== 'string' || text.trim() === '') throw new ServeError('SERVE_ERR_BAD_REQUEST', 'expected {"text": "<something to say>"}, got no text');
      if (text.length > CONTROL_MAX_SAY_CHARS) throw new ServeError('SERVE_ERR_BAD_REQUEST', `expected a text of at most ${CONTROL_MAX_SAY_CHARS} characters, got ${text.length}`);
      await target.say(text);
      return { spoken: true };
    },
    '/v1/volume': async (body) => {
      const level = body['level'];
      if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 100) throw new ServeError('SERVE_ERR_BAD_REQUEST', `expected {"level": <an integer 0-100>}, got ${JSON.stringify(level)?.slice(0, 40) ?? 'none'}`);
      target.setVolume(level);
      return target.status();
    },
  };

  const authorize = (req: IncomingMessage): void => {
    if (req.headers.origin !== undefined) throw new ServeError('SERVE_ERR_FORBIDDEN', 'expected a request from a program, got one from a web page (Origin header); browsers are not served');
    const verdict = limiter.take(req.socket.remoteAddress ?? 'unknown');
    if (!verdict.allowed) throw Object.assign(new ServeError('SERVE_ERR_RATE_LIMITED', `expected at most the allowed requests per minute, got more; retry in ${verdict.retryAfterS} s`), { retryAfterS: verdict.retryAfterS });
    if (bearer !== undefined) {
      if (!bearer.verify(req.headers.authorization)) {
        throw new ServeError('SERVE_ERR_UNAUTHORIZED', req.headers.authorization === undefined ? 'expected an Authorization: Bearer header with the control token, got none' : 'expected the control token, got a different one');
      }
    } else if (req.headers.host !== undefined && !isLoopbackHost(hostOfHeader(req.headers.host))) {
      throw new ServeError('SERVE_ERR_FORBIDDEN', 'expected a loopback Host header while authentication is off, got another host');
    }
  };

  return {
    owns: (path) => path === '/v1' || path.startsWith('/v1/'),
    async handle(req, res, path) {
      const method = req.method ?? 'GET';
      try {
        authorize(req);
        if (path === '/v1/status' || path === '/v1/events') {
          if (method !== 'GET') throw methodError(path, 'GET');
          if (path === '/v1/status') return sendJson(res, 200, await status());
          if (!events.subscribe(res)) throw new ServeError('SERVE_ERR_UNAVAILABLE', 'expected fewer event subscribers, got the maximum already; close one first');
          return;
        }
        const action = posts[path];
        if (action === undefined) throw new ServeError('SERVE_ERR_NOT_FOUND', `no endpoint ${path.slice(0, 80)}; see docs/control.md`);
        if (method !== 'POST') throw methodError(path, 'POST');
        const body = await readOptionalBody(req);
        sendJson(res, 200, await action(body));
        logger.info('control', { path, method });
      } catch (error) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const muted = error instanceof OpsError && error.code === 'OPS_ERR_MUTED';
        const known = error instanceof ServeError || muted ? error : internal(error, logger);
        const status = known instanceof ServeError ? known.status : 409;
        const code = known.code;
        const headers: Record<string, string> = {};
        const allow = (error as { allow?: string }).allow;
        if (allow !== undefined) headers['Allow'] = allow;
        if (code === 'SERVE_ERR_UNAUTHORIZED') headers['WWW-Authenticate'] = 'Bearer realm="hivesat"';
        if (code === 'SERVE_ERR_TOO_LARGE') headers['Connection'] = 'close';
        const retry = (error as { retryAfterS?: number }).retryAfterS;
        if (retry !== undefined) headers['Retry-After'] = String(retry);
        if (status >= 400 && status !== 409) logger.info('control refused', { path: path.slice(0, 80), method: method.slice(0, 10), status, code });
        sendJson(res, status, { error: { code, message: known.message } }, headers);
      }
    },
  };
}

function methodError(path: string, allowed: string): ServeError {
  return Object.assign(new ServeError('SERVE_ERR_METHOD', `expected ${allowed} on ${path}, got another method`), { allow: allowed });
}

/** A POST body is optional (`curl -X POST …/v1/mute`); when there is one it must be a JSON object. */
async function readOptionalBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const length = req.headers['content-length'];
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) return {};
  return readJsonBody(req, CONTROL_MAX_BODY_BYTES);
}

function internal(error: unknown, logger: Logger): ServeError {
  const code = errorCode(error);
  // A synthesis or device failure has a code and a message for the user; anything else is a bug.
  if (typeof code === 'string') return new ServeError('SERVE_ERR_UNAVAILABLE', `${code}: ${(error as Error).message}`);
  logger.error('control request failed', { error });
  return new ServeError('SERVE_ERR_INTERNAL', 'internal error; the log has the details');
}
