/**
 * ALSA device discovery for `hivesat devices` / `doctor`: runs `arecord -l`, `arecord -L`, `aplay -l` and `aplay -L`
 * and parses their output into typed lists. The parsers are pure and take the programs' text.
 *
 * `-l` lists hardware: `card 1: Device [USB PnP Sound Device], device 0: USB Audio [USB Audio]` followed by
 * `  Subdevices: 1/1`. `-L` lists PCM names (what `-D` accepts) at the start of a line, each followed by indented
 * description lines. With no sound card `-l` prints nothing on stdout (and "no soundcards found..." on stderr).
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { DeviceError } from './errors.js';
import { errorCode } from '../errors.js';

/** One device of one card, from `arecord -l` / `aplay -l`. */
export interface AlsaHardwareDevice {
  /** Card number (`hw:<card>,<device>`). */
  readonly card: number;
  /** Card id, stable across reboots (`Device`, `Headphones`). */
  readonly cardId: string;
  /** Card name (`USB PnP Sound Device`). */
  readonly cardName: string;
  /** Device number on the card. */
  readonly device: number;
  /** Device id (`USB Audio`). */
  readonly deviceId: string;
  /** Device name. */
  readonly deviceName: string;
  /** Free subdevices. */
  readonly subdevicesAvailable: number;
  /** All subdevices. */
  readonly subdevicesTotal: number;
  /** Name for `-D` that converts rate/format as needed, by stable card id: `plughw:CARD=Device,DEV=0`. */
  readonly plugName: string;
  /** Name for `-D` without conversion: `hw:CARD=Device,DEV=0`. */
  readonly hwName: string;
}

/** One PCM name from `arecord -L` / `aplay -L`. */
export interface AlsaPcm {
  /** What `-D` accepts (`default`, `sysdefault:CARD=Device`, `plughw:CARD=Device,DEV=0`). */
  readonly name: string;
  /** Description lines, trimmed (may be empty). */
  readonly description: readonly string[];
}

/** Devices of one direction. */
export interface AlsaDeviceList {
  /** Hardware devices (`-l`). */
  readonly hardware: readonly AlsaHardwareDevice[];
  /** PCM names (`-L`). */
  readonly pcms: readonly AlsaPcm[];
}

/** Everything {@link listDevices} finds. */
export interface AudioDevices {
  /** From `arecord`. */
  readonly capture: AlsaDeviceList;
  /** From `aplay`. */
  readonly playback: AlsaDeviceList;
}

const CARD_LINE = /^card (\d+): (\S+) \[(.*)\], device (\d+): (.*) \[(.*)\]\s*$/;
const SUBDEVICES_LINE = /^\s+Subdevices: (\d+)\/(\d+)\s*$/;

/** Parses the output of `arecord -l` or `aplay -l`. Lines it does not know are ignored. */
export function parseHardwareList(text: string): AlsaHardwareDevice[] {
  const devices: AlsaHardwareDevice[] = [];
  let pending: Omit<AlsaHardwareDevice, 'subdevicesAvailable' | 'subdevicesTotal'> | undefined;
  const flush = (available: number, total: number): void => {
    if (pending !== undefined) devices.push({ ...pending, subdevicesAvailable: available, subdevicesTotal: total });
    pending = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    const card = CARD_LINE.exec(line);
    if (card !== null) {
      flush(0, 0);
      const [, cardNo, cardId, cardName, devNo, deviceId, deviceName] = card as unknown as [string, string, string, string, string, string, string];
      pending = {
        card: Number(cardNo),
        cardId,
        cardName,
        device: Number(devNo),
        deviceId: deviceId.trim(),
        deviceName,
        plugName: `plughw:CARD=${cardId},DEV=${devNo}`,
        hwName: `hw:CARD=${cardId},DEV=${devNo}`,
      };
      continue;
    }
    const sub = SUBDEVICES_LINE.exec(line);
    if (sub !== null) flush(Number(sub[1]), Number(sub[2]));
  }
  flush(0, 0);
  return devices;
}

/** Parses the output of `arecord -L` or `aplay -L`. */
export function parsePcmList(text: string): AlsaPcm[] {
  const pcms: { name: string; description: string[] }[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line)) {
      pcms[pcms.length - 1]?.description.push(line.trim());
    } else {
      pcms.push({ name: line.trim(), description: [] });
    }
  }
  return pcms;
}

/** Runs a program and returns its stdout; injectable for tests. */
export type RunFn = (command: string, args: readonly string[]) => Promise<string>;

/** Options of {@link listDevices}. */
export interface ListDevicesOptions {
  /** Runs a command. Default: `execFile` with `env`. */
  readonly run?: RunFn;
  /** Environment for the default runner (e.g. with `ALSA_CONFIG_PATH`). */
  readonly env?: NodeJS.ProcessEnv;
}

function defaultRun(env: NodeJS.ProcessEnv | undefined): RunFn {
  return (command, args) =>
    new Promise((resolve, reject) => {
      execFile(command, [...args], env === undefined ? {} : { env }, (err, stdout, stderr) => {
        if (err !== null) {
          const code = errorCode(err) === 'ENOENT' ? 'AUDIO_ERR_DEVICE_SPAWN' : 'AUDIO_ERR_DEVICE_EXIT';
          const said = stderr.trim().split('\n').pop() ?? '';
          reject(new DeviceError(code, `${command} ${args.join(' ')} failed: ${said || err.message}`, { stderr }, { cause: err }));
          return;
        }
        resolve(stdout);
      });
    });
}

/**
 * Lists ALSA capture and playback devices.
 * @throws {AUDIO_ERR_DEVICE_SPAWN} when `arecord`/`aplay` are not installed (Debian package `alsa-utils`).
 * @throws {AUDIO_ERR_DEVICE_EXIT} when one of them fails.
 */
export async function listDevices(options: ListDevicesOptions = {}): Promise<AudioDevices> {
  const run = options.run ?? defaultRun(options.env);
  const [captureHw, capturePcm, playbackHw, playbackPcm] = await Promise.all([
    run('arecord', ['-l']),
    run('arecord', ['-L']),
    run('aplay', ['-l']),
    run('aplay', ['-L']),
  ]);
  return {
    capture: { hardware: parseHardwareList(captureHw), pcms: parsePcmList(capturePcm) },
    playback: { hardware: parseHardwareList(playbackHw), pcms: parsePcmList(playbackPcm) },
  };
}
