import { describe, expect, it } from 'vitest';
import { builtinLanguage, parseSpokenNumber, spellNumber } from '../../src/persona/index.js';

const words = builtinLanguage('en')!.numbers;

describe('parseSpokenNumber (English)', () => {
  it.each([
    ['twelve', 12],
    ['seven', 7],
    ['zero', 0],
    ['twenty one', 21],
    ['ninety nine', 99],
    ['one hundred', 100],
    ['a hundred', 100],
    ['one hundred and five', 105],
    ['three hundred twenty', 320],
    ['two thousand and twenty six', 2026],
    ['one million', 1_000_000],
    ['five hundred thousand', 500_000],
    ['two point five', 2.5],
    ['three point one four', 3.14],
    ['negative four', -4],
    ['minus 4', -4],
    ['12', 12],
    ['3.5', 3.5],
    ['-7', -7],
  ])('%j → %d', (text, value) => {
    expect(parseSpokenNumber(text, words)).toBe(value);
  });

  it.each(['', 'twelve seven', 'twenty thirty', 'seven twenty', 'hundred hundred', 'banana', 'twelve and', 'point five', 'one point', '12 13'])('%j is not one number', (text) => {
    expect(parseSpokenNumber(text, words)).toBeUndefined();
  });

  it('spells 0..999 so that parsing gives the number back', () => {
    for (let n = 0; n <= 999; n++) expect(parseSpokenNumber(spellNumber(n, words), words)).toBe(n);
    expect(spellNumber(21, words)).toBe('twenty one');
    expect(spellNumber(105, words)).toBe('one hundred five');
    expect(() => spellNumber(1000, words)).toThrow(RangeError);
  });
});
