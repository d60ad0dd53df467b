/**
 * The security boundary of `hivesat serve`, over real HTTP on loopback: the bearer token, browser and DNS-rebinding
 * refusals, the body size limit, the per-client rate limit, malformed requests, wrong methods and paths, each in the
 * error format of its API; and that the log never holds the token or a message's text.
 */
import { type IncomingHttpHeaders, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, ServeError, resolveServeSettings, startServe } from '../../src/serve/index.js';
import { RecordingLogger, TOKEN, offlinePersona, ollamaHeaders, serve } from './helpers.js';

interface Raw {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request with full control of the headers (fetch refuses to set Host) and of how the body is sent. */
function raw(url: string, method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer; chunks?: readonly Buffer[] } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (options.chunks !== undefined) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };
const chatBody = JSON.stringify({ model: 'persona:hivesat-offline', messages: [{ role: 'user', content: 'what is 6 times 7' }], stream: false });

describe('bearer token', () => {
  it('answers 401 without a token (Ollama format) and with a wrong one (OpenAI format), never leaking the token', async () => {
    const server = await serve([offlinePersona()]);
    const none = await raw(server.url, 'GET', '/api/tags');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="hivesat"');
    expect(JSON.parse(none.body)).toEqual({ error: 'expected an Authorization: Bearer header with the serve token, got none' });
    const wrong = await raw(server.url, 'POST', '/v1/chat/completions', { headers: { authorization: `Bearer ${TOKEN}x`, 'content-type': 'application/json' }, body: chatBody });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toEqual({ error: { message: 'expected the serve token, got a different one', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    expect(wrong.body).not.toContain(TOKEN);
    const basic = await raw(server.url, 'GET', '/api/tags', { headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } });
    expect(basic.status).toBe(401);
    const lower = await raw(server.url, 'GET', '/api/tags', { headers: { authorization: `bearer ${TOKEN}` } });
    expect(lower.status).toBe(200);
  });

  it('needs the token on every endpoint but GET /, before routing (unknown paths are 401 too)', async () => {
    const server = await serve([offlinePersona()]);
    for (const [method, path] of [['GET', '/api/version'], ['GET', '/v1/models'], ['POST', '/api/chat'], ['POST', '/api/show'], ['GET', '/nowhere']] as const) {
      expect((await raw(server.url, method, path)).status, `${method} ${path}`).toBe(401);
    }
    expect((await raw(server.url, 'HEAD', '/')).status).toBe(200);
  });
});

describe('browser and DNS-rebinding refusals', () => {
  it('refuses any request carrying an Origin header with 403', async () => {
    const server = await serve([offlinePersona()]);
    const res = await raw(server.url, 'POST', '/api/chat', { headers: { ...auth, origin: 'http://evil.example', 'content-type': 'text/plain' }, body: chatBody });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toEqual({ error: expect.stringContaining('Origin') });
  });

  it('with authentication off: serves loopback Host headers only', async () => {
    const server = await serve([offlinePersona()], { auth: { disabled: true } });
    expect((await raw(server.url, 'GET', '/api/tags', { headers: { host: `127.0.0.1:${server.port}` } })).status).toBe(200);
    expect((await raw(server.url, 'GET', '/api/tags', { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
    const rebound = await raw(server.url, 'GET', '/api/tags', { headers: { host: `attacker.example:${server.port}` } });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toEqual({ error: expect.stringContaining('loopback Host') });
  });

  it('refuses to listen off loopback without a token, before binding', async () => {
    await expect(startServe({ listen: { host: '0.0.0.0', port: 0 }, auth: { disabled: true }, targets: [offlinePersona()] })).rejects.toSatisfy(
      (e: unknown) => e instanceof ServeError && e.code === 'SERVE_ERR_INSECURE' && /refusing to listen on 0\.0\.0\.0 without a token/.test(e.message),
    );
    await expect(resolveServeSettings({ flags: { listen: '192.168.1.5:8337', noAuth: true }, env: { XDG_CONFIG_HOME: '/nonexistent-hivesat-test' } })).rejects.toMatchObject({ code: 'SERVE_ERR_INSECURE' });
  });
});

describe('limits', () => {
  it('answers 413 to a Content-Length over 1 MiB without reading it, and to a chunked body that grows past it', async () => {
    const server = await serve([offlinePersona()]);
    const big = await raw(server.url, 'POST', '/api/chat', { headers: { ...auth, 'content-type': 'application/json' }, body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x20) });
    expect(big.status).toBe(413);
    expect(big.headers.connection).toBe('close');
    expect(JSON.parse(big.body)).toEqual({ error: `expected a body of at most ${MAX_BODY_BYTES} bytes, got a Content-Length of ${MAX_BODY_BYTES + 1}` });
    const chunked = await raw(server.url, 'POST', '/v1/chat/completions', { headers: { ...auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, chunks: [Buffer.alloc(MAX_BODY_BYTES, 0x20), Buffer.alloc(16, 0x20)] });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'request_too_large' } });
  });

  it('rate-limits each client: 429 with Retry-After once the burst is spent, then again allowed as time passes', async () => {
    let now = 0;
    const server = await serve([offlinePersona()], { rateLimit: { perMinute: 60, burst: 2 }, now: () => now });
    expect((await raw(server.url, 'GET', '/api/tags', { headers: auth })).status).toBe(200);
    expect((await raw(server.url, 'GET', '/api/tags', { headers: auth })).status).toBe(200);
    const limited = await raw(server.url, 'GET', '/v1/models', { headers: auth });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(JSON.parse(limited.body)).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    // Wrong tokens count too: guessing is rate-limited.
    expect((await raw(server.url, 'GET', '/api/tags')).status).toBe(429);
    now += 1000;
    expect((await raw(server.url, 'GET', '/api/tags', { headers: auth })).status).toBe(200);
  });
});

describe('malformed requests, wrong methods and paths', () => {
  it.each([
    ['not JSON', '/api/chat', '{"model": "persona:hivesat-offline", "messages": [', /^expected a JSON object in the body, got invalid JSON/],
    ['an array', '/api/chat', '[]', /got an array/],
    ['an empty body', '/api/generate', '', /got an empty body/],
    ['no model', '/api/chat', '{"messages": [{"role": "user", "content": "hi"}]}', /^model: expected a model name/],
    ['messages not a list', '/api/chat', '{"model": "persona:hivesat-offline", "messages": "hi"}', /^messages: expected a list/],
    ['no user message', '/api/chat', '{"model": "persona:hivesat-offline", "messages": [{"role": "system", "content": "x"}]}', /with role "user", got only system/],
    ['a blank user message', '/api/chat', '{"model": "persona:hivesat-offline", "messages": [{"role": "user", "content": "  "}]}', /expected text to answer/],
    ['stream not a boolean', '/api/chat', '{"model": "persona:hivesat-offline", "messages": [{"role": "user", "content": "hi"}], "stream": "yes"}', /^stream: expected true or false/],
  ])('answers 400 to %s (Ollama format)', async (_name, path, body, message) => {
    const server = await serve([offlinePersona()]);
    const res = await raw(server.url, 'POST', path, { headers: { ...auth, 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    const parsed = JSON.parse(res.body) as { error: string };
    expect(Object.keys(parsed)).toEqual(['error']);
    expect(parsed.error).toMatch(message);
  });

  it('answers 400 in the OpenAI format on /v1', async () => {
    const server = await serve([offlinePersona()]);
    const res = await raw(server.url, 'POST', '/v1/chat/completions', { headers: { ...auth, 'content-type': 'application/json' }, body: '{oops' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: { message: expect.stringMatching(/invalid JSON/), type: 'invalid_request_error', param: null, code: 'invalid_request' } });
  });

  it('answers 405 with Allow for a wrong method, 404 for unknown paths and models', async () => {
    const server = await serve([offlinePersona()]);
    const get = await raw(server.url, 'GET', '/api/chat', { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(JSON.parse(get.body)).toEqual({ error: 'expected POST on /api/chat, got GET' });
    const del = await raw(server.url, 'DELETE', '/v1/models', { headers: auth });
    expect(del.status).toBe(405);
    expect(JSON.parse(del.body)).toMatchObject({ error: { code: 'method_not_allowed' } });
    const pull = await raw(server.url, 'POST', '/api/pull', { headers: { ...auth, 'content-type': 'application/json' }, body: '{"model": "llama3.2"}' });
    expect(pull.status).toBe(404);
    expect(JSON.parse(pull.body)).toEqual({ error: expect.stringContaining('no endpoint /api/pull') });
    const escape = await raw(server.url, 'GET', '/v1/models/%E0%A4%A', { headers: auth });
    expect(escape.status).toBe(400);
    expect(JSON.parse(escape.body)).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('malformed escape') } });
    const v1 = await raw(server.url, 'GET', '/v1/embeddings', { headers: auth });
    expect(JSON.parse(v1.body)).toMatchObject({ error: { code: 'unknown_url' } });
    const model = await raw(server.url, 'POST', '/api/chat', { headers: { ...auth, 'content-type': 'application/json' }, body: '{"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}]}' });
    expect(model.status).toBe(404);
    expect(JSON.parse(model.body)).toEqual({ error: "model 'llama3.2' not found; expected one of persona:hivesat-offline" });
  });
});

describe('logging', () => {
  it('logs one line per request with status and model, never the token or the text of a message', async () => {
    const logger = new RecordingLogger();
    const server = await serve([offlinePersona()], { logger });
    const secretQuestion = 'what is 6 times 7 said the secret agent';
    await raw(server.url, 'POST', '/api/chat', { headers: { ...ollamaHeaders(), 'content-type': 'application/json' }, body: JSON.stringify({ model: 'persona:hivesat-offline', messages: [{ role: 'user', content: secretQuestion }], stream: false }) });
    await raw(server.url, 'GET', '/api/tags', { headers: { authorization: `Bearer ${TOKEN}-wrong` } });
    await server.close();
    const log = logger.lines.join('\n');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain('secret agent');
    expect(log).not.toContain('times');
    expect(logger.lines.filter((l) => l.startsWith('info request '))).toHaveLength(2);
    expect(log).toMatch(/info request .*"path":"\/api\/chat","status":200,.*"model":"persona:hivesat-offline"/);
    expect(log).toMatch(/info request .*"status":401/);
  });
});
