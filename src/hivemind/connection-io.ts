/**
 * The outside world as the connection sees it — the WebSocket and timers — as small interfaces, so tests inject a
 * fake socket and drive time with `vi.useFakeTimers()` or a manual scheduler.
 *
 * @module
 */
import WebSocket from 'ws';

export { type TimerHandle, type Timers, attentiveDeadline, systemTimers } from '../timers.js';

/** `WebSocket.OPEN` (RFC 6455 / WHATWG readyState). */
export const SOCKET_OPEN = 1;

/** The events of a {@link HubSocket} and their arguments, as `ws` emits them. */
export interface HubSocketEvents {
  open: [];
  message: [data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean];
  close: [code: number, reason: Buffer];
  error: [error: Error];
  pong: [data: Buffer];
}

/**
 * The part of a `ws` WebSocket the connection uses, events in {@link HubSocketEvents}.
 * Like `ws`, an implementation must emit `close` after `error`, and must not throw from `close()`/`terminate()`.
 */
export interface HubSocket {
  readonly readyState: number;
  on<E extends keyof HubSocketEvents>(event: E, listener: (...args: HubSocketEvents[E]) => void): unknown;
  removeAllListeners(): unknown;
  send(data: string | Uint8Array, callback: (error?: Error) => void): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/** Options the connection passes to its socket factory (a subset of `ws`'s `ClientOptions`). */
export type HubSocketOptions = WebSocket.ClientOptions;

/** Creates and starts opening a socket. */
export type WebSocketFactory = (url: string, options: HubSocketOptions) => HubSocket;

/** The default factory: a `ws` WebSocket. */
export const wsFactory: WebSocketFactory = (url, options) => new WebSocket(url, options);
