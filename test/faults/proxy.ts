/**
 * A fault-injection TCP proxy for tests: it sits between a WebSocket client (the satellite's HubConnection) and an
 * upstream (the test hub), both on loopback, forwards bytes both ways, and misbehaves on demand — per connection,
 * at exact byte offsets or WebSocket message boundaries (RFC 6455 framing is tracked in each direction, see
 * net-ws-frames.ts).
 *
 * ```ts
 * const proxy = await startFaultProxy({
 *   upstream: hub.port,
 *   // Drop the first connection in the middle of the client's first BINARY message; reconnects pass.
 *   faults: [{ when: { kind: 'message', direction: 'up', of: 'binary', index: 1, at: 'middle' }, action: { kind: 'drop' }, connections: [1] }],
 * });
 * // point the client at ws://127.0.0.1:${proxy.port}
 * await proxy.faultFired();
 * (await proxy.opened(2)).inject({ kind: 'close', code: 1013 });
 * await proxy.close();
 * ```
 *
 * Bounds: loopback only (it listens on 127.0.0.1:0 and refuses a non-loopback upstream or peer), bytes held back per
 * direction (the sender is paused beyond them), bytes per connection, connections per proxy, and a lifetime after
 * which it closes itself. Nothing in it sleeps: tests await {@link FaultProxy.opened}, {@link FaultProxy.passed},
 * {@link FaultProxy.faultFired} and {@link FaultProxy.ended}, each bounded by a timeout that only fails the test.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { type Server, type Socket, createServer, isIP } from 'node:net';
import { systemTimers } from '../../src/timers.js';
import { type ConnectionHooks, ProxyConnection } from './net-connection.js';
import {
  type FaultProxyEvents, FaultProxyError, type FaultProxyOptions, type FiredFault, type PassedControl, type PassedMessage, type ProxyConnectionView,
  type ProxyFault,
} from './net-proxy-types.js';

export * from './net-proxy-types.js';
export { OPCODES, PARSER_STATES, type FrameInfo, type WsToken, WsStreamParser, serverCloseFrame } from './net-ws-frames.js';

/** Default bytes held back per direction before the sender is paused. */
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Default bytes one connection may carry. */
export const DEFAULT_MAX_CONNECTION_BYTES = 256 * 1024 * 1024;
/** Default connections over the proxy's life. */
export const DEFAULT_MAX_CONNECTIONS = 1_000;
/** Default lifetime, ms. */
export const DEFAULT_LIFETIME_MS = 120_000;
/** Default time limit of the waits, ms. */
export const DEFAULT_WAIT_MS = 10_000;
/** Messages and control frames remembered for waits (older ones are forgotten). */
const HISTORY_LIMIT = 10_000;
const LISTEN_HOST = '127.0.0.1';

/** True for a loopback address or `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').replace(/^::ffff:/i, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

function checkCount(value: number | undefined, what: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new FaultProxyError('PROXY_ERR_OPTIONS', `${what}: expected a positive integer, got ${value}`);
}

function checkFault(fault: ProxyFault): void {
  const w = fault.when;
  if (w.kind === 'bytes' && !(Number.isInteger(w.offset) && w.offset >= 0)) throw new FaultProxyError('PROXY_ERR_OPTIONS', `bytes trigger: expected an offset ≥ 0, got ${w.offset}`);
  if (w.kind === 'message') checkCount(w.index, 'message trigger index');
  if (fault.action.kind === 'corrupt' && w.kind === 'accept') throw new FaultProxyError('PROXY_ERR_OPTIONS', 'corrupt: expected a bytes or message trigger, got accept');
  if (fault.action.kind === 'notWebSocket' && w.kind !== 'accept') throw new FaultProxyError('PROXY_ERR_OPTIONS', `notWebSocket: expected the accept trigger, got ${w.kind}`);
  if (fault.action.kind === 'throttle') checkCount(fault.action.bytesPerSecond, 'throttle bytesPerSecond');
  if (fault.action.kind === 'delay' && !(fault.action.ms >= 0)) throw new FaultProxyError('PROXY_ERR_OPTIONS', `delay: expected ms ≥ 0, got ${fault.action.ms}`);
}

/** A running fault proxy. */
export class FaultProxy extends EventEmitter<FaultProxyEvents> {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  readonly host = LISTEN_HOST;
  readonly #server: Server;
  readonly #faults: ProxyFault[];
  readonly #connections: ProxyConnection[] = [];
  readonly #fired: FiredFault[] = [];
  readonly #messages: PassedMessage[] = [];
  readonly #controls: PassedControl[] = [];
  readonly #hooks: ConnectionHooks;
  readonly #maxConnections: number;
  readonly #lifetime: NodeJS.Timeout;
  #attempts = 0;
  #closing: Promise<void> | undefined;

