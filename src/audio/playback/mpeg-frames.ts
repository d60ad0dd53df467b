/**
 * A walk over the frame headers of an MPEG audio file (MPEG-1/2/2.5, layers I–III), without decoding anything:
 * where the audio starts and ends, how many frames and samples it holds, at what rate. It runs before the MP3
 * decoder so that a hub's answer is judged on its headers first: bytes that hold no run of frames never reach the
 * decoder (whose WASM build prints a line to stderr per error), and a file that would decode to hours of audio is
 * refused from its length in samples, before a single sample is produced.
 *
 * Cost: one pass over the headers (one per 72–1,440 bytes), no allocation.
 *
 * @module
 */

/** What {@link scanMpegFrames} found. */
export interface MpegScan {
  /** Byte offset of the first frame. */
  readonly start: number;
  /** Byte offset just past the last whole frame of the run (trailing tags and junk excluded). */
  readonly end: number;
  /** Frames in the run (0: none found). */
  readonly frames: number;
  /** Samples per channel the run decodes to. */
  readonly samples: number;
  /** Sample rate of the first frame, Hz (0 when no frame was found). */
  readonly sampleRateHz: number;
}

/** Where to look for the first frame after the ID3v2 tag, bytes: encoders put at most padding there. */
const SYNC_SEARCH_BYTES = 64 * 1024;

/** kbit/s by [MPEG-1 ? 0 : 1][layer I, II, III][index 1–14]. */
const BITRATES_KBPS: readonly (readonly (readonly number[])[])[] = [
  [
    [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
];

/** Hz by version bits (0 = 2.5, 2 = 2, 3 = 1) and index 0–2. */
const RATES_HZ: Readonly<Record<number, readonly number[]>> = { 0: [11_025, 12_000, 8_000], 2: [22_050, 24_000, 16_000], 3: [44_100, 48_000, 32_000] };

interface FrameHeader {
  readonly bytes: number;
  readonly samples: number;
  readonly sampleRateHz: number;
  /** Version and layer bits, to tell a frame of the same stream. */
  readonly kind: number;
}

/** The frame header at `at`, or undefined (no sync, reserved values, free format). */
function header(b: Uint8Array, at: number): FrameHeader | undefined {
  if (at + 4 > b.length) return undefined;
  const b1 = b[at + 1] as number;
  const b2 = b[at + 2] as number;
  if (b[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 3;
  const layerBits = (b1 >> 1) & 3;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (version === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const layer = 4 - layerBits; // 1, 2, 3
  const mpeg1 = version === 3;
  const kbps = BITRATES_KBPS[mpeg1 ? 0 : 1]?.[layer - 1]?.[bitrateIndex - 1] as number;
  const sampleRateHz = RATES_HZ[version]?.[rateIndex] as number;
  const padding = (b2 >> 1) & 1;
  const samples = layer === 1 ? 384 : layer === 3 && !mpeg1 ? 576 : 1152;
  const bytes = layer === 1 ? (Math.floor((12 * kbps * 1000) / sampleRateHz) + padding) * 4 : Math.floor(((samples / 8) * kbps * 1000) / sampleRateHz) + padding;
  return { bytes, samples, sampleRateHz, kind: b1 & 0x1e };
}

/** Bytes taken by an ID3v2 tag at the start (10-byte header + syncsafe size + optional footer), else 0. */
function id3v2Bytes(b: Uint8Array): number {
  if (b.length < 10 || b[0] !== 0x49 || b[1] !== 0x44 || b[2] !== 0x33) return 0;
  const size = (((b[6] as number) & 0x7f) << 21) | (((b[7] as number) & 0x7f) << 14) | (((b[8] as number) & 0x7f) << 7) | ((b[9] as number) & 0x7f);
  const footer = ((b[5] as number) & 0x10) !== 0 ? 10 : 0;
  return Math.min(b.length, 10 + size + footer);
}

/** A frame at `at` that is followed by another of the same kind (or ends the file): a real start, not a stray 0xFF. */
function confirmedStart(b: Uint8Array, at: number): FrameHeader | undefined {
  const first = header(b, at);
  if (first === undefined || at + first.bytes > b.length) return undefined;
  if (at + first.bytes === b.length) return first;
  const next = header(b, at + first.bytes);
  return next !== undefined && next.kind === first.kind && next.sampleRateHz === first.sampleRateHz ? first : undefined;
}

/**
 * Find the run of MPEG audio frames in `bytes`: skip an ID3v2 tag, find the first frame confirmed by the one after
 * it within {@link SYNC_SEARCH_BYTES}, then follow frame lengths while the headers agree (same version, layer and
 * rate). Whatever follows the run (ID3v1/APE tags, junk, a truncated frame) is left out.
 */
export function scanMpegFrames(bytes: Uint8Array): MpegScan {
  const from = id3v2Bytes(bytes);
  const limit = Math.min(bytes.length, from + SYNC_SEARCH_BYTES);
  let start = -1;
  let first: FrameHeader | undefined;
  for (let at = from; at < limit && first === undefined; at++) {
    if (bytes[at] !== 0xff) continue;
    first = confirmedStart(bytes, at);
    if (first !== undefined) start = at;
  }
  if (first === undefined) return { start: from, end: from, frames: 0, samples: 0, sampleRateHz: 0 };
  let at = start;
  let frames = 0;
  let samples = 0;
  for (;;) {
    const h = header(bytes, at);
    if (h === undefined || h.kind !== first.kind || h.sampleRateHz !== first.sampleRateHz || at + h.bytes > bytes.length) break;
    frames++;
    samples += h.samples;
    at += h.bytes;
  }
  return { start, end: at, frames, samples, sampleRateHz: first.sampleRateHz };
}
