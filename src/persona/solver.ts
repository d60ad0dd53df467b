/**
 * The solver contract and what solvers are built from. A solver answers a question with a stream of sentences
 * (so speech can start before the whole answer is in); an empty stream means "I have nothing to say" and the
 * persona asks the next solver.
 *
 * @module
 */
import { MAX_SOLVER_TIMEOUT_S } from './constants.js';
import { PersonaError, type SolverFailure, type SolverRole } from './errors.js';

/** What a solver gets with each question. */
export interface SolverContext {
  /** Language of the question and of the wanted answer ("en-us"). */
  readonly lang: string;
  /** Aborted when the solver timed out, or the caller gave up (barge-in, shutdown). */
  readonly signal: AbortSignal;
  /** Solvers before this one in the chain that failed on this question (so a last resort can say why). */
  readonly failures?: readonly SolverFailure[];
}

/** One link of a persona's chain. */
export interface Solver {
  /** The id it was listed under in the persona file. */
  readonly id: string;
  /** Time limit to the first sentence, and between sentences, milliseconds. */
  readonly timeoutMs: number;
  /** What it stands for, for the reason the user hears when it fails (default `local`). */
  readonly role?: SolverRole;
  /** Host (and port) of its endpoint, for logs; never with credentials. */
  readonly endpoint?: string | undefined;
  /**
   * Answer `question`, one sentence per item, as soon as each is complete. Yield nothing to pass; throw to fail
   * (the persona records the error and asks the next solver).
   */
  answer(question: string, context: SolverContext): AsyncIterable<string>;
}

/** Hub reachability, as the satellite's connection state machine sees it. */
export interface ConnectivityStatus {
  /** The HiveMind hub is connected. */
  readonly hub: boolean;
  /** The network beyond the hub is reachable, when known. */
  readonly internet?: boolean | undefined;
}

/** Where the HiveMind solver should connect. */
export type HiveMindTarget =
  /** Use the identity file (`~/.config/hivemind/_identity.json`), as `autoconnect: true` does in OVOS. */
  | { readonly kind: 'identity'; readonly siteId?: string | undefined }
  /** Explicit credentials from the persona file. */
  | {
      readonly kind: 'explicit';
      readonly host: string;
      readonly port: number;
      readonly accessKey: string;
      readonly password: string;
      readonly siteId?: string | undefined;
    };

/** Options of {@link HiveMindAsker.ask}. */
export interface HiveMindAskOptions {
  readonly lang: string;
  /** How long to wait for the hub's answer, milliseconds. */
  readonly timeout: number;
  readonly signal?: AbortSignal | undefined;
}

/** The small part of a HiveMind client the HiveMind solver needs: send an utterance, get the `speak` utterances. */
export interface HiveMindAsker {
  /** Ask the hub; resolves with every utterance it spoke in answer (empty when it had none). */
  ask(text: string, options: HiveMindAskOptions): Promise<string[]>;
}

/** Everything outside the persona layer that solvers use. All injectable, so tests control them. */
export interface SolverDeps {
  /** HTTP client (default the global `fetch`). */
  readonly fetch: typeof fetch;
  /** Wall-clock time for date and time answers, epoch milliseconds. */
  readonly clock: () => number;
  /** IANA time zone for date and time answers ("Europe/Lisbon"). */
  readonly timeZone: string;
  /** Current hub reachability, for "are you online"; undefined when the program did not wire it. */
  readonly connectivity: (() => ConnectivityStatus) | undefined;
  /** Opens a HiveMind connection for the HiveMind solver; undefined when the program did not wire it. */
  readonly hivemind: ((target: HiveMindTarget) => HiveMindAsker) | undefined;
  /** Name the satellite gives itself. */
  readonly satelliteName: string;
}

/** Builds a solver from its persona-file config. Throws {@link PersonaError} on a bad config. */
export type SolverFactory = (config: SolverConfig, deps: SolverDeps) => Solver;

/** Solver ids and their factories. */
export type SolverRegistry = ReadonlyMap<string, SolverFactory>;

