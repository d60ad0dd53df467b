/**
 * HTTP plumbing shared by the OpenAI-compatible speech engines: URL checks, a time limit, a body size limit, and
 * errors that name the endpoint (without credentials or query) and never the API key.
 *
 * @module
 */
import { DEFAULT_ENGINE_TIMEOUT_MS, MAX_HTTP_BODY_BYTES } from './constants.js';
import { SpeechError } from './errors.js';
import type { SpeechTimers } from './process.js';
import { errorCode } from '../errors.js';

/** The global `fetch` signature; inject a wrapper or a fake in tests. */
export type FetchFn = typeof fetch;

/**
 * `apiUrl` (the `/v1` root) joined with `path`.
 *
 * @throws {SPEECH_ERR_INVALID_CONFIG} not an absolute http(s) URL
 */
export function endpointUrl(apiUrl: string, path: string, engine: string): URL {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new SpeechError('SPEECH_ERR_INVALID_CONFIG', `${engine}: expected "api_url" to be an absolute http(s) URL, got ${JSON.stringify(apiUrl.slice(0, 100))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SpeechError('SPEECH_ERR_INVALID_CONFIG', `${engine}: expected "api_url" to use http or https, got ${url.protocol}`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

/** A URL fit for messages: scheme, host and path only. */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  readonly fetch: FetchFn;
  readonly timers: SpeechTimers;
  readonly engine: string;
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  /** Secret to scrub from any server text quoted in an error. */
  readonly secret?: string | undefined;
}

/** A 2xx response with its whole body. */
export interface HttpBody {
  readonly contentType: string;
  readonly body: Uint8Array;
}

/**
 * Send a request and read the whole body (up to {@link MAX_HTTP_BODY_BYTES}).
 *
 * @throws {SPEECH_ERR_HTTP} non-2xx status (the server's error message is quoted, scrubbed of the key)
 * @throws {SPEECH_ERR_NETWORK} the server could not be reached
 * @throws {SPEECH_ERR_TIMEOUT} no complete answer within the time limit
 * @throws {SPEECH_ERR_BAD_RESPONSE} the body is larger than the limit
 * @throws the signal's reason when `signal` aborts
 */
export async function httpRequest(url: URL, init: RequestInit, options: HttpRequestOptions): Promise<HttpBody> {
  const { engine, signal, timers } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS;
  const where = redactUrl(url);
  const controller = new AbortController();
  const timeout = new SpeechError('SPEECH_ERR_TIMEOUT', `${engine}: expected an answer from ${where} within ${timeoutMs} ms, got none in time`);
  const timer = timers.setTimeout(() => controller.abort(timeout), timeoutMs);
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted === true) throw signal.reason;
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let response: Response;
    try {
      response = await options.fetch(url, { ...init, signal: controller.signal });
    } catch (err) {
      if (controller.signal.aborted) throw controller.signal.reason;
      const cause = err instanceof Error ? errorCode(err.cause) : undefined;
      throw new SpeechError('SPEECH_ERR_NETWORK', `${engine}: could not reach ${where}: ${cause ?? (err as Error).message}`, { cause: err });
    }
    const body = await readLimited(response, engine, where, controller.signal);
    if (!response.ok) {
      const detail = scrub(serverMessage(body), options.secret);
      throw new SpeechError('SPEECH_ERR_HTTP', `${engine}: expected HTTP 2xx from ${where}, got ${response.status} ${response.statusText}${detail === '' ? '' : `: ${detail}`}`);
    }
    return { contentType: response.headers.get('content-type') ?? '', body };
  } finally {
    timers.clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

async function readLimited(response: Response, engine: string, where: string, signal: AbortSignal): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (reader === undefined) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_HTTP_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw new SpeechError('SPEECH_ERR_BAD_RESPONSE', `${engine}: expected at most ${MAX_HTTP_BODY_BYTES} bytes from ${where}, got more`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The `error.message` of an OpenAI-style error body, else the first 200 characters of text. */
function serverMessage(body: Uint8Array): string {
  const text = new TextDecoder().decode(body.subarray(0, 4096));
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; detail?: unknown };
    const m = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message ?? parsed.detail;
    if (typeof m === 'string') return m.slice(0, 200);
  } catch {
    // not JSON: quote the text itself
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** Remove the secret and anything that looks like an API key (`sk-…`) from server text. */
export function scrub(text: string, secret: string | undefined): string {
  let out = text;
  if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(/\bsk-[A-Za-z0-9_*-]{4,}/g, 'sk-[redacted]');
}
