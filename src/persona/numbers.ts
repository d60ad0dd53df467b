/**
 * Spoken numbers, driven by a language's number words: "twelve" → 12, "one hundred and five" → 105, "3.5" → 3.5,
 * "two point five" → 2.5, "negative four" → -4; and the reverse for small integers (used to build the STT grammar).
 *
 * @module
 */
import type { BuiltinLanguage } from './builtin-phrases.js';

type NumberWords = BuiltinLanguage['numbers'];

const DIGITS = /^-?\d+(?:\.\d+)?$/;

/** The value of a spoken or written number, or undefined when `text` is not exactly one number. */
export function parseSpokenNumber(text: string, words: NumberWords): number | undefined {
  const tokens = text.trim().split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) return undefined;
  if (tokens.length === 1 && DIGITS.test(tokens[0] ?? '')) return Number(tokens[0]);
  let sign = 1;
  let i = 0;
  if (words.negative.includes(tokens[0] ?? '')) {
    sign = -1;
    i = 1;
    if (tokens.length === 2 && DIGITS.test(tokens[1] ?? '')) return -Number(tokens[1]);
  }
  let total = 0;
  let current = 0;
  // What the last token was, to reject sequences like "twelve seven" or "twenty thirty".
  let last: 'none' | 'unit' | 'teen' | 'ten' | 'hundred' | 'scale' = 'none';
  let seen = false;
  for (; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    const small = words.small.indexOf(t);
    const ten = words.tens.indexOf(t);
    if (t === words.point) {
      if (!seen) return undefined;
      const decimals = tokens.slice(i + 1).map((d) => (DIGITS.test(d) && d.length === 1 ? Number(d) : words.small.indexOf(d)));
      if (decimals.length === 0 || decimals.some((d) => d < 0 || d > 9)) return undefined;
      return sign * (total + current + Number(`0.${decimals.join('')}`));
    }
    if (words.joiners.includes(t) && seen && i + 1 < tokens.length && (last === 'hundred' || last === 'scale')) continue;
    if (words.one.includes(t) && !seen) {
      current = 1;
      last = 'unit';
      seen = true;
      continue;
    }
    if (small >= 0) {
      if (last === 'unit' || last === 'teen' || (last === 'ten' && small >= 10)) return undefined;
      current += small;
      last = small < 10 ? 'unit' : 'teen';
    } else if (ten >= 0) {
      if (last === 'unit' || last === 'teen' || last === 'ten') return undefined;
      current += (ten + 2) * 10;
      last = 'ten';
    } else if (t === words.hundred) {
      if (last === 'hundred' || current >= 100) return undefined;
      current = (current === 0 ? 1 : current) * 100;
      last = 'hundred';
    } else if (t === words.thousand || t === words.million) {
      const scale = t === words.thousand ? 1000 : 1_000_000;
      if (last === 'scale' && current === 0) return undefined;
      total += (current === 0 ? 1 : current) * scale;
      current = 0;
      last = 'scale';
    } else if (DIGITS.test(t) && !seen) {
      current = Number(t);
      last = 'teen'; // a written number takes no following unit words
    } else return undefined;
    seen = true;
  }
  return seen ? sign * (total + current) : undefined;
}

/** Spell a whole number 0..999 with the language's words ("twenty one", "one hundred five"). */
export function spellNumber(n: number, words: NumberWords): string {
  if (!Number.isInteger(n) || n < 0 || n > 999) throw new RangeError(`expected an integer 0..999, got ${n}`);
  const parts: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds > 0) parts.push(words.small[hundreds] ?? '', words.hundred);
  if (rest > 0 || n === 0) {
    if (rest < 20) parts.push(words.small[rest] ?? '');
    else {
      parts.push(words.tens[Math.floor(rest / 10) - 2] ?? '');
      if (rest % 10 > 0) parts.push(words.small[rest % 10] ?? '');
    }
  }
  return parts.join(' ');
}
