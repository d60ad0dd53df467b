/**
 * `ovos-solver-openai-plugin`: any OpenAI-compatible chat-completions endpoint (OpenAI, llama.cpp server, Ollama,
 * LocalAI, vLLM, ovos-persona-server…). Accepts the config keys of OpenVoiceOS/ovos-openai-plugin: `api_url` (the
 * `/v1` root; `/chat/completions` is appended), `key`, `model`, `system_prompt` (also `persona` and the deprecated
 * `initial_prompt`), `enable_memory`, `memory_size`, `max_tokens`, `temperature`, `top_p`, `frequency_penalty`,
 * `presence_penalty`, `stop_token`; plus hivesat's `timeout` (seconds) and `stream` (default true).
 *
 * The answer is requested with `stream: true` and read as server-sent events (`data: {choices[0].delta.content}` …
 * `data: [DONE]`); each sentence is yielded as soon as it is complete. A server that ignores `stream` and answers
 * with one JSON object works too.
 *
 * @module
 */
import {
  MAX_ANSWER_CHARS,
  MAX_MEMORY_TURNS,
  OPENAI_DEFAULT_API_URL,
  OPENAI_DEFAULT_MEMORY_TURNS,
  OPENAI_DEFAULT_MODEL,
  OPENAI_DEFAULT_SYSTEM_PROMPT,
  OPENAI_DEFAULT_TIMEOUT_MS,
} from './constants.js';
import { PersonaError } from './errors.js';
import { readText, redactUrl, serverErrorText } from './http.js';
import { SentenceSplitter } from './sentences.js';
import type { Solver, SolverConfig, SolverContext, SolverDeps } from './solver.js';
import { SseParser } from './sse.js';
import { errorCode } from '../errors.js';

interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

interface Turn {
  readonly question: string;
  readonly answer: string;
}

/** A chat-completions solver with short-term memory of the last turns. */
export class OpenAiChatSolver implements Solver {
  readonly id: string;
  readonly timeoutMs: number;
  readonly role = 'language-model' as const;
  /** Host and port of the endpoint. */
  readonly endpoint: string;
  readonly #url: URL;
  readonly #where: string;
  readonly #key: string | undefined;
  readonly #systemPrompt: string;
  readonly #memoryTurns: number;
  readonly #stream: boolean;
  readonly #params: Readonly<Record<string, unknown>>;
  readonly #fetch: typeof fetch;
  #turns: Turn[] = [];

  /** @throws {PERSONA_ERR_INVALID_CONFIG} naming the field */
  constructor(config: SolverConfig, deps: Pick<SolverDeps, 'fetch'>) {
    this.id = config.solverId;
    this.timeoutMs = config.timeoutMs(OPENAI_DEFAULT_TIMEOUT_MS);
    this.#url = config.url('api_url', OPENAI_DEFAULT_API_URL);
    this.#url.pathname = `${this.#url.pathname.replace(/\/+$/, '')}/chat/completions`;
    this.#where = redactUrl(this.#url);
    this.endpoint = this.#url.host;
    this.#key = config.string('key', { secret: true });
    this.#systemPrompt = config.string('system_prompt') ?? config.string('persona') ?? config.string('initial_prompt') ?? OPENAI_DEFAULT_SYSTEM_PROMPT;
    const memory = (config.boolean('enable_memory') ?? true) && config.memoryEnabled;
    this.#memoryTurns = memory ? config.number('memory_size', { min: 0, max: MAX_MEMORY_TURNS, integer: true }) ?? OPENAI_DEFAULT_MEMORY_TURNS : 0;
    if (!memory) config.number('memory_size', { min: 0, max: MAX_MEMORY_TURNS, integer: true });
    this.#stream = config.boolean('stream') ?? true;
    config.boolean('allow_system_prompts'); // accepted for compatibility: hivesat never sends a caller system prompt
    const params: Record<string, unknown> = { model: config.string('model') ?? OPENAI_DEFAULT_MODEL };
    const numeric = [
      ['max_tokens', 1, 1_000_000, true],
      ['temperature', 0, 2, false],
      ['top_p', 0, 1, false],
      ['frequency_penalty', -2, 2, false],
      ['presence_penalty', -2, 2, false],
    ] as const;
    for (const [key, min, max, integer] of numeric) {
      const v = config.number(key, { min, max, integer });
      if (v !== undefined) params[key] = v;
    }
    const stop = config.stringList('stop_token');
    if (stop !== undefined) params['stop'] = stop;
    this.#params = params;
    this.#fetch = deps.fetch;
  }

  /** Forget the conversation (e.g. when the hub comes back). */
  resetMemory(): void {
    this.#turns = [];
  }

