/**
 * The OVOS side of the hub, as far as a client can observe it: `Session` (de)serialisation (HIVEMIND.md §5.5), what
 * hivemind-core does to a BUS message before injecting it into the agent bus (§5.4), `Message.reply` routing and the
 * agent plugin's delivery to peers (§5.6).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type JsonObject, type JsonValue, isJsonObject } from '../../src/hivemind/json.js';
import { AGENT_SOURCE, SESSION_KEYS } from './constants.js';

/** An OVOS bus message: `Message.serialize()` = `{type, data, context}`. */
export interface OvosMessage {
  readonly type: string;
  readonly data: JsonObject;
  readonly context: JsonObject;
}

function clone<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/**
 * `Session.deserialize(data)` followed by `serialize()`: the fifteen keys in ovos-bus-client order; a key missing or
 * `null` in `data` takes the server default, a missing `session_id` a random UUID; unknown keys are dropped.
 */
export function deserializeSession(data: JsonObject, defaults: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of SESSION_KEYS) {
    const given = data[key];
    if (given !== undefined && given !== null) out[key] = clone(given);
    else if (key === 'session_id') out[key] = randomUUID();
    else {
      const fallback = defaults[key];
      if (fallback !== undefined) out[key] = clone(fallback);
    }
  }
  return out;
}

/** Generation B: the per-message session, without its `null` fields, merged over the HELLO baseline (§5.7). */
export function mergeSession(baseline: JsonObject, overlay: JsonObject): JsonObject {
  const out: JsonObject = clone(baseline);
  for (const key of SESSION_KEYS) {
    const given = overlay[key];
    if (given !== undefined && given !== null) out[key] = clone(given);
  }
  return out;
}

/** `_update_blacklist`: append the DB skill/intent blacklists to the session's lists (no duplicates). */
export function withBlacklists(session: JsonObject, skills: readonly string[], intents: readonly string[]): JsonObject {
  const out = clone(session);
  const extend = (key: string, extra: readonly string[]): void => {
    if (extra.length === 0) return;
    const current = out[key];
    const list: JsonValue[] = Array.isArray(current) ? current : [];
    for (const item of extra) if (!list.includes(item)) list.push(item);
    out[key] = list;
  };
  extend('blacklisted_skills', skills);
  extend('blacklisted_intents', intents);
  return out;
}

/** The session id of an OVOS message context, if it carries one. */
export function contextSessionId(context: JsonObject): string | undefined {
  const session = context['session'];
  if (!isJsonObject(session)) return undefined;
  const id = session['session_id'];
  return typeof id === 'string' ? id : undefined;
}

/**
 * What `handle_bus_message` / `handle_inject_agent_msg` do before emitting on the agent bus (§5.4 steps 4–6), key
 * order preserved as Python dicts keep it: `session` replaced by the connection's session, `destination` set
 * (`["audio"]` for `speak`, `"skills"` when missing), then `peer` and `source` set to the connection's peer.
 */
export function injectedMessage(payload: OvosMessage, session: JsonObject, peer: string): OvosMessage {
  const context: JsonObject = clone(payload.context);
  context['session'] = session;
  if (payload.type === 'speak') context['destination'] = ['audio'];
  else if (!('destination' in context)) context['destination'] = 'skills';
  context['peer'] = peer;
  context['source'] = peer;
  return { type: payload.type, data: clone(payload.data), context };
}

/**
 * OVOS `Message.reply(type, data, context)`: the original context (plus `context`), with `destination` set to the
 * original `source` and `source` to the original `destination`.
 */
export function replyMessage(original: OvosMessage, type: string, data: JsonObject = {}, context: JsonObject = {}): OvosMessage {
  const out: JsonObject = clone(original.context);
  for (const [key, value] of Object.entries(context)) out[key] = clone(value);
  if ('source' in out) out['destination'] = out['source'] ?? null;
  if ('destination' in original.context) out['source'] = clone(original.context['destination'] ?? null);
  return { type, data: clone(data), context: out };
}

/** OVOS `Message.forward(type, data)`: the same context, routing unchanged. */
export function forwardMessage(original: OvosMessage, type: string, data: JsonObject = {}): OvosMessage {
  return { type, data: clone(data), context: clone(original.context) };
}

/** The peers a message is addressed to: `context.destination`, a string or a list of strings. */
export function destinations(message: OvosMessage): readonly string[] {
  const destination = message.context['destination'];
  if (typeof destination === 'string') return [destination];
  if (Array.isArray(destination)) return destination.filter((d): d is string => typeof d === 'string');
  return [];
}

/** The agent plugin's last touch before sending to a peer: `context.source = "hive"` (§5.6). */
export function asDelivered(message: OvosMessage): OvosMessage {
  const context = clone(message.context);
  context['source'] = AGENT_SOURCE;
  return { type: message.type, data: clone(message.data), context };
}

/** An OVOS message as the JSON payload of a BUS HiveMessage. */
export function ovosToJson(message: OvosMessage): JsonObject {
  return { type: message.type, data: message.data, context: message.context };
}

/**
 * Read a BUS payload as an OVOS message, or `undefined` when it is not one (`type` must be a string; `data` and
 * `context` default to `{}` as `Message.deserialize` does).
 */
export function jsonToOvos(payload: JsonObject): OvosMessage | undefined {
  const { type } = payload;
  const data = payload['data'] ?? {};
  const context = payload['context'] ?? {};
  if (typeof type !== 'string' || !isJsonObject(data) || !isJsonObject(context)) return undefined;
  return { type, data, context };
}
