/**
 * Audio files as a hub or a sound folder hands them over (TTS answers, `mycroft.audio.play_sound`), decoded into the
 * in-process format, 16 kHz mono s16, at the output edge:
 *
 * - WAV (RIFF) at any rate 8–48 kHz and any channel count src/audio reads: {@link readWav16kMono}.
 * - MP3 (and MPEG layer I/II), with or without an ID3v2 tag: `mpg123-decoder` (libmpg123 compiled to WASM, no native
 *   build). The WASM module is compiled once per process and kept: {@link preloadMp3Decoder} does it ahead of the
 *   first answer so that "TTS received → first sample" does not pay for it.
 *
 * The format is sniffed from the bytes; the file name (TTS_AUDIO `file_name`, a sound's path) is only a tie-breaker
 * for headerless MPEG streams.
 *
 * @module
 */
import { HivesatError } from '../../errors.js';
import { SAMPLE_RATE_HZ } from '../constants.js';
import { resample } from '../resample.js';
import { parseWav, readWav16kMono } from '../wav.js';
import { scanMpegFrames } from './mpeg-frames.js';

/** Codes of {@link AudioDecodeError}. */
export type AudioDecodeErrorCode =
  /** The bytes are neither a WAV nor an MPEG audio file, or the MPEG decoder found no audio in them. */
  | 'AUDIO_ERR_DECODE'
  /** The file is larger than the caller's `maxBytes` (refused before any parsing). */
  | 'AUDIO_ERR_TOO_LARGE'
  /** The file would decode to more than the caller's `maxDurationSeconds` (told by its headers, before decoding). */
  | 'AUDIO_ERR_TOO_LONG';

/** An audio file could not be decoded (WAV files fail with their own `WavError` codes). */
export class AudioDecodeError extends HivesatError<AudioDecodeErrorCode> {
  override readonly name = 'AudioDecodeError';
}

/** A container format {@link decodeAudioFile} reads. */
export type AudioFileFormat = 'wav' | 'mp3';

/** Options of {@link decodeAudioFile}. */
export interface DecodeAudioOptions {
  /** The file's name or path, used only when the bytes do not tell the format (`.mp3`, `.wav`). */
  readonly fileName?: string;
  /** Refuse a larger file, bytes (hostile-input guard; default no cap). */
  readonly maxBytes?: number;
  /**
   * Refuse a file longer than this, seconds (hostile-input guard; default no cap). Judged from the WAV header or the
   * MPEG frame headers, so a file that would decode to hours is refused without decoding: memory stays at the file.
   */
  readonly maxDurationSeconds?: number;
}

interface MpegDecodedAudio {
  readonly channelData: Float32Array[];
  readonly samplesDecoded: number;
  readonly sampleRate: number;
}

interface MpegDecoder {
  readonly ready: Promise<void>;
  reset(): Promise<void>;
  decode(data: Uint8Array): MpegDecodedAudio;
}

let mpegDecoder: Promise<MpegDecoder> | undefined;
/** Decodes run one after the other on the shared decoder (it is stateful). */
let mpegChain: Promise<unknown> = Promise.resolve();

/** Lazily compiles the MP3 decoder (≈ 70 ms of WASM compilation on x86, more on a Pi) and keeps it. */
function loadMpegDecoder(): Promise<MpegDecoder> {
  mpegDecoder ??= (async () => {
    const { MPEGDecoder } = await import('mpg123-decoder');
    const decoder: MpegDecoder = new MPEGDecoder();
    await decoder.ready;
    return decoder;
  })();
  mpegDecoder.catch(() => {
    mpegDecoder = undefined; // a later call may try again
  });
  return mpegDecoder;
}

/** Compile the MP3 decoder now (at start-up) instead of at the first MP3 answer. Never rejects. */
export async function preloadMp3Decoder(): Promise<void> {
  try {
    await loadMpegDecoder();
  } catch {
    // Optional warm-up: the first real decode reports the failure with its own error.
  }
}

