/**
 * Coded errors of the persona layer. Load-time messages name the file, the solver id and the field; run-time
 * messages name the solver and the endpoint. None ever contains an API key, password or access key.
 *
 * @module
 */
import { HivesatError } from '../errors.js';

/** Codes of {@link PersonaError}. */
export type PersonaErrorCode =
  /** A persona file is not valid JSON, not an object, or has no solver list. */
  | 'PERSONA_ERR_MALFORMED'
  /** The solver list names a solver hivesat does not have. */
  | 'PERSONA_ERR_UNKNOWN_SOLVER'
  /** A persona or solver setting has the wrong type or an out-of-range value, or a required one is missing. */
  | 'PERSONA_ERR_INVALID_CONFIG'
  /** A persona file or folder could not be read. */
  | 'PERSONA_ERR_IO'
  /** No persona of the requested name exists in the folder. */
  | 'PERSONA_ERR_NOT_FOUND'
  /** A solver needs something the program did not wire (e.g. a HiveMind client factory). */
  | 'PERSONA_ERR_UNAVAILABLE'
  /** A solver did not answer within its time limit. */
  | 'PERSONA_ERR_TIMEOUT'
  /** An HTTP endpoint answered with a non-2xx status. */
  | 'PERSONA_ERR_HTTP'
  /** An HTTP endpoint could not be reached (connection refused, DNS, TLS). */
  | 'PERSONA_ERR_NETWORK'
  /** An endpoint answered 2xx with something of the wrong shape (bad JSON, bad event stream, too long). */
  | 'PERSONA_ERR_BAD_RESPONSE'
  /** The remote reported an error inside a 2xx answer (an `error` object in the JSON or the event stream). */
  | 'PERSONA_ERR_REMOTE'
  /** Every solver of the chain failed or had nothing to say. */
  | 'PERSONA_ERR_NO_ANSWER';

/** Options of {@link PersonaError}: the standard `cause`, and what a failing remote solver reports. */
export interface PersonaErrorOptions extends ErrorOptions {
  /**
   * The low-level cause in a word or two, for logs and metrics: the socket error (`ECONNREFUSED`), the HTTP status
   * (`HTTP 500`), `timeout`, `bad body`.
   */
  readonly detail?: string;
  /** PERSONA_ERR_NO_ANSWER: the solvers that failed (not those that had nothing to say). */
  readonly failures?: readonly SolverFailure[];
}

/** A solver of a chain that failed on a question: who, where, and why. */
export interface SolverFailure {
  readonly solverId: string;
  /** What the solver stands for, in the user's words (see {@link Solver.role}). */
  readonly role: SolverRole;
  /** Host (and port) of its endpoint, when it has one. */
  readonly endpoint?: string;
  /** The error code (`PERSONA_ERR_NETWORK`, `PERSONA_ERR_HTTP`, `PERSONA_ERR_TIMEOUT` …). */
  readonly code: string;
  /** See {@link PersonaErrorOptions.detail}. */
  readonly detail: string;
  readonly message: string;
}

/** What a solver stands for: a language model (an LLM endpoint), another hub, or a local solver. */
export type SolverRole = 'language-model' | 'hub' | 'local';

/** A persona problem. Match on `code`; the message tells a person what to fix. */
export class PersonaError extends HivesatError<PersonaErrorCode> {
  override readonly name = 'PersonaError';
  /** See {@link PersonaErrorOptions.detail}. */
  readonly detail: string | undefined;
  /** See {@link PersonaErrorOptions.failures}. */
  readonly failures: readonly SolverFailure[];

  constructor(code: PersonaErrorCode, message: string, options?: PersonaErrorOptions) {
    super(code, message, options);
    this.detail = options?.detail;
    this.failures = options?.failures ?? [];
  }
}
