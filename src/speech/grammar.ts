/**
 * Builds a JSGF grammar (https://www.w3.org/TR/jsgf/) for pocketsphinx from phrase templates such as
 * `what is {number} {operator} {number}` and slot values. pocketsphinx is poor with its generic language model on a
 * Pi's far-field or synthetic speech, and near-exact with a small grammar of what the satellite can answer offline.
 *
 * The template syntax is shared with the persona layer's built-in solver (`builtinPhrases()`), which is why the
 * types are structural: the satellite passes one to the other without either layer importing the other.
 *
 * @module
 */
import { SpeechError } from './errors.js';

/** Phrases to recognize: templates with `{slot}` placeholders, and the values of each slot. */
export interface GrammarSpec {
  /** Word sequences; `{name}` stands for any value of slot `name`. */
  readonly phrases: readonly string[];
  /** Slot values, each a word sequence ("twenty one"). */
  readonly slots?: Readonly<Record<string, readonly string[]>>;
}

const SLOT = /\{([a-z][a-z0-9_]*)\}/g;
const WORD = /^[a-z][a-z']*$/;

/** Lower-case, drop punctuation other than apostrophes, collapse spaces. */
export function normalizeGrammarText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^a-z0-9'{}_\s]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * One grammar from several (e.g. the built-in solver's phrases plus the user's): phrases concatenated, values of
 * slots with the same name united.
 */
export function mergeGrammarSpecs(...specs: readonly GrammarSpec[]): GrammarSpec {
  const phrases: string[] = [];
  const slots = new Map<string, Set<string>>();
  for (const spec of specs) {
    phrases.push(...spec.phrases);
    for (const [name, values] of Object.entries(spec.slots ?? {})) {
      const set = slots.get(name) ?? new Set<string>();
      for (const v of values) set.add(v);
      slots.set(name, set);
    }
  }
  return { phrases, slots: Object.fromEntries([...slots].map(([name, set]) => [name, [...set]])) };
}

/** Every distinct word a grammar can produce (for the dictionary check). */
export function grammarWords(spec: GrammarSpec): string[] {
  const words = new Set<string>();
  const add = (text: string): void => {
    for (const w of normalizeGrammarText(text.replace(SLOT, ' ')).split(' ')) if (w !== '') words.add(w);
  };
  for (const p of spec.phrases) add(p);
  for (const values of Object.values(spec.slots ?? {})) for (const v of values) add(v);
  return [...words].sort();
}

/**
 * Render `spec` as a JSGF grammar whose public rule `<utterance>` is one of the phrases.
 *
 * @throws {SPEECH_ERR_GRAMMAR} no phrases, an unknown or empty slot, or a token that is not a lower-case word
 *   (digits must be spelled out: the dictionary has no "12")
 */
export function buildJsgf(spec: GrammarSpec, grammarName = 'hivesat'): string {
  const slots = spec.slots ?? {};
  const used = new Set<string>();
  const alternatives = new Set<string>();
  for (const raw of spec.phrases) {
    const phrase = normalizeGrammarText(raw);
    if (phrase === '') continue;
    const tokens = phrase.split(' ').map((token) => {
      const slot = /^\{([a-z][a-z0-9_]*)\}$/.exec(token)?.[1];
      if (slot !== undefined) {
        if (!(slot in slots) || (slots[slot] ?? []).length === 0) {
          throw new SpeechError('SPEECH_ERR_GRAMMAR', `phrase ${JSON.stringify(raw)}: expected slot {${slot}} to have values, got none`);
        }
        used.add(slot);
        return `<${slot}>`;
      }
      assertWord(token, raw);
      return token;
    });
    alternatives.add(tokens.join(' '));
  }
  if (alternatives.size === 0) throw new SpeechError('SPEECH_ERR_GRAMMAR', 'expected at least one phrase, got none');
  const lines = ['#JSGF V1.0;', `grammar ${grammarName};`, `public <utterance> = ${[...alternatives].join('\n  | ')};`];
  for (const slot of [...used].sort()) {
    const values = new Set<string>();
    for (const raw of slots[slot] ?? []) {
      const value = normalizeGrammarText(raw);
      for (const w of value.split(' ')) assertWord(w, raw);
      values.add(value);
    }
    lines.push(`<${slot}> = ${[...values].join(' | ')};`);
  }
  return `${lines.join('\n')}\n`;
}

function assertWord(token: string, phrase: string): void {
  if (!WORD.test(token)) {
    throw new SpeechError('SPEECH_ERR_GRAMMAR', `phrase ${JSON.stringify(phrase)}: expected lower-case words (spell numbers out), got ${JSON.stringify(token)}`);
  }
}
