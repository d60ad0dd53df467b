#!/usr/bin/env node
/**
 * `hivesat`: the command-line entry (package `bin`). Dispatches to one command per file in `commands/`.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CliIo, EXIT, processIo } from './cli-io.js';
import { loadCommand, loadCommands } from './commands/index.js';
import { errorCode } from '../errors.js';

function version(): string {
  try {
    // package.json sits two folders up from both src/cli/ and dist/cli/.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    // Best effort: a missing package.json only affects --version.
    return 'unknown';
  }
}

async function usage(): Promise<string> {
  const commands = await loadCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: hivesat <command> [options]',
    '',
    'A headless HiveMind voice satellite.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "hivesat <command> --help" for the options of a command.',
    '  --version   print the version',
  ].join('\n');
}

/** Run the CLI with `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    io.stdout.write(`${await usage()}\n`);
    return first === undefined ? EXIT.FAILURE : EXIT.OK;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`hivesat ${version()}\n`);
    return EXIT.OK;
  }
  if (first === 'help') {
    const command = rest[0] === undefined ? undefined : await loadCommand(rest[0]);
    io.stdout.write(`${command === undefined ? await usage() : command.help}\n`);
    return EXIT.OK;
  }
  const command = await loadCommand(first);
  if (command === undefined) {
    io.stderr.write(`hivesat: unknown command "${first.slice(0, 40)}"; run "hivesat --help" for the list\n`);
    return EXIT.FAILURE;
  }
  return command.run(rest, io);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    // Unresolvable paths (e.g. an eval'd script): not the entry point.
    return false;
  }
}

/**
 * stdout went away (`hivesat listen … | head -1`): the reader has what it wanted, so end quietly with 0 instead of
 * an unhandled 'error' event. Any other write error is one line on stderr and exit 1.
 */
function exitOnStdoutError(error: Error): void {
  if (errorCode(error) === 'EPIPE') process.exit(EXIT.OK);
  process.stderr.write(`hivesat: cannot write to stdout: ${error.message}\n`);
  process.exit(EXIT.FAILURE);
}

if (isEntryPoint()) {
  process.stdout.on('error', exitOnStdoutError);
  const code = await main(process.argv.slice(2));
  // Let stdout/stderr drain, then exit: sockets or timers left by a failed connection must not keep us alive.
  process.exitCode = code;
  setImmediate(() => process.exit(code));
}
