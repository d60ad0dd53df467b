import { describe, expect, it } from 'vitest';
import { buildJsgf, grammarWords, mergeGrammarSpecs } from '../../src/speech/index.js';

describe('buildJsgf', () => {
  it('renders phrases and slots as JSGF', () => {
    const spec = {
      phrases: ['What time is it?', 'what is {number} {operator} {number}', "what's the time", 'what time is it'],
      slots: { number: ['one', 'Twenty-One'], operator: ['plus', 'divided by'], unused: ['x'] },
    };
    expect(buildJsgf(spec)).toBe(
      [
        '#JSGF V1.0;',
        'grammar hivesat;',
        "public <utterance> = what time is it\n  | what is <number> <operator> <number>\n  | what's the time;",
        '<number> = one | twenty one;',
        '<operator> = plus | divided by;',
        '',
      ].join('\n'),
    );
    expect(grammarWords(spec)).toEqual(['by', 'divided', 'is', 'it', 'one', 'plus', 'the', 'time', 'twenty', 'what', "what's", 'x']);
  });

  it.each([
    [{ phrases: [] }, 'expected at least one phrase, got none'],
    [{ phrases: ['what is {number}'] }, 'phrase "what is {number}": expected slot {number} to have values, got none'],
    [{ phrases: ['what is 12 times 7'] }, 'phrase "what is 12 times 7": expected lower-case words (spell numbers out), got "12"'],
    [{ phrases: ['what is {n}'], slots: { n: ['7'] } }, 'expected lower-case words (spell numbers out), got "7"'],
  ])('rejects %j', (spec, message) => {
    expect(() => buildJsgf(spec)).toThrow(expect.objectContaining({ code: 'SPEECH_ERR_GRAMMAR', message: expect.stringContaining(message) }));
  });
});

describe('mergeGrammarSpecs', () => {
  it('adds user phrases to the built-in ones and unites slot values', () => {
    const merged = mergeGrammarSpecs(
      { phrases: ['what is {number} plus {number}'], slots: { number: ['one', 'two'] } },
      { phrases: ['turn on the {room} light', 'set a timer for {number} minutes'], slots: { room: ['kitchen'], number: ['two', 'three'] } },
    );
    expect(merged).toEqual({
      phrases: ['what is {number} plus {number}', 'turn on the {room} light', 'set a timer for {number} minutes'],
      slots: { number: ['one', 'two', 'three'], room: ['kitchen'] },
    });
    expect(buildJsgf(merged)).toContain('<room> = kitchen;');
  });
});
