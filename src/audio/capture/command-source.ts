/**
 * Capture from any program that prints raw PCM on stdout (`audio.capture_command`): `pw-record`, `parec`, a remote
 * microphone over `ssh` or `nc`. It is {@link ArecordSource} with the program's own argv: the same process
 * lifecycle, errors (`AUDIO_ERR_DEVICE_EXIT` with the program's stderr), and — wrapped in a
 * {@link SupervisedSource} — the same stall/stuck detection, restarts with backoff and reports.
 *
 * ```ts
 * new CommandSource({ argv: ['pw-record', '--rate', '48000', '--channels', '2', '--format', 's16', '-'], rateHz: 48_000, channels: 2 });
 * ```
 *
 * @module
 */
import { AudioError } from '../errors.js';
import { ArecordSource, type ArecordSourceOptions } from './arecord-source.js';

/** Options of {@link CommandSource}: the argv, and the rate and channels of the s16le PCM it prints. */
export type CommandSourceOptions = Omit<ArecordSourceOptions, 'device' | 'command' | 'extraArgs' | 'argv'> & { readonly argv: readonly string[] };

/** Live capture from a program's stdout (raw s16le at `rateHz` × `channels`, converted to 16 kHz mono here). */
export class CommandSource extends ArecordSource {
  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an empty argv or an unsupported rate or channel count. */
  constructor(options: CommandSourceOptions) {
    if (options.argv.length === 0 || options.argv[0] === '') throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', 'argv: expected a program and its arguments, got an empty command');
    super(options);
  }
}