  /**
   * Ask the endpoint; yields sentences as they complete.
   *
   * @throws {PERSONA_ERR_HTTP} / {PERSONA_ERR_NETWORK} / {PERSONA_ERR_BAD_RESPONSE} / {PERSONA_ERR_REMOTE}, or the
   *   signal's reason (the persona's `PERSONA_ERR_TIMEOUT`) when aborted
   */
  async *answer(question: string, context: SolverContext): AsyncGenerator<string, void, undefined> {
    const { signal, lang } = context;
    const messages: ChatMessage[] = [{ role: 'system', content: this.#systemPrompt }];
    for (const t of this.#turns) messages.push({ role: 'user', content: t.question }, { role: 'assistant', content: t.answer });
    messages.push({ role: 'user', content: question });
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: this.#stream ? 'text/event-stream, application/json' : 'application/json' };
    if (this.#key !== undefined && this.#key !== '') headers['authorization'] = `Bearer ${this.#key}`;
    let response: Response;
    try {
      response = await this.#fetch(this.#url, { method: 'POST', headers, body: JSON.stringify({ ...this.#params, messages, stream: this.#stream }), signal });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const code = err instanceof Error ? errorCode(err.cause) : undefined;
      throw new PersonaError('PERSONA_ERR_NETWORK', `${this.id}: could not reach ${this.#where}: ${typeof code === 'string' ? code : (err as Error).message}`, { cause: err, detail: typeof code === 'string' ? code : 'unreachable' });
    }
    if (!response.ok) {
      const body = await readText(response, 64 * 1024, `${this.id}: error body from ${this.#where}`, signal).catch(() => '');
      const detail = serverErrorText(body, this.#key);
      throw new PersonaError('PERSONA_ERR_HTTP', `${this.id}: expected HTTP 2xx from ${this.#where}, got ${response.status} ${response.statusText}${detail === '' ? '' : `: ${detail}`}`, { detail: `HTTP ${response.status}` });
    }
    const splitter = new SentenceSplitter(lang);
    const spoken: string[] = [];
    const isSse = (response.headers.get('content-type') ?? '').includes('text/event-stream');
    const deltas = isSse ? this.#sseDeltas(response, signal) : this.#jsonDeltas(response, signal);
    for await (const delta of deltas) {
      for (const sentence of splitter.push(delta)) {
        spoken.push(sentence);
        yield sentence;
      }
    }
    for (const sentence of splitter.flush()) {
      spoken.push(sentence);
      yield sentence;
    }
    // An LLM with nothing to say is a broken endpoint (empty body, empty content), not "I pass": report it.
    if (spoken.length === 0) throw new PersonaError('PERSONA_ERR_BAD_RESPONSE', `${this.id}: expected an answer from ${this.#where}, got an empty one`, { detail: 'empty body' });
    if (spoken.length > 0 && this.#memoryTurns > 0) {
      this.#turns.push({ question, answer: spoken.join(' ') });
      if (this.#turns.length > this.#memoryTurns) this.#turns.splice(0, this.#turns.length - this.#memoryTurns);
    }
  }

  /** The content deltas of an event stream. */
  async *#sseDeltas(response: Response, signal: AbortSignal): AsyncGenerator<string, void, undefined> {
    const reader = response.body?.getReader();
    if (reader === undefined) return;
    const decoder = new TextDecoder();
    const sse = new SseParser();
    let total = 0;
    try {
      for (;;) {
        const read = await reader.read().catch((err: unknown) => {
          if (signal.aborted) throw signal.reason;
          throw new PersonaError('PERSONA_ERR_NETWORK', `${this.id}: the stream from ${this.#where} broke: ${(err as Error).message}`, { cause: err, detail: 'stream broke' });
        });
        const events = read.done ? [...sse.push(decoder.decode()), ...sse.flush()] : sse.push(decoder.decode(read.value, { stream: true }));
        for (const data of events) {
          if (data === '[DONE]') return;
          const { content, finished } = this.#chunk(parseJson(data, `${this.id}: event from ${this.#where}`), true);
          if (content !== '') {
            total += content.length;
            if (total > MAX_ANSWER_CHARS) throw new PersonaError('PERSONA_ERR_BAD_RESPONSE', `${this.id}: expected an answer of at most ${MAX_ANSWER_CHARS} characters from ${this.#where}, got more`);
            yield content;
          }
          if (finished) return;
        }
        if (read.done) return;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  /** The content of a non-streaming answer (or of an event stream a server sent under another content type). */
  async *#jsonDeltas(response: Response, signal: AbortSignal): AsyncGenerator<string, void, undefined> {
    const text = await readText(response, MAX_ANSWER_CHARS * 4, `${this.id}: answer from ${this.#where}`, signal);
    if (text.trimStart().startsWith('data:')) {
      const sse = new SseParser();
      for (const data of [...sse.push(text), ...sse.flush()]) {
        if (data === '[DONE]') return;
        const { content, finished } = this.#chunk(parseJson(data, `${this.id}: event from ${this.#where}`), true);
        yield content;
        if (finished) return;
      }
      return;
    }
    yield this.#chunk(parseJson(text, `${this.id}: answer from ${this.#where}`), false).content;
  }

  /** Content and end flag of one chat-completions object (a stream chunk or a whole answer). */
  #chunk(value: unknown, streaming: boolean): { content: string; finished: boolean } {
    const obj = (typeof value === 'object' && value !== null ? value : {}) as {
      error?: unknown;
      choices?: { delta?: { content?: unknown }; message?: { content?: unknown }; text?: unknown; finish_reason?: unknown }[];
    };
    if (obj.error !== undefined && obj.error !== null) {
      throw new PersonaError('PERSONA_ERR_REMOTE', `${this.id}: ${this.#where} reported an error: ${serverErrorText(JSON.stringify({ error: obj.error }), this.#key)}`, { detail: 'error in body' });
    }
    if (!Array.isArray(obj.choices)) {
      throw new PersonaError('PERSONA_ERR_BAD_RESPONSE', `${this.id}: expected a chat-completions object with "choices" from ${this.#where}, got ${describe(value)}`, { detail: 'bad body' });
    }
    const choice = obj.choices[0];
    if (choice === undefined) return { content: '', finished: !streaming };
    const raw = choice.delta?.content ?? choice.message?.content ?? choice.text;
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      throw new PersonaError('PERSONA_ERR_BAD_RESPONSE', `${this.id}: expected "content" to be a string from ${this.#where}, got ${typeof raw}`, { detail: 'bad body' });
    }
    return { content: raw ?? '', finished: choice.finish_reason !== undefined && choice.finish_reason !== null };
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PersonaError('PERSONA_ERR_BAD_RESPONSE', `${what}: expected JSON, got ${JSON.stringify(text.slice(0, 60))}`, { cause: err, detail: 'bad body' });
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}`;
  return typeof value;
}
