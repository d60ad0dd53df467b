/**
 * The Ollama API of `hivesat serve`, with raw requests exactly as Home Assistant's Ollama integration sends them
 * through the `ollama` Python client (headers of `ollama/_client.py`; bodies as `ChatRequest.model_dump(exclude_none)`:
 * `tools: []`, `stream: true`, `keep_alive: "-1s"`, `options: {num_ctx}`, a system prompt first), and as Open WebUI
 * checks a connection (`/api/version`, `/api/tags`).
 */
import { describe, expect, it } from 'vitest';
import { utteranceOf } from '../hub/index.js';
import { hubModel, ndjson, offlinePersona, ollamaHeaders, serve, startHub } from './helpers.js';

/** The system prompt Home Assistant sends first (abridged; it changes every turn with the time). */
const HA_PROMPT = 'You are a voice assistant for Home Assistant.\nAnswer questions about the world truthfully.\nCurrent time is 15:04:05. Today\'s date is 2026-01-02.';

function haChat(model: string, messages: readonly { role: string; content: string }[], stream = true): string {
  return JSON.stringify({ model, messages, tools: [], stream, keep_alive: '-1s', options: { num_ctx: 8192 } });
}

describe('ollama protocol: setup calls', () => {
  it('GET /api/tags lists the models under "model" (what HA reads) and "name"', async () => {
    const hub = await startHub();
    const server = await serve([hubModel(hub.port), offlinePersona()]);
    const res = await fetch(`${server.url}/api/tags`, { headers: ollamaHeaders() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { models: Record<string, unknown>[] };
    expect(body.models.map((m) => m['model'])).toEqual(['hivemind', 'persona:hivesat-offline']);
    expect(body.models[0]).toMatchObject({ name: 'hivemind', size: 0, details: { family: 'hivemind', format: 'hivesat' } });
    expect(body.models[0]?.['digest']).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(String(body.models[0]?.['modified_at']))).not.toBeNaN();
  });

  it('GET /api/version, POST /api/show (model or name), GET /api/ps', async () => {
    const server = await serve([offlinePersona()]);
    expect(await (await fetch(`${server.url}/api/version`, { headers: ollamaHeaders() })).json()).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    const shown = await fetch(`${server.url}/api/show`, { method: 'POST', headers: ollamaHeaders(), body: JSON.stringify({ model: 'persona:hivesat-offline' }) });
    expect(shown.status).toBe(200);
    expect(await shown.json()).toMatchObject({ capabilities: ['completion'], details: { family: 'persona' } });
    const byName = await fetch(`${server.url}/api/show`, { method: 'POST', headers: ollamaHeaders(), body: JSON.stringify({ name: 'persona:hivesat-offline:latest' }) });
    expect(byName.status).toBe(200);
    const missing = await fetch(`${server.url}/api/show`, { method: 'POST', headers: ollamaHeaders(), body: JSON.stringify({ model: 'llama3.2' }) });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: expect.stringContaining("model 'llama3.2' not found") });
    const ps = (await (await fetch(`${server.url}/api/ps`, { headers: ollamaHeaders() })).json()) as { models: unknown[] };
    expect(ps.models).toHaveLength(1);
  });

  it('GET / is a public liveness line', async () => {
    const server = await serve([offlinePersona()]);
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hivesat serve is running');
  });
});

