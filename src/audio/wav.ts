/**
 * WAV (RIFF/WAVE) reading and writing.
 *
 * Reads: integer PCM at 8 (unsigned), 16, 24 and 32 bits, IEEE float at 32 and 64 bits, plain or
 * WAVE_FORMAT_EXTENSIBLE; 8–48 kHz; 1–8 channels. Unknown chunks (LIST, fact, cue…) are skipped, odd-sized chunks
 * are followed by their pad byte (RIFF rule), and a streaming header (see {@link WAV_STREAMING_SIZES}) means the
 * data runs to the end of the file. Anything else that does not add up is rejected with a {@link WavError} that says
 * what is wrong.
 *
 * Writes: canonical 44-byte 16-bit PCM WAV.
 *
 * Everything read converts to the in-process format (16 kHz mono s16) with {@link readWav16kMono}.
 *
 * @module
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { MAX_CHANNELS, MAX_RATE_HZ, MAX_WAV_BYTES, MIN_RATE_HZ, SAMPLE_RATE_HZ, WAV_HEADER_BYTES, WAV_STREAMING_SIZES } from './constants.js';
import { AudioError, WavError } from './errors.js';
import { assertChannels, resample } from './resample.js';

/** WAVE_FORMAT_PCM. */
const FORMAT_PCM = 0x0001;
/** WAVE_FORMAT_IEEE_FLOAT. */
const FORMAT_FLOAT = 0x0003;
/** WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the SubFormat GUID. */
const FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2–15 of every KSDATAFORMAT_SUBTYPE_* GUID (…-0000-0010-8000-00AA00389B71). */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
/** Names of common format tags we do not decode, for error messages. */
const FORMAT_NAMES: Readonly<Record<number, string>> = { 0x0002: 'MS ADPCM', 0x0006: 'A-law', 0x0007: 'µ-law', 0x0011: 'IMA ADPCM', 0x0055: 'MP3' };

/** Sample encoding of a WAV file. */
export type WavSampleFormat = 'int' | 'float';

/** What a WAV header says, checked against the file. */
export interface WavInfo {
  /** Integer PCM (8-bit is unsigned, others signed) or IEEE float. */
  readonly sampleFormat: WavSampleFormat;
  /** Container bits per sample: 8, 16, 24 or 32 (int); 32 or 64 (float). */
  readonly bitsPerSample: number;
  /** Interleaved channels, 1–8. */
  readonly channels: number;
  /** Frames per second, 8,000–48,000. */
  readonly sampleRateHz: number;
  /** Bytes per frame (`channels × bitsPerSample / 8`). */
  readonly blockAlign: number;
  /** Byte offset of the first sample in the file. */
  readonly dataOffset: number;
  /** Bytes of sample data (whole frames). */
  readonly dataBytes: number;
  /** Frames of audio. */
  readonly frames: number;
  /** True when the header had a placeholder size and the data was taken to run to the end of the file. */
  readonly streamed: boolean;
}

/** Decoded WAV samples at the file's own rate and channel count. */
export interface DecodedWav {
  readonly info: WavInfo;
  /** Interleaved samples: s16 for 8/16-bit files, [-1, 1] floats for the others. */
  readonly samples: Int16Array | Float32Array;
}

