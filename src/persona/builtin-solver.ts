/**
 * `hivesat-solver-builtin`: offline answers that need no network: the time, the date, the day of the week,
 * simple arithmetic ("what is twelve times seven", "what's 3 plus 4"), "are you online" and "who are you". The
 * language data lives in builtin-phrases.ts; formatting uses `Intl` with the injected clock and time zone, so
 * "en-GB" hears "15:07" and "en-US" hears "3:07 PM".
 *
 * Matching is exact after normalization (lower case, contractions expanded, symbols spelled, politeness words
 * stripped), so a question it does not know falls through to the next solver instead of getting a wrong answer.
 * {@link builtinPhrases} exports the same phrases for the offline STT grammar.
 *
 * Config keys: `timeout` (seconds), `name` (what the satellite calls itself), `time_zone` (IANA).
 *
 * @module
 */
import { assertNever } from '../errors.js';
import { type BuiltinIntent, type BuiltinLanguage, builtinLanguage, type OfflineCommand, type Operator } from './builtin-phrases.js';
import { DEFAULT_SATELLITE_NAME, LOCAL_SOLVER_TIMEOUT_MS } from './constants.js';
import { parseSpokenNumber, spellNumber } from './numbers.js';
import { splitSentences } from './sentences.js';
import type { ConnectivityStatus, Solver, SolverConfig, SolverContext, SolverDeps } from './solver.js';

/** What the built-in solver recognized in a question. */
export type BuiltinMatch =
  | { readonly intent: Exclude<BuiltinIntent, 'arithmetic'> }
  | { readonly intent: 'arithmetic'; readonly a: number; readonly operator: Operator; readonly b: number }
  /** A command it recognizes but cannot carry out offline. */
  | { readonly intent: 'unavailable'; readonly command: OfflineCommand };

/** Phrases for an STT grammar: templates with `{number}`/`{operator}` slots and the slot values. */
export interface BuiltinPhraseSet {
  readonly phrases: readonly string[];
  readonly slots: Readonly<Record<string, readonly string[]>>;
}

/** Options of {@link builtinPhrases}. */
export interface BuiltinPhrasesOptions {
  /** Largest number in the grammar's `{number}` slot (default 100; larger grammars recognize a little worse). */
  readonly maxNumber?: number;
}

/**
 * Every phrase the built-in solver understands in `lang` (with and without contractions), for the STT grammar.
 * Empty when the language has no table.
 */
export function builtinPhrases(lang = 'en', options: BuiltinPhrasesOptions = {}): BuiltinPhraseSet {
  const table = builtinLanguage(lang);
  if (table === undefined) return { phrases: [], slots: {} };
  const maxNumber = options.maxNumber ?? 100;
  const phrases = new Set<string>();
  for (const templates of [...Object.values(table.intents), ...Object.values(table.commands)]) {
    for (const template of templates) {
      phrases.add(template);
      for (const [short, long] of Object.entries(table.contractions)) {
        if (` ${template} `.includes(` ${long} `)) phrases.add(` ${template} `.replace(` ${long} `, ` ${short} `).trim());
      }
    }
  }
  const numbers: string[] = [];
  for (let n = 0; n <= maxNumber; n++) numbers.push(spellNumber(n, table.numbers));
  return { phrases: [...phrases], slots: { number: numbers, operator: Object.values(table.operators).flat(), room: [...table.rooms] } };
}

