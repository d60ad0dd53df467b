/**
 * The command-line layer, the top of the program: nothing in src/ imports it. `main.ts` is the executable (package
 * `bin`); this module is the same CLI for programs and tests that run it in-process, with their own streams.
 *
 * @module
 */
export { type CliIo, type Command, EXIT, processIo } from './cli-io.js';
export { loadCommand, loadCommands } from './commands/index.js';
export { main } from './main.js';
