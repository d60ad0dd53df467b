/**
 * `ovos-solver-hivemind-plugin`: ask another HiveMind hub (a bigger OVOS install, or the usual hub through another
 * route). Accepts the Python plugin's config keys: `autoconnect` (use the identity file), `site_id`, `useragent`,
 * `lang`; plus explicit `host`, `port`, `access_key`, `password`, and hivesat's `timeout` (seconds).
 *
 * The solver talks to the hub through a small injected {@link HiveMindAsker}, so the persona layer stays free of
 * the protocol; the program wires the real client with `SolverDeps.hivemind`. The connection is opened on the
 * first question, not at load time.
 *
 * @module
 */
import { HIVEMIND_DEFAULT_TIMEOUT_MS } from './constants.js';
import { PersonaError } from './errors.js';
import { splitSentences } from './sentences.js';
import type { HiveMindAsker, HiveMindTarget, Solver, SolverConfig, SolverContext, SolverDeps } from './solver.js';

const DEFAULT_HUB_PORT = 5678;

/** Reads the target hub from a solver config. */
function readTarget(config: SolverConfig): HiveMindTarget {
  const autoconnect = config.boolean('autoconnect');
  const host = config.string('host');
  const siteId = config.string('site_id');
  config.string('useragent');
  config.boolean('allow_selfsigned');
  if (host === undefined) {
    for (const key of ['port', 'access_key', 'password']) {
      if (config.raw[key] !== undefined && config.raw[key] !== null) throw config.fail(key, '"host" to be set as well', 'no "host"');
    }
    if (autoconnect === false) {
      throw config.fail('autoconnect', 'true (use the identity file) or "host", "access_key" and "password"', 'false and no "host"');
    }
    return { kind: 'identity', siteId };
  }
  if (host.trim() === '') throw config.fail('host', 'a host name or address', '""');
  const port = config.number('port', { min: 1, max: 65535, integer: true }) ?? DEFAULT_HUB_PORT;
  const accessKey = config.string('access_key', { required: true, secret: true });
  const password = config.string('password', { required: true, secret: true });
  return { kind: 'explicit', host, port, accessKey, password, siteId };
}

/** Asks a HiveMind hub and speaks what it answers. */
export class HiveMindSolver implements Solver {
  readonly id: string;
  readonly timeoutMs: number;
  readonly role = 'hub' as const;
  readonly endpoint: string | undefined;
  /** Where it connects. Private: it holds the password and access key. */
  readonly #target: HiveMindTarget;
  readonly #connect: (target: HiveMindTarget) => HiveMindAsker;
  readonly #lang: string | undefined;
  #client: HiveMindAsker | undefined;

  /**
   * @throws {PERSONA_ERR_INVALID_CONFIG} naming the field
   * @throws {PERSONA_ERR_UNAVAILABLE} the program wired no HiveMind client factory
   */
  constructor(config: SolverConfig, deps: Pick<SolverDeps, 'hivemind'>) {
    this.id = config.solverId;
    this.timeoutMs = config.timeoutMs(HIVEMIND_DEFAULT_TIMEOUT_MS);
    this.#target = readTarget(config);
    this.endpoint = this.#target.kind === 'explicit' ? `${this.#target.host}:${this.#target.port}` : undefined;
    this.#lang = config.string('lang');
    if (deps.hivemind === undefined) {
      throw new PersonaError('PERSONA_ERR_UNAVAILABLE', `${config.source}: solver "${this.id}" needs a HiveMind client, but none was wired (SolverDeps.hivemind)`);
    }
    this.#connect = deps.hivemind;
  }

  /**
   * Send the question as an utterance and yield the hub's spoken answers, sentence by sentence.
   *
   * @throws whatever the client throws (connection or auth errors), or the signal's reason when aborted
   */
  async *answer(question: string, context: SolverContext): AsyncGenerator<string, void, undefined> {
    const lang = context.lang !== '' ? context.lang : this.#lang ?? 'en-us';
    this.#client ??= this.#connect(this.#target);
    const utterances = await this.#client.ask(question, { lang, timeout: this.timeoutMs, signal: context.signal });
    if (context.signal.aborted) throw context.signal.reason;
    for (const utterance of utterances) {
      if (typeof utterance !== 'string') continue;
      for (const sentence of splitSentences(utterance, lang)) yield sentence;
    }
  }
}
