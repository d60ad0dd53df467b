/**
 * What a hostile hub sends, built byte for byte: frames over the size limit, a WIRE-1 zlib bomb, oversized TTS
 * answers, and WAV/MP3 files that are truncated, absurd, garbage or hours long. Each builder says what the satellite
 * must do with it.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { constants, createDeflateRaw, deflateSync } from 'node:zlib';
import { wavHeader } from '../../src/audio/wav.js';
import { encryptBinFrame } from '../../src/hivemind/aead.js';
import { BitWriter } from '../../src/hivemind/bit-writer.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import { BinaryPayloadType, WIRE1_TYPE_CODES } from '../../src/hivemind/message-types.js';
import type { RandomSource } from '../../src/hivemind/random.js';
import { encodeWire1 } from '../../src/hivemind/wire1.js';
import { WIRE1_METALEN_BITS, WIRE1_TYPE_BITS } from '../../src/hivemind/wire1-layout.js';
import type { LegacyKeying } from '../hub/frames.js';

export const MiB = 1024 * 1024;

/**
 * A zlib stream (RFC 1950) that inflates to `mebibytes` MiB of zeros, built in milliseconds: after a full flush the
 * deflate output of each further MiB of zeros is the same 1 037 bytes, so the stream is that block repeated (deflate
 * peaks at 1032:1, so 1 GiB needs ≈ 1 MiB on the wire). The Adler-32 of n zeros is (n mod 65521) << 16 | 1.
 */
export async function zlibBomb(mebibytes: number): Promise<Uint8Array> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const zeros = Buffer.alloc(MiB);
  const block = async (data: Buffer | undefined): Promise<Buffer> => {
    out.length = 0;
    if (data !== undefined) deflate.write(data);
    await new Promise<void>((resolve) => deflate.flush(constants.Z_FULL_FLUSH, () => resolve()));
    return Buffer.concat(out);
  };
  const first = await block(zeros);
  const repeated = await block(zeros);
  const ended = new Promise<void>((resolve) => deflate.on('end', () => resolve()));
  out.length = 0;
  deflate.end();
  deflate.resume();
  await ended;
  const last = Buffer.concat(out);
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((((mebibytes * MiB) % 65521) << 16) | 1) >>> 0);
  return Buffer.concat([Buffer.from([0x78, 0xda]), first, ...Array<Buffer>(mebibytes - 1).fill(repeated), last, adler]);
}

/**
 * A WIRE-1 BUS frame with `C=1` whose payload block is `compressedPayload` as given (the codec would compress a
 * real payload itself): HIVEMIND.md §4.2 layout, unversioned.
 */
export function wire1CompressedBus(compressedPayload: Uint8Array): Uint8Array {
  const meta = deflateSync(Buffer.from('{}'));
  const contentBits = 1 + 1 + WIRE1_TYPE_BITS + 1 + WIRE1_METALEN_BITS + (meta.length + compressedPayload.length) * 8;
  const padBits = (8 - (contentBits % 8)) % 8;
  const writer = new BitWriter((padBits + contentBits) / 8);
  writer.writeBits(0, padBits);
  writer.writeBit(1); // start marker
  writer.writeBit(0); // unversioned
  writer.writeBits(WIRE1_TYPE_CODES.bus, WIRE1_TYPE_BITS);
  writer.writeBit(1); // compressed
  writer.writeBits(meta.length, WIRE1_METALEN_BITS);
  writer.writeBytes(meta);
  writer.writeBytes(compressedPayload);
  return writer.finish();
}

/** `wire1` encrypted for the session as the hub would (legacy binary frame: nonce ‖ ciphertext ‖ tag). */
export function sealForClient(keying: LegacyKeying, wire1: Uint8Array, random: RandomSource): Uint8Array {
  return encryptBinFrame(keying.cipher, keying.key, wire1, random);
}

/**
 * A BINARY TTS_AUDIO frame carrying `file`, encrypted with AES-GCM (16-byte nonce) like a legacy hub — by hand,
 * because the codec (rightly) refuses to build one over 10 MiB. A WIRE-1 BINARY frame is its header followed by the
 * payload bytes, so the header of an empty payload plus the file is the whole frame.
 */
export function ttsAudioFrame(keying: LegacyKeying, file: Uint8Array, metadata: JsonObject): Uint8Array {
  if (keying.cipher !== 'AES-GCM') throw new Error(`ttsAudioFrame seals AES-GCM only, the session uses ${keying.cipher}`);
  const head = encodeWire1({ kind: 'binary', binaryType: BinaryPayloadType.TTS_AUDIO, payload: new Uint8Array(0), metadata });
  const nonce = randomBytes(16);
  const cipher = createCipheriv(`aes-${keying.key.length * 8}-gcm` as 'aes-256-gcm', keying.key, nonce);
  const body = Buffer.concat([cipher.update(head), cipher.update(file), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** A 16-bit mono 16 kHz WAV of `dataBytes` of silence (a well-formed file of any size). */
export function silentWav(dataBytes: number): Uint8Array {
  const out = new Uint8Array(44 + dataBytes);
  out.set(wavHeader(dataBytes), 0);
  return out;
}

/** `wav` cut in half: the header promises more data than the file holds (`AUDIO_ERR_WAV_TRUNCATED`). */
export function truncatedWav(wav: Uint8Array): Uint8Array {
  return wav.slice(0, 44 + Math.floor((wav.length - 44) / 2));
}

/** A WAV header claiming 0 channels (`AUDIO_ERR_WAV_UNSUPPORTED`). */
export function zeroChannelWav(): Uint8Array {
  const wav = silentWav(3_200);
  const view = new DataView(wav.buffer);
  view.setUint16(22, 0, true); // channels
  view.setUint16(32, 0, true); // blockAlign
  return wav;
}

/** A WAV header claiming 4 GiB − 2 bytes of data in a 3 KiB file (`AUDIO_ERR_WAV_TRUNCATED`, nothing allocated). */
export function fourGiBWav(): Uint8Array {
  const wav = silentWav(3_200);
  new DataView(wav.buffer).setUint32(40, 0xffff_fffe, true);
  return wav;
}

/** Deterministic pseudo-random bytes (a 32-bit LCG), so the garbage is the same on every run. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** 256 KiB of noise behind an MPEG frame sync (sniffed as MP3; no run of frames in it: `AUDIO_ERR_DECODE`). */
export function garbageMp3(): Uint8Array {
  const bytes = noise(256 * 1024, 0x5eed);
  bytes.set([0xff, 0xfb, 0x90, 0x64], 0);
  return bytes;
}

/** One MPEG-2.5 layer III frame, 8 kHz mono 8 kbit/s, all-zero side info: 72 bytes that decode to 72 ms of silence. */
const SILENT_FRAME = Uint8Array.from([0xff, 0xe3, 0x18, 0xc0, ...new Uint8Array(68)]);
/** Samples per MPEG-2.5 layer III frame. */
const FRAME_SAMPLES = 576;

/** A valid MP3 of `seconds` of silence at 1 KB/s: one hour is 3.6 MB on the wire and 115 MB of float samples decoded. */
export function longMp3(seconds: number): Uint8Array {
  const frames = Math.ceil((seconds * 8_000) / FRAME_SAMPLES);
  const out = new Uint8Array(frames * SILENT_FRAME.length);
  for (let i = 0; i < frames; i++) out.set(SILENT_FRAME, i * SILENT_FRAME.length);
  return out;
}
