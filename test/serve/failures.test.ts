/**
 * How `hivesat serve` answers when the answer does not come: hub down (503, or the fallback persona), hub refusing
 * our credentials (503), hub silent (504), a target silent past the answer time limit (504, fired by hand), an answer
 * that breaks off after it started (an error event/line), and a client that leaves mid-answer (the target is told).
 */
import { describe, expect, it } from 'vitest';
import { HubConnection } from '../../src/hivemind/index.js';
import { personaFromJson } from '../../src/persona/index.js';
import { type ServeTarget, ServeError, hubTarget, personaTarget, withFallback } from '../../src/serve/index.js';
import { freePort } from '../helpers/net.js';
import { agents } from '../hub/index.js';
import { ManualTimers } from '../persona/helpers.js';
import { FAST_ASK, TOKEN, connectionOptions, hubModel, ndjson, offlinePersona, ollamaHeaders, serve, startHub } from './helpers.js';

const authJson = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** The port of a hub that was started and stopped: connections to it are refused. */
async function deadHubPort(): Promise<number> {
  const hub = await startHub();
  const { port } = hub;
  await hub.stop();
  return port;
}

function post(url: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: authJson, body: JSON.stringify(body), ...(signal === undefined ? {} : { signal }) });
}

/** A target driven by the test. */
function scripted(name: string, answer: ServeTarget['answer']): ServeTarget {
  return { name, kind: 'persona', description: 'scripted', answer, close: () => Promise.resolve() };
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('hub unreachable', () => {
  it('answers 503 in both formats, even for stream:true (the status comes before any byte of answer)', async () => {
    const server = await serve([hubModel(await deadHubPort())]);
    const ollama = await post(server.url, '/api/chat', { model: 'hivemind', messages: [{ role: 'user', content: 'hello' }] });
    expect(ollama.status).toBe(503);
    expect(await ollama.json()).toEqual({ error: expect.stringMatching(/^the hub cannot be reached \(HM_ERR_/) });
    const openai = await post(server.url, '/v1/chat/completions', { model: 'hivemind', messages: [{ role: 'user', content: 'hello' }], stream: true });
    expect(openai.status).toBe(503);
    expect(await openai.json()).toMatchObject({ error: { type: 'server_error', code: 'service_unavailable' } });
  });

  it('answers from the fallback persona, saying so in X-Hivesat-Answered-By', async () => {
    const server = await serve([withFallback(hubModel(await deadHubPort()), offlinePersona())]);
    const res = await post(server.url, '/api/chat', { model: 'hivemind', messages: [{ role: 'user', content: 'what is 6 times 7' }], stream: false });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-hivesat-answered-by')).toBe('persona:hivesat-offline');
    expect(await res.json()).toMatchObject({ model: 'hivemind', message: { content: '6 times 7 is 42.' } });
    const streamed = await post(server.url, '/v1/chat/completions', { model: 'hivemind', messages: [{ role: 'user', content: 'what is 6 times 7' }], stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('x-hivesat-answered-by')).toBe('persona:hivesat-offline');
    const text = await streamed.text();
    expect(text).toContain('"content":"6 times 7 is 42."');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('answers 503 when the hub refuses our credentials, naming the code but no secret', async () => {
    const hub = await startHub();
    const target = hubTarget({ connect: (sessionId) => new HubConnection({ ...connectionOptions(hub.port), password: 'not the password at all', sessionId }), ask: FAST_ASK });
    const server = await serve([target]);
    const res = await post(server.url, '/api/chat', { model: 'hivemind', messages: [{ role: 'user', content: 'hello' }], stream: false });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(/refused this satellite's credentials \(HM_ERR_WRONG_PASSWORD\)/);
    expect(body.error).not.toContain('not the password');
  });
});

describe('timeouts', () => {
  it('answers 504 when the hub says nothing within its ask time limit', async () => {
    const hub = await startHub(agents.silent());
    const server = await serve([hubModel(hub.port, { timeoutMs: 300, ...FAST_ASK })]);
    const ollama = await post(server.url, '/api/chat', { model: 'hivemind', messages: [{ role: 'user', content: 'anyone there' }] });
    expect(ollama.status).toBe(504);
    expect(await ollama.json()).toEqual({ error: 'the hub did not answer in time (HM_ERR_NO_ANSWER)' });
    const openai = await post(server.url, '/v1/chat/completions', { model: 'hivemind', messages: [{ role: 'user', content: 'anyone there' }] });
    expect(openai.status).toBe(504);
    expect(await openai.json()).toMatchObject({ error: { type: 'server_error', code: 'timeout' } });
  });

  it('answers 504 when a target is silent past the answer time limit, and tells the target to stop', async () => {
    const timers = new ManualTimers();
    const started = deferred();
    const stopped = deferred<unknown>();
    const target = scripted('persona:stuck', async function* (request) {
      started.resolve();
      await new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve(), { once: true }));
      stopped.resolve(request.signal.reason);
      yield* [];
    });
    const server = await serve([target], { timers, answerTimeoutMs: 5_000 });
    const pending = post(server.url, '/api/chat', { model: 'persona:stuck', messages: [{ role: 'user', content: 'hello' }] });
    await started.promise;
    expect(timers.armed).toEqual([5_000]);
    timers.fireAll();
    const res = await pending;
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({ error: 'persona:stuck: expected a sentence within 5000 ms, got none in time' });
    expect(await stopped.promise).toMatchObject({ code: 'SERVE_ERR_TIMEOUT' });
  });
});

describe('answers that break off', () => {
  it('ends an NDJSON stream with an {"error"} line and an SSE stream with an error event and no [DONE]', async () => {
    const target = scripted('persona:flaky', async function* () {
      yield 'First part.';
      throw new ServeError('SERVE_ERR_UPSTREAM', 'the persona did not answer (PERSONA_ERR_HTTP)');
    });
    const server = await serve([target]);
    const ollama = await post(server.url, '/api/chat', { model: 'persona:flaky', messages: [{ role: 'user', content: 'hello' }] });
    expect(ollama.status).toBe(200);
    expect(ndjson(await ollama.text())).toEqual([
      expect.objectContaining({ message: { role: 'assistant', content: 'First part.' }, done: false }),
      { error: 'the persona did not answer (PERSONA_ERR_HTTP)' },
    ]);
    const openai = await post(server.url, '/v1/chat/completions', { model: 'persona:flaky', messages: [{ role: 'user', content: 'hello' }], stream: true });
    const events = (await openai.text()).split('\n\n').filter((e) => e !== '');
    expect(events.at(-1)).toBe('data: {"error":{"message":"the persona did not answer (PERSONA_ERR_HTTP)","type":"server_error","param":null,"code":"upstream_error"}}');
    expect(events).not.toContain('data: [DONE]');
    // Without streaming, what was said is the answer.
    const whole = await post(server.url, '/api/chat', { model: 'persona:flaky', messages: [{ role: 'user', content: 'hello' }], stream: false });
    expect(await whole.json()).toMatchObject({ message: { content: 'First part.' }, done: true });
  });

  it('tells the target when the client leaves mid-answer', async () => {
    const aborted = deferred<unknown>();
    const target = scripted('persona:long', async function* (request) {
      yield 'One.';
      await new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted.resolve(request.signal.reason);
    });
    const server = await serve([target]);
    const controller = new AbortController();
    const res = await post(server.url, '/api/chat', { model: 'persona:long', messages: [{ role: 'user', content: 'hello' }] }, controller.signal);
    const reader = res.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain('"content":"One."');
    controller.abort();
    expect(await aborted.promise).toMatchObject({ code: 'SERVE_ERR_UNAVAILABLE', message: 'the client went away' });
  });
});

describe('ollama client headers on failures', () => {
  it('answers 503 with a JSON body the Python client turns into ResponseError', async () => {
    const server = await serve([hubModel(await deadHubPort())]);
    const res = await fetch(`${server.url}/api/generate`, { method: 'POST', headers: ollamaHeaders(), body: JSON.stringify({ model: 'hivemind', prompt: 'hi', stream: true }) });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys((await res.json()) as object)).toEqual(['error']);
  });
});

describe('a persona whose LLM endpoint is down', () => {
  it('answers 502 naming the endpoint and the cause', async () => {
    const port = await freePort();
    const target = personaTarget({
      personaName: 'llama',
      create: () => personaFromJson({ name: 'llama', handlers: ['ovos-solver-openai-plugin'], 'ovos-solver-openai-plugin': { api_url: `http://127.0.0.1:${port}/v1` } }, 'llama.json'),
    });
    const server = await serve([target]);
    const res = await post(server.url, '/v1/chat/completions', { model: 'persona:llama', messages: [{ role: 'user', content: 'tell me a joke' }] });
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toBe(`the persona did not answer (PERSONA_ERR_NO_ANSWER; ovos-solver-openai-plugin at 127.0.0.1:${port}: PERSONA_ERR_NETWORK ECONNREFUSED)`);
  });
});
