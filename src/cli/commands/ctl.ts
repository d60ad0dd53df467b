/**
 * `hivesat ctl status|mute|unmute|listen|stop|say TEXT|volume N|events`: a client of the control API of a running
 * `hivesat run` (docs/control.md). The address and the token come from the same places `run` takes them from: flags,
 * `HIVESAT_CONTROL`/`HIVESAT_CONTROL_TOKEN`, the config's `"control"` section and the 0600 token file.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { defaultConfigPath, loadSatelliteConfig } from '../../config/index.js';
import { OpsError, resolveControlSettings } from '../../ops/index.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';
import { errorCode } from '../../errors.js';

const HELP = `Usage: hivesat ctl <command> [options]

Talk to a running "hivesat run" through its control API (docs/control.md).

Commands:
  status         print the status as JSON: state, muted, hub, mic, volume, last_turn
  mute, unmute   mute (nothing is heard, kept across restarts) or unmute the microphone
  listen         push-to-talk: start capturing now, without the wake word
  stop           stop speaking and cancel the turn
  say TEXT       speak TEXT (through the hub's TTS when it is online, else the local one); returns once spoken
  volume N       set the output volume, 0-100
  events         print the satellite's events (Server-Sent Events) until interrupted

Options:
  --config FILE          config file (default ~/.config/hivesat/config.json): its control.listen and token
  --control HOST:PORT    address of the control API                            (HIVESAT_CONTROL)
  --control-token T      bearer token (default: the token file run generated)  (HIVESAT_CONTROL_TOKEN)
  -h, --help             show this help

Exit codes: 0 done, 1 usage or a refused request, 2 wrong or missing token, 3 the satellite cannot be reached.`;

type Request = { readonly method: 'GET' | 'POST'; readonly path: string; readonly body?: Readonly<Record<string, unknown>> };

/** The commands without arguments. */
const SIMPLE: Readonly<Record<string, Request>> = {
  status: { method: 'GET', path: '/v1/status' },
  events: { method: 'GET', path: '/v1/events' },
  mute: { method: 'POST', path: '/v1/mute' },
  unmute: { method: 'POST', path: '/v1/unmute' },
  listen: { method: 'POST', path: '/v1/listen' },
  stop: { method: 'POST', path: '/v1/stop' },
};

/** The request of each command (its arguments checked). @throws {OpsError} `OPS_ERR_CONTROL` for bad usage. */
function requestFor(command: string, rest: readonly string[]): Request {
  const simple = SIMPLE[command];
  if (simple !== undefined) {
    if (rest.length > 0) throw new OpsError('OPS_ERR_CONTROL', `${command}: expected no arguments, got ${rest.length}`);
    return simple;
  }
  if (command === 'say') {
    const text = rest.join(' ').trim();
    if (text === '') throw new OpsError('OPS_ERR_CONTROL', 'say: expected the text to speak, got none');
    return { method: 'POST', path: '/v1/say', body: { text } };
  }
  if (command === 'volume') {
    const level = Number(rest[0]);
    if (rest.length !== 1 || !Number.isInteger(level) || level < 0 || level > 100) throw new OpsError('OPS_ERR_CONTROL', `volume: expected one integer 0-100, got ${JSON.stringify(rest.join(' ')).slice(0, 40)}`);
    return { method: 'POST', path: '/v1/volume', body: { level } };
  }
  throw new OpsError('OPS_ERR_CONTROL', `expected one of status, mute, unmute, listen, stop, say, volume, events; got "${command.slice(0, 40)}"`);
}

/** A host to connect to for a listen address (a wildcard address is reached on loopback). */
function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: true,
      options: { config: { type: 'string' }, control: { type: 'string' }, 'control-token': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help === true || positionals.length === 0) {
      io.stdout.write(`${HELP}\n`);
      return values.help === true ? EXIT.OK : EXIT.FAILURE;
    }
    const [command = '', ...rest] = positionals;
    const request = requestFor(command, rest);
    const explicit = values.config ?? (io.env['HIVESAT_CONFIG'] === '' ? undefined : io.env['HIVESAT_CONFIG']);
    const config = await loadSatelliteConfig(explicit ?? defaultConfigPath(io.env), explicit !== undefined);
    const settings = await resolveControlSettings(
      config.control,
      { ...(values.control === undefined ? {} : { listen: values.control }), ...(values['control-token'] === undefined ? {} : { token: values['control-token'] }) },
      io.env,
    );
    if (settings === undefined) throw new OpsError('OPS_ERR_CONTROL', 'the control API is off in the config (control.listen is null); pass --control HOST:PORT');
    const url = `http://${connectHost(settings.listen.host)}:${settings.listen.port}${request.path}`;
    const headers: Record<string, string> = settings.token === undefined ? {} : { Authorization: `Bearer ${settings.token}` };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method: request.method, headers, ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }) });
    } catch (cause) {
      const code = (cause instanceof Error ? errorCode(cause.cause) : undefined) ?? 'error';
      io.stderr.write(`hivesat ctl: cannot reach the satellite at ${url.replace(request.path, '')} (${code}); is "hivesat run" running?\n`);
      return EXIT.UNAVAILABLE;
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
      io.stderr.write(`hivesat ctl: ${command}: ${body.error?.message ?? `HTTP ${res.status}`}${body.error?.code === undefined ? '' : ` (${body.error.code})`}\n`);
      return res.status === 401 ? EXIT.AUTH : res.status === 503 ? EXIT.UNAVAILABLE : EXIT.FAILURE;
    }
    if (request.path === '/v1/events') {
      const decoder = new TextDecoder();
      for await (const piece of res.body ?? []) io.stdout.write(decoder.decode(piece as Uint8Array, { stream: true }));
      return EXIT.OK;
    }
    io.stdout.write(`${JSON.stringify(await res.json())}\n`);
    return EXIT.OK;
  } catch (error) {
    const code = errorCode(error);
    io.stderr.write(`hivesat ctl: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` (${code})` : ''}\n`);
    return EXIT.FAILURE;
  }
}

/** The `ctl` command. */
export const ctlCommand: Command = { name: 'ctl', summary: 'control a running satellite: status, mute, unmute, listen, stop, say, volume, events', help: HELP, run };
