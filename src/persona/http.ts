/**
 * Small HTTP helpers for remote solvers: endpoint names fit for messages, bounded body reads, and server error
 * text quoted without secrets.
 *
 * @module
 */
import { MAX_QUOTED_ERROR_CHARS } from './constants.js';
import { PersonaError } from './errors.js';

/** A URL fit for messages: scheme, host and path (no credentials, no query). */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Remove `secret` and anything shaped like an API key (`sk-…`) from text quoted from a server. */
export function scrub(text: string, secret: string | undefined): string {
  let out = text;
  if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(/\bsk-[A-Za-z0-9_*-]{4,}/g, 'sk-[redacted]');
}

/**
 * Read a response body as text, up to `maxChars` characters.
 *
 * @throws {PERSONA_ERR_BAD_RESPONSE} the body is longer
 * @throws the signal's reason when it aborts while reading
 */
export async function readText(response: Response, maxChars: number, what: string, signal: AbortSignal): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (text.length > maxChars) {
        await reader.cancel().catch(() => undefined);
        throw new PersonaError('PERSONA_ERR_BAD_RESPONSE', `${what}: expected at most ${maxChars} characters, got more`);
      }
    }
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err;
  }
  return text + decoder.decode();
}

/** The `error.message` of an OpenAI-style error body (else the start of the text), scrubbed and shortened. */
export function serverErrorText(body: string, secret: string | undefined): string {
  let message = body;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; detail?: unknown };
    const m = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message ?? parsed.detail;
    if (typeof m === 'string') message = m;
  } catch {
    // not JSON: quote the text itself
  }
  return scrub(message.replace(/\s+/g, ' ').trim(), secret).slice(0, MAX_QUOTED_ERROR_CHARS);
}
