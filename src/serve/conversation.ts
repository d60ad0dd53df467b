/**
 * From a chat request to what a target needs: the utterance (the last user message) and a stable conversation key.
 *
 * Chat APIs are stateless: each request carries the whole conversation. The hub and the personas are stateful (an
 * OVOS session, a solver's memory), so each conversation is mapped to one of them by a key:
 * - an explicit conversation id when the client sends one (a header or a body field, see {@link conversationIdOf});
 * - else a hash of the conversation's opening: its non-system messages before the first assistant message. Those do
 *   not change as the conversation grows (the system prompt does: Home Assistant rewrites it, with the time, on every
 *   turn), so every turn of one conversation gets the same key. The client address is mixed in, so two clients that
 *   open with the same words do not share a session.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { MAX_CONVERSATION_ID_CHARS, MAX_UTTERANCE_CHARS } from './constants.js';
import { ServeError } from './errors.js';

/** One chat message, normalised: the text of every content form joined. */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

/** Headers that carry a conversation id, first match wins (lower case). */
const ID_HEADERS = ['x-conversation-id', 'x-session-id', 'x-openwebui-chat-id'] as const;
/** Body fields that carry a conversation id, first match wins (also looked up under `metadata`). */
const ID_FIELDS = ['conversation_id', 'session_id', 'chat_id'] as const;

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** The text of a message's `content`: a string, `null` (a tool-call turn), or OpenAI content parts (text parts kept). */
function contentText(value: unknown, index: number): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value
      .map((part: unknown) => {
        if (typeof part === 'string') return part;
        if (typeof part === 'object' && part !== null && (part as { type?: unknown }).type === 'text') {
          const text = (part as { text?: unknown }).text;
          if (typeof text === 'string') return text;
        }
        return '';
      })
      .filter((t) => t !== '')
      .join(' ');
  }
  throw new ServeError('SERVE_ERR_BAD_REQUEST', `messages[${index}].content: expected a string or a list of content parts, got ${typeName(value)}`);
}

/**
 * The `messages` of a chat request.
 *
 * @throws {ServeError} `SERVE_ERR_BAD_REQUEST` unless it is a list of objects with a string `role`.
 */
export function parseMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value)) throw new ServeError('SERVE_ERR_BAD_REQUEST', `messages: expected a list of messages, got ${typeName(value)}`);
  return value.map((message: unknown, index) => {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      throw new ServeError('SERVE_ERR_BAD_REQUEST', `messages[${index}]: expected an object, got ${typeName(message)}`);
    }
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || role === '') throw new ServeError('SERVE_ERR_BAD_REQUEST', `messages[${index}].role: expected a string, got ${typeName(role)}`);
    return { role, content: contentText(content, index) };
  });
}

/**
 * Check an utterance: not blank, at most {@link MAX_UTTERANCE_CHARS}. Returns it trimmed.
 *
 * @throws {ServeError} `SERVE_ERR_BAD_REQUEST`
 */
export function assertUtterance(text: string, where: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new ServeError('SERVE_ERR_BAD_REQUEST', `${where}: expected text to answer, got an empty one`);
  if (trimmed.length > MAX_UTTERANCE_CHARS) throw new ServeError('SERVE_ERR_BAD_REQUEST', `${where}: expected at most ${MAX_UTTERANCE_CHARS} characters, got ${trimmed.length}`);
  return trimmed;
}

/**
 * The utterance of a conversation: its last `user` message.
 *
 * @throws {ServeError} `SERVE_ERR_BAD_REQUEST` without a user message, or when it is blank or too long.
 */
export function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === 'user') return assertUtterance(message.content, `messages[${i}]`);
  }
  throw new ServeError('SERVE_ERR_BAD_REQUEST', `messages: expected at least one message with role "user", got ${messages.length === 0 ? 'none' : `only ${[...new Set(messages.map((m) => m.role))].join(', ')}`}`);
}

function idFrom(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') throw new ServeError('SERVE_ERR_BAD_REQUEST', `${where}: expected a string, got ${typeName(value)}`);
  const id = String(value);
  if (id.length > MAX_CONVERSATION_ID_CHARS) throw new ServeError('SERVE_ERR_BAD_REQUEST', `${where}: expected at most ${MAX_CONVERSATION_ID_CHARS} characters, got ${id.length}`);
  return id;
}

/**
 * The conversation id a client sent, if any: header `X-Conversation-Id`, `X-Session-Id` or `X-OpenWebUI-Chat-Id`,
 * else body field `conversation_id`, `session_id` or `chat_id` (top level or under `metadata`).
 *
 * @throws {ServeError} `SERVE_ERR_BAD_REQUEST` for an id that is not a string or longer than
 *   {@link MAX_CONVERSATION_ID_CHARS}.
 */
export function conversationIdOf(headers: IncomingHttpHeaders, body: Readonly<Record<string, unknown>>): string | undefined {
  for (const name of ID_HEADERS) {
    const id = idFrom(headers[name], `header ${name}`);
    if (id !== undefined) return id;
  }
  const metadata = body['metadata'];
  for (const field of ID_FIELDS) {
    const id = idFrom(body[field], field) ?? (typeof metadata === 'object' && metadata !== null ? idFrom((metadata as Record<string, unknown>)[field], `metadata.${field}`) : undefined);
    if (id !== undefined) return id;
  }
  return undefined;
}

/** The messages that open a conversation: non-system messages before the first assistant message. */
function openingOf(messages: readonly ChatMessage[]): ChatMessage[] {
  const firstAssistant = messages.findIndex((m) => m.role === 'assistant');
  const head = firstAssistant < 0 ? messages : messages.slice(0, firstAssistant);
  return head.filter((m) => m.role !== 'system');
}

/**
 * The key of a conversation (see the module comment): `id:<hash>` for an explicit id, else `opening:<hash>` of the
 * client address and the opening messages. Keys are hashes, so no conversation text is kept as a map key or logged.
 */
export function conversationKey(explicitId: string | undefined, client: string, messages: readonly ChatMessage[]): string {
  if (explicitId !== undefined) return `id:${digest(['id', explicitId])}`;
  return `opening:${digest(['opening', client, ...openingOf(messages).flatMap((m) => [m.role, m.content])])}`;
}

/** The key of stateless requests (`/api/generate` without an id): one conversation per client. */
export function clientKey(explicitId: string | undefined, client: string): string {
  return explicitId !== undefined ? `id:${digest(['id', explicitId])}` : `client:${digest(['client', client])}`;
}

function digest(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:${part}\0`);
  return hash.digest('hex');
}

/**
 * The HiveMind session id of a conversation key (per model): a name-based UUID (RFC 9562 layout, version 8 with
 * SHA-256), the same across restarts, so the hub's OVOS session follows the conversation.
 */
export function sessionIdFor(model: string, key: string): string {
  const bytes = createHash('sha256').update(`hivesat-serve\0${model}\0${key}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80; // version 8 (custom, name-based)
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