function fourcc(bytes: Uint8Array, at: number): string {
  let s = '';
  for (let i = at; i < at + 4 && i < bytes.length; i++) {
    const c = bytes[i] as number;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

function malformed(message: string): WavError {
  return new WavError('AUDIO_ERR_WAV_MALFORMED', `malformed WAV: ${message}`);
}

function truncated(message: string): WavError {
  return new WavError('AUDIO_ERR_WAV_TRUNCATED', `truncated WAV: ${message}`);
}

/** What a 'fmt ' chunk says (checked). */
export interface Fmt {
  readonly sampleFormat: WavSampleFormat;
  readonly bitsPerSample: number;
  readonly channels: number;
  readonly sampleRateHz: number;
  readonly blockAlign: number;
}

/**
 * Parses and checks a 'fmt ' chunk body of `size` bytes at `at`.
 * @throws {AUDIO_ERR_WAV_MALFORMED | AUDIO_ERR_WAV_UNSUPPORTED}
 */
export function parseFmt(view: DataView, bytes: Uint8Array, at: number, size: number): Fmt {
  if (size < 16) throw malformed(`expected a 'fmt ' chunk of at least 16 bytes, got ${size}`);
  let tag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRateHz = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (tag === FORMAT_EXTENSIBLE) {
    if (size < 40) throw malformed(`expected a WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk of at least 40 bytes, got ${size}`);
    const cbSize = view.getUint16(at + 16, true);
    if (cbSize < 22) throw malformed(`expected WAVE_FORMAT_EXTENSIBLE cbSize ≥ 22, got ${cbSize}`);
    tag = view.getUint16(at + 24, true);
    for (let i = 0; i < GUID_TAIL.length; i++) {
      if (bytes[at + 26 + i] !== GUID_TAIL[i]) throw new WavError('AUDIO_ERR_WAV_UNSUPPORTED', 'unsupported WAV: SubFormat GUID is not a standard KSDATAFORMAT_SUBTYPE');
    }
  }
  let sampleFormat: WavSampleFormat;
  if (tag === FORMAT_PCM && (bitsPerSample === 8 || bitsPerSample === 16 || bitsPerSample === 24 || bitsPerSample === 32)) {
    sampleFormat = 'int';
  } else if (tag === FORMAT_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64)) {
    sampleFormat = 'float';
  } else {
    const name = FORMAT_NAMES[tag] ?? (tag === FORMAT_PCM ? 'PCM' : tag === FORMAT_FLOAT ? 'IEEE float' : 'unknown');
    throw new WavError(
      'AUDIO_ERR_WAV_UNSUPPORTED',
      `unsupported WAV: expected integer PCM (8/16/24/32-bit) or IEEE float (32/64-bit), got format 0x${tag.toString(16).padStart(4, '0')} (${name}) at ${bitsPerSample} bits`,
    );
  }
  if (channels < 1 || channels > MAX_CHANNELS) {
    throw new WavError('AUDIO_ERR_WAV_UNSUPPORTED', `unsupported WAV: expected 1–${MAX_CHANNELS} channels, got ${channels}`);
  }
  if (sampleRateHz < MIN_RATE_HZ || sampleRateHz > MAX_RATE_HZ) {
    throw new WavError('AUDIO_ERR_WAV_UNSUPPORTED', `unsupported WAV: expected a sample rate of ${MIN_RATE_HZ}–${MAX_RATE_HZ} Hz, got ${sampleRateHz}`);
  }
  const expectedAlign = (channels * bitsPerSample) / 8;
  if (blockAlign !== expectedAlign) {
    throw malformed(`expected blockAlign = channels × bytes per sample = ${expectedAlign}, got ${blockAlign}`);
  }
  return { sampleFormat, bitsPerSample, channels, sampleRateHz, blockAlign };
}

/**
 * Parses and checks a WAV header against the bytes that follow it.
 *
 * @throws {AUDIO_ERR_WAV_MALFORMED} not RIFF/WAVE, a chunk that overlaps the end, no 'fmt ' before 'data', no 'data',
 *   a data size that is not whole frames.
 * @throws {AUDIO_ERR_WAV_TRUNCATED} the file ends inside the header or before the data the header declares.
 * @throws {AUDIO_ERR_WAV_UNSUPPORTED} a sample format, rate or channel count we do not read.
 */
export function parseWav(bytes: Uint8Array): WavInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) throw truncated(`expected a 12-byte RIFF header, file has ${bytes.length} bytes`);
  const riff = fourcc(bytes, 0);
  if (riff === 'RF64') throw new WavError('AUDIO_ERR_WAV_UNSUPPORTED', "unsupported WAV: RF64 (files over 4 GiB) is not read");
  if (riff !== 'RIFF') throw malformed(`expected 'RIFF' at byte 0, got '${riff}'`);
  const wave = fourcc(bytes, 8);
  if (wave !== 'WAVE') throw malformed(`expected 'WAVE' at byte 8, got '${wave}'`);
  let fmt: Fmt | undefined;
  let pos = 12;
  for (;;) {
    if (pos + 8 > bytes.length) {
      if (pos < bytes.length) throw truncated(`expected an 8-byte chunk header at byte ${pos}, file has ${bytes.length} bytes`);
      throw fmt === undefined ? malformed("expected a 'fmt ' chunk, found none") : malformed("expected a 'data' chunk, found none");
    }
    const id = fourcc(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'data') {
      if (fmt === undefined) throw malformed("expected a 'fmt ' chunk before 'data'");
      const available = bytes.length - body;
      let dataBytes = size;
      let streamed = false;
      if (size > available || (size === 0 && available > 0)) {
        if (!WAV_STREAMING_SIZES.includes(size)) throw truncated(`header says ${size} bytes of data, file has ${available}`);
        streamed = true;
        dataBytes = available - (available % fmt.blockAlign); // a writer killed mid-frame leaves a partial frame
      } else if (size % fmt.blockAlign !== 0) {
        throw malformed(`expected the data size to be a multiple of the ${fmt.blockAlign}-byte frame, got ${size} bytes`);
      }
      return { ...fmt, dataOffset: body, dataBytes, frames: dataBytes / fmt.blockAlign, streamed };
    }
    // Every other chunk must fit in the file (with its pad byte, except at the very end).
    if (body + size > bytes.length) {
      throw truncated(`chunk '${id}' at byte ${pos} says ${size} bytes, file has ${bytes.length - body} after its header`);
    }
    if (id === 'fmt ') {
      if (fmt !== undefined) throw malformed(`expected one 'fmt ' chunk, found a second at byte ${pos}`);
      fmt = parseFmt(view, bytes, body, size);
    }
    pos = body + size + (size & 1);
  }
}

