/**
 * What a command needs from the process — output streams and the environment — injected so commands can be run
 * in-process by tests, and the common shape of a command.
 *
 * @module
 */
import { EXIT_CANNOT_START } from '../config/index.js';

/** Output streams and environment of a command. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

/** The process's own streams and environment. */
export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/** One `hivesat` sub-command. */
export interface Command {
  readonly name: string;
  /** One line for `hivesat --help`. */
  readonly summary: string;
  /** The full `hivesat <name> --help` text. */
  readonly help: string;
  /** Run with the arguments after the command name; resolves with the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes of every command. */
export const EXIT = Object.freeze({
  /** Success (`ask`: answered). */
  OK: 0,
  /** Anything else: usage, configuration, protocol errors. */
  FAILURE: 1,
  /** Authentication or authorization failure (wrong password, unknown access key, pin mismatch, refused). */
  AUTH: 2,
  /** No answer within the timeout, or the hub could not be reached. */
  UNAVAILABLE: 3,
  /** `run`: the configuration cannot start (every reason printed, one line each, with what to fix); not retried by systemd. */
  CANNOT_START: EXIT_CANNOT_START,
});
