/**
 * Incremental sentence splitting for streamed answers, so the satellite can speak sentence one while sentence two
 * is still being generated. A sentence ends at a line break, at `.`/`!`/`?`/`…` (plus closing quotes or brackets)
 * followed by white space, or right after a CJK full stop. A `.` does not end a sentence after a known abbreviation
 * ("Dr."), a single-letter initial ("J."), or a list number at the start ("1."), nor inside a number ("3.5").
 * The decision only looks backwards and one character ahead, so the result does not depend on how the text was
 * chunked. Sentences are cleaned of markdown and emoji, which TTS would read aloud.
 *
 * @module
 */
import { MAX_SENTENCE_CHARS } from './constants.js';

/** Abbreviations (lower case, without the final dot) after which a dot does not end a sentence, per base language. */
const ABBREVIATIONS: Readonly<Record<string, readonly string[]>> = {
  en: ['mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'approx', 'inc', 'ltd', 'co', 'mt', 'ft', 'no', 'vol', 'fig', 'u.s', 'a.m', 'p.m'],
  pt: ['sr', 'sra', 'dr', 'dra', 'prof', 'etc', 'ex', 'p.ex', 'n.º'],
  es: ['sr', 'sra', 'dr', 'dra', 'prof', 'etc', 'ej', 'p.ej', 'ud', 'uds'],
  fr: ['m', 'mme', 'mlle', 'dr', 'pr', 'etc', 'ex', 'p.ex'],
  de: ['hr', 'fr', 'dr', 'prof', 'bzw', 'z.b', 'usw', 'ca', 'nr', 'str', 'd.h'],
};

const TERMINATORS = '.!?…';
const CJK_TERMINATORS = '。！？';
const CLOSERS = `"')]}»”’`;

/** Remove what a TTS engine should not read: markdown emphasis, headings, list markers, code ticks, emoji. */
export function cleanSentence(text: string): string {
  return text
    .replace(/\p{Extended_Pictographic}\uFE0F?/gu, '')
    .replace(/^\s*(?:#{1,6}\s+|[-*+•]\s+|\d+[.)]\s+|>\s+)/, '')
    .replace(/\*\*|__|[*`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Splits a stream of text chunks into sentences. One instance per answer. */
export class SentenceSplitter {
  readonly #abbreviations: ReadonlySet<string>;
  #buffer = '';
  #scanFrom = 0;

  /** @param lang language of the text; picks the abbreviation list (English when unknown) */
  constructor(lang = 'en') {
    const base = lang.toLowerCase().split(/[-_]/)[0] ?? 'en';
    this.#abbreviations = new Set(ABBREVIATIONS[base] ?? ABBREVIATIONS['en']);
  }

  /** Add a chunk; returns the sentences it completed (cleaned, never empty). */
  push(chunk: string): string[] {
    this.#buffer += chunk;
    const out: string[] = [];
    let start = 0;
    const b = this.#buffer;
    for (let i = Math.max(this.#scanFrom, 0); i < b.length; i++) {
      const c = b[i] ?? '';
      let end = -1; // exclusive end of the sentence text
      if (c === '\n') end = i;
      else if (CJK_TERMINATORS.includes(c)) end = i + 1;
      else if (/\s/.test(c) && i > start) {
        // white space: does the text before it end with a terminator (and closers)?
        let j = i - 1;
        while (j > start && CLOSERS.includes(b[j] ?? '')) j--;
        if (TERMINATORS.includes(b[j] ?? '') && this.#endsSentence(b.slice(start, j + 1))) end = i;
      }
      if (end < 0 && i - start >= MAX_SENTENCE_CHARS) end = this.#forcedBreak(b, start, i);
      if (end >= 0) {
        const sentence = cleanSentence(b.slice(start, end));
        if (sentence !== '') out.push(sentence);
        start = end;
        i = Math.max(i, end - 1);
      }
    }
    this.#buffer = b.slice(start);
    // Resume at the last character: a terminator there is decided by the next chunk's first character.
    this.#scanFrom = Math.max(this.#buffer.length - 1, 0);
    return out;
  }

  /** End of the stream: the rest of the text as a last sentence (if any). */
  flush(): string[] {
    const rest = cleanSentence(this.#buffer);
    this.#buffer = '';
    this.#scanFrom = 0;
    return rest === '' ? [] : [rest];
  }

  /** Does `text`, which ends with a terminator, end a sentence? */
  #endsSentence(text: string): boolean {
    if (!text.endsWith('.') || text.endsWith('..')) return true;
    const body = text.slice(0, -1).trim();
    if (/^\d+$/.test(body)) return false; // "1." list marker at the start of a sentence
    const word = /(\S+)$/.exec(body)?.[1] ?? '';
    if (/^\p{Lu}$/u.test(word)) return false; // an initial: "J. R. R. Tolkien"
    return !this.#abbreviations.has(word.toLowerCase().replace(/^[("'“‘]+/, ''));
  }

  /** Where to cut an over-long sentence: after the last comma/semicolon, else the last space, else here. */
  #forcedBreak(b: string, start: number, i: number): number {
    const window = b.slice(start, i);
    const punct = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '));
    if (punct > 0) return start + punct + 1;
    const space = window.lastIndexOf(' ');
    return space > 0 ? start + space : i;
  }
}

/** Split a complete text into sentences. */
export function splitSentences(text: string, lang = 'en'): string[] {
  const splitter = new SentenceSplitter(lang);
  return [...splitter.push(text), ...splitter.flush()];
}