/** The format of a file by its first bytes (then by its name), or `undefined` when neither tells. */
export function sniffAudioFormat(bytes: Uint8Array, fileName?: string): AudioFileFormat | undefined {
  const b = (i: number): number => bytes[i] ?? -1;
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46) return 'wav'; // RIFF
  if (b(0) === 0x49 && b(1) === 0x44 && b(2) === 0x33) return 'mp3'; // ID3v2 tag
  if (b(0) === 0xff && (b(1) & 0xe0) === 0xe0) return 'mp3'; // MPEG frame sync (11 bits)
  const lower = fileName?.toLowerCase() ?? '';
  if (lower.endsWith('.mp3') || lower.endsWith('.mpga') || lower.endsWith('.mp2')) return 'mp3';
  if (lower.endsWith('.wav') || lower.endsWith('.wave')) return 'wav';
  return undefined;
}

/**
 * Decode a WAV or MP3 file into 16 kHz mono s16 (channels averaged, resampled).
 *
 * @throws {AUDIO_ERR_DECODE} (AudioDecodeError) for another format or an MPEG stream without audio.
 * @throws {AUDIO_ERR_TOO_LARGE | AUDIO_ERR_TOO_LONG} (AudioDecodeError) over `maxBytes` / `maxDurationSeconds`.
 * @throws {AUDIO_ERR_WAV_MALFORMED | AUDIO_ERR_WAV_TRUNCATED | AUDIO_ERR_WAV_UNSUPPORTED} (WavError) for a bad WAV.
 */
export async function decodeAudioFile(bytes: Uint8Array, options: DecodeAudioOptions = {}): Promise<Int16Array> {
  if (options.maxBytes !== undefined && bytes.length > options.maxBytes) {
    throw new AudioDecodeError('AUDIO_ERR_TOO_LARGE', `expected an audio file of at most ${options.maxBytes} bytes, got ${bytes.length}`);
  }
  const format = sniffAudioFormat(bytes, options.fileName);
  if (format === 'wav') {
    const info = parseWav(bytes); // O(chunks): the header's own claims, checked against the file
    checkDuration(info.frames / info.sampleRateHz, options.maxDurationSeconds, 'WAV');
    return readWav16kMono(bytes);
  }
  if (format === 'mp3') return decodeMp3(bytes, options.maxDurationSeconds);
  throw new AudioDecodeError('AUDIO_ERR_DECODE', `expected a WAV or MP3 file, got ${bytes.length} bytes starting ${hexPrefix(bytes)}`);
}

function checkDuration(seconds: number, maxSeconds: number | undefined, what: string): void {
  if (maxSeconds !== undefined && seconds > maxSeconds) {
    throw new AudioDecodeError('AUDIO_ERR_TOO_LONG', `expected at most ${maxSeconds} s of audio, got a ${what} of ${seconds.toFixed(1)} s`);
  }
}

async function decodeMp3(bytes: Uint8Array, maxSeconds: number | undefined): Promise<Int16Array> {
  // Headers first: no run of frames → never reaches the decoder; too long → refused before decoding.
  const scan = scanMpegFrames(bytes);
  if (scan.frames === 0) throw new AudioDecodeError('AUDIO_ERR_DECODE', `expected MPEG audio frames, got none in ${bytes.length} bytes starting ${hexPrefix(bytes)}`);
  checkDuration(scan.samples / scan.sampleRateHz, maxSeconds, `MPEG stream (${scan.frames} frames)`);
  const audio = bytes.subarray(scan.start, scan.end);
  const decoder = await loadMpegDecoder();
  const run = mpegChain.then(async () => {
    await decoder.reset();
    return decoder.decode(audio);
  });
  mpegChain = run.catch(() => undefined);
  const decoded = await run;
  const channels = decoded.channelData.length;
  const frames = decoded.samplesDecoded;
  if (channels === 0 || frames === 0) throw new AudioDecodeError('AUDIO_ERR_DECODE', `expected MPEG audio frames, got none in ${bytes.length} bytes`);
  checkDuration(frames / decoded.sampleRate, maxSeconds, 'decoded MPEG stream');
  const mono = downmix(decoded.channelData, frames);
  return resample(mono, decoded.sampleRate, SAMPLE_RATE_HZ, 1);
}

/** Average planar channels into one Float32Array ([-1, 1]). */
function downmix(channelData: readonly Float32Array[], frames: number): Float32Array {
  const first = channelData[0] as Float32Array;
  if (channelData.length === 1) return first.subarray(0, frames);
  const out = new Float32Array(frames);
  const scale = 1 / channelData.length;
  for (const channel of channelData) for (let i = 0; i < frames; i++) out[i] = (out[i] as number) + (channel[i] as number) * scale;
  return out;
}

function hexPrefix(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ') || '(nothing)';
}