/** Lower case, symbols spelled out, punctuation dropped, contractions expanded, fillers stripped. */
export function normalizeQuestion(text: string, table: BuiltinLanguage): string {
  const op = table.operators;
  let t = ` ${text.toLowerCase().replace(/[’‘]/g, "'")} `
    .replace(/(\d)\s*[x×*]\s*(?=\d)/g, `$1 ${op.times[0] ?? ''} `)
    .replace(/\s*\+\s*/g, ` ${op.plus[0] ?? ''} `)
    .replace(/\s*[÷/]\s*/g, ` ${op.divide[0] ?? ''} `)
    .replace(/(\d)\s*[-−]\s*(?=\d)/g, `$1 ${op.minus[0] ?? ''} `)
    .replace(/(\p{L})-(?=\p{L})/gu, '$1 ')
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/[^\p{L}\p{N}'.\s-]|(?<!\d)\.|\.(?!\d)|'(?!\p{L})|(?<!\p{L})'|-(?!\d)/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  t = t
    .split(' ')
    .map((w) => table.contractions[w] ?? w)
    .join(' ');
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of table.fillers.prefixes) {
      if (t.startsWith(`${p} `)) {
        t = t.slice(p.length + 1);
        changed = true;
      }
    }
    for (const s of table.fillers.suffixes) {
      if (t.endsWith(` ${s}`)) {
        t = t.slice(0, -s.length - 1);
        changed = true;
      }
    }
  }
  return t;
}

/** Recognize a question in `lang`, or undefined. */
export function matchBuiltin(question: string, lang: string): BuiltinMatch | undefined {
  const table = builtinLanguage(lang);
  if (table === undefined) return undefined;
  const text = normalizeQuestion(question, table);
  // Slots survive normalization as placeholder words.
  const expand = (template: string): string =>
    normalizeQuestion(template.replace(/\{(\w+)\}/g, 'slot$1slot'), table).replace(/slot(\w+?)slot/g, '{$1}');
  for (const [intent, grammarTemplates] of Object.entries(table.intents) as [BuiltinIntent, readonly string[]][]) {
    for (const template of [...grammarTemplates, ...(table.matchOnly[intent] ?? [])]) {
      if (intent === 'arithmetic') {
        const m = matchArithmetic(text, expand(template), table);
        if (m !== undefined) return m;
      } else if (text === expand(template)) return { intent };
    }
  }
  for (const [command, templates] of Object.entries(table.commands) as [OfflineCommand, readonly string[]][]) {
    for (const template of templates) if (templateMatches(text, expand(template), table)) return { intent: 'unavailable', command };
  }
  return undefined;
}