describe('ollama protocol: /api/chat as Home Assistant sends it', () => {
  it('streams NDJSON from the hub: deltas with message.content, then done with done_reason and durations', async () => {
    const seen: string[] = [];
    const hub = await startHub((message, api) => {
      const u = utteranceOf(message);
      if (u === undefined) return;
      seen.push(u.text);
      api.speak('The kitchen light is on.');
      api.speak('Anything else?');
      api.reply('ovos.utterance.handled', {});
    });
    const server = await serve([hubModel(hub.port)]);
    const res = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: ollamaHeaders(),
      body: haChat('hivemind', [
        { role: 'system', content: HA_PROMPT },
        { role: 'user', content: 'turn on the kitchen light' },
      ]),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = ndjson(await res.text());
    expect(seen).toEqual(['turn on the kitchen light']); // the system prompt never reaches the hub
    expect(lines.slice(0, -1).map((l) => (l['message'] as { content: string }).content)).toEqual(['The kitchen light is on.', ' Anything else?']);
    for (const line of lines.slice(0, -1)) expect(line).toMatchObject({ model: 'hivemind', done: false, message: { role: 'assistant' } });
    expect(lines.at(-1)).toMatchObject({ model: 'hivemind', done: true, done_reason: 'stop', message: { role: 'assistant', content: '' }, eval_count: 0 });
    expect(lines.at(-1)?.['total_duration']).toBeGreaterThan(0);
  });

  it('accepts ":latest" on the model name and answers a follow-up turn on the same hub session', async () => {
    const sessions: unknown[] = [];
    const hub = await startHub((message, api) => {
      const u = utteranceOf(message);
      if (u === undefined) return;
      sessions.push((message.context['session'] as Record<string, unknown>)['session_id']);
      api.speak(`you said ${u.text}`);
      api.reply('ovos.utterance.handled', {});
    });
    const server = await serve([hubModel(hub.port)]);
    const ask = (messages: { role: string; content: string }[]): Promise<Response> => fetch(`${server.url}/api/chat`, { method: 'POST', headers: ollamaHeaders(), body: haChat('hivemind:latest', messages) });
    await (await ask([{ role: 'system', content: HA_PROMPT }, { role: 'user', content: 'what is on the agenda' }])).text();
    const second = ndjson(
      await (
        await ask([
          { role: 'system', content: HA_PROMPT.replace('15:04:05', '15:04:41') },
          { role: 'user', content: 'what is on the agenda' },
          { role: 'assistant', content: 'you said what is on the agenda' },
          { role: 'user', content: 'and tomorrow' },
        ])
      ).text(),
    );
    expect(second[0]).toMatchObject({ model: 'hivemind', message: { content: 'you said and tomorrow' } });
    expect(sessions).toHaveLength(2);
    expect(sessions[1]).toBe(sessions[0]);
  });

  it('answers "what is 6 times 7" from the built-in persona, streamed and with stream:false', async () => {
    const server = await serve([offlinePersona()]);
    const streamed = ndjson(await (await fetch(`${server.url}/api/chat`, { method: 'POST', headers: ollamaHeaders(), body: haChat('persona:hivesat-offline', [{ role: 'system', content: HA_PROMPT }, { role: 'user', content: 'what is 6 times 7' }]) })).text());
    const text = streamed.map((l) => (l['message'] as { content: string }).content).join('');
    expect(text).toMatch(/\b42\b/);
    const whole = await fetch(`${server.url}/api/chat`, { method: 'POST', headers: ollamaHeaders(), body: haChat('persona:hivesat-offline', [{ role: 'user', content: 'what is 6 times 7' }], false) });
    expect(whole.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await whole.json()).toMatchObject({ model: 'persona:hivesat-offline', done: true, done_reason: 'stop', message: { role: 'assistant', content: text } });
  });

  it('answers an empty message list with a "load" response, as Ollama does', async () => {
    const server = await serve([offlinePersona()]);
    const res = await fetch(`${server.url}/api/chat`, { method: 'POST', headers: ollamaHeaders(), body: JSON.stringify({ model: 'persona:hivesat-offline', messages: [] }) });
    expect(await res.json()).toMatchObject({ done: true, done_reason: 'load', message: { content: '' } });
  });
});

describe('ollama protocol: /api/generate', () => {
  it('streams the prompt answer as "response" pieces (stream defaults to true), and whole with stream:false', async () => {
    const hub = await startHub();
    const server = await serve([hubModel(hub.port)]);
    const streamed = ndjson(await (await fetch(`${server.url}/api/generate`, { method: 'POST', headers: ollamaHeaders(), body: JSON.stringify({ model: 'hivemind', prompt: 'what time is it' }) })).text());
    expect(streamed[0]).toMatchObject({ model: 'hivemind', response: 'you said what time is it', done: false });
    expect(streamed.at(-1)).toMatchObject({ response: '', done: true, done_reason: 'stop' });
    const whole = await fetch(`${server.url}/api/generate`, { method: 'POST', headers: ollamaHeaders(), body: JSON.stringify({ model: 'hivemind', prompt: 'hello', stream: false, system: 'ignored' }) });
    expect(await whole.json()).toMatchObject({ response: 'you said hello', done: true });
    const load = await fetch(`${server.url}/api/generate`, { method: 'POST', headers: ollamaHeaders(), body: JSON.stringify({ model: 'hivemind' }) });
    expect(await load.json()).toMatchObject({ response: '', done: true, done_reason: 'load' });
  });
});