/**
 * Decodes a WAV file's samples at its own rate and channel count.
 * @throws {AUDIO_ERR_WAV_MALFORMED | AUDIO_ERR_WAV_TRUNCATED | AUDIO_ERR_WAV_UNSUPPORTED} as {@link parseWav}.
 */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const info = parseWav(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset + info.dataOffset, info.dataBytes);
  return { info, samples: decodeFrames(view, info, info.frames) };
}

/**
 * Decodes `frames` whole frames of `fmt` samples from the start of `view`: s16 for 8/16-bit integer data, [-1, 1]
 * floats for the others (interleaved, at the data's own rate and channel count).
 */
export function decodeFrames(view: DataView, fmt: Fmt, frames: number): Int16Array | Float32Array {
  const count = frames * fmt.channels;
  if (fmt.sampleFormat === 'int' && fmt.bitsPerSample <= 16) {
    const out = new Int16Array(count);
    if (fmt.bitsPerSample === 8) {
      for (let i = 0; i < count; i++) out[i] = (view.getUint8(i) - 128) << 8;
    } else {
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true);
    }
    return out;
  }
  const out = new Float32Array(count);
  if (fmt.sampleFormat === 'int' && fmt.bitsPerSample === 24) {
    for (let i = 0, b = 0; i < count; i++, b += 3) {
      const v = view.getUint8(b) | (view.getUint8(b + 1) << 8) | (view.getInt8(b + 2) << 16);
      out[i] = v / 8_388_608;
    }
  } else if (fmt.sampleFormat === 'int') {
    for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true) / 2_147_483_648;
  } else if (fmt.bitsPerSample === 32) {
    for (let i = 0; i < count; i++) out[i] = finite(view.getFloat32(4 * i, true));
  } else {
    for (let i = 0; i < count; i++) out[i] = finite(view.getFloat64(8 * i, true));
  }
  return out;
}

/** NaN and ±Infinity in float WAVs become silence / full scale rather than poisoning the filter. */
function finite(x: number): number {
  if (Number.isNaN(x)) return 0;
  return x > 1 ? 1 : x < -1 ? -1 : x;
}

/**
 * Reads any supported WAV into the in-process format: 16 kHz mono s16 (channels averaged, resampled with
 * {@link resample}).
 * @throws {AUDIO_ERR_WAV_MALFORMED | AUDIO_ERR_WAV_TRUNCATED | AUDIO_ERR_WAV_UNSUPPORTED} as {@link parseWav}.
 */