/** A template with `{room}`/`{number}` slots matches the whole text (slot values from the table). */
function templateMatches(text: string, template: string, table: BuiltinLanguage): boolean {
  if (!template.includes('{')) return text === template;
  const parts = template.split(/(\{room\}|\{number\})/);
  const pattern = parts
    .map((part) => (part === '{room}' ? `(?:${table.rooms.join('|')})` : part === '{number}' ? '(?:[a-z0-9 .-]+?)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`).test(text);
}

function matchArithmetic(text: string, template: string, table: BuiltinLanguage): BuiltinMatch | undefined {
  const slots = /^(.*?)\{number\} \{operator\} \{number\}(.*)$/.exec(template);
  if (slots === null) return undefined;
  const prefix = slots[1] ?? '';
  const suffix = slots[2] ?? '';
  if (!text.startsWith(prefix) || !text.endsWith(suffix) || text.length <= prefix.length + suffix.length) return undefined;
  const middle = ` ${text.slice(prefix.length, text.length - suffix.length).trim()} `;
  for (const [operator, words] of Object.entries(table.operators) as [Operator, readonly string[]][]) {
    for (const word of [...words, ...table.operatorAliases[operator]]) {
      for (let at = middle.indexOf(` ${word} `); at >= 0; at = middle.indexOf(` ${word} `, at + 1)) {
        const a = parseSpokenNumber(middle.slice(0, at), table.numbers);
        const b = parseSpokenNumber(middle.slice(at + word.length + 2), table.numbers);
        if (a !== undefined && b !== undefined) return { intent: 'arithmetic', a, operator, b };
      }
    }
  }
  return undefined;
}

/** The offline built-in solver. */
export class BuiltinSolver implements Solver {
  readonly id: string;
  readonly timeoutMs: number;
  readonly #clock: () => number;
  readonly #timeZone: string;
  readonly #connectivity: (() => ConnectivityStatus) | undefined;
  readonly #name: string;
  /** `Intl.DateTimeFormat` is slow to build (≈ 0.2 ms): one per locale and kind. */
  readonly #formatters = new Map<string, Intl.DateTimeFormat>();

  /** @throws {PERSONA_ERR_INVALID_CONFIG} a bad `time_zone`, `name` or `timeout` */
  constructor(config: SolverConfig, deps: Pick<SolverDeps, 'clock' | 'timeZone' | 'connectivity' | 'satelliteName'>) {
    this.id = config.solverId;
    this.timeoutMs = config.timeoutMs(LOCAL_SOLVER_TIMEOUT_MS);
    this.#name = config.string('name') ?? (deps.satelliteName !== '' ? deps.satelliteName : DEFAULT_SATELLITE_NAME);
    const zone = config.string('time_zone') ?? deps.timeZone;
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
    } catch {
      throw config.fail('time_zone', 'an IANA time zone such as "Europe/Lisbon"', JSON.stringify(zone));
    }
    this.#timeZone = zone;
    this.#clock = deps.clock;
    this.#connectivity = deps.connectivity;
  }

  /** Yields the answer's sentences, or nothing when the question is not one it knows. */
  async *answer(question: string, context: SolverContext): AsyncGenerator<string, void, undefined> {
    const text = this.respond(question, context.lang);
    if (text !== undefined) yield* splitSentences(text, context.lang);
  }

  #formatter(locale: string, kind: keyof typeof DATE_FORMATS): Intl.DateTimeFormat {
    const key = `${locale}|${kind}`;
    let f = this.#formatters.get(key);
    if (f === undefined) {
      f = new Intl.DateTimeFormat(locale, { ...DATE_FORMATS[kind], timeZone: this.#timeZone });
      this.#formatters.set(key, f);
    }
    return f;
  }

  /** The answer text, or undefined (synchronous; for tests and benchmarks). */
  respond(question: string, lang: string): string | undefined {
    const table = builtinLanguage(lang);
    const match = matchBuiltin(question, lang);
    if (table === undefined || match === undefined) return undefined;
    const locale = Intl.DateTimeFormat.supportedLocalesOf([lang.replace('_', '-')])[0] ?? table.locale;
    const fill = (template: string, values: Record<string, string>): string =>
      template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '').replace(/[\u202f\u00a0]/g, ' ');
    const when = this.#clock();
    const dt = (kind: keyof typeof DATE_FORMATS): string => this.#formatter(locale, kind).format(when);
    const a = table.answers;
    switch (match.intent) {
      case 'time':
        return fill(a.time, { time: dt('time') });
      case 'date':
        return fill(a.date, { date: dt('date') });
      case 'weekday':
        return fill(a.weekday, { weekday: dt('weekday') });
      case 'online': {
        const s = this.#connectivity?.();
        if (s === undefined) return a.connectivityUnknown;
        if (s.hub) return a.hubOnline;
        return s.internet === true ? a.hubOfflineInternetUp : a.hubOffline;
      }
      case 'identity':
        return fill(a.identity, { name: this.#name });
      case 'unavailable':
        return a.unavailable[match.command];
      case 'arithmetic': {
        if (match.operator === 'divide' && match.b === 0) return a.divideByZero;
        const exact = compute(match.a, match.operator, match.b);
        const rounded = Math.round(exact * 100) / 100;
        const fmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 6 });
        return fill(rounded === exact ? a.arithmetic : a.arithmeticApprox, {
          a: fmt.format(match.a),
          operator: table.operators[match.operator][0] ?? match.operator,
          b: fmt.format(match.b),
          result: fmt.format(rounded),
        });
      }
      default:
        return assertNever(match);
    }
  }
}

/** How each kind of date/time answer is formatted. */
const DATE_FORMATS = {
  time: { hour: 'numeric', minute: '2-digit' },
  date: { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' },
  weekday: { weekday: 'long' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

function compute(a: number, operator: Operator, b: number): number {
  const raw = operator === 'plus' ? a + b : operator === 'minus' ? a - b : operator === 'times' ? a * b : a / b;
  return Number(raw.toPrecision(12)); // 0.1 + 0.2 is 0.3, not 0.30000000000000004
}
