import { describe, expect, it } from 'vitest';
import { buildJsgf } from '../../src/speech/index.js';
import {
  BUILTIN_SOLVER_ID,
  BuiltinSolver,
  builtinPhrases,
  type ConnectivityStatus,
  createDefaultPersona,
  matchBuiltin,
  PersonaError,
  SolverConfig,
} from '../../src/persona/index.js';
import { collect } from './helpers.js';

/** 2026-11-24 15:07:30 UTC, a Tuesday. */
const NOW = Date.UTC(2026, 10, 24, 15, 7, 30);

function solver(options: { timeZone?: string; connectivity?: () => ConnectivityStatus; config?: Record<string, unknown> } = {}): BuiltinSolver {
  return new BuiltinSolver(new SolverConfig('test.json', BUILTIN_SOLVER_ID, options.config ?? {}), {
    clock: () => NOW,
    timeZone: options.timeZone ?? 'UTC',
    connectivity: options.connectivity,
    satelliteName: 'kitchen',
  });
}

describe('built-in solver: time, date, day', () => {
  const s = solver();
  it.each([
    'what time is it',
    'What time is it?',
    "what's the time",
    'What is the time now?',
    'tell me the time',
    'hey, can you tell me the time please',
    'do you know what time it is',
    'time',
  ])('%j → the time', (q) => {
    expect(s.respond(q, 'en-us')).toBe("It's 3:07 PM.");
  });

  it.each(['what day is it', 'What day is it today?', 'what day is today', 'which day is it', 'what day of the week is it'])('%j → the weekday', (q) => {
    expect(s.respond(q, 'en-us')).toBe('Today is Tuesday.');
  });

  it.each(['what is the date today', "What's the date?", "what is today's date", 'what date is it today', 'tell me the date'])('%j → the date', (q) => {
    expect(s.respond(q, 'en-us')).toBe('Today is Tuesday, November 24, 2026.');
  });

  it('uses the injected time zone', () => {
    expect(solver({ timeZone: 'America/New_York' }).respond('what time is it', 'en-us')).toBe("It's 10:07 AM.");
    expect(solver({ timeZone: 'Pacific/Auckland' }).respond('what day is it', 'en-us')).toBe('Today is Wednesday.');
    expect(solver({ config: { time_zone: 'Asia/Kolkata' } }).respond('what time is it', 'en-us')).toBe("It's 8:37 PM.");
  });

  it('formats for the regional variant of the language', () => {
    expect(s.respond('what time is it', 'en-GB')).toBe("It's 15:07.");
    expect(s.respond('what is the date', 'en-GB')).toMatch(/^Today is Tuesday,? 24 November 2026\.$/);
  });
});

describe('built-in solver: arithmetic', () => {
  const s = solver();
  it.each([
    ['what is twelve times seven', '12 times 7 is 84.'],
    ["what's 3 plus 4", '3 plus 4 is 7.'],
    ['What is 3 + 4?', '3 plus 4 is 7.'],
    ['what is nine minus two', '9 minus 2 is 7.'],
    ['what is 10 - 15', '10 minus 15 is -5.'],
    ['what is eight divided by four', '8 divided by 4 is 2.'],
    ['what is 8 / 3', '8 divided by 3 is about 2.67.'],
    ['how much is twenty one multiplied by three', '21 times 3 is 63.'],
    ['what is 12 x 7', '12 times 7 is 84.'],
    ['what is 12*7', '12 times 7 is 84.'],
    ['calculate one hundred and five minus six', '105 minus 6 is 99.'],
    ['what is two and two', '2 plus 2 is 4.'],
    ['what is 0.1 + 0.2', '0.1 plus 0.2 is 0.3.'],
    ['what is negative five plus three', '-5 plus 3 is -2.'],
    ['what is 1,000 times 1,000', '1,000 times 1,000 is 1,000,000.'],
    ['what is ten divided by zero', "You can't divide by zero."],
    ['twenty-one times two', '21 times 2 is 42.'],
  ])('%j → %j', (q, a) => {
    expect(s.respond(q, 'en-us')).toBe(a);
  });

  it('exposes what it matched', () => {
    expect(matchBuiltin('what is twelve times seven', 'en')).toEqual({ intent: 'arithmetic', a: 12, operator: 'times', b: 7 });
    expect(matchBuiltin('what is twelve times', 'en')).toBeUndefined();
  });
});

