/**
 * `startServe(options)`: the HTTP server of `hivesat serve` on `node:http`, answering the OpenAI and Ollama APIs
 * from the hub and the personas.
 *
 * Every request passes, in order: the route table (only `GET /` is public: a liveness line), a refusal of browser
 * requests (an `Origin` header: no page has any business calling the hub), the per-client rate limit (before the
 * token check, so guessing tokens is rate-limited too), the bearer token (or, with authentication off, a loopback
 * `Host` header, against DNS rebinding), the method, and the body size limit. Errors are answered in the format of
 * the API the path belongs to (`/v1/…`: OpenAI; everything else: Ollama).
 *
 * Logging: one `info` line per request with method, path, status, duration, model and client address; `debug` adds
 * lengths. The token and message texts are never logged at any level.
 *
 * @module
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HiveLogger, silentLogger } from '../hivemind/index.js';
import { hostOfHeader, isLoopbackHost } from './address.js';
import { type ApiCall, type ApiContext, AnswerBrokeOff, type CallMeta, type Handler } from './api-common.js';
import {
  ANSWER_TIMEOUT_MS,
  DEFAULT_LISTEN_HOST,
  DEFAULT_LISTEN_PORT,
  HEADERS_TIMEOUT_MS,
  MAX_BODY_BYTES,
  MAX_CLIENT_SOCKETS,
  REQUEST_RECEIVE_TIMEOUT_MS,
} from './constants.js';
import { ServeError } from './errors.js';
import { readJsonBody, sendJson, sendText } from './http-io.js';
import { chat, generate, ollamaErrorBody, ps, show, tags, version } from './ollama-api.js';
import { chatCompletions, listModels, openAiErrorBody, retrieveModel } from './openai-api.js';
import { type PoolTimers, unrefTimers } from './pool.js';
import { type RateLimitOptions, RateLimiter } from './rate-limit.js';
import { BearerCheck } from './token.js';
import type { ServeTarget } from './targets.js';
import { errorCode } from '../errors.js';

/** How clients authenticate: a bearer token, or nothing (loopback only). */
export type ServeAuth = { readonly token: string } | { readonly disabled: true };

