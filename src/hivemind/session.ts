/**
 * Our session on the hub (HIVEMIND.md §2.5.4, §5.4, §5.6, pitfalls P3, P4, P14):
 * - the HELLO we send once keyed: `{"session": {session_id, site_id, lang}, "site_id"}`;
 * - the context of every BUS message: that session (never `"default"`, never a `pipeline`), plus `source`,
 *   `platform` (our useragent) and `destination` (`"HiveMind"`) unless the caller set them;
 * - parsing the OVOS message of an incoming BUS payload.
 *
 * The session id is a UUID kept for the life of a connection object, across reconnects, so the hub's OVOS side sees
 * one continuous conversation.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { HiveProtocolError } from './errors.js';
import { type JsonObject, isJsonObject } from './json.js';
import { type HiveMessage, createHiveMessage } from './message.js';
import { HiveMessageType } from './message-types.js';

/** The session id hubs treat specially (4.0.x disconnects non-admins that use it, P3). */
const FORBIDDEN_SESSION_ID = 'default';

/** An OVOS bus message (the payload of a BUS HiveMessage). */
export interface OvosMessage {
  readonly type: string;
  readonly data: JsonObject;
  readonly context: JsonObject;
}

/** Who we are on the hub. */
export interface SessionIdentity {
  readonly sessionId: string;
  readonly siteId: string;
  readonly lang: string;
  /** The useragent actually sent in the `authorization` query (`context.source` / `platform`). */
  readonly useragent: string;
}

/**
 * A new session id (UUID v4), or `preferred` after checking it.
 *
 * @throws {RangeError} if `preferred` is empty or `"default"`.
 */
export function sessionIdOrNew(preferred?: string): string {
  if (preferred === undefined) return randomUUID();
  if (typeof preferred !== 'string' || preferred.length === 0 || preferred === FORBIDDEN_SESSION_ID) {
    throw new RangeError(`sessionId: expected a non-empty id other than "${FORBIDDEN_SESSION_ID}", got ${typeof preferred === 'string' ? `"${preferred}"` : typeof preferred}`);
  }
  return preferred;
}

/** The session object we declare: exactly `session_id`, `site_id`, `lang` (no `pipeline`, P14). */
export function sessionObject(identity: SessionIdentity): JsonObject {
  return { session_id: identity.sessionId, site_id: identity.siteId, lang: identity.lang };
}

/** Our HELLO (§2.5.4): `{"session": {...}, "site_id"}`. */
export function buildHello(identity: SessionIdentity): HiveMessage {
  return createHiveMessage(HiveMessageType.HELLO, { session: sessionObject(identity), site_id: identity.siteId });
}

/**
 * The BUS HiveMessage for an OVOS message: the caller's context with our session forced in (caller session keys
 * other than `session_id`/`site_id`/`lang` are kept, except `pipeline`), and `source`/`platform`/`destination` filled
 * when absent.
 */
export function buildBus(identity: SessionIdentity, type: string, data: JsonObject, context: JsonObject = {}): HiveMessage {
  const callerSession = isJsonObject(context['session']) ? context['session'] : {};
  const session: JsonObject = {};
  for (const [key, value] of Object.entries(callerSession)) if (key !== 'pipeline') session[key] = value;
  Object.assign(session, sessionObject(identity));
  const ctx: JsonObject = { ...context, session };
  ctx['source'] ??= identity.useragent;
  ctx['platform'] ??= identity.useragent;
  ctx['destination'] ??= 'HiveMind';
  return createHiveMessage(HiveMessageType.BUS, { type, data, context: ctx });
}

/**
 * The OVOS message of an incoming BUS payload; `data` and `context` default to `{}`.
 *
 * @throws {HM_ERR_BAD_ENVELOPE} (HiveProtocolError) if `type` is not a string or `data`/`context` are not objects.
 */
export function toOvosMessage(payload: JsonObject): OvosMessage {
  const { type } = payload;
  const data = payload['data'] ?? {};
  const context = payload['context'] ?? {};
  if (typeof type !== 'string') throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected a BUS payload with a string "type", got ${type === null ? 'null' : typeof type}`);
  if (!isJsonObject(data)) throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected BUS "data" to be an object, got ${Array.isArray(data) ? 'array' : typeof data}`);
  if (!isJsonObject(context)) throw new HiveProtocolError('HM_ERR_BAD_ENVELOPE', `expected BUS "context" to be an object, got ${Array.isArray(context) ? 'array' : typeof context}`);
  return { type, data, context };
}