describe('built-in solver: status and identity', () => {
  it.each([
    [{ hub: true }, "Yes, I'm connected to my HiveMind hub."],
    [{ hub: false }, "No, I'm offline. I can't reach my HiveMind hub, so I'm answering on my own."],
    [{ hub: false, internet: true }, "I can't reach my HiveMind hub right now, but the network is up. I'm answering on my own for now."],
  ])('"are you online" with %j', (status, answer) => {
    expect(solver({ connectivity: () => status }).respond('are you online', 'en')).toBe(answer);
  });

  it('says it does not know when connectivity is not wired', () => {
    expect(solver().respond('are you connected', 'en')).toMatch(/can't tell/);
  });

  it.each(['who are you', 'what are you', "what's your name"])('%j → the satellite', (q) => {
    expect(solver().respond(q, 'en')).toMatch(/^I'm kitchen, a HiveMind voice satellite\./);
  });

  it('streams a two-sentence answer as two sentences', async () => {
    const sentences = await collect(solver().answer('who are you', { lang: 'en-us', signal: new AbortController().signal }));
    expect(sentences).toEqual(["I'm kitchen, a HiveMind voice satellite.", 'While my hub is out of reach, I can tell you the time and the date, and do simple sums.']);
  });
});

describe('built-in solver: commands it recognizes but cannot carry out offline', () => {
  it.each([
    ['turn on the kitchen lights', "I can't control the lights while I'm offline."],
    ['please switch off the lights', "I can't control the lights while I'm offline."],
    ["what's the weather like", "I can't get the weather while I'm offline."],
    ['play some music', "I can't play music while I'm offline."],
    ['set a timer for ten minutes', "I can't set timers or alarms while I'm offline."],
  ])('%j → %j', (q, answer) => {
    expect(solver().respond(q, 'en-us')).toBe(answer);
    expect(matchBuiltin(q, 'en')).toMatchObject({ intent: 'unavailable' });
  });
});

describe('built-in solver: what it does not answer', () => {
  it.each(['what is the capital of france', 'what is the date of easter', 'play some jazz', 'turn on the garden lights', 'what is twelve times banana', ''])('%j → nothing', async (q) => {
    expect(await collect(solver().answer(q, { lang: 'en-us', signal: new AbortController().signal }))).toEqual([]);
  });

  it('passes on languages it has no table for', () => {
    expect(solver().respond('que horas são', 'pt-PT')).toBeUndefined();
  });

  it('rejects a bad time zone at load time, naming the field', () => {
    expect(() => solver({ config: { time_zone: 'Mars/Olympus' } })).toThrow(
      expect.objectContaining({ code: 'PERSONA_ERR_INVALID_CONFIG', message: expect.stringContaining('field "time_zone"') }),
    );
    expect(() => solver({ config: { time_zone: 'Mars/Olympus' } })).toThrow(PersonaError);
  });
});

describe('builtinPhrases', () => {
  it('lists every phrase, with and without contractions, and the slot values', () => {
    const set = builtinPhrases('en');
    expect(set.phrases).toContain('what time is it');
    expect(set.phrases).toContain("what's the time");
    expect(set.phrases).toContain('what is {number} {operator} {number}');
    expect(set.slots['number']).toHaveLength(101);
    expect(set.slots['number']).toContain('twenty one');
    expect(set.slots['operator']).toEqual(['plus', 'minus', 'times', 'multiplied by', 'divided by']);
    expect(builtinPhrases('xx').phrases).toEqual([]);
  });

  it('every grammar phrase is answered by the solver', () => {
    const set = builtinPhrases('en', { maxNumber: 12 });
    const s = solver({ connectivity: () => ({ hub: false }) });
    for (const phrase of set.phrases) {
      const filled = phrase.replace('{number}', 'twelve').replace('{operator}', 'times').replace('{number}', 'seven').replace('{room}', 'living room');
      expect(s.respond(filled, 'en-us'), filled).toBeDefined();
    }
  });

  it('builds a valid JSGF grammar', () => {
    const jsgf = buildJsgf(builtinPhrases('en'));
    expect(jsgf).toMatch(/^#JSGF V1\.0;\ngrammar hivesat;\npublic <utterance> = /);
    expect(jsgf).toContain('<number> = zero | one | two');
  });
});

describe('default persona', () => {
  it('answers built-in questions and politely fails on the rest', async () => {
    const persona = createDefaultPersona({ clock: () => NOW, timeZone: 'UTC' });
    expect(persona.solvers.map((s) => s.id)).toEqual(['hivesat-solver-builtin', 'ovos-solver-failure-plugin']);
    expect((await persona.ask('what is twelve times seven', { lang: 'en-us' })).text).toBe('12 times 7 is 84.');
    const other = await persona.ask('tell me a joke', { lang: 'en-us' });
    expect(other).toMatchObject({ text: "Sorry, I can't answer that right now.", solverId: 'ovos-solver-failure-plugin' });
    expect(other.attempts.map((a) => a.outcome)).toEqual(['empty', 'answered']);
    expect((await persona.ask('conta-me uma anedota', { lang: 'pt-PT' })).text).toBe('Desculpe, não consigo responder a isso agora.');
  });
});
