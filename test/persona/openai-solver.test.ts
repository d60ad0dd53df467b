import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiChatSolver, OPENAI_SOLVER_ID, PersonaError, personaFromJson, SolverConfig, type SolverContext } from '../../src/persona/index.js';
import { collect, deferred, ManualTimers, sseDelta, startServer, type TestServer } from './helpers.js';

const KEY = 'sk-test-abcdefghijklmnop';
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function solver(config: Record<string, unknown>, memoryEnabled = true): OpenAiChatSolver {
  return new OpenAiChatSolver(new SolverConfig('test.json', OPENAI_SOLVER_ID, config, memoryEnabled), { fetch });
}

function ctx(signal = new AbortController().signal): SolverContext {
  return { lang: 'en-us', signal };
}

const json = (res: import('node:http').ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('OpenAI-compatible solver: streaming', () => {
  it('yields each sentence as soon as it is complete, before the stream ends', async () => {
    const gate = deferred();
    let ended = false;
    server = await startServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseDelta('Hello the'));
      res.write(sseDelta('re. How'));
      await gate.promise;
      res.write(sseDelta(' are you'));
      res.write(sseDelta('?', 'stop'));
      res.end('data: [DONE]\n\n');
      ended = true;
    });
    const s = solver({ api_url: `${server.origin}/v1/`, key: KEY, model: 'llama3', system_prompt: 'Be brief.', temperature: 0.2, max_tokens: 50, stop_token: '###' });
    const it = s.answer('how are you', ctx())[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ done: false, value: 'Hello there.' });
    expect(ended).toBe(false);
    gate.resolve();
    expect(await it.next()).toEqual({ done: false, value: 'How are you?' });
    expect((await it.next()).done).toBe(true);

    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/chat/completions');
    expect(req.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(req.body.toString())).toEqual({
      model: 'llama3',
      temperature: 0.2,
      max_tokens: 50,
      stop: ['###'],
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'how are you' },
      ],
    });
  });

  it('streams through the persona chain too', async () => {
    const gate = deferred();
    server = await startServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write(sseDelta('First sentence. '));
      await gate.promise;
      res.end(`${sseDelta('Second one.', 'stop')}data: [DONE]\n\n`);
    });
    const persona = personaFromJson({ builtin: false, handlers: [OPENAI_SOLVER_ID, 'ovos-solver-failure-plugin'], [OPENAI_SOLVER_ID]: { api_url: `${server.origin}/v1` } }, 'inline');
    const it = persona.stream('tell me', { lang: 'en' });
    expect((await it.next()).value).toBe('First sentence.');
    gate.resolve();
    expect((await it.next()).value).toBe('Second one.');
    expect((await it.next()).done).toBe(true);
    expect(server.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('handles a server that ignores "stream" and sends one JSON answer', async () => {
    server = await startServer((_req, res) => json(res, 200, { choices: [{ index: 0, message: { role: 'assistant', content: '**Paris** is the capital. It is in France.' }, finish_reason: 'stop' }] }));
    expect(await collect(solver({ api_url: `${server.origin}/v1` }).answer('capital of france', ctx()))).toEqual(['Paris is the capital.', 'It is in France.']);
  });

  it('handles an event stream sent under another content type', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${sseDelta('One. ')}${sseDelta('Two.')}data: [DONE]\n\n`);
    });
    expect(await collect(solver({ api_url: `${server.origin}/v1` }).answer('q', ctx()))).toEqual(['One.', 'Two.']);
  });

  it('can be told not to stream', async () => {
    server = await startServer((_req, res) => json(res, 200, { choices: [{ message: { content: 'Fine.' } }] }));
    expect(await collect(solver({ api_url: `${server.origin}/v1`, stream: false }).answer('q', ctx()))).toEqual(['Fine.']);
    expect(JSON.parse(server.requests[0]!.body.toString()).stream).toBe(false);
  });

  it('an empty answer is a failure of the endpoint (PERSONA_ERR_BAD_RESPONSE, detail "empty body")', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${sseDelta('')}${sseDelta('  ', 'stop')}data: [DONE]\n\n`);
    });
    await expect(collect(solver({ api_url: `${server.origin}/v1` }).answer('q', ctx()))).rejects.toMatchObject({ code: 'PERSONA_ERR_BAD_RESPONSE', detail: 'empty body' });
  });
});

describe('OpenAI-compatible solver: short-term memory', () => {
  async function conversation(config: Record<string, unknown>, memoryEnabled = true): Promise<unknown[]> {
    let n = 0;
    server = await startServer((_req, res) => json(res, 200, { choices: [{ message: { content: `Answer ${++n}.` } }] }));
    const s = solver({ api_url: `${server.origin}/v1`, ...config }, memoryEnabled);
    for (const q of ['one', 'two', 'three']) await collect(s.answer(q, ctx()));
    return (JSON.parse(server.requests[2]!.body.toString()) as { messages: unknown[] }).messages;
  }

  it('sends the last turns with each question', async () => {
    expect(await conversation({ system_prompt: 'S' })).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'Answer 1.' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'Answer 2.' },
      { role: 'user', content: 'three' },
    ]);
  });

  it('keeps only memory_size turns', async () => {
    expect((await conversation({ memory_size: 1 })).slice(1)).toEqual([
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'Answer 2.' },
      { role: 'user', content: 'three' },
    ]);
  });

  it('is off with enable_memory false or memory_module null', async () => {
    expect(await conversation({ enable_memory: false })).toHaveLength(2);
    await server?.close();
    expect(await conversation({}, false)).toHaveLength(2);
  });
});