/** Options of {@link startServe}. */
export interface ServeOptions {
  /** Default {@link DEFAULT_LISTEN_HOST}:{@link DEFAULT_LISTEN_PORT}; port 0 picks a free one. */
  readonly listen?: { readonly host?: string; readonly port?: number };
  /** Required: a token, or `{ disabled: true }`, which is refused unless the server listens on loopback only. */
  readonly auth: ServeAuth;
  /** The models. Names must be unique. The server owns them: {@link ServeHandle.close} closes them. */
  readonly targets: readonly ServeTarget[];
  /** Language of questions. Default `en-US`. */
  readonly lang?: string;
  /** Default {@link MAX_BODY_BYTES}. */
  readonly maxBodyBytes?: number;
  readonly rateLimit?: RateLimitOptions;
  /** Time limit to the first sentence and between sentences, milliseconds. Default {@link ANSWER_TIMEOUT_MS}. */
  readonly answerTimeoutMs?: number;
  readonly logger?: HiveLogger;
  readonly timers?: PoolTimers;
  /** Monotonic clock, milliseconds. Default `performance.now`. */
  readonly now?: () => number;
  /** Wall clock, epoch milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
}

/** A running server. */
export interface ServeHandle {
  /** `http://host:port` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The model names served. */
  readonly models: readonly string[];
  /** Stop listening, end open answers, close every conversation. */
  close(): Promise<void>;
}

interface Route {
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, Handler>>;
}

const ROUTES: readonly Route[] = [
  { pattern: /^\/v1\/chat\/completions$/, methods: { POST: chatCompletions } },
  { pattern: /^\/v1\/models$/, methods: { GET: listModels } },
  { pattern: /^\/v1\/models\/([^/]+)$/, methods: { GET: retrieveModel } },
  { pattern: /^\/api\/chat$/, methods: { POST: chat } },
  { pattern: /^\/api\/generate$/, methods: { POST: generate } },
  { pattern: /^\/api\/tags$/, methods: { GET: tags } },
  { pattern: /^\/api\/ps$/, methods: { GET: ps } },
  { pattern: /^\/api\/version$/, methods: { GET: version } },
  { pattern: /^\/api\/show$/, methods: { POST: show } },
];

/** The liveness answer of `GET /` (Ollama answers "Ollama is running"). */
const LIVENESS_TEXT = 'hivesat serve is running';

function checkTargets(targets: readonly ServeTarget[]): Map<string, ServeTarget> {
  if (targets.length === 0) throw new RangeError('targets: expected at least one model, got none');
  const byName = new Map<string, ServeTarget>();
  for (const target of targets) {
    if (byName.has(target.name.toLowerCase())) throw new RangeError(`targets: expected unique model names, got "${target.name}" twice`);
    byName.set(target.name.toLowerCase(), target);
  }
  return new Map(targets.map((t) => [t.name, t]));
}

function positive(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what}: expected a positive integer, got ${String(value)}`);
  return value;
}

/** Options of {@link createServeRoutes}: those of {@link startServe} without the listen address. */
export type ServeRoutesOptions = Omit<ServeOptions, 'listen'>;

/**
 * Serve's endpoints as a route of another `node:http` server (the one local server of `hivesat run`, see
 * src/ops/http.ts): the same pipeline as {@link startServe} — Origin refusal, rate limit, bearer token or loopback
 * `Host`, method, body size — for the paths serve owns.
 */
export interface ServeRoutes {
  /** True for serve's paths: `/`, `/api/…` and the OpenAI routes (`/v1/chat/completions`, `/v1/models…`). */
  owns(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, path?: string): Promise<void>;
  /** The model names served. */
  readonly models: readonly string[];
  /** End open answers and close every conversation (the server they are mounted on is closed by its owner). */
  close(): Promise<void>;
}

/**
 * Build serve's request handling without a server of its own.
 *
 * @throws {ServeError} `SERVE_ERR_TOKEN` for a malformed token.
 * @throws {RangeError} for no targets, duplicate model names or a bad limit.
 */
export function createServeRoutes(options: ServeRoutesOptions): ServeRoutes {
  const bearer = 'token' in options.auth ? new BearerCheck(options.auth.token) : undefined;
  const targets = checkTargets(options.targets);
  const maxBodyBytes = positive(options.maxBodyBytes ?? MAX_BODY_BYTES, 'maxBodyBytes');
  const now = options.now ?? (() => performance.now());
  const clock = options.clock ?? (() => Date.now());
  const limiter = new RateLimiter({ now, ...options.rateLimit });
  const logger = options.logger ?? silentLogger;
  const ctx: ApiContext = {
    targets,
    lang: options.lang ?? 'en-US',
    answerTimeoutMs: positive(options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS, 'answerTimeoutMs'),
    timers: options.timers ?? unrefTimers,
    now,
    clock,
    startedAt: clock(),
    logger,
  };
  const inFlight = new Set<AbortController>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = now();
    const client = req.socket.remoteAddress ?? 'unknown';
    const method = req.method ?? 'GET';
    const path = pathOf(req.url);
    const openAi = path.startsWith('/v1/') || path === '/v1';
    const meta: CallMeta = {};
    const controller = new AbortController();
    inFlight.add(controller);
    res.on('close', () => {
      inFlight.delete(controller);
      if (!res.writableFinished) controller.abort(new ServeError('SERVE_ERR_UNAVAILABLE', 'the client went away'));
      logger.log('info', 'request', { method, path: path.slice(0, 80), status: res.statusCode, ms: Math.round(now() - started), model: meta.model, by: meta.answeredBy !== meta.model ? meta.answeredBy : undefined, client, stream: meta.stream });
      if (meta.questionChars !== undefined) logger.log('debug', 'request sizes', { question_chars: meta.questionChars, answer_chars: meta.answerChars });
    });
    try {
      if (path === '/' && (method === 'GET' || method === 'HEAD')) {
        sendText(res, 200, LIVENESS_TEXT, method === 'HEAD');
        return;
      }
      if (req.headers.origin !== undefined) throw new ServeError('SERVE_ERR_FORBIDDEN', 'expected a request from a program, got one from a web page (Origin header); browsers are not served');
      const verdict = limiter.take(client);
      if (!verdict.allowed) {
        sendError(res, openAi, new ServeError('SERVE_ERR_RATE_LIMITED', `expected at most the configured requests per minute, got more; retry in ${verdict.retryAfterS} s`), { 'Retry-After': String(verdict.retryAfterS) });
        return;
      }
      if (bearer !== undefined) {
        if (!bearer.verify(req.headers.authorization)) {
          throw new ServeError('SERVE_ERR_UNAUTHORIZED', req.headers.authorization === undefined ? 'expected an Authorization: Bearer header with the serve token, got none' : 'expected the serve token, got a different one');
        }
      } else if (req.headers.host !== undefined && !isLoopbackHost(hostOfHeader(req.headers.host))) {
        throw new ServeError('SERVE_ERR_FORBIDDEN', 'expected a loopback Host header while authentication is off, got another host');
      }
      const route = ROUTES.find((r) => r.pattern.test(path));
      if (route === undefined) throw new ServeError('SERVE_ERR_NOT_FOUND', `no endpoint ${path.slice(0, 80)}; see docs/serve.md for the endpoints served`);
      const handler = route.methods[method];
      if (handler === undefined) {
        const allow = Object.keys(route.methods).join(', ');
        sendError(res, openAi, new ServeError('SERVE_ERR_METHOD', `expected ${allow} on ${path.slice(0, 80)}, got ${method.slice(0, 10)}`), { Allow: allow });
        return;
      }
      const body = method === 'POST' ? await readJsonBody(req, maxBodyBytes) : {};
      const call: ApiCall = { req, res, body, client, params: (route.pattern.exec(path) ?? []).slice(1), signal: controller.signal, meta };
      await handler(call, ctx);
    } catch (error) {
      const cause = error instanceof AnswerBrokeOff ? error.cause : error;
      if (controller.signal.aborted && cause === controller.signal.reason) return; // the client left; nobody to answer
      if (error instanceof AnswerBrokeOff) {
        logger.log('warn', 'answer broke off after it started', { model: meta.model, code: errorCode(cause) });
        return;
      }
      const serveError = error instanceof ServeError ? error : internalError(error, logger);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, openAi, serveError, serveError.code === 'SERVE_ERR_TOO_LARGE' ? { Connection: 'close' } : serveError.code === 'SERVE_ERR_UNAUTHORIZED' ? { 'WWW-Authenticate': 'Bearer realm="hivesat"' } : {});
    }
  }

  let closing: Promise<void> | undefined;
  return {
    owns: (raw) => {
      const path = pathOf(raw);
      return path === '/' || path === '/api' || path.startsWith('/api/') || (path.startsWith('/v1/') && ROUTES.some((r) => r.pattern.test(path)));
    },
    handle,
    models: [...targets.keys()],
    close() {
      closing ??= (async () => {
        for (const controller of inFlight) controller.abort(new ServeError('SERVE_ERR_UNAVAILABLE', 'the server is shutting down'));
        await Promise.all([...targets.values()].map((t) => t.close()));
      })();
      return closing;
    },
  };
}

/**
 * Start the server and resolve once it listens.
 *
 * @throws {ServeError} `SERVE_ERR_INSECURE` for `auth: { disabled: true }` on an address that is not loopback;
 *   `SERVE_ERR_TOKEN` for a malformed token; `SERVE_ERR_LISTEN` when the address cannot be listened on.
 * @throws {RangeError} for no targets, duplicate model names or a bad limit.
 */
export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const host = options.listen?.host ?? DEFAULT_LISTEN_HOST;
  const port = options.listen?.port ?? DEFAULT_LISTEN_PORT;
  const authOff = !('token' in options.auth);
  if (authOff && !isLoopbackHost(host)) {
    throw new ServeError('SERVE_ERR_INSECURE', `refusing to listen on ${host} without a token: only a loopback address may go without authentication`);
  }
  const routes = createServeRoutes(options);
  const logger = options.logger ?? silentLogger;

  const server = createServer({ requestTimeout: REQUEST_RECEIVE_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS }, (req, res) => {
    void routes.handle(req, res);
  });
  server.maxConnections = MAX_CLIENT_SOCKETS;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(new ServeError('SERVE_ERR_LISTEN', `cannot listen on ${host}:${port} (${errorCode(error) ?? error.message})`, { cause: error }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port });
  }).catch(async (error: unknown) => {
    await routes.close();
    throw error;
  });
  const address = server.address() as AddressInfo;
  if (authOff && !isLoopbackHost(address.address)) {
    await closeServer(server);
    await routes.close();
    throw new ServeError('SERVE_ERR_INSECURE', `refusing to serve without a token on ${address.address}: "${host}" is not a loopback address`);
  }
  server.on('error', (error) => logger.log('error', 'server error', { code: errorCode(error) ?? error.name }));
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.log('info', 'serving', { url, models: routes.models.join(','), auth: authOff ? 'off' : 'token' });

  let closing: Promise<void> | undefined;
  return {
    url,
    host: address.address,
    port: address.port,
    models: routes.models,
    close() {
      closing ??= (async () => {
        const stopped = closeServer(server);
        const ended = routes.close(); // aborts the open answers before their sockets go
        server.closeIdleConnections();
        server.closeAllConnections();
        await stopped;
        await ended;
      })();
      return closing;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function sendError(res: ServerResponse, openAi: boolean, error: ServeError, headers: Readonly<Record<string, string>> = {}): void {
  sendJson(res, error.status, openAi ? openAiErrorBody(error) : ollamaErrorBody(error), headers);
}

function internalError(error: unknown, logger: HiveLogger): ServeError {
  // A bug: log what it was (messages of our errors hold no secrets), answer a generic 500.
  logger.log('error', 'unexpected failure while answering', { error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : typeof error });
  return new ServeError('SERVE_ERR_INTERNAL', 'unexpected failure; the server log has the details', { cause: error });
}

/** The path of a request target, without query or fragment (`/` for anything unparsable). */
function pathOf(target: string | undefined): string {
  if (target === undefined || !target.startsWith('/')) return '/';
  const end = target.search(/[?#]/);
  const raw = end < 0 ? target : target.slice(0, end);
  return raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw;
}

