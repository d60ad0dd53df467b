/**
 * `hivesat serve [connection flags] [--listen 127.0.0.1:8337] [--token T | --no-auth] [--fallback PERSONA]`: the hub
 * and the personas as a local OpenAI- and Ollama-compatible endpoint (see docs/serve.md), until SIGINT or SIGTERM.
 *
 * Without a configured hub (no host/access key/password anywhere) only the personas are served. The token is never
 * printed unless asked (`--print-token`): it would end up in the journal.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { type ConnectionSettings, hubAddress, resolveConnectionSettings } from '../../config/index.js';
import { ConfigError } from '../../errors.js';
import { streamLogger } from '../../hivemind/index.js';
import { ServeError, loadServeTargets, resolveServeSettings, startServe } from '../../serve/index.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, cliLogger, commandConnectionOptions, toConnectionFlags } from '../connection-flags.js';
import { UsageError, asUsageError, describeError } from '../errors.js';

const HELP = `Usage: hivesat serve [options]

Serve the hub and the personas as a local OpenAI-compatible (/v1/chat/completions, /v1/models) and
Ollama-compatible (/api/chat, /api/generate, /api/tags, /api/show, /api/version) endpoint, for Home
Assistant's Ollama integration, Open WebUI or any OpenAI client. Models: "hivemind" (the hub, one
HiveMind session per conversation) and "persona:<name>" for the built-in offline persona and each
persona file. Stops on SIGINT/SIGTERM.

Options:
  --listen HOST:PORT     address to listen on, default 127.0.0.1:8337     (HIVESAT_SERVE_LISTEN)
  --token TOKEN          bearer token clients must send (visible in ps; prefer the file or env)
                                                                           (HIVESAT_SERVE_TOKEN)
  --token-file PATH      token file, created 0600 with a random token at first start,
                         default ~/.config/hivesat/serve-token               (HIVESAT_SERVE_TOKEN_FILE)
  --no-auth              no token (refused unless listening on loopback)
  --print-token          print the token (creating the file if needed) and exit
  --fallback PERSONA     answer from this persona when the hub cannot be reached
                                                                           (HIVESAT_SERVE_FALLBACK)
  --persona-dir PATH     persona folder, default ~/.config/ovos_persona     (HIVESAT_PERSONA_DIR)
  -h, --help             show this help

${CONNECTION_HELP}

Exit codes: 0 stopped by a signal, 1 configuration or listen failure.`;

/** True when the user named a hub on the command line (then a missing credential is an error, not "no hub"). */
function hubRequested(values: { readonly host?: string | undefined; readonly 'access-key'?: string | undefined; readonly password?: string | undefined }): boolean {
  return values.host !== undefined || values['access-key'] !== undefined || values.password !== undefined;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  let connection: ConnectionSettings | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: false,
      strict: true,
      options: {
        ...CONNECTION_OPTIONS,
        listen: { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        'no-auth': { type: 'boolean' },
        'print-token': { type: 'boolean' },
        fallback: { type: 'string' },
        'persona-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      io.stdout.write(`${HELP}\n`);
      return EXIT.OK;
    }
    if (positionals.length > 0) throw new UsageError('serve takes no arguments; see "hivesat serve --help"');
    const settings = await resolveServeSettings({
      flags: {
        ...(values.listen === undefined ? {} : { listen: values.listen }),
        ...(values.token === undefined ? {} : { token: values.token }),
        ...(values['token-file'] === undefined ? {} : { tokenFile: values['token-file'] }),
        ...(values['no-auth'] === undefined ? {} : { noAuth: values['no-auth'] }),
        ...(values.fallback === undefined ? {} : { fallback: values.fallback }),
        ...(values['persona-dir'] === undefined ? {} : { personaDir: values['persona-dir'] }),
        ...(values.config === undefined ? {} : { config: values.config }),
      },
      env: io.env,
    });
    if (values['print-token'] === true) {
      if (settings.auth.kind !== 'token') throw new UsageError('--print-token: authentication is off, there is no token');
      io.stdout.write(`${settings.auth.token}\n`);
      return EXIT.OK;
    }
    const verbose = values.verbose === true;
    const warn = (message: string): void => void io.stderr.write(`hivesat serve: warning: ${message}\n`);
    if (settings.hubModel !== undefined) {
      try {
        connection = await resolveConnectionSettings({ flags: toConnectionFlags(values), env: io.env });
      } catch (error) {
        if (!(error instanceof ConfigError && error.code === 'CFG_ERR_MISSING') || hubRequested(values)) throw error;
        warn(`no hub configured (${error.message}); serving the personas only`);
      }
    }
    const targets = await loadServeTargets({
      ...(connection === undefined || settings.hubModel === undefined
        ? {}
        : {
            hub: {
              // A request waits for at most two connection attempts before it is answered 503 (or by the fallback).
              connection: { ...commandConnectionOptions(connection, cliLogger(io, verbose)), reconnect: { initialDelayMs: 500, maxAttempts: 2 } },
              description: `HiveMind hub ${hubAddress(connection)}`,
              name: settings.hubModel,
            },
          }),
      personaDir: settings.personaDir,
      fallback: settings.fallback,
      warn,
    });
    const server = await startServe({
      listen: settings.listen,
      auth: settings.auth.kind === 'token' ? { token: settings.auth.token } : { disabled: true },
      targets,
      ...(connection === undefined ? {} : { lang: connection.lang }),
      rateLimit: { perMinute: settings.rateLimitPerMinute },
      logger: streamLogger(io.stderr, { minLevel: verbose ? 'debug' : 'info', prefix: 'hivesat serve' }),
    });
    const auth =
      settings.auth.kind === 'none'
        ? 'authentication OFF (loopback only)'
        : settings.auth.source === 'file'
          ? `bearer token ${settings.auth.created === true ? 'created in' : 'from'} ${settings.auth.path ?? ''} (show it with "hivesat serve --print-token")`
          : `bearer token from ${settings.auth.source === 'flag' ? '--token' : 'HIVESAT_SERVE_TOKEN'}`;
    // Listen for the signals before saying we are up: whoever reads that line may signal us at once.
    const stopped = waitForSignal();
    io.stdout.write(`hivesat serve: listening on ${server.url}\nhivesat serve: models: ${server.models.join(', ')}\nhivesat serve: ${auth}\n`);
    const signal = await stopped;
    io.stderr.write(`hivesat serve: ${signal}, stopping\n`);
    await server.close();
    return EXIT.OK;
  } catch (error) {
    if (error instanceof ServeError) {
      io.stderr.write(`hivesat serve: ${error.message}\n`);
      return EXIT.FAILURE;
    }
    const failure = describeError(asUsageError(error, 'serve'), connection);
    io.stderr.write(`hivesat serve: ${failure.message}\n`);
    return failure.exitCode;
  }
}

/** The `serve` command. */
export const serveCommand: Command = { name: 'serve', summary: 'serve the hub and personas as a local OpenAI/Ollama-compatible API', help: HELP, run };
