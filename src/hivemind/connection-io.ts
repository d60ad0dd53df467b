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

/**
 * The part of a `ws` WebSocket the connection uses. Events: `open`; `message (data: Buffer | ArrayBuffer |
 * Buffer[], isBinary: boolean)`; `close (code: number, reason: Buffer)`; `error (error: Error)`; `pong`.
 * Like `ws`, an implementation must emit `close` after `error`, and must not throw from `close()`/`terminate()`.
 */
export interface HubSocket {
  readonly readyState: number;
  // `any[]`: each event has its own arguments (above); `ws` and EventEmitter-based fakes both type listeners so.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: 'open' | 'message' | 'close' | 'error' | 'pong', listener: (...args: any[]) => void): unknown;
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
export const wsFactory: WebSocketFactory = (url, options) => new WebSocket(url, options) as unknown as HubSocket;