  /** Use {@link startFaultProxy}. */
  constructor(server: Server, port: number, options: FaultProxyOptions) {
    super();
    this.#server = server;
    this.port = port;
    this.#faults = [...(options.faults ?? [])];
    this.#maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    const upstream = typeof options.upstream === 'number' ? { host: LISTEN_HOST, port: options.upstream } : { host: options.upstream.host ?? LISTEN_HOST, port: options.upstream.port };
    this.#hooks = {
      upstream,
      timers: options.timers ?? systemTimers,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      maxConnectionBytes: options.maxConnectionBytes ?? DEFAULT_MAX_CONNECTION_BYTES,
      message: (m) => this.#remember(this.#messages, m, 'message'),
      control: (c) => this.#remember(this.#controls, c, 'control'),
      fault: (f) => {
        this.#fired.push(f);
        this.emit('fault', f);
      },
      ended: (c) => this.emit('ended', c),
      received: (id, d, n) => this.emit('received', id, d, n),
      problem: (id, error) => this.emit('problem', id, error),
    };
    server.on('connection', (socket) => this.#accept(socket));
    this.#lifetime = setTimeout(() => void this.close(), options.lifetimeMs ?? DEFAULT_LIFETIME_MS);
    this.#lifetime.unref();
  }

  /** TCP connections accepted so far (connection attempts, refused ones included). */
  get attempts(): number {
    return this.#attempts;
  }

  /** Every connection so far, oldest first (`connections[n - 1]` is connection n). */
  get connections(): readonly ProxyConnectionView[] {
    return this.#connections;
  }

  /** Faults that fired, in order. */
  get fired(): readonly FiredFault[] {
    return this.#fired;
  }

  /** Arm one more fault (for connections accepted from now on). */
  arm(fault: ProxyFault): void {
    checkFault(fault);
    this.#faults.push(fault);
  }

  /**
   * Resolves with connection number `n` once it was accepted.
   *
   * @throws {PROXY_ERR_TIMEOUT} (FaultProxyError), as a rejection, after `timeoutMs`.
   */
  opened(n: number, timeoutMs = DEFAULT_WAIT_MS): Promise<ProxyConnectionView> {
    return this.#wait('connection', (c) => c.id === n, this.#connections, timeoutMs, `connection ${n}`);
  }

