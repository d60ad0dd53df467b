/**
 * A solver that fails — refused, stalled, HTTP 500, garbage or empty body — against real HTTP servers on loopback:
 * the next solver is tried, the failure names the endpoint and the cause, is reported once per cause, and the user
 * hears why.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OPENAI_SOLVER_ID, type PersonaLogEvent, personaFromJson, spokenFailureReason } from '../../src/persona/index.js';
import { freePort } from '../helpers/net.js';

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve())))));
  servers = [];
});

/** A server that answers every request with `respond` (or never, when it does nothing). */
async function serve(respond: (res: import('node:http').ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => respond(res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function persona(host: string, events: PersonaLogEvent[], handlers = [OPENAI_SOLVER_ID, 'ovos-solver-failure-plugin'], timeout = 10) {
  return personaFromJson({ name: 'llm', handlers, [OPENAI_SOLVER_ID]: { api_url: `http://${host}/v1`, timeout } }, 'llm.json', { log: (e) => events.push(e) });
}

const failures = (events: PersonaLogEvent[]) => events.flatMap((e) => (e.type === 'failure' ? [{ ...e.failure, firstOfCause: e.firstOfCause }] : []));

describe('a failing LLM solver', () => {
  it.each([
    ['refused', async () => `127.0.0.1:${await freePort()}`, 'PERSONA_ERR_NETWORK', 'ECONNREFUSED'],
    ['stalled', () => serve(() => undefined), 'PERSONA_ERR_TIMEOUT', 'timeout'],
    ['HTTP 500', () => serve((res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"overloaded"}}')), 'PERSONA_ERR_HTTP', 'HTTP 500'],
    ['garbage', () => serve((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>502 Bad Gateway</html>')), 'PERSONA_ERR_BAD_RESPONSE', 'bad body'],
    ['empty body', () => serve((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('')), 'PERSONA_ERR_BAD_RESPONSE', 'bad body'],
    ['empty answer', () => serve((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[{"message":{"content":""}}]}')), 'PERSONA_ERR_BAD_RESPONSE', 'empty body'],
  ])('%s: the user hears why, the failure names the endpoint and the cause', async (_kind, start, code, detail) => {
    const host = await start();
    const events: PersonaLogEvent[] = [];
    // Only the stalling server needs a short limit (its one outcome is the timeout); the others get time to answer.
    const p = persona(host, events, undefined, code === 'PERSONA_ERR_TIMEOUT' ? 0.3 : 10);
    const answer = await p.ask('tell me a joke', { lang: 'en-us' });
    expect(answer.text).toBe("Sorry, I can't reach my language model right now.");
    expect(answer.attempts.map((a) => [a.solverId, a.outcome])).toEqual([
      ['hivesat-solver-builtin', 'empty'],
      [OPENAI_SOLVER_ID, code === 'PERSONA_ERR_TIMEOUT' ? 'timeout' : 'error'],
      ['ovos-solver-failure-plugin', 'answered'],
    ]);
    expect(failures(events)).toEqual([{ solverId: OPENAI_SOLVER_ID, role: 'language-model', endpoint: host, code, detail, message: expect.any(String), firstOfCause: true }]);
    // The same cause again is reported, but not as new: a log writes one line per cause.
    await p.ask('tell me another joke', { lang: 'en-us' });
    expect(failures(events).map((f) => f.firstOfCause)).toEqual([true, false]);
  });

  it('the next solver in the chain answers before anyone apologises; built-in questions never reach the LLM', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const events: PersonaLogEvent[] = [];
    const p = persona(host, events, [OPENAI_SOLVER_ID, 'ovos-solver-failure-plugin']);
    const time = await p.ask('what is twelve times seven', { lang: 'en-us' });
    expect(time).toMatchObject({ text: '12 times 7 is 84.', solverId: 'hivesat-solver-builtin' });
    expect(failures(events)).toEqual([]);
  });

  it('without a failure solver, the chain throws PERSONA_ERR_NO_ANSWER carrying the failures', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const p = persona(host, [], [OPENAI_SOLVER_ID]);
    const error = await p.ask('tell me a joke', { lang: 'en-us' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PERSONA_ERR_NO_ANSWER', failures: [{ endpoint: host, code: 'PERSONA_ERR_NETWORK', detail: 'ECONNREFUSED' }] });
  });
});

describe('spokenFailureReason', () => {
  const failure = { solverId: 'x', endpoint: 'h:1', code: 'PERSONA_ERR_HTTP', detail: 'HTTP 500', message: 'm' };
  it('names what failed, in the languages it has words for', () => {
    expect(spokenFailureReason([{ ...failure, role: 'language-model' }], 'en-GB')).toBe("Sorry, I can't reach my language model right now.");
    expect(spokenFailureReason([{ ...failure, role: 'hub' }], 'en')).toBe("Sorry, I can't reach the other HiveMind hub right now.");
    expect(spokenFailureReason([{ ...failure, role: 'local' }], 'en')).toBeUndefined();
    expect(spokenFailureReason([{ ...failure, role: 'language-model' }], 'pt-PT')).toBeUndefined();
    expect(spokenFailureReason([], 'en')).toBeUndefined();
  });
});
