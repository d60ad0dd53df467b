/**
 * `hivesat devices [--json]`: the ALSA capture and playback devices, with the names `-D` (and the satellite's
 * device settings) accept.
 *
 * Exit codes: 0 listed (even when empty), 1 `arecord`/`aplay` missing or failing, or bad usage.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { type AlsaDeviceList, DeviceError, listDevices } from '../../audio/index.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';
import { asUsageError, describeError } from '../errors.js';

const HELP = `Usage: hivesat devices [--json]

List the ALSA capture (microphone) and playback (speaker) devices: each card's hardware devices with the stable
names to use (plughw:CARD=<id>,DEV=<n> converts rate and format; hw:… does not), then every PCM name ALSA knows.

Options:
  --json       print {"capture": {"hardware": […], "pcms": […]}, "playback": {…}}
  -h, --help   show this help

Exit codes: 0 listed, 1 arecord/aplay missing (sudo apt-get install alsa-utils) or failing.`;

function section(title: string, list: AlsaDeviceList): string[] {
  const lines = [`${title}:`];
  if (list.hardware.length === 0) lines.push('  (no hardware device)');
  for (const d of list.hardware) {
    lines.push(`  card ${d.card} "${d.cardName}" device ${d.device} "${d.deviceName}"  ${d.plugName}  (${d.subdevicesAvailable}/${d.subdevicesTotal} free)`);
  }
  const pcms = list.pcms.map((p) => p.name);
  lines.push(`  PCM names: ${pcms.length === 0 ? '(none)' : pcms.join(', ')}`);
  return lines;
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values } = parseArgs({ args: [...args], strict: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help === true) {
      io.stdout.write(`${HELP}\n`);
      return EXIT.OK;
    }
    const devices = await listDevices({ env: io.env });
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(devices, null, 2)}\n`);
    } else {
      io.stdout.write(`${[...section('Capture (microphones)', devices.capture), '', ...section('Playback (speakers)', devices.playback)].join('\n')}\n`);
    }
    return EXIT.OK;
  } catch (error) {
    if (error instanceof DeviceError) {
      const hint = error.code === 'AUDIO_ERR_DEVICE_SPAWN' ? 'arecord/aplay are not installed: sudo apt-get install alsa-utils' : error.message;
      io.stderr.write(`hivesat devices: ${hint}\n`);
      return EXIT.FAILURE;
    }
    io.stderr.write(`hivesat devices: ${describeError(asUsageError(error, 'devices')).message}\n`);
    return EXIT.FAILURE;
  }
}

/** The `devices` command. */
export const devicesCommand: Command = { name: 'devices', summary: 'list ALSA capture and playback devices', help: HELP, run };