describe('OpenAI-compatible solver: errors are coded and never show the key', () => {
  it.each([
    [401, { error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error' } }, `expected HTTP 2xx from http://127.0.0.1:PORT/v1/chat/completions, got 401 Unauthorized: Incorrect API key provided: [redacted]`],
    [500, { error: 'model crashed' }, 'got 500 Internal Server Error: model crashed'],
    [404, 'no such route', 'got 404 Not Found: "no such route"'],
  ])('HTTP %d', async (status, body, message) => {
    server = await startServer((_req, res) => json(res, status, body));
    const err = (await collect(solver({ api_url: `${server.origin}/v1`, key: KEY }).answer('q', ctx())).catch((e: unknown) => e)) as PersonaError;
    expect(err).toBeInstanceOf(PersonaError);
    expect(err.code).toBe('PERSONA_ERR_HTTP');
    expect(err.message).toContain(message.replace('PORT', new URL(server.origin).port));
    expect(err.message).not.toContain(KEY);
  });

  it.each([
    ['application/json', 'not json at all', 'PERSONA_ERR_BAD_RESPONSE', 'expected JSON'],
    ['application/json', '{"object":"list"}', 'PERSONA_ERR_BAD_RESPONSE', 'expected a chat-completions object with "choices"'],
    ['application/json', '{"choices":[{"message":{"content":42}}]}', 'PERSONA_ERR_BAD_RESPONSE', 'expected "content" to be a string'],
    ['text/event-stream', 'data: {"choices": [\n\n', 'PERSONA_ERR_BAD_RESPONSE', 'expected JSON'],
    ['text/event-stream', 'data: {"error": {"message": "context length exceeded"}}\n\n', 'PERSONA_ERR_REMOTE', 'reported an error: context length exceeded'],
  ])('%s %j', async (type, body, code, message) => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    });
    await expect(collect(solver({ api_url: `${server.origin}/v1` }).answer('q', ctx()))).rejects.toThrow(expect.objectContaining({ code, message: expect.stringContaining(message) }));
  });

  it('an unreachable server is PERSONA_ERR_NETWORK', async () => {
    const closed = await startServer(() => undefined);
    const origin = closed.origin;
    await closed.close();
    await expect(collect(solver({ api_url: `${origin}/v1` }).answer('q', ctx()))).rejects.toThrow(
      expect.objectContaining({ code: 'PERSONA_ERR_NETWORK', message: expect.stringContaining('ECONNREFUSED') }),
    );
  });
});

describe('OpenAI-compatible solver: time limits in the chain', () => {
  it('a server that never answers times out to the next solver', async () => {
    server = await startServer(() => undefined); // never responds
    const timers = new ManualTimers();
    const persona = personaFromJson(
      { builtin: false, handlers: [OPENAI_SOLVER_ID, 'hivesat-solver-builtin'], [OPENAI_SOLVER_ID]: { api_url: `${server.origin}/v1`, timeout: 2.5 } },
      'inline',
      { timers, clock: () => Date.UTC(2026, 10, 24, 15, 7), timeZone: 'UTC' },
    );
    const pending = persona.ask('what time is it', { lang: 'en-us' });
    await server.nextRequest();
    expect(timers.armed).toEqual([2500]);
    timers.fireAll();
    const answer = await pending;
    expect(answer).toMatchObject({ text: "It's 3:07 PM.", solverId: 'hivesat-solver-builtin' });
    expect(answer.attempts[0]).toMatchObject({ solverId: OPENAI_SOLVER_ID, outcome: 'timeout', error: expect.objectContaining({ code: 'PERSONA_ERR_TIMEOUT' }) });
  });

  it('a stream that stalls before its first full sentence times out too', async () => {
    const sent = deferred();
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseDelta('Let me think'));
      sent.resolve();
    });
    const timers = new ManualTimers();
    const persona = personaFromJson({ builtin: false, handlers: [OPENAI_SOLVER_ID, 'ovos-solver-failure-plugin'], [OPENAI_SOLVER_ID]: { api_url: `${server.origin}/v1` } }, 'inline', { timers });
    const pending = persona.ask('q', { lang: 'en-us' });
    await sent.promise;
    timers.fireAll();
    const answer = await pending;
    expect(answer.solverId).toBe('ovos-solver-failure-plugin');
    expect(answer.attempts.map((a) => a.outcome)).toEqual(['timeout', 'answered']);
  });

  it('a server error falls through to the next solver', async () => {
    server = await startServer((_req, res) => json(res, 500, { error: { message: 'overloaded' } }));
    const persona = personaFromJson({ builtin: false, handlers: [OPENAI_SOLVER_ID, 'ovos-solver-failure-plugin'], [OPENAI_SOLVER_ID]: { api_url: `${server.origin}/v1`, key: KEY } }, 'inline');
    const answer = await persona.ask('q', { lang: 'en-us' });
    expect(answer.text).toBe("Sorry, I can't reach my language model right now.");
    expect(answer.attempts[0]).toMatchObject({ outcome: 'error', error: expect.objectContaining({ code: 'PERSONA_ERR_HTTP', detail: 'HTTP 500' }) });
  });
});
