/**
 * `hivesat config check [--config FILE]`: validate the satellite config file and print every problem with its JSON
 * path (exit 1), or "ok" (exit 0). `hivesat config defaults` prints the defaults as a config file.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { defaultConfigPath } from '../../config/connection-config.js';
import { checkSatelliteConfig, defaultSatelliteConfig } from '../../config/satellite-config.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';

const HELP = `Usage: hivesat config check [--config FILE]
       hivesat config defaults

check      validate the config file (default ~/.config/hivesat/config.json, or HIVESAT_CONFIG) and print every
           problem with its JSON path; exit 1 if there is one
defaults   print the default config (every key, with its default value)`;

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
  const path = configFlag ?? (io.env['HIVESAT_CONFIG'] || defaultConfigPath(io.env));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    io.stderr.write(`${path}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? 'error'}) (CFG_ERR_IO)\n`);
    return EXIT.FAILURE;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    io.stderr.write(`${path}: $: expected JSON, got text that does not parse: ${(error as Error).message} (CFG_ERR_MALFORMED)\n`);
    return EXIT.FAILURE;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    io.stderr.write(`${path}: $: expected a JSON object (CFG_ERR_MALFORMED)\n`);
    return EXIT.FAILURE;
  }
  const { issues } = checkSatelliteConfig(value);
  for (const issue of issues) io.stderr.write(`${path}: ${issue.path}: ${issue.message} (CFG_ERR_INVALID_VALUE)\n`);
  if (issues.length > 0) return EXIT.FAILURE;
  io.stdout.write(`${path}: ok\n`);
  return EXIT.OK;
}

/** The `config` command. */
export const configCommand: Command = { name: 'config', summary: 'check the config file (every problem with its JSON path) or print the defaults', help: HELP, run };