export function readWav16kMono(bytes: Uint8Array): Int16Array {
  const { info, samples } = decodeWav(bytes);
  if (info.sampleRateHz === SAMPLE_RATE_HZ && info.channels === 1 && samples instanceof Int16Array) return samples;
  return resample(samples, info.sampleRateHz, SAMPLE_RATE_HZ, info.channels);
}

/**
 * Reads a WAV file from disk into 16 kHz mono s16.
 * @throws {AUDIO_ERR_WAV_TOO_LARGE} over `maxBytes` (default {@link MAX_WAV_BYTES}), checked before reading.
 * @throws {AUDIO_ERR_WAV_MALFORMED | AUDIO_ERR_WAV_TRUNCATED | AUDIO_ERR_WAV_UNSUPPORTED} as {@link parseWav}.
 */
export async function readWavFile(path: string, maxBytes: number = MAX_WAV_BYTES): Promise<Int16Array> {
  return readWav16kMono(await readWavBytes(path, maxBytes));
}

/** Reads a file's bytes after checking its size against `maxBytes`. @throws {AUDIO_ERR_WAV_TOO_LARGE} */
export async function readWavBytes(path: string, maxBytes: number = MAX_WAV_BYTES): Promise<Uint8Array> {
  const { size } = await stat(path);
  if (size > maxBytes) throw new WavError('AUDIO_ERR_WAV_TOO_LARGE', `WAV file too large: expected at most ${maxBytes} bytes, got ${size}`);
  return readFile(path);
}

/**
 * The canonical 44-byte header of a 16-bit PCM WAV holding `dataBytes` of samples. Sizes above 4 GiB are capped at
 * 0xFFFFFFFF (which readers treat as "to the end of the file").
 * @throws {AUDIO_ERR_BAD_ARGUMENT} for a rate outside 8–48 kHz or channels outside 1–8.
 */
export function wavHeader(dataBytes: number, sampleRateHz: number = SAMPLE_RATE_HZ, channels = 1): Uint8Array {
  assertChannels(channels);
  if (!Number.isInteger(sampleRateHz) || sampleRateHz < MIN_RATE_HZ || sampleRateHz > MAX_RATE_HZ) {
    throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `sampleRateHz: expected an integer in ${MIN_RATE_HZ}–${MAX_RATE_HZ}, got ${sampleRateHz}`);
  }
  const header = new Uint8Array(WAV_HEADER_BYTES);
  const view = new DataView(header.buffer);
  const blockAlign = channels * 2;
  const cap = (n: number): number => Math.min(n, 0xffff_ffff);
  header.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  view.setUint32(4, cap(WAV_HEADER_BYTES - 8 + dataBytes), true);
  header.set([0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20], 8); // WAVEfmt␠
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, 16, true);
  header.set([0x64, 0x61, 0x74, 0x61], 36); // data
  view.setUint32(40, cap(dataBytes), true);
  return header;
}

/**
 * Encodes interleaved s16 samples as a 16-bit PCM WAV file.
 * @throws {AUDIO_ERR_BAD_ARGUMENT} when the samples are not whole frames, or as {@link wavHeader}.
 */
export function encodeWav(samples: Int16Array, sampleRateHz: number = SAMPLE_RATE_HZ, channels = 1): Uint8Array {
  assertChannels(channels);
  if (samples.length % channels !== 0) {
    throw new AudioError('AUDIO_ERR_BAD_ARGUMENT', `samples: expected a multiple of ${channels} (whole frames), got ${samples.length}`);
  }
  const out = new Uint8Array(WAV_HEADER_BYTES + samples.length * 2);
  out.set(wavHeader(samples.length * 2, sampleRateHz, channels), 0);
  const view = new DataView(out.buffer, WAV_HEADER_BYTES);
  for (let i = 0; i < samples.length; i++) view.setInt16(2 * i, samples[i] as number, true);
  return out;
}

/** Writes interleaved s16 samples to `path` as a 16-bit PCM WAV file. */
export async function writeWavFile(path: string, samples: Int16Array, sampleRateHz: number = SAMPLE_RATE_HZ, channels = 1): Promise<void> {
  await writeFile(path, encodeWav(samples, sampleRateHz, channels));
}