/** Options of the typed getters of {@link SolverConfig}. */
interface FieldOptions {
  readonly required?: boolean;
  /** Never quote the value in messages. */
  readonly secret?: boolean;
}

/**
 * Typed, validated access to one solver's config object from a persona file. Every getter throws
 * `PERSONA_ERR_INVALID_CONFIG` naming the file, solver and field; JSON `null` counts as absent (OVOS writes
 * `null` for "use the default"). Keys never read are reported by {@link unreadKeys}.
 */
export class SolverConfig {
  readonly #read = new Set<string>();

  /**
   * @param source the persona file (or "built-in default persona")
   * @param solverId the solver's id in the file
   * @param raw the solver's config object (empty when the file has none)
   * @param memoryEnabled false when the persona file sets `"memory_module": null` (no conversation memory)
   */
  constructor(
    readonly source: string,
    readonly solverId: string,
    readonly raw: Readonly<Record<string, unknown>>,
    readonly memoryEnabled = true,
  ) {}

  #get(key: string): unknown {
    this.#read.add(key);
    const v = this.raw[key];
    return v === null ? undefined : v;
  }

  /** A coded error about `key`. */
  fail(key: string, expected: string, got: string): PersonaError {
    return new PersonaError('PERSONA_ERR_INVALID_CONFIG', `${this.source}: solver "${this.solverId}" field "${key}": expected ${expected}, got ${got}`);
  }

  #describe(value: unknown, secret: boolean | undefined): string {
    if (secret === true) return `a value of type ${Array.isArray(value) ? 'array' : typeof value}`;
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }

  /** A string field. */
  string(key: string, options: FieldOptions & { readonly required: true }): string;
  string(key: string, options?: FieldOptions): string | undefined;
  string(key: string, options: FieldOptions = {}): string | undefined {
    const v = this.#get(key);
    if (v === undefined) {
      if (options.required === true) throw this.fail(key, 'a string', 'nothing');
      return undefined;
    }
    if (typeof v !== 'string') throw this.fail(key, 'a string', this.#describe(v, options.secret));
    return v;
  }

  /** A number field within `[min, max]`, optionally an integer. */
  number(key: string, range: { readonly min: number; readonly max: number; readonly integer?: boolean }): number | undefined {
    const v = this.#get(key);
    if (v === undefined) return undefined;
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= range.min && v <= range.max && (range.integer !== true || Number.isInteger(v));
    if (!ok) throw this.fail(key, `${range.integer === true ? 'an integer' : 'a number'} in ${range.min}..${range.max}`, this.#describe(v, false));
    return v;
  }

  /** A boolean field. */
  boolean(key: string): boolean | undefined {
    const v = this.#get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw this.fail(key, 'true or false', this.#describe(v, false));
    return v;
  }

  /** A string or a list of strings. */
  stringList(key: string): string[] | undefined {
    const v = this.#get(key);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return [...(v as string[])];
    throw this.fail(key, 'a string or a list of strings', this.#describe(v, false));
  }

  /** An absolute http(s) URL (never quoted in messages beyond its scheme, since it may carry credentials). */
  url(key: string, fallback: string): URL {
    const text = this.string(key) ?? fallback;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw this.fail(key, 'an absolute http(s) URL', 'text that does not parse as a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw this.fail(key, 'an http or https URL', `scheme ${url.protocol}`);
    return url;
  }

  /** The `timeout` field (seconds, as in OVOS) in milliseconds, or `defaultMs`. */
  timeoutMs(defaultMs: number): number {
    const seconds = this.number('timeout', { min: 0.001, max: MAX_SOLVER_TIMEOUT_S });
    return seconds === undefined ? defaultMs : Math.round(seconds * 1000);
  }

  /** Keys present in the file that no getter asked for (reported as warnings: OVOS files carry extra keys). */
  unreadKeys(): string[] {
    return Object.keys(this.raw).filter((k) => !this.#read.has(k));
  }
}
