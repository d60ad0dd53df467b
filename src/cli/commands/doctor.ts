/**
 * `hivesat doctor [--json] [--only LIST] [--skip LIST] [connection flags]`: one screen of checks — Node and
 * platform, CPU AES (cipher choice), clock, disk, audio devices (listed, microphone level over 2 s, a test tone),
 * models (sha256), configuration, hub (reachable, handshake, BUS round trip, `speak:synth`), local fallback
 * engines — each ok / warn / fail / skip with what to do.
 *
 * Exit codes: 0 nothing failed (warnings allowed), 1 something the satellite needs is broken or bad usage.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ConnectionSettings } from '../../config/index.js';
import { HubConnection, silentLogger } from '../../hivemind/index.js';
import { defaultSpawn } from '../../ops/index.js';
import { type DoctorContext, type RunResult, checkNames, formatReport, runDoctor, selectChecks } from '../doctor/index.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, cliLogger, commandConnectionOptions, parseTimeoutSeconds, toConnectionFlags } from '../connection-flags.js';
import { UsageError, asUsageError, describeError } from '../errors.js';

/** Default `--timeout` of each hub step, seconds. */
export const DOCTOR_DEFAULT_TIMEOUT_S = 10;
/** Default utterance timed for the BUS round trip. */
export const DOCTOR_DEFAULT_UTTERANCE = 'what time is it';

const HELP = `Usage: hivesat doctor [options]

Check everything the satellite needs and say what to fix: Node and platform, CPU AES (cipher choice), clock, disk
space, audio devices (microphone level over 2 s, a short test tone), models (sha256), configuration, the hub
(reachable, handshake, BUS round trip, speak:synth permission) and the local fallback engines.

Options:
  --json                   print the report as JSON
  --only LIST              run only these checks or groups (comma-separated): ${checkNames().join(', ')}
  --skip LIST              leave these checks or groups out
  --capture-device DEV     ALSA capture device to measure (default: "default" when a card exists)
  --playback-device DEV    ALSA playback device for the test tone (default: "default" when a card exists)
  --no-tone                do not play the test tone
  --utterance TEXT         utterance sent to time the BUS round trip, default "${DOCTOR_DEFAULT_UTTERANCE}"
  --timeout SEC            limit of each hub step, default ${DOCTOR_DEFAULT_TIMEOUT_S}
  -h, --help               show this help

${CONNECTION_HELP}

Exit codes: 0 nothing failed (warnings allowed), 1 something the satellite needs is broken.`;

function list(value: string | undefined, known: readonly string[], flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new UsageError(`${flag}: unknown check "${unknown[0]}" (expected ${known.join(', ')})`);
  return names;
}

function runProgram(env: NodeJS.ProcessEnv): DoctorContext['run'] {
  return (command, args, timeoutMs) =>
    new Promise<RunResult>((resolve) => {
      execFile(command, [...args], { env, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error === null) resolve({ code: 0, stdout, stderr });
        else if (typeof error.code === 'number') resolve({ code: error.code, stdout, stderr });
        else resolve({ code: null, stdout, stderr, error });
      });
    });
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        ...CONNECTION_OPTIONS,
        json: { type: 'boolean' },
        only: { type: 'string' },
        skip: { type: 'string' },
        'capture-device': { type: 'string' },
        'playback-device': { type: 'string' },
        'no-tone': { type: 'boolean' },
        utterance: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      io.stdout.write(`${HELP}\n`);
      return EXIT.OK;
    }
    const names = checkNames();
    const only = list(values.only, names, '--only');
    const skip = list(values.skip, names, '--skip');
    const hubTimeoutMs = parseTimeoutSeconds(values.timeout, DOCTOR_DEFAULT_TIMEOUT_S);
    const utterance = values.utterance?.trim() || DOCTOR_DEFAULT_UTTERANCE;
    const logger = values.verbose === true ? cliLogger(io, true) : silentLogger;
    const ctx: DoctorContext = {
      env: io.env,
      flags: toConnectionFlags(values),
      ...(values['capture-device'] === undefined ? {} : { captureDevice: values['capture-device'] }),
      ...(values['playback-device'] === undefined ? {} : { playbackDevice: values['playback-device'] }),
      noTone: values['no-tone'] === true,
      utterance,
      hubTimeoutMs,
      spawn: defaultSpawn,
      run: runProgram(io.env),
      openConnection: (settings: ConnectionSettings) => new HubConnection({ ...commandConnectionOptions(settings, logger), reconnect: { initialDelayMs: 500, maxAttempts: 1 }, handshakeTimeoutMs: hubTimeoutMs, openTimeoutMs: hubTimeoutMs }),
      describeError: (error, settings) => describeError(error, settings).message,
      now: Date.now,
      readCpuInfo: () => readFileSync('/proc/cpuinfo', 'utf8'),
      state: {},
    };
    const report = await runDoctor(selectChecks({ ...(only === undefined ? {} : { only }), ...(skip === undefined ? {} : { skip }) }), ctx);
    io.stdout.write(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
    return report.ok ? EXIT.OK : EXIT.FAILURE;
  } catch (error) {
    const failure = describeError(asUsageError(error, 'doctor'));
    io.stderr.write(`hivesat doctor: ${failure.message}\n`);
    return EXIT.FAILURE;
  }
}

/** The `doctor` command. */
export const doctorCommand: Command = { name: 'doctor', summary: 'check the machine, audio, models, config and hub, and say what to fix', help: HELP, run };
