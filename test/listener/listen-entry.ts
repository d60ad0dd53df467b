/**
 * Test-only process entry for `hivesat listen` (the lead registers the command in src/cli/main.ts): runs
 * `runListen` with the process's own streams, so tests can spawn it as a real process.
 *
 *   node --import tsx test/listener/listen-entry.ts --input x.wav --json
 */
import { runListen } from '../../src/cli/commands/listen.js';

process.exitCode = await runListen(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
