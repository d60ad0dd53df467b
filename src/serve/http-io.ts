/**
 * The HTTP plumbing of `hivesat serve` on `node:http`: reading a JSON body under a size limit, writing JSON, and the
 * two streaming formats (server-sent events for the OpenAI API, newline-delimited JSON for the Ollama API).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServeError } from './errors.js';
import { errorCode } from '../errors.js';

/**
 * Read the body of `req` as JSON, refusing more than `maxBytes` before buffering it: a `Content-Length` over the
 * limit is refused at once, and a body that grows past it (chunked, or a lying length) is refused at that chunk.
 *
 * @throws {ServeError} `SERVE_ERR_TOO_LARGE` over the limit, `SERVE_ERR_BAD_REQUEST` for a body that is not a JSON
 *   object (the message gives the position of a syntax error, never the text).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new ServeError('SERVE_ERR_TOO_LARGE', `expected a body of at most ${maxBytes} bytes, got a Content-Length of ${declared}`);
  }
  // Listeners, not `for await`: leaving an async iterator early destroys the request and with it the socket, and
  // the 413 could no longer be sent. Pausing keeps the socket for the answer (sent with `Connection: close`).
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        reject(new ServeError('SERVE_ERR_TOO_LARGE', `expected a body of at most ${maxBytes} bytes, got more`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new ServeError('SERVE_ERR_BAD_REQUEST', `expected a complete body, got a broken upload (${errorCode(error) ?? error.name})`, { cause: error }));
    };
    const onAborted = (): void => onError(new Error('aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
  const text = Buffer.concat(chunks, size).toString('utf8');
  if (text.trim() === '') throw new ServeError('SERVE_ERR_BAD_REQUEST', 'expected a JSON object in the body, got an empty body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    const position = /position (\d+)/.exec((cause as Error).message)?.[1];
    throw new ServeError('SERVE_ERR_BAD_REQUEST', `expected a JSON object in the body, got invalid JSON${position === undefined ? '' : ` (at byte ${position})`}`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ServeError('SERVE_ERR_BAD_REQUEST', `expected a JSON object in the body, got ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}

/** Common headers of every answer: no caching, no sniffing. */
const BASE_HEADERS: Readonly<Record<string, string>> = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

/** Send `body` as JSON with `status` and extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Send plain text (the `GET /` liveness answer). */
export function sendText(res: ServerResponse, status: number, text: string, headOnly = false): void {
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(headOnly ? undefined : text);
}

/** A streaming response: events are written as they come, with back-pressure. */
export interface StreamWriter {
  /** Write one event (an object serialised as JSON). Resolves when the socket can take more. */
  write(event: unknown): Promise<void>;
  /** Finish the response (SSE: after `data: [DONE]`). */
  end(): void;
  /** Write an error event and finish without the end marker (the answer broke off after it started). */
  fail(event: unknown): void;
}

function writer(res: ServerResponse, contentType: string, headers: Readonly<Record<string, string>>, frame: (json: string) => string, trailer: string): StreamWriter {
  res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-cache', ...headers });
  res.flushHeaders();
  return {
    write(event) {
      if (res.writableEnded || res.destroyed) return Promise.resolve();
      if (res.write(frame(JSON.stringify(event)))) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
    },
    end() {
      if (res.writableEnded || res.destroyed) return;
      res.end(trailer === '' ? undefined : trailer);
    },
    fail(event) {
      if (res.writableEnded || res.destroyed) return;
      res.end(frame(JSON.stringify(event)));
    },
  };
}

/** Server-sent events (`data: {json}\n\n`, then `data: [DONE]\n\n`), as the OpenAI API streams. */
export function sseWriter(res: ServerResponse, headers: Readonly<Record<string, string>> = {}): StreamWriter {
  return writer(res, 'text/event-stream; charset=utf-8', headers, (json) => `data: ${json}\n\n`, 'data: [DONE]\n\n');
}

/** Newline-delimited JSON (one object a line), as the Ollama API streams. */
export function ndjsonWriter(res: ServerResponse, headers: Readonly<Record<string, string>> = {}): StreamWriter {
  return writer(res, 'application/x-ndjson', headers, (json) => `${json}\n`, '');
}
