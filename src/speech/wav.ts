/**
 * A minimal, private WAV reader/writer for the speech engines (RIFF/WAVE, PCM 8/16/24/32-bit and IEEE float 32,
 * any channel count, mixed down to mono). It tolerates the "streaming" headers espeak-ng and piper write to a pipe,
 * whose RIFF and data sizes are placeholders (0, 0xFFFFFFFF or 0x7FFFF000): the data then runs to the end of input.
 *
 * TODO(lead): swap for `src/audio` WAV read/write once that layer lands.
 *
 * @module
 */
import { SpeechError } from './errors.js';

/** Decoded WAV audio: mono 16-bit samples at the file's own rate. */
export interface DecodedWav {
  /** Mono samples (channels averaged). */
  readonly samples: Int16Array;
  /** Sample rate of the file, hertz. */
  readonly sampleRate: number;
  /** Channel count of the file (before the mix-down). */
  readonly channels: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const RIFF_HEADER_BYTES = 12;
const CHUNK_HEADER_BYTES = 8;
const WAV_HEADER_BYTES = 44;

function fourcc(buf: Uint8Array, offset: number): string {
  return String.fromCharCode(buf[offset] ?? 0, buf[offset + 1] ?? 0, buf[offset + 2] ?? 0, buf[offset + 3] ?? 0);
}

/**
 * Parse a WAV file into mono 16-bit samples.
 *
 * @param bytes the whole file
 * @param what names the source in error messages ("espeak-ng output", a URL…)
 * @throws {SPEECH_ERR_BAD_AUDIO} not RIFF/WAVE, no fmt/data chunk, or an encoding other than PCM 8/16/24/32 / float 32
 */
export function decodeWav(bytes: Uint8Array, what: string): DecodedWav {
  if (bytes.length < RIFF_HEADER_BYTES || fourcc(bytes, 0) !== 'RIFF' || fourcc(bytes, 8) !== 'WAVE') {
    throw new SpeechError('SPEECH_ERR_BAD_AUDIO', `${what}: expected a RIFF/WAVE file, got ${bytes.length} bytes starting with ${JSON.stringify(fourcc(bytes, 0))}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = RIFF_HEADER_BYTES;
  let format = -1;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  while (offset + CHUNK_HEADER_BYTES <= bytes.length) {
    const id = fourcc(bytes, offset);
    const declared = view.getUint32(offset + 4, true);
    const start = offset + CHUNK_HEADER_BYTES;
    if (id === 'fmt ') {
      if (declared < 16 || start + 16 > bytes.length) throw new SpeechError('SPEECH_ERR_BAD_AUDIO', `${what}: expected a fmt chunk of at least 16 bytes, got ${declared}`);
      format = view.getUint16(start, true);
      channels = view.getUint16(start + 2, true);
      sampleRate = view.getUint32(start + 4, true);
      bits = view.getUint16(start + 14, true);
      if (format === WAVE_FORMAT_EXTENSIBLE && declared >= 26 && start + 26 <= bytes.length) format = view.getUint16(start + 24, true);
    } else if (id === 'data') {
      if (format < 0) throw new SpeechError('SPEECH_ERR_BAD_AUDIO', `${what}: expected the fmt chunk before the data chunk`);
      // Streaming writers put a placeholder size here: trust the bytes we actually have.
      const end = declared === 0 || start + declared > bytes.length ? bytes.length : start + declared;
      return { samples: toMono16(bytes.subarray(start, end), format, bits, channels, what), sampleRate, channels };
    }
    if (start + declared > bytes.length) break;
    offset = start + declared + (declared & 1);
  }
  throw new SpeechError('SPEECH_ERR_BAD_AUDIO', `${what}: expected a data chunk, found none`);
}

function toMono16(data: Uint8Array, format: number, bits: number, channels: number, what: string): Int16Array {
  if (channels < 1) throw new SpeechError('SPEECH_ERR_BAD_AUDIO', `${what}: expected at least 1 channel, got ${channels}`);
  const pcmOk = format === WAVE_FORMAT_PCM && (bits === 8 || bits === 16 || bits === 24 || bits === 32);
  const floatOk = format === WAVE_FORMAT_IEEE_FLOAT && bits === 32;
  if (!pcmOk && !floatOk) {
    throw new SpeechError('SPEECH_ERR_BAD_AUDIO', `${what}: expected PCM 8/16/24/32-bit or float 32-bit, got format ${format} with ${bits} bits`);
  }
  const bytesPerSample = bits / 8;
  const frames = Math.floor(data.length / (bytesPerSample * channels));
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Int16Array(frames);
  const read = (at: number): number => {
    if (floatOk) return Math.max(-1, Math.min(1, view.getFloat32(at, true))) * 32767;
    switch (bits) {
      case 8: return ((data[at] ?? 128) - 128) * 256;
      case 16: return view.getInt16(at, true);
      case 24: return ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 256);
      default: return view.getInt32(at, true) / 65536;
    }
  };
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read((f * channels + c) * bytesPerSample);
    out[f] = Math.max(-32768, Math.min(32767, Math.round(sum / channels)));
  }
  return out;
}

/** Encode mono 16-bit samples as a 44-byte-header PCM WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(WAV_HEADER_BYTES + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, WAVE_FORMAT_PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(WAV_HEADER_BYTES + i * 2, samples[i] ?? 0, true);
  return out;
}

/** View little-endian s16 bytes (e.g. raw engine output) as samples, copying only when unaligned. */
export function int16FromBytes(bytes: Uint8Array): Int16Array {
  const usable = bytes.length - (bytes.length & 1);
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, usable / 2);
  return new Int16Array(bytes.slice(0, usable).buffer);
}

/** The bytes of samples as little-endian s16 (a view, no copy). */
export function bytesFromInt16(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}
