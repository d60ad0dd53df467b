import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanSentence, SentenceSplitter, splitSentences } from '../../src/persona/index.js';

describe('splitSentences', () => {
  it.each([
    ['Hello there. How are you? Fine!', ['Hello there.', 'How are you?', 'Fine!']],
    ['It costs 3.50 euros. Cheap.', ['It costs 3.50 euros.', 'Cheap.']],
    ['Dr. Smith met Mr. Jones. They talked.', ['Dr. Smith met Mr. Jones.', 'They talked.']],
    ['J. R. R. Tolkien wrote it. Yes.', ['J. R. R. Tolkien wrote it.', 'Yes.']],
    ['He said "go." Then left.', ['He said "go."', 'Then left.']],
    ['Wait... what? Really?!', ['Wait...', 'what?', 'Really?!']],
    ['Steps:\n1. Preheat the oven.\n2. Bake it.', ['Steps:', 'Preheat the oven.', 'Bake it.']],
    ['**Bold** and `code` here. # Not a heading', ['Bold and code here.', 'Not a heading']],
    ['- first item\n- second item', ['first item', 'second item']],
    ['你好。今天是星期二。', ['你好。', '今天是星期二。']],
    ['No full stop at the end', ['No full stop at the end']],
    ['Great 👍 news! 🎉', ['Great news!']],
    ['', []],
  ])('%j', (text, expected) => {
    expect(splitSentences(text)).toEqual(expected);
  });

  it('cuts an over-long sentence at a comma so speech can start', () => {
    const long = `${'word, '.repeat(100)}end.`;
    const parts = splitSentences(long);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(401);
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(long.replace(/\s+/g, ' ').trim());
  });

  it('uses the abbreviations of the language', () => {
    expect(splitSentences('Falei com o Sr. Silva. Ok.', 'pt-PT')).toEqual(['Falei com o Sr. Silva.', 'Ok.']);
  });
});

describe('SentenceSplitter', () => {
  it('emits a sentence as soon as the space after its full stop arrives', () => {
    const s = new SentenceSplitter();
    expect(s.push('Hello')).toEqual([]);
    expect(s.push(' there.')).toEqual([]);
    expect(s.push(' ')).toEqual(['Hello there.']);
    expect(s.push('Bye')).toEqual([]);
    expect(s.flush()).toEqual(['Bye']);
  });

  it('gives the same sentences however the text is chunked', () => {
    const text = 'Dr. Who is 3.5 m tall. Really? Yes!\n- A list item\nThe end… Or is it?';
    const whole = splitSentences(text);
    fc.assert(
      fc.property(fc.array(fc.nat(text.length), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const s = new SentenceSplitter();
        const out: string[] = [];
        let from = 0;
        for (const p of [...points, text.length]) {
          out.push(...s.push(text.slice(from, p)));
          from = p;
        }
        out.push(...s.flush());
        expect(out).toEqual(whole);
      }),
    );
  });
});

describe('cleanSentence', () => {
  it('drops markdown and list markers', () => {
    expect(cleanSentence('## **Hello**  `world` ')).toBe('Hello world');
    expect(cleanSentence('3) third')).toBe('third');
  });
});
