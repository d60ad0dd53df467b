/**
 * Test helpers for the persona and speech layers: hand-fired timers, a loopback HTTP server, deferred promises.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Timers that fire only when the test says so. */
export class ManualTimers {
  readonly #pending = new Map<number, { callback: () => void; ms: number }>();
  #nextId = 0;

  setTimeout(callback: () => void, ms: number): unknown {
    this.#nextId += 1;
    this.#pending.set(this.#nextId, { callback, ms });
    return this.#nextId;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Time limits currently armed, in milliseconds. */
  get armed(): number[] {
    return [...this.#pending.values()].map((t) => t.ms);
  }

  /** Fire every armed timer. */
  fireAll(): void {
    const due = [...this.#pending.values()];
    this.#pending.clear();
    for (const t of due) t.callback();
  }
}

/** A promise with its resolve function. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

/** Make a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** One request the test server saw. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** A loopback HTTP server on an ephemeral port. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly requests: SeenRequest[];
  /** Resolves with the next request as soon as its body has arrived. */
  nextRequest(): Promise<SeenRequest>;
  close(): Promise<void>;
}

/** Start a server on 127.0.0.1 port 0; `handler` gets the request with its whole body. */
export async function startServer(handler: (req: SeenRequest, res: ServerResponse) => void | Promise<void>): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const waiters: ((r: SeenRequest) => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(seen);
      waiters.shift()?.(seen);
      void Promise.resolve(handler(seen, res)).catch((err: unknown) => {
        res.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    nextRequest: () => new Promise<SeenRequest>((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One server-sent event carrying a chat-completions delta. */
export function sseDelta(content: string, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
}

/** Collect an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}
