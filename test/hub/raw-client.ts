/**
 * A plain `ws` client for the hub's own tests: it sends exactly the frames it is given (the recorded Python client
 * frames) and queues what it receives. It knows nothing of HiveMind, so the hub is never checked against our own
 * client code.
 *
 * @module
 */
import WebSocket from 'ws';
import { DEFAULT_WAIT_MS } from './constants.js';

/** A frame received from the hub. */
export type RawFrame = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'binary'; readonly bytes: Uint8Array };

/** How the socket ended, as the client saw it. */
export interface RawClose {
  readonly code: number;
  readonly reason: string;
}

/** A WebSocket client with a queue of received frames and bounded waits. */
export class RawClient {
  /** Resolves when the socket is closed (code 1005: empty close frame, 1006: no close frame). */
  readonly closed: Promise<RawClose>;
  readonly #ws: WebSocket;
  readonly #frames: RawFrame[] = [];
  #waiter: (() => void) | undefined;
  #close: RawClose | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.#frames.push(isBinary ? { kind: 'binary', bytes: new Uint8Array(data) } : { kind: 'text', text: data.toString('utf8') });
      this.#wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => {
        this.#close = { code, reason: reason.toString('utf8') };
        this.#wake();
        resolve(this.#close);
      });
    });
    ws.on('error', () => {
      // Reported through 'close' (1006).
    });
  }

  /**
   * Connect to `url` (e.g. `${hub.url}/?authorization=…`); resolves once the upgrade succeeded. `maxPayload` is the
   * largest frame accepted (default 100 MiB, `ws`'s own; a larger one closes the socket with 1009).
   */
  static connect(url: string, options: { readonly timeoutMs?: number; readonly maxPayload?: number } = {}): Promise<RawClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    const ws = new WebSocket(url, { perMessageDeflate: false, ...(options.maxPayload === undefined ? {} : { maxPayload: options.maxPayload }) });
    const client = new RawClient(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected the WebSocket to open within ${timeoutMs} ms, got no upgrade`)), timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('unexpected-response', () => {
        clearTimeout(timer);
        reject(new Error('expected a WebSocket upgrade, got an HTTP response'));
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  /** The next received frame. Rejects when the socket closes first or nothing comes within `timeoutMs`. */
  async next(timeoutMs: number = DEFAULT_WAIT_MS): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.#frames.shift();
      if (frame !== undefined) return frame;
      if (this.#close !== undefined) throw new Error(`expected a frame, got a close (${this.#close.code})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected a frame within ${timeoutMs} ms, got none`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next text frame (fails on a binary one). */
  async nextText(timeoutMs?: number): Promise<string> {
    const frame = await this.next(timeoutMs);
    if (frame.kind !== 'text') throw new Error(`expected a text frame, got a binary one of ${frame.bytes.length} bytes`);
    return frame.text;
  }

  /** The next binary frame (fails on a text one). */
  async nextBinary(timeoutMs?: number): Promise<Uint8Array> {
    const frame = await this.next(timeoutMs);
    if (frame.kind !== 'binary') throw new Error(`expected a binary frame, got a text one of ${frame.text.length} chars`);
    return frame.bytes;
  }

  /** The close, bounded by `timeoutMs`. */
  async waitClosed(timeoutMs: number = DEFAULT_WAIT_MS): Promise<RawClose> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`expected the socket to close within ${timeoutMs} ms, got no close`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A WebSocket ping, resolved by its pong: a barrier, since the hub's frames written before the pong arrive before
   * it (one TCP stream). Lets a test assert that nothing was sent without sleeping.
   */
  async barrier(timeoutMs: number = DEFAULT_WAIT_MS): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected a pong within ${timeoutMs} ms, got none`)), timeoutMs);
      this.#ws.once('pong', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#ws.ping();
    });
  }

  /** Frames received and not yet read. */
  get pending(): readonly RawFrame[] {
    return this.#frames;
  }

  /** Send a text (string) or binary frame exactly as given. */
  send(data: string | Uint8Array): void {
    this.#ws.send(data, { binary: typeof data !== 'string' });
  }

  /** Start the close handshake. */
  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }

  /** Drop the connection without a close frame. */
  terminate(): void {
    this.#ws.terminate();
  }
}
