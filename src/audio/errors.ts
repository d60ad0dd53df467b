/**
 * Coded errors of the audio layer.
 *
 * - {@link WavError}: a WAV file is malformed, truncated or in a format we do not read.
 * - {@link DeviceError}: a capture or playback device (an `arecord`/`aplay` process, a pipe) failed. Supervised sources
 *   report these and retry; they never crash the service.
 * - {@link AudioError}: misuse of the audio API (bad argument, wrong state, a position that the ring buffer no longer
 *   holds).
 *
 * Callers match on `code`; messages are for people and follow "expected X, got Y".
 *
 * @module
 */
import { HivesatError } from '../errors.js';

/** Codes of {@link WavError}. */
export type WavErrorCode =
  /** The bytes are not a RIFF/WAVE file, or a chunk is structurally invalid (e.g. no 'fmt ' before 'data'). */
  | 'AUDIO_ERR_WAV_MALFORMED'
  /** The file ends before the header or the data it declares. */
  | 'AUDIO_ERR_WAV_TRUNCATED'
  /** Valid WAV, but a sample format, rate or channel count we do not read (e.g. A-law, 12-bit, 96 kHz, 6 channels). */
  | 'AUDIO_ERR_WAV_UNSUPPORTED'
  /** The file is larger than the configured limit (checked before it is read into memory). */
  | 'AUDIO_ERR_WAV_TOO_LARGE';

/** Codes of {@link DeviceError}. */
export type DeviceErrorCode =
  /** The capture/playback program could not be started (not installed, not executable). */
  | 'AUDIO_ERR_DEVICE_SPAWN'
  /** The capture/playback process exited or was killed while it should have been running (USB device unplugged…). */
  | 'AUDIO_ERR_DEVICE_EXIT'
  /** The device delivered no audio for longer than the stall timeout (its process hangs: it is killed and restarted). */
  | 'AUDIO_ERR_DEVICE_STALLED'
  /**
   * The capture device delivers audio that cannot be a microphone's: one constant non-zero value, or nothing but
   * full-scale samples, for longer than the stuck timeout (a wedged ADC or driver). It is restarted.
   */
  | 'AUDIO_ERR_CAPTURE_STUCK'
  /** Reading from or writing to the device stream failed (EPIPE, EIO). */
  | 'AUDIO_ERR_DEVICE_IO';

/** Codes of {@link AudioError}. */
export type AudioErrorCode =
  /** An argument is out of range or of the wrong shape (rate, channel count, capacity, gain…). */
  | 'AUDIO_ERR_BAD_ARGUMENT'
  /** The object is not in a state that allows the call (e.g. writing to a closed sink). */
  | 'AUDIO_ERR_STATE'
  /** A ring-buffer read asked for samples that were already overwritten or not yet written. */
  | 'AUDIO_ERR_RANGE'
  /** An input file or stream cannot be read: missing, a directory, no permission, a read error, an empty stdin. */
  | 'AUDIO_ERR_INPUT';

/** Every code the audio layer throws or emits. */
export type AudioLayerErrorCode = WavErrorCode | DeviceErrorCode | AudioErrorCode;

/** A WAV file could not be read. */
export class WavError extends HivesatError<WavErrorCode> {
  override readonly name = 'WavError';
}

/**
 * A capture or playback device failed. `exitCode`/`signal` are set when a process ended; `stderr` holds the last
 * lines the program printed (e.g. `arecord: main:831: audio open error: No such device`).
 */
export class DeviceError extends HivesatError<DeviceErrorCode> {
  override readonly name = 'DeviceError';
  /** Exit code of the device process, when it exited normally. */
  readonly exitCode: number | null;
  /** Signal that ended the device process, when one did. */
  readonly signal: NodeJS.Signals | null;
  /** Tail of the device process's stderr (may be empty). */
  readonly stderr: string;

  constructor(
    code: DeviceErrorCode,
    message: string,
    details: { exitCode?: number | null; signal?: NodeJS.Signals | null; stderr?: string } = {},
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
    this.stderr = details.stderr ?? '';
  }
}

/** The audio API was misused. */
export class AudioError extends HivesatError<AudioErrorCode> {
  override readonly name = 'AudioError';
}
