/**
 * What the "OVOS side" of the test hub does with the BUS messages it injects (HIVEMIND.md §5.4, §5.6).
 *
 * An agent is a function `(message, api) => void`: `message` is the OVOS message as hivemind-core injected it
 * (session replaced, `peer`/`source` set to the client's peer), `api` replies to it. Replies follow OVOS routing and
 * reach the client only if it is registered, i.e. has sent its HELLO (§2.5.4, P4). The default agent reproduces the
 * responder of the recorded sessions: `ovos.utterance.handled`, then `speak` "you said <text>".
 *
 * @module
 */
import type { JsonObject } from '../../src/hivemind/json.js';
import { RECORDED_RESPONDER_NAME } from './constants.js';
import type { OvosMessage } from './ovos.js';
import type { HubConnection } from './connection.js';
import type { TestHub } from './hub.js';

/** What an agent can do with the message it is handling. */
export interface AgentApi {
  /** The connection that sent the message. */
  readonly connection: HubConnection;
  /** The hub (e.g. for `sendTtsAudio`). */
  readonly hub: TestHub;
  /** `message.reply(type, data, context)`: routed back to the sender's peer. */
  reply(type: string, data?: JsonObject, context?: JsonObject): void;
  /** `message.forward(type, data)`: same routing as the message. */
  forward(type: string, data?: JsonObject): void;
  /** Emit any OVOS message on the agent bus: delivered to every registered peer in `context.destination`. */
  emit(message: OvosMessage): void;
  /** Reply with `speak` `{utterance, lang, expect_response, meta}` (lang defaults to the message's). */
  speak(utterance: string, options?: SpeakOptions): void;
  /** Run `task` under the hub's supervision (a throw becomes an `agentError` event): for answers given later. */
  defer(task: () => void | Promise<void>): void;
}

/** Options of {@link AgentApi.speak}. */
export interface SpeakOptions {
  readonly lang?: string;
  readonly expectResponse?: boolean;
  readonly meta?: JsonObject;
}

/** The OVOS side: called for every BUS message the hub injects (after its permission checks). */
export type HubAgent = (message: OvosMessage, api: AgentApi) => void | Promise<void>;

/** The utterance text and language of a `recognizer_loop:utterance`, or `undefined` for other messages. */
export function utteranceOf(message: OvosMessage): { readonly text: string; readonly lang: string } | undefined {
  if (message.type !== 'recognizer_loop:utterance') return undefined;
  const utterances = message.data['utterances'];
  const first = Array.isArray(utterances) ? utterances[0] : utterances;
  const text = typeof first === 'string' ? first : '';
  return { text, lang: langOf(message) };
}

/** `data.lang`, else the session's `lang`, else `en-US`. */
export function langOf(message: OvosMessage): string {
  const lang = message.data['lang'];
  if (typeof lang === 'string') return lang;
  const session = message.context['session'];
  const sessionLang = typeof session === 'object' && session !== null && !Array.isArray(session) ? session['lang'] : undefined;
  return typeof sessionLang === 'string' ? sessionLang : 'en-US';
}

/** Options of {@link agents.responder}. */
export interface ResponderOptions {
  /** Skill name in `ovos.utterance.handled` and `speak` meta (default: the recorded `refpeer-responder`). */
  readonly name?: string;
  /** The answer to an utterance (default `you said <text>`). */
  readonly answer?: (text: string) => string;
}

/** Ready-made agents. */
export const agents = {
  /**
   * The recorded responder: on `recognizer_loop:utterance`, reply `ovos.utterance.handled` `{name}` and then
   * `speak` `{"utterance": "you said <text>", "lang", "expect_response": false, "meta": {"skill": name}}`.
   */
  responder(options: ResponderOptions = {}): HubAgent {
    const name = options.name ?? RECORDED_RESPONDER_NAME;
    const answer = options.answer ?? ((text: string): string => `you said ${text}`);
    return (message, api) => {
      const utterance = utteranceOf(message);
      if (utterance === undefined) return;
      api.reply('ovos.utterance.handled', { name });
      api.speak(answer(utterance.text), { lang: utterance.lang, meta: { skill: name } });
    };
  },

  /** Never answers anything. */
  silent(): HubAgent {
    return () => undefined;
  },

  /** Runs `inner` `delayMs` after each message (a `setTimeout`, so fake timers drive it). */
  delayed(delayMs: number, inner: HubAgent = agents.responder()): HubAgent {
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`expected a delay >= 0 ms, got ${delayMs}`);
    return (message, api) => {
      setTimeout(() => api.defer(() => inner(message, api)), delayMs);
    };
  },

  /** Every utterance fails intent matching: `complete_intent_failure` then `ovos.utterance.handled`. */
  intentFailure(): HubAgent {
    return (message, api) => {
      if (utteranceOf(message) === undefined) return;
      api.reply('complete_intent_failure', {});
      api.reply('ovos.utterance.handled', {});
    };
  },

  /** Answers each utterance with several `speak`s (the last one `expect_response` if asked), then handled. */
  speakAll(utterances: readonly string[], options: { readonly expectResponse?: boolean } = {}): HubAgent {
    return (message, api) => {
      const utterance = utteranceOf(message);
      if (utterance === undefined) return;
      utterances.forEach((text, index) => {
        const last = index === utterances.length - 1;
        api.speak(text, { lang: utterance.lang, expectResponse: last && options.expectResponse === true });
      });
      api.reply('ovos.utterance.handled', { name: RECORDED_RESPONDER_NAME });
    };
  },
} as const;
