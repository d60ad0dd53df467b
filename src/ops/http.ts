/**
 * The one local HTTP listener of `hivesat run`: health and metrics, plus the control API (src/ops/control-api.ts)
 * and whatever other {@link RouteHandler}s `run` mounts. Plain HTTP, on 127.0.0.1 unless a host is given (the
 * control API's address, which needs a token off loopback; then `/healthz` and `/metrics` need it too from clients
 * that are not on loopback).
 *
 * - `GET /healthz` → the {@link HealthSnapshot} as JSON; 200 while `ok`/`degraded`, 503 while `starting`/`stopping`
 *   (so a probe can tell "serving" from "not yet / no more").
 * - `GET /metrics` → the Prometheus text format (404 when no metrics are configured).
 * - `HEAD` works on both; other methods get 405, other paths 404. Responses are never cached.
 *
 * Slow or idle clients are cut after {@link OPS_HTTP_REQUEST_TIMEOUT_MS}; at most {@link OPS_HTTP_MAX_CONNECTIONS}
 * connections are open at once.
 *
 * @module
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OPS_HTTP_HOST, OPS_HTTP_MAX_CONNECTIONS, OPS_HTTP_REQUEST_TIMEOUT_MS } from './constants.js';
import { OpsError } from './errors.js';
import { BearerCheck, isLoopbackHost } from '../serve/index.js';
import type { RouteHandler } from './control-api.js';
import type { HealthProvider } from './health.js';
import { type Logger, nullLogger } from './logger.js';
import type { MetricsSource } from './metrics.js';
import { errorCode } from '../errors.js';

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions {
  /** TCP port; 0 picks a free one (tests). */
  readonly port: number;
  /** Address to listen on. Default {@link OPS_HTTP_HOST}. */
  readonly host?: string;
  /** More paths (the control API); asked in order after `/healthz` and `/metrics`. */
  readonly routes?: readonly RouteHandler[];
  /** Required from clients that are not on loopback for `/healthz` and `/metrics` (a LAN listener). */
  readonly token?: string;
  readonly health: HealthProvider;
  /** Omit to serve `/healthz` only. */
  readonly metrics?: MetricsSource;
  readonly logger?: Logger;
}

/** A running listener. */
export interface OpsServer {
  /** The port it listens on. */
  readonly port: number;
  /** `http://<host>:<port>`. */
  readonly url: string;
  /** Stop listening and close open connections. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(head ? undefined : body);
}

/**
 * Listen on 127.0.0.1:`port`.
 *
 * @throws {OPS_ERR_LISTEN} (OpsError, as a rejection) when the port is taken or not permitted.
 * @throws {RangeError} for a port outside 0–65535.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { port, health, metrics } = options;
  const host = options.host ?? OPS_HTTP_HOST;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port: expected 0-65535, got ${port}`);
  const logger = options.logger ?? nullLogger;
  const routes = options.routes ?? [];
  const bearer = options.token === undefined ? undefined : new BearerCheck(options.token);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const head = req.method === 'HEAD';
    const route = routes.find((r) => r.owns(path));
    if (route !== undefined) return route.handle(req, res, path);
    if (path !== '/healthz' && path !== '/metrics') return send(res, 404, 'text/plain; charset=utf-8', `not found: try /healthz or /metrics${routes.length === 0 ? '' : ' or /v1/status'}\n`, head);
    if (bearer !== undefined && !isLoopbackHost(req.socket.remoteAddress ?? '') && !bearer.verify(req.headers.authorization)) {
      return send(res, 401, 'text/plain; charset=utf-8', 'expected an Authorization: Bearer header with the control token\n', head, { 'WWW-Authenticate': 'Bearer realm="hivesat"' });
    }
    if (req.method !== 'GET' && !head) return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', false, { Allow: 'GET, HEAD' });
    if (path === '/healthz') {
      const snapshot = health.snapshot();
      const code = snapshot.status === 'ok' || snapshot.status === 'degraded' ? 200 : 503;
      return send(res, code, 'application/json; charset=utf-8', `${JSON.stringify(snapshot)}\n`, head);
    }
    if (metrics === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'metrics are not enabled\n', head);
    return send(res, 200, metrics.contentType, await metrics.render(), head);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Supervision boundary: a failing collector answers 500 and is logged; the listener keeps serving.
      logger.error('health/metrics request failed', { path: req.url?.slice(0, 100), error });
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n', false);
      else res.destroy();
    });
  });
  server.requestTimeout = OPS_HTTP_REQUEST_TIMEOUT_MS;
  server.headersTimeout = OPS_HTTP_REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = OPS_HTTP_REQUEST_TIMEOUT_MS;
  server.maxConnections = OPS_HTTP_MAX_CONNECTIONS;

  await new Promise<void>((resolve, reject) => {
    const onError = (cause: Error): void => {
      reject(new OpsError('OPS_ERR_LISTEN', `cannot listen on ${host}:${port} for ${routes.length === 0 ? '/healthz and /metrics' : 'the control API, /healthz and /metrics'} (${errorCode(cause) ?? cause.message}); choose another port`, { cause }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info(routes.length === 0 ? 'health and metrics listening' : 'control API, health and metrics listening', { url });
  return {
    port: address.port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
