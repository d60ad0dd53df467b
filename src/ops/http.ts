/**
 * The health and metrics listener: plain HTTP on 127.0.0.1 only (never the LAN), off unless a port is configured.
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
import type { HealthProvider } from './health.js';
import { type Logger, nullLogger } from './logger.js';
import type { MetricsSource } from './metrics.js';
import { errorCode } from '../errors.js';

/** Options of {@link startOpsServer}. */
export interface OpsServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one (tests). */
  readonly port: number;
  readonly health: HealthProvider;
  /** Omit to serve `/healthz` only. */
  readonly metrics?: MetricsSource;
  readonly logger?: Logger;
}

/** A running listener. */
export interface OpsServer {
  /** The port it listens on. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
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
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port: expected 0-65535, got ${port}`);
  const logger = options.logger ?? nullLogger;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const head = req.method === 'HEAD';
    if (path !== '/healthz' && path !== '/metrics') return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz or /metrics\n', head);
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
      reject(new OpsError('OPS_ERR_LISTEN', `cannot listen on ${OPS_HTTP_HOST}:${port} for /healthz and /metrics (${errorCode(cause) ?? cause.message}); choose another port`, { cause }));
    };
    server.once('error', onError);
    server.listen(port, OPS_HTTP_HOST, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  logger.info('health and metrics listening', { url: `http://${OPS_HTTP_HOST}:${actual}` });
  return {
    port: actual,
    url: `http://${OPS_HTTP_HOST}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
