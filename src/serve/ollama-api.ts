/**
 * The Ollama-compatible endpoints, as Home Assistant's Ollama integration (through the `ollama` Python client) and
 * Open WebUI call them: `POST /api/chat` and `POST /api/generate` (newline-delimited JSON; `stream` defaults to
 * true, as in Ollama), `GET /api/tags` (setup: the model list, read by its `model` field), `GET /api/version`
 * (Open WebUI's connection check), `POST /api/show` and `GET /api/ps`.
 *
 * Errors are `{"error": "…"}` with the matching HTTP status; a stream that fails after it started ends with an
 * `{"error": "…"}` line, which the Python client raises as `ResponseError`.
 *
 * Request fields hivesat has no use for (`options`, `keep_alive`, `format`, `think`, `tools`, `images`, `system`
 * of generate) are accepted and ignored: the hub and the personas are not sampling models.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { type ApiCall, type ApiContext, AnswerBrokeOff, AnswerRun, SentenceJoiner, booleanField, collectAnswer, fallbackHeaders, requireTarget } from './api-common.js';
import { OLLAMA_COMPAT_VERSION } from './constants.js';
import { assertUtterance, clientKey, conversationIdOf, conversationKey, lastUserText, parseMessages } from './conversation.js';
import { ServeError } from './errors.js';
import { ndjsonWriter, sendJson } from './http-io.js';
import type { ServeTarget } from './targets.js';

/** The Ollama error body of `error`. */
export function ollamaErrorBody(error: ServeError): { error: string } {
  return { error: error.message };
}

/** Nanoseconds between two monotonic millisecond readings (Ollama reports durations in ns). */
function nanos(fromMs: number, toMs: number): number {
  return Math.max(0, Math.round((toMs - fromMs) * 1e6));
}

function details(target: ServeTarget): Record<string, unknown> {
  return { parent_model: '', format: 'hivesat', family: target.kind === 'hub' ? 'hivemind' : 'persona', families: [target.kind === 'hub' ? 'hivemind' : 'persona'], parameter_size: '', quantization_level: '' };
}

function digestOf(target: ServeTarget): string {
  return createHash('sha256').update(`hivesat-serve\0${target.name}\0${target.description}`).digest('hex');
}

function tag(target: ServeTarget, ctx: ApiContext): Record<string, unknown> {
  return { name: target.name, model: target.name, modified_at: new Date(ctx.startedAt).toISOString(), size: 0, digest: digestOf(target), details: details(target) };
}

/** `GET /api/tags`. */
export async function tags(call: ApiCall, ctx: ApiContext): Promise<void> {
  sendJson(call.res, 200, { models: [...ctx.targets.values()].map((t) => tag(t, ctx)) });
}

/** `GET /api/ps`: every model is always "loaded". */
export async function ps(call: ApiCall, ctx: ApiContext): Promise<void> {
  const expires = new Date(ctx.clock() + 24 * 3600_000).toISOString();
  sendJson(call.res, 200, { models: [...ctx.targets.values()].map((t) => ({ ...tag(t, ctx), expires_at: expires, size_vram: 0 })) });
}

/** `GET /api/version`. */
export async function version(call: ApiCall): Promise<void> {
  sendJson(call.res, 200, { version: OLLAMA_COMPAT_VERSION });
}

/** `POST /api/show` (`model`, or `name` from older clients). */
export async function show(call: ApiCall, ctx: ApiContext): Promise<void> {
  const target = requireTarget(ctx, call.body, call, call.body['model'] === undefined && call.body['name'] !== undefined ? 'name' : 'model');
  sendJson(call.res, 200, {
    license: '',
    modelfile: `# ${target.name}: ${target.description}, served by hivesat\n`,
    parameters: '',
    template: '{{ .Prompt }}',
    details: details(target),
    model_info: { 'general.architecture': 'hivesat' },
    capabilities: ['completion'],
    modified_at: new Date(ctx.startedAt).toISOString(),
  });
}

/** The response to a request with nothing to answer (no messages / empty prompt): Ollama's "model loaded". */
function loaded(call: ApiCall, ctx: ApiContext, target: ServeTarget, chat: boolean): void {
  const base = { model: target.name, created_at: new Date(ctx.clock()).toISOString() };
  sendJson(call.res, 200, chat ? { ...base, message: { role: 'assistant', content: '' }, done_reason: 'load', done: true } : { ...base, response: '', done_reason: 'load', done: true });
}

/** `POST /api/chat`. */
export async function chat(call: ApiCall, ctx: ApiContext): Promise<void> {
  const target = requireTarget(ctx, call.body, call);
  const messages = parseMessages(call.body['messages'] ?? []);
  if (messages.length === 0) {
    loaded(call, ctx, target, true);
    return;
  }
  const question = lastUserText(messages);
  const conversation = conversationKey(conversationIdOf(call.req.headers, call.body), call.client, messages);
  await answer(call, ctx, target, question, conversation, true);
}

/** `POST /api/generate`: `prompt` is the utterance; one conversation per client (or per conversation id). */
export async function generate(call: ApiCall, ctx: ApiContext): Promise<void> {
  const target = requireTarget(ctx, call.body, call);
  const prompt = call.body['prompt'] ?? '';
  if (typeof prompt !== 'string') throw new ServeError('SERVE_ERR_BAD_REQUEST', `prompt: expected a string, got ${typeof prompt}`);
  if (prompt.trim() === '') {
    loaded(call, ctx, target, false);
    return;
  }
  const question = assertUtterance(prompt, 'prompt');
  await answer(call, ctx, target, question, clientKey(conversationIdOf(call.req.headers, call.body), call.client), false);
}

async function answer(call: ApiCall, ctx: ApiContext, target: ServeTarget, question: string, conversation: string, isChat: boolean): Promise<void> {
  const stream = booleanField(call.body, 'stream', true);
  call.meta.stream = stream;
  const started = ctx.now();
  const run = new AnswerRun(ctx, target, question, conversation, call);
  const stamp = (): { model: string; created_at: string } => ({ model: target.name, created_at: new Date(ctx.clock()).toISOString() });
  const content = (text: string): Record<string, unknown> => (isChat ? { message: { role: 'assistant', content: text } } : { response: text });
  const final = (text: string): Record<string, unknown> => ({
    ...stamp(),
    ...content(text),
    done_reason: 'stop',
    done: true,
    total_duration: nanos(started, ctx.now()),
    load_duration: 0,
    prompt_eval_count: 0,
    prompt_eval_duration: 0,
    eval_count: 0,
    eval_duration: 0,
  });

  if (!stream) {
    const text = await collectAnswer(run);
    call.meta.answerChars = text.length;
    sendJson(call.res, 200, final(text), fallbackHeaders(run));
    return;
  }

  const first = await run.next(); // before any header: a failure here still gets its HTTP status
  const out = ndjsonWriter(call.res, fallbackHeaders(run));
  const joiner = new SentenceJoiner();
  try {
    for (let sentence = first; sentence !== undefined; sentence = await run.next()) {
      await out.write({ ...stamp(), ...content(joiner.piece(sentence)), done: false });
    }
  } catch (error) {
    run.stop(error);
    call.meta.answerChars = joiner.chars;
    out.fail(ollamaErrorBody(error instanceof ServeError ? error : new ServeError('SERVE_ERR_INTERNAL', 'the answer broke off')));
    throw new AnswerBrokeOff(error);
  }
  call.meta.answerChars = joiner.chars;
  await out.write(final(''));
  out.end();
}
