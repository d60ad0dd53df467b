import { describe, expect, it } from 'vitest';
import { Persona, PersonaError, type PersonaLogEvent, type Solver, type SolverAttempt, type SolverContext } from '../../src/persona/index.js';
import { collect, deferred, ManualTimers } from './helpers.js';

/** A solver that yields the given sentences, or throws, or waits on a gate. */
function fake(id: string, behaviour: { sentences?: string[]; error?: Error; gate?: Promise<void>; timeoutMs?: number; seen?: SolverContext[] }): Solver {
  return {
    id,
    timeoutMs: behaviour.timeoutMs ?? 1000,
    async *answer(_q: string, context: SolverContext) {
      behaviour.seen?.push(context);
      if (behaviour.gate !== undefined) await behaviour.gate;
      if (behaviour.error !== undefined) throw behaviour.error;
      yield* behaviour.sentences ?? [];
    },
  };
}

/** A solver that never answers and ignores its abort signal. */
function deaf(id: string): Solver {
  return {
    id,
    timeoutMs: 250,
    answer: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<string>>(() => undefined) }) }),
  };
}

let clock = 0;
const now = (): number => (clock += 5);

describe('Persona chain', () => {
  it('the first solver with something to say wins', async () => {
    const persona = new Persona({ name: 'p', now, solvers: [fake('a', {}), fake('b', { sentences: ['From b.', 'Second.'] }), fake('c', { sentences: ['From c.'] })] });
    const answer = await persona.ask('q', { lang: 'en-us' });
    expect(answer).toMatchObject({ text: 'From b. Second.', sentences: ['From b.', 'Second.'], solverId: 'b' });
    expect(answer.attempts.map((a) => [a.solverId, a.outcome, a.sentences])).toEqual([
      ['a', 'empty', 0],
      ['b', 'answered', 2],
    ]);
  });

  it('an error is logged as a value and falls through', async () => {
    const events: PersonaLogEvent[] = [];
    const boom = new PersonaError('PERSONA_ERR_HTTP', 'a: expected HTTP 2xx, got 500');
    const persona = new Persona({ name: 'p', now, log: (e) => events.push(e), solvers: [fake('a', { error: boom }), fake('b', { sentences: ['Ok.'] })] });
    expect((await persona.ask('q', { lang: 'en' })).text).toBe('Ok.');
    const first = events[0];
    expect(first).toMatchObject({ type: 'attempt', persona: 'p', attempt: { solverId: 'a', outcome: 'error', error: boom } });
  });

  it('blank sentences do not count as an answer', async () => {
    const persona = new Persona({ name: 'p', now, solvers: [fake('a', { sentences: ['  ', ''] }), fake('b', { sentences: ['Yes.'] })] });
    expect((await persona.ask('q', { lang: 'en' })).solverId).toBe('b');
  });

  it('a slow solver times out to the next one (its signal is aborted with PERSONA_ERR_TIMEOUT)', async () => {
    const timers = new ManualTimers();
    const gate = deferred();
    const seen: SolverContext[] = [];
    const persona = new Persona({ name: 'p', now, timers, solvers: [fake('slow', { gate: gate.promise, timeoutMs: 3000, seen }), fake('fast', { sentences: ['Fast.'] })] });
    const pending = persona.ask('q', { lang: 'en' });
    await Promise.resolve();
    expect(timers.armed).toEqual([3000]);
    timers.fireAll();
    const answer = await pending;
    expect(answer.text).toBe('Fast.');
    const attempt = answer.attempts[0];
    expect(attempt).toMatchObject({ solverId: 'slow', outcome: 'timeout' });
    expect(attempt?.error).toMatchObject({ code: 'PERSONA_ERR_TIMEOUT', message: 'slow: expected a sentence within 3000 ms, got none in time' });
    expect(seen[0]?.signal.aborted).toBe(true);
  });

  it('a solver that ignores its abort signal cannot hold the chain', async () => {
    const timers = new ManualTimers();
    const persona = new Persona({ name: 'p', now, timers, solvers: [deaf('deaf'), fake('next', { sentences: ['Here.'] })] });
    const pending = persona.ask('q', { lang: 'en' });
    await Promise.resolve();
    timers.fireAll();
    expect((await pending).attempts.map((a) => a.outcome)).toEqual(['timeout', 'answered']);
  });

  it('once a solver has spoken the chain is committed: a later failure just ends the answer', async () => {
    const failing: Solver = {
      id: 'half',
      timeoutMs: 1000,
      async *answer() {
        yield 'First part.';
        throw new Error('connection reset');
      },
    };
    const persona = new Persona({ name: 'p', now, solvers: [failing, fake('never', { sentences: ['No.'] })] });
    const answer = await persona.ask('q', { lang: 'en' });
    expect(answer.text).toBe('First part.');
    expect(answer.attempts).toHaveLength(1);
    expect(answer.attempts[0]).toMatchObject({ outcome: 'error', sentences: 1 });
  });

  it('the time limit does not count the time the caller spends on each sentence', async () => {
    const timers = new ManualTimers();
    const persona = new Persona({ name: 'p', now, timers, solvers: [fake('a', { sentences: ['One.', 'Two.'] })] });
    const it = persona.stream('q', { lang: 'en' });
    expect((await it.next()).value).toBe('One.');
    expect(timers.armed).toEqual([]); // the caller is "speaking": no timer runs
    expect((await it.next()).value).toBe('Two.');
    expect((await it.next()).done).toBe(true);
  });

  it('every solver failing is PERSONA_ERR_NO_ANSWER with the errors as cause', async () => {
    const persona = new Persona({ name: 'p', now, solvers: [fake('a', { error: new PersonaError('PERSONA_ERR_NETWORK', 'down') }), fake('b', {})] });
    const err = await persona.ask('q', { lang: 'en' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PersonaError);
    expect(err).toMatchObject({
      code: 'PERSONA_ERR_NO_ANSWER',
      message: 'persona "p": expected one of 2 solvers to answer, got none (a: error (PERSONA_ERR_NETWORK); b: empty)',
    });
    expect(((err as Error).cause as AggregateError).errors).toHaveLength(1);
  });

  it('the caller aborting stops the solver and rejects with the reason', async () => {
    const gate = deferred();
    const seen: SolverContext[] = [];
    const attempts: SolverAttempt[] = [];
    const persona = new Persona({ name: 'p', now, solvers: [fake('a', { gate: gate.promise, seen }), fake('b', { sentences: ['No.'] })] });
    const controller = new AbortController();
    const pending = persona.ask('q', { lang: 'en', signal: controller.signal, onAttempt: (a) => attempts.push(a) });
    await Promise.resolve();
    controller.abort(new Error('barge-in'));
    await expect(pending).rejects.toThrow('barge-in');
    expect(seen[0]?.signal.aborted).toBe(true);
    expect(attempts.map((a) => a.outcome)).toEqual(['aborted']);
  });

  it('a caller that stops reading early aborts the solver', async () => {
    const seen: SolverContext[] = [];
    const persona = new Persona({ name: 'p', now, solvers: [fake('a', { sentences: ['One.', 'Two.', 'Three.'], seen })] });
    for await (const sentence of persona.stream('q', { lang: 'en' })) {
      expect(sentence).toBe('One.');
      break;
    }
    expect(seen[0]?.signal.aborted).toBe(true);
  });

  it('passes the language and records first-sentence latency', async () => {
    const seen: SolverContext[] = [];
    const persona = new Persona({ name: 'p', now, solvers: [fake('a', { sentences: ['Hi.'], seen })] });
    const answer = await persona.ask('q', { lang: 'pt-PT' });
    expect(seen[0]?.lang).toBe('pt-PT');
    expect(answer.attempts[0]?.firstSentenceMs).toBeGreaterThan(0);
    expect(await collect(persona.stream('q', { lang: 'en' }))).toEqual(['Hi.']);
  });

  it('needs at least one solver', () => {
    expect(() => new Persona({ name: 'empty', solvers: [] })).toThrow(expect.objectContaining({ code: 'PERSONA_ERR_MALFORMED' }));
  });
});
