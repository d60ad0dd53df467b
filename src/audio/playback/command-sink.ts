/**
 * Playback through any program that plays raw PCM from stdin (`audio.playback_command`): `pw-play`, `pacat`, a
 * remote speaker over `ssh` or `nc`. It is {@link AplaySink} with the program's own argv: one process per clip, the
 * same errors (`AUDIO_ERR_DEVICE_EXIT` when it dies mid-clip, `AUDIO_ERR_DEVICE_STALLED` when it takes no audio) and
 * the same reports; the next clip starts it again.
 *
 * ```ts
 * new CommandSink({ argv: ['pw-play', '--rate', '16000', '--channels', '1', '--format', 's16', '-'] });
 * ```
 *
 * @module
 */
import { AudioError } from '../errors.js';
import { AplaySink, type AplaySinkOptions } from './aplay-sink.js';

/** Options of {@link CommandSink}: the argv, and the rate and channels of the s16le PCM it is given. */
export type CommandSinkOptions = Omit<AplaySinkOptions, 'device' | 'command' | 'extraArgs' | 'argv'> & { readonly argv: readonly string[] };

/** Plays through a program's stdin (raw s16le at `rateHz` × `channels`, converted from 16 kHz mono here). */
export class CommandSink extends AplaySink {
  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an empty argv or an unsupported rate, channel count, gain or stall timeout. */
  constructor(options: CommandSinkOptions) {
    if (options.argv.length === 0 || options.argv[0] === '') throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', 'argv: expected a program and its arguments, got an empty command');
    super(options);
  }
}
