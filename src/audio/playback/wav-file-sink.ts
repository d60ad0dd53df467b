/**
 * A WAV file as a playback device (`hivesat run --output out.wav`): every clip played is appended to one 16-bit PCM
 * WAV file, back to back.
 *
 * The header is written when the file is created with "size unknown" placeholders (0xFFFFFFFF, which readers take as
 * "data runs to the end of the file"), and finalised with the real sizes after every clip and on `close()`; so the
 * file is readable even if the process is killed.
 *
 * @module
 */
import { type FileHandle, open } from 'node:fs/promises';
import { WAV_HEADER_BYTES } from '../constants.js';
import { AudioError, DeviceError } from '../errors.js';
import { wavHeader } from '../wav.js';
import { BaseSink, type DeviceFormat, type PlaybackSession } from './sink.js';

/** Options of {@link WavFileSink}. */
export interface WavFileSinkOptions extends DeviceFormat {
  /** The file to (over)write. */
  readonly path: string;
}

/** Byte offset of the RIFF size field. */
const RIFF_SIZE_OFFSET = 4;
/** Byte offset of the 'data' size field in the canonical header. */
const DATA_SIZE_OFFSET = 40;

function ioError(what: string, cause: unknown): DeviceError {
  return new DeviceError('AUDIO_ERR_DEVICE_IO', `${what}: ${(cause as Error).message}`, {}, { cause });
}

/** Records everything played into one WAV file. */
export class WavFileSink extends BaseSink {
  readonly name: string;
  /** Path of the file. */
  readonly path: string;
  #file: FileHandle | undefined;
  #opening: Promise<FileHandle> | undefined;
  #dataBytes = 0;
  readonly #sizeField = new DataView(new ArrayBuffer(4));

  /** @throws {AUDIO_ERR_BAD_ARGUMENT} for an unsupported rate, channel count or gain. */
  constructor(options: WavFileSinkOptions) {
    super(options);
    this.path = options.path;
    this.name = `wav ${options.path}`;
  }

  /** Bytes of audio written so far. */
  get dataBytes(): number {
    return this.#dataBytes;
  }

  protected async openSession(): Promise<PlaybackSession> {
    const file = await this.#ensureOpen();
    return {
      write: async (samples) => {
        const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
        try {
          await file.write(bytes, 0, bytes.length, WAV_HEADER_BYTES + this.#dataBytes);
        } catch (err) {
          throw ioError(`writing ${this.path} failed`, err);
        }
        this.#dataBytes += bytes.length;
      },
      finish: () => this.#finalise(file),
      abort: () => this.#finalise(file).catch(() => {}), // best effort: the clip was cut anyway
    };
  }

  /** Creates the file (with an empty WAV) even if nothing was played, then finalises and closes it. */
  protected override async release(): Promise<void> {
    const file = await this.#ensureOpen();
    await this.#finalise(file);
    await file.close();
    this.#file = undefined;
  }

  #ensureOpen(): Promise<FileHandle> {
    if (this.#file !== undefined) return Promise.resolve(this.#file);
    this.#opening ??= (async () => {
      let file: FileHandle;
      try {
        file = await open(this.path, 'w');
        const header = wavHeader(0xffff_ffff, this.deviceRateHz, this.deviceChannels);
        await file.write(header, 0, header.length, 0);
      } catch (err) {
        this.#opening = undefined; // a later play may try again (e.g. once the directory exists)
        throw ioError(`cannot create ${this.path}`, err);
      }
      this.#file = file;
      return file;
    })();
    return this.#opening;
  }

  async #finalise(file: FileHandle): Promise<void> {
    if (this.#file !== file) throw new AudioError('AUDIO_ERR_STATE', `${this.name} is closed`);
    const sizes: [number, number][] = [
      [RIFF_SIZE_OFFSET, Math.min(WAV_HEADER_BYTES - 8 + this.#dataBytes, 0xffff_ffff)],
      [DATA_SIZE_OFFSET, Math.min(this.#dataBytes, 0xffff_ffff)],
    ];
    for (const [offset, value] of sizes) {
      this.#sizeField.setUint32(0, value, true);
      await file.write(new Uint8Array(this.#sizeField.buffer), 0, 4, offset);
    }
  }
}
