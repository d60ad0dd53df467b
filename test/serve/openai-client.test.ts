/**
 * `hivesat serve` through the real `openai` npm client on loopback: models, chat completions whole and streamed,
 * against the test hub and the built-in offline persona; a stable hub session per conversation; the client's own
 * error classes for a wrong token and an unknown model.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { type JsonObject } from '../../src/hivemind/index.js';
import { utteranceOf } from '../hub/index.js';
import { TOKEN, hubModel, offlinePersona, serve, startHub } from './helpers.js';

function client(url: string, apiKey = TOKEN): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 });
}

describe('openai client: models', () => {
  it('lists and retrieves the hub and persona models', async () => {
    const hub = await startHub();
    const server = await serve([hubModel(hub.port), offlinePersona()]);
    const ai = client(server.url);
    const list = await ai.models.list();
    expect(list.data.map((m) => m.id)).toEqual(['hivemind', 'persona:hivesat-offline']);
    expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'hivesat' });
    expect(await ai.models.retrieve('persona:hivesat-offline')).toMatchObject({ id: 'persona:hivesat-offline', object: 'model' });
    await expect(ai.models.retrieve('gpt-4o')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('openai client: chat completions', () => {
  it('answers through the hub with the last user message as the utterance', async () => {
    const hub = await startHub();
    const server = await serve([hubModel(hub.port)]);
    const completion = await client(server.url).chat.completions.create({
      model: 'hivemind',
      messages: [
        { role: 'system', content: 'You are a voice assistant.' },
        { role: 'user', content: 'turn on the kitchen light' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('hivemind');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'you said turn on the kitchen light' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('streams every hub speak as a delta, then [DONE]', async () => {
    const hub = await startHub((message, api) => {
      const u = utteranceOf(message);
      if (u === undefined) return;
      api.speak('First sentence.');
      api.speak('Second sentence.');
      api.reply('ovos.utterance.handled', {});
    });
    const server = await serve([hubModel(hub.port)]);
    const stream = await client(server.url).chat.completions.create({ model: 'hivemind', messages: [{ role: 'user', content: 'tell me two things' }], stream: true });
    const deltas: string[] = [];
    const finishes: (string | null)[] = [];
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      deltas.push(chunk.choices[0]?.delta.content ?? '');
      finishes.push(chunk.choices[0]?.finish_reason ?? null);
    }
    expect(deltas.join('')).toBe('First sentence. Second sentence.');
    expect(deltas.filter((d) => d !== '')).toEqual(['First sentence.', ' Second sentence.']);
    expect(finishes.at(-1)).toBe('stop');
  });

  it('answers from the built-in offline persona, whole and streamed', async () => {
    const server = await serve([offlinePersona()]);
    const ai = client(server.url);
    const whole = await ai.chat.completions.create({ model: 'persona:hivesat-offline', messages: [{ role: 'user', content: 'what is 6 times 7' }] });
    expect(whole.choices[0]?.message.content).toMatch(/\b42\b/);
    const stream = await ai.chat.completions.create({ model: 'persona:hivesat-offline', messages: [{ role: 'user', content: 'what is 6 times 7' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it('keeps one hub session per conversation: same opening, same session; another opening, another', async () => {
    const sessions: string[] = [];
    const hub = await startHub((message, api) => {
      const u = utteranceOf(message);
      if (u === undefined) return;
      const session = message.context['session'] as JsonObject | undefined;
      sessions.push(String(session?.['session_id']));
      api.speak(`you said ${u.text}`);
      api.reply('ovos.utterance.handled', {});
    });
    const server = await serve([hubModel(hub.port)]);
    const ai = client(server.url);
    const turn1 = [{ role: 'system' as const, content: 'prompt at 10:00' }, { role: 'user' as const, content: 'hello there' }];
    await ai.chat.completions.create({ model: 'hivemind', messages: turn1 });
    // Turn 2: the system prompt changed (Home Assistant rewrites the time), the opening did not.
    await ai.chat.completions.create({
      model: 'hivemind',
      messages: [{ role: 'system', content: 'prompt at 10:01' }, { role: 'user', content: 'hello there' }, { role: 'assistant', content: 'you said hello there' }, { role: 'user', content: 'and again' }],
    });
    await ai.chat.completions.create({ model: 'hivemind', messages: [{ role: 'user', content: 'a different conversation' }] });
    // An explicit conversation id wins over the opening.
    await ai.chat.completions.create({ model: 'hivemind', messages: turn1 }, { headers: { 'X-Conversation-Id': 'kitchen-42' } });
    await ai.chat.completions.create({ model: 'hivemind', messages: [{ role: 'user', content: 'other words' }] }, { headers: { 'X-Conversation-Id': 'kitchen-42' } });
    expect(sessions).toHaveLength(5);
    expect(sessions[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sessions[1]).toBe(sessions[0]);
    expect(sessions[2]).not.toBe(sessions[0]);
    expect(sessions[3]).not.toBe(sessions[0]);
    expect(sessions[4]).toBe(sessions[3]);
    expect(hub.counts.attempts).toBe(3); // one connection per conversation, reused across its turns
  });

  it('raises the client error classes for a wrong token, no token and an unknown model', async () => {
    const server = await serve([offlinePersona()]);
    const wrong = client(server.url, 'hst_not-the-token-0000000000000000');
    await expect(wrong.chat.completions.create({ model: 'persona:hivesat-offline', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
      type: 'invalid_request_error',
    });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(client(server.url).chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
  });
});
