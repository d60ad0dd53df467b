/**
 * The OpenAI-compatible endpoints (the Chat Completions API as the `openai` clients and Open WebUI use it):
 * `POST /v1/chat/completions` (whole or `stream: true` as server-sent events: `data: {chunk}` with
 * `choices[0].delta.content`, then `data: [DONE]`), `GET /v1/models` and `GET /v1/models/{id}`.
 *
 * Errors are `{"error": {"message", "type", "param", "code"}}` with the matching HTTP status.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { type ApiCall, type ApiContext, AnswerBrokeOff, AnswerRun, SentenceJoiner, booleanField, collectAnswer, fallbackHeaders, lookupTarget, requireTarget } from './api-common.js';
import { MODEL_OWNER } from './constants.js';
import { conversationIdOf, conversationKey, lastUserText, parseMessages } from './conversation.js';
import { type ServeErrorCode, ServeError } from './errors.js';
import { sendJson, sseWriter } from './http-io.js';
import type { ServeTarget } from './targets.js';

/** OpenAI's `type` and `code` for each error. */
const OPENAI_ERRORS: Readonly<Record<ServeErrorCode, readonly [type: string, code: string]>> = {
  SERVE_ERR_INSECURE: ['server_error', 'internal_error'],
  SERVE_ERR_TOKEN: ['server_error', 'internal_error'],
  SERVE_ERR_LISTEN: ['server_error', 'internal_error'],
  SERVE_ERR_BAD_REQUEST: ['invalid_request_error', 'invalid_request'],
  SERVE_ERR_UNAUTHORIZED: ['invalid_request_error', 'invalid_api_key'],
  SERVE_ERR_FORBIDDEN: ['invalid_request_error', 'forbidden'],
  SERVE_ERR_NOT_FOUND: ['invalid_request_error', 'unknown_url'],
  SERVE_ERR_UNKNOWN_MODEL: ['invalid_request_error', 'model_not_found'],
  SERVE_ERR_METHOD: ['invalid_request_error', 'method_not_allowed'],
  SERVE_ERR_TOO_LARGE: ['invalid_request_error', 'request_too_large'],
  SERVE_ERR_RATE_LIMITED: ['requests', 'rate_limit_exceeded'],
  SERVE_ERR_UPSTREAM: ['server_error', 'upstream_error'],
  SERVE_ERR_UNAVAILABLE: ['server_error', 'service_unavailable'],
  SERVE_ERR_TIMEOUT: ['server_error', 'timeout'],
  SERVE_ERR_INTERNAL: ['server_error', 'internal_error'],
};

/** The OpenAI error body of `error`. */
export function openAiErrorBody(error: ServeError): { error: { message: string; type: string; param: null; code: string } } {
  const [type, code] = OPENAI_ERRORS[error.code];
  return { error: { message: error.message, type, param: null, code } };
}

function modelObject(target: ServeTarget, ctx: ApiContext): Record<string, unknown> {
  return { id: target.name, object: 'model', created: Math.floor(ctx.startedAt / 1000), owned_by: MODEL_OWNER };
}

/** `GET /v1/models`. */
export async function listModels(call: ApiCall, ctx: ApiContext): Promise<void> {
  sendJson(call.res, 200, { object: 'list', data: [...ctx.targets.values()].map((t) => modelObject(t, ctx)) });
}

/** `GET /v1/models/{id}`. */
export async function retrieveModel(call: ApiCall, ctx: ApiContext): Promise<void> {
  let id: string;
  try {
    id = decodeURIComponent(call.params[0] ?? '');
  } catch (cause) {
    throw new ServeError('SERVE_ERR_BAD_REQUEST', 'model id: expected valid percent-encoding in the path, got a malformed escape', { cause });
  }
  const target = lookupTarget(ctx, id, call);
  sendJson(call.res, 200, modelObject(target, ctx));
}

/** `POST /v1/chat/completions`. */
export async function chatCompletions(call: ApiCall, ctx: ApiContext): Promise<void> {
  const { body } = call;
  const target = requireTarget(ctx, body, call);
  const messages = parseMessages(body['messages']);
  const question = lastUserText(messages);
  const stream = booleanField(body, 'stream', false);
  call.meta.stream = stream;
  const options = body['stream_options'];
  const includeUsage = typeof options === 'object' && options !== null && (options as { include_usage?: unknown }).include_usage === true;
  const conversation = conversationKey(conversationIdOf(call.req.headers, body), call.client, messages);
  const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
  const created = Math.floor(ctx.clock() / 1000);
  const model = target.name;
  const run = new AnswerRun(ctx, target, question, conversation, call);

  if (!stream) {
    const text = await collectAnswer(run);
    call.meta.answerChars = text.length;
    sendJson(
      call.res,
      200,
      {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        // hivesat does not count tokens: a hub or a rule engine has none.
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
        system_fingerprint: null,
      },
      fallbackHeaders(run),
    );
    return;
  }

  const first = await run.next(); // before any header: a failure here still gets its HTTP status
  const out = sseWriter(call.res, fallbackHeaders(run));
  const chunk = (delta: Record<string, unknown>, finish: string | null): Record<string, unknown> => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const joiner = new SentenceJoiner();
  await out.write(chunk({ role: 'assistant', content: '' }, null));
  try {
    for (let sentence = first; sentence !== undefined; sentence = await run.next()) {
      await out.write(chunk({ content: joiner.piece(sentence) }, null));
    }
  } catch (error) {
    run.stop(error);
    call.meta.answerChars = joiner.chars;
    out.fail(openAiErrorBody(error instanceof ServeError ? error : new ServeError('SERVE_ERR_INTERNAL', 'the answer broke off')));
    throw new AnswerBrokeOff(error);
  }
  call.meta.answerChars = joiner.chars;
  await out.write(chunk({}, 'stop'));
  if (includeUsage) await out.write({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: null, choices: [], usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });
  out.end();
}

