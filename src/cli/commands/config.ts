/**
 * `hivesat config check [--config FILE]`: would `hivesat run` start with this configuration? It runs the same
 * start-up validation as `run` (src/config/startup.ts): the file against the schema (every problem with its JSON
 * path), then the hub settings, the models, the persona, the local speech engines and the cue sounds. Each refusal
 * is one line with what to fix (exit 1), else "ok" (exit 0). `hivesat config defaults` prints the defaults as a
 * config file, every section.
 *
 * @module
 */
import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkStartup, defaultConfigPath, defaultSatelliteConfig, formatRefusal } from '../../config/index.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';

const HELP = `Usage: hivesat config check [--config FILE]
       hivesat config defaults

check      would "hivesat run" start with this configuration? Validates the config file (default
           ~/.config/hivesat/config.json, or HIVESAT_CONFIG) and everything run builds from it: hub settings
           (with HIVESAT_* and the identity file), wake-word and VAD models, the persona, the local speech engines
           and the cue sounds. Prints every problem on its own line with what to fix; exit 1 if there is one
defaults   print the default config (every section and key, with its default value)

Every key is described in docs/configuration.md.`;

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: false, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  const [sub] = positionals;
  if (values.help === true || sub === undefined) {
    io.stdout.write(`${HELP}\n`);
    return sub === undefined && values.help !== true ? EXIT.FAILURE : EXIT.OK;
  }
  if (sub === 'defaults') {
    io.stdout.write(`${JSON.stringify(defaultSatelliteConfig(), null, 2)}\n`);
    return EXIT.OK;
  }
  if (sub !== 'check') {
    io.stderr.write(`hivesat config: unknown subcommand "${sub.slice(0, 40)}"; see "hivesat config --help"\n`);
    return EXIT.FAILURE;
  }
  const configFlag = typeof values.config === 'string' ? values.config : undefined;
  const explicit = configFlag ?? (io.env['HIVESAT_CONFIG'] === '' ? undefined : io.env['HIVESAT_CONFIG']);
  const path = explicit ?? defaultConfigPath(io.env);
  const { refusals, notes } = await checkStartup({ configPath: path, explicit: explicit !== undefined, env: io.env });
  for (const refusal of refusals) io.stderr.write(`${formatRefusal(refusal)}\n`);
  if (refusals.length > 0) return EXIT.FAILURE;
  if (explicit === undefined && !(await access(path).then(() => true, () => false))) io.stdout.write(`note: no config file at ${path}: the defaults apply\n`);
  for (const note of notes) io.stdout.write(`note: ${note}\n`);
  io.stdout.write(`${path}: ok\n`);
  return EXIT.OK;
}

/** The `config` command. */
export const configCommand: Command = { name: 'config', summary: 'check that the config would start (every problem, with what to fix) or print the defaults', help: HELP, run };
