/**
 * `hivesat identity set|show|test`: the HiveMind identity file (HIVEMIND.md §7.3), shared with the Python
 * `hivemind-client set-identity`.
 *
 * - `set` writes the given fields (mode 0600), keeping every other key; `--host` gets `ws://` when it has no scheme,
 *   as `set-identity` does.
 * - `show` prints the file with secrets masked, then the effective connection settings and where each comes from.
 * - `test` connects, completes the handshake, and reports the protocol, cipher and encoding.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import {
  ConfigError,
  type ConnectionSettings,
  defaultIdentityPath,
  describeSettings,
  hubAddress,
  maskIdentity,
  readIdentity,
  resolveConnectionSettings,
  updateIdentity,
} from '../../config/index.js';
import { HiveConnectionError, HubConnection } from '../../hivemind/index.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, cliLogger, commandConnectionOptions, parseTimeoutSeconds, toConnectionFlags } from '../connection-flags.js';
import { UsageError, asUsageError, describeError } from '../errors.js';

/** Default `identity test --timeout`, seconds. */
const TEST_DEFAULT_TIMEOUT_S = 15;

const HELP = `Usage: hivesat identity set [--access-key KEY] [--password PASSWORD] [--host HOST] [--port PORT]
                             [--site-id ID] [--noise-psk HEX] [--identity PATH]
       hivesat identity show [--identity PATH] [--json]
       hivesat identity test [connection options] [--timeout SEC]

  set    write these fields to the identity file (mode 0600), keeping the others
  show   print the identity file with secrets masked, and the effective connection settings
  test   connect, complete the handshake and report protocol, cipher and encoding

The identity file is ~/.config/hivemind/_identity.json (HIVESAT_IDENTITY, --identity), shared with the
Python hivemind-client.

${CONNECTION_HELP}`;

function identityPathOf(flag: string | undefined, io: CliIo): string {
  return flag ?? (io.env['HIVESAT_IDENTITY'] === undefined || io.env['HIVESAT_IDENTITY'] === '' ? defaultIdentityPath(io.env) : io.env['HIVESAT_IDENTITY']);
}

async function set(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      'access-key': { type: 'string' },
      password: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'site-id': { type: 'string' },
      'noise-psk': { type: 'string' },
      identity: { type: 'string' },
    },
  });
  const changes: Record<string, unknown> = {};
  if (values['access-key'] !== undefined) changes['access_key'] = values['access-key'];
  if (values.password !== undefined) changes['password'] = values.password;
  if (values.host !== undefined) changes['default_master'] = /^wss?:\/\//i.test(values.host) ? values.host : `ws://${values.host}`;
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port < 1 || port > 65_535) throw new UsageError(`--port: expected a port 1-65535, got "${values.port.slice(0, 20)}"`);
    changes['default_port'] = port;
  }
  if (values['site-id'] !== undefined) changes['site_id'] = values['site-id'];
  if (values['noise-psk'] !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(values['noise-psk'])) throw new UsageError('--noise-psk: expected 64 hex characters (hivemind-core derive-psk)');
    changes['noise_psk'] = values['noise-psk'].toLowerCase();
  }
  if (Object.keys(changes).length === 0) throw new UsageError('nothing to set: give at least one of --access-key, --password, --host, --port, --site-id, --noise-psk');
  const path = identityPathOf(values.identity, io);
  await updateIdentity(changes, path);
  io.stdout.write(`identity written to ${path} (${Object.keys(changes).join(', ')}; mode 0600)\n`);
  return EXIT.OK;
}

async function show(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], strict: true, options: { identity: { type: 'string' }, json: { type: 'boolean' } } });
  const path = identityPathOf(values.identity, io);
  const identity = await readIdentity(path);
  if (identity === undefined) throw new ConfigError('CFG_ERR_MISSING', `no identity file at ${path}: create one with "hivesat identity set --host … --access-key … --password …"`);
  const masked = maskIdentity(identity);
  if (values.json === true) {
    io.stdout.write(`${JSON.stringify({ path, identity: masked })}\n`);
    return EXIT.OK;
  }
  io.stdout.write(`identity file: ${path}\n${JSON.stringify(masked, null, 2)}\n`);
  try {
    const settings = await resolveConnectionSettings({ flags: { identity: path }, env: io.env });
    io.stdout.write('effective connection settings:\n');
    for (const [key, value] of Object.entries(describeSettings(settings))) io.stdout.write(`  ${key.padEnd(10)} ${value}\n`);
  } catch (error) {
    // Informational only: `show` still succeeds when the settings are incomplete.
    io.stdout.write(`effective connection settings: incomplete (${error instanceof Error ? error.message : String(error)})\n`);
  }
  return EXIT.OK;
}

async function test(args: readonly string[], io: CliIo, remember: (s: ConnectionSettings) => void): Promise<number> {
  const { values } = parseArgs({ args: [...args], strict: true, options: { ...CONNECTION_OPTIONS, timeout: { type: 'string' } } });
  const timeoutMs = parseTimeoutSeconds(values.timeout, TEST_DEFAULT_TIMEOUT_S);
  const settings = await resolveConnectionSettings({ flags: toConnectionFlags(values), env: io.env });
  remember(settings);
  const conn = new HubConnection(commandConnectionOptions(settings, cliLogger(io, values.verbose === true)));
  let lastError: Error | undefined;
  conn.on('error', (error) => {
    lastError = error;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const info = await Promise.race([
      conn.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new HiveConnectionError('HM_ERR_UNREACHABLE', `expected a session within ${timeoutMs} ms, got none`, { cause: lastError })), timeoutMs);
      }),
    ]);
    const pattern = info.noisePattern === undefined ? '' : ` ${info.noisePattern}`;
    io.stdout.write(
      `handshake OK with ${hubAddress(settings)}: protocol ${info.protocol}${pattern}, cipher ${info.cipher}, encoding ${info.encoding}, binarize ${info.binarize ? 'on' : 'off'}` +
        `${info.hubMaxProtocolVersion === undefined ? '' : `, hub max protocol v${info.hubMaxProtocolVersion}`}\n`,
    );
    return EXIT.OK;
  } finally {
    clearTimeout(timer);
    await conn.close();
  }
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  let settings: ConnectionSettings | undefined;
  try {
    if (sub === undefined || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(`${HELP}\n`);
      return sub === undefined ? EXIT.FAILURE : EXIT.OK;
    }
    switch (sub) {
      case 'set':
        return await set(rest, io);
      case 'show':
        return await show(rest, io);
      case 'test':
        return await test(rest, io, (s) => {
          settings = s;
        });
      default:
        throw new UsageError(`unknown identity command "${sub.slice(0, 20)}": expected set, show or test`);
    }
  } catch (error) {
    const failure = describeError(asUsageError(error, 'identity'), settings);
    io.stderr.write(`hivesat identity: ${failure.message}\n`);
    return failure.exitCode;
  }
}

/** The `identity` command. */
export const identityCommand: Command = { name: 'identity', summary: 'set, show or test the HiveMind identity (credentials)', help: HELP, run };