  /**
   * Resolves with the first forwarded data message (past or future) that matches.
   *
   * @throws {PROXY_ERR_TIMEOUT} (FaultProxyError), as a rejection, after `timeoutMs`.
   */
  passed(predicate: (m: PassedMessage) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<PassedMessage> {
    return this.#wait('message', predicate, this.#messages, timeoutMs, 'a matching message');
  }

  /**
   * Resolves with the first forwarded control frame (past or future) that matches.
   *
   * @throws {PROXY_ERR_TIMEOUT} (FaultProxyError), as a rejection, after `timeoutMs`.
   */
  controlPassed(predicate: (c: PassedControl) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<PassedControl> {
    return this.#wait('control', predicate, this.#controls, timeoutMs, 'a matching control frame');
  }

  /**
   * Resolves with the first fault (past or future) that fired and matches.
   *
   * @throws {PROXY_ERR_TIMEOUT} (FaultProxyError), as a rejection, after `timeoutMs`.
   */
  faultFired(predicate: (f: FiredFault) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<FiredFault> {
    return this.#wait('fault', predicate, this.#fired, timeoutMs, 'a fault');
  }

  /**
   * Resolves once both sockets of connection `n` are closed.
   *
   * @throws {PROXY_ERR_TIMEOUT} (FaultProxyError), as a rejection, after `timeoutMs`.
   */
  ended(n: number, timeoutMs = DEFAULT_WAIT_MS): Promise<ProxyConnectionView> {
    return this.#wait('ended', (c) => c.id === n, this.#connections.filter((c) => c.state === 'ended'), timeoutMs, `connection ${n} to end`);
  }

  /** Stop listening, destroy every connection; resolves once all sockets and the server are closed. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#lifetime);
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      const live = this.#connections.filter((c) => c.state !== 'ended');
      const ends = live.map((c) => new Promise<void>((resolve) => this.on('ended', (e) => e === c && resolve())));
      for (const c of live) c.destroy();
      await Promise.all([closed, ...ends]);
      this.emit('closed');
      this.removeAllListeners();
    })();
    return this.#closing;
  }

  #accept(socket: Socket): void {
    this.#attempts += 1;
    const id = this.#attempts;
    if (this.#closing !== undefined || id > this.#maxConnections || !isLoopback(socket.remoteAddress ?? '')) {
      socket.resetAndDestroy();
      this.emit('problem', id, new FaultProxyError('PROXY_ERR_LIMIT', `expected a loopback peer within ${this.#maxConnections} connections on an open proxy, got connection ${id} from ${socket.remoteAddress ?? '?'}: refused`));
      return;
    }
    const faults = this.#faults.filter((f) => f.connections === undefined || f.connections.includes(id));
    const connection = new ProxyConnection(id, socket, faults, this.#hooks);
    this.#connections.push(connection);
    this.emit('connection', connection);
    connection.start();
  }

  #remember<K extends 'message' | 'control'>(list: FaultProxyEvents[K][0][], item: FaultProxyEvents[K][0], event: K): void {
    list.push(item);
    if (list.length > HISTORY_LIMIT) list.shift();
    (this.emit as (e: K, i: FaultProxyEvents[K][0]) => boolean)(event, item);
  }

  #wait<K extends 'connection' | 'message' | 'control' | 'fault' | 'ended'>(
    event: K,
    predicate: (item: FaultProxyEvents[K][0]) => boolean,
    history: readonly FaultProxyEvents[K][0][],
    timeoutMs: number,
    what: string,
  ): Promise<FaultProxyEvents[K][0]> {
    const seen = history.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const on = this.on.bind(this) as (e: K, l: (i: FaultProxyEvents[K][0]) => void) => void;
      const off = this.off.bind(this) as (e: K, l: (i: FaultProxyEvents[K][0]) => void) => void;
      const listener = (item: FaultProxyEvents[K][0]): void => {
        if (!predicate(item)) return;
        clearTimeout(timer);
        off(event, listener);
        resolve(item);
      };
      const timer = setTimeout(() => {
        off(event, listener);
        reject(new FaultProxyError('PROXY_ERR_TIMEOUT', `expected ${what} within ${timeoutMs} ms, got none`));
      }, timeoutMs);
      on(event, listener);
    });
  }
}

/**
 * Start a proxy on 127.0.0.1 (a free port) in front of `options.upstream`.
 *
 * @throws {PROXY_ERR_NOT_LOOPBACK} (FaultProxyError) for an upstream host that is not loopback.
 * @throws {PROXY_ERR_OPTIONS} (FaultProxyError) for a fault or bound that cannot work.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = typeof options.upstream === 'number' ? LISTEN_HOST : (options.upstream.host ?? LISTEN_HOST);
  if (!isLoopback(host)) throw new FaultProxyError('PROXY_ERR_NOT_LOOPBACK', `expected a loopback upstream, got "${host}"`);
  const port = typeof options.upstream === 'number' ? options.upstream : options.upstream.port;
  if (!(Number.isInteger(port) && port > 0 && port < 65_536)) throw new FaultProxyError('PROXY_ERR_OPTIONS', `upstream port: expected 1–65535, got ${port}`);
  for (const fault of options.faults ?? []) checkFault(fault);
  checkCount(options.maxBufferedBytes, 'maxBufferedBytes');
  checkCount(options.maxConnectionBytes, 'maxConnectionBytes');
  checkCount(options.maxConnections, 'maxConnections');
  checkCount(options.lifetimeMs, 'lifetimeMs');
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LISTEN_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new FaultProxyError('PROXY_ERR_OPTIONS', 'expected a TCP address for the proxy, got none');
  return new FaultProxy(server, address.port, options);
}
