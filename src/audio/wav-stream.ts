/**
 * WAV read as a stream: bytes in any pieces (a pipe, a file read 64 KiB at a time) in, 16 kHz mono s16 out, with
 * memory bounded by the piece size whatever the length — a 4-hour recording costs what a 4-second one does.
 *
 * The header is parsed as it arrives; chunks other than 'fmt ' and 'data' are skipped unread. A 'data' size that a
 * writer puts when it cannot seek back ({@link WAV_STREAMING_SIZES}: sox and arecord into a pipe) means "to the end
 * of the stream"; any other size is read exactly, and a stream that ends before it is truncated. The RIFF size is
 * not trusted (pipe writers put placeholders there too).
 *
 * @module
 */
import { MAX_WAV_HEADER_BYTES, SAMPLE_RATE_HZ, WAV_STREAMING_SIZES } from './constants.js';
import { WavError } from './errors.js';
import { StreamingResampler } from './resample.js';
import { type Fmt, decodeFrames, parseFmt } from './wav.js';

/** Options of {@link WavStreamDecoder}. */
export interface WavStreamDecoderOptions {
  /** Total bytes the stream will have, when known (a file's size): a data chunk larger than that fails at once. */
  readonly totalBytes?: number;
}

type Phase =
  | { readonly kind: 'header' }
  | { readonly kind: 'skip'; remaining: number }
  | { readonly kind: 'data'; readonly fmt: Fmt; remaining: number; readonly declared: number | undefined }
  | { readonly kind: 'done' };

const fourcc = (bytes: Uint8Array, at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4)).replace(/[^\x20-\x7e]/g, '?');
const malformed = (message: string): WavError => new WavError('AUDIO_ERR_WAV_MALFORMED', `malformed WAV: ${message}`);
const truncated = (message: string): WavError => new WavError('AUDIO_ERR_WAV_TRUNCATED', `truncated WAV: ${message}`);

/**
 * Incremental WAV decoder to 16 kHz mono s16.
 *
 * @example
 * const decoder = new WavStreamDecoder();
 * for await (const piece of readable) listener.feed(decoder.push(piece)); // a view, valid until the next call
 * listener.feed(decoder.end());
 */
export class WavStreamDecoder {
  readonly #totalBytes: number | undefined;
  #phase: Phase = { kind: 'header' };
  /** Header bytes not parsed yet (RIFF header, chunk headers, the 'fmt ' body), or a partial frame of data. */
  #pending: Uint8Array = new Uint8Array(0);
  /** Bytes consumed before `#pending[0]`. */
  #offset = 0;
  #riffChecked = false;
  #fmt: Fmt | undefined;
  #resampler: StreamingResampler | undefined;
  #frames = 0;
  #dataStarted = false;

  constructor(options: WavStreamDecoderOptions = {}) {
    this.#totalBytes = options.totalBytes;
  }

  /** The format, once the 'data' chunk began. */
  get format(): Fmt | undefined {
    return this.#phase.kind === 'data' ? this.#phase.fmt : this.#fmt;
  }

  /** True once the header is complete (the 'data' chunk began). */
  get dataStarted(): boolean {
    return this.#dataStarted;
  }

  /** Frames of audio decoded so far, at the file's own rate. */
  get frames(): number {
    return this.#frames;
  }

  /**
   * Adds the next bytes of the stream.
   * @returns the 16 kHz mono samples now complete (a view, valid until the next call; may be empty).
   * @throws {WavError} AUDIO_ERR_WAV_MALFORMED / _TRUNCATED / _UNSUPPORTED as soon as the header shows it.
   */
  push(bytes: Uint8Array): Int16Array {
    let input = bytes;
    while (input.length > 0) {
      const phase = this.#phase;
      if (phase.kind === 'done') return new Int16Array(0); // bytes after the data chunk (LIST…): not audio
      if (phase.kind === 'skip') {
        const n = Math.min(phase.remaining, input.length);
        phase.remaining -= n;
        this.#offset += n;
        input = input.subarray(n);
        if (phase.remaining === 0) this.#phase = { kind: 'header' };
        continue;
      }
      if (phase.kind === 'data') return this.#data(phase, input);
      input = this.#header(input);
    }
    return new Int16Array(0);
  }

  /**
   * The stream ended: the last samples (the resampler's tail).
   * @throws {WavError} AUDIO_ERR_WAV_TRUNCATED when the stream ended in the header or before the declared data;
   *   AUDIO_ERR_WAV_MALFORMED when it had no 'fmt ' or 'data' chunk.
   */
  end(): Int16Array {
    const phase = this.#phase;
    if (phase.kind === 'header' || phase.kind === 'skip') {
      const at = this.#offset + this.#pending.length;
      if (at === 0) throw truncated('the input is empty (0 bytes)');
      if (!this.#riffChecked) {
        const magic = String.fromCharCode(...this.#pending.subarray(0, 4));
        if (!'RIFF'.startsWith(magic) && !'RF64'.startsWith(magic)) throw malformed(`expected 'RIFF' at byte 0, got '${fourcc(this.#pending, 0)}'`);
      }
      if (phase.kind === 'skip' || (this.#riffChecked && this.#pending.length > 0) || at < 12) {
        throw truncated(`the input ended at byte ${at}, inside the header`);
      }
      throw this.#fmt === undefined ? malformed("expected a 'fmt ' chunk, found none") : malformed("expected a 'data' chunk, found none");
    }
    if (phase.kind === 'data' && phase.declared !== undefined && phase.remaining > 0) {
      throw truncated(`header says ${phase.declared} bytes of data, the input ended after ${phase.declared - phase.remaining}`);
    }
    this.#phase = { kind: 'done' };
    return this.#resampler?.flush() ?? new Int16Array(0);
  }

  /** Parses what it can of the header from `#pending + input`; returns the input bytes not consumed. */
  #header(input: Uint8Array): Uint8Array {
    const need = (n: number): boolean => this.#pending.length >= n;
    // Take header bytes one chunk header at a time, so skipped chunks and samples never enter #pending.
    const want = !this.#riffChecked ? 12 : this.#pendingChunkWant();
    const take = Math.min(input.length, Math.max(0, want - this.#pending.length));
    this.#pending = concatBytes(this.#pending, input.subarray(0, take));
    const rest = input.subarray(take);
    if (!need(want)) return rest;
    const bytes = this.#pending;
    if (!this.#riffChecked) {
      const riff = fourcc(bytes, 0);
      if (riff === 'RF64') throw new WavError('AUDIO_ERR_WAV_UNSUPPORTED', 'unsupported WAV: RF64 (files over 4 GiB) is not read');
      if (riff !== 'RIFF') throw malformed(`expected 'RIFF' at byte 0, got '${riff}'`);
      const wave = fourcc(bytes, 8);
      if (wave !== 'WAVE') throw malformed(`expected 'WAVE' at byte 8, got '${wave}'`);
      this.#riffChecked = true;
      this.#consumePending(12);
      return rest;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const id = fourcc(bytes, 0);
    const size = view.getUint32(4, true);
    const at = this.#offset;
    if (id === 'fmt ') {
      if (this.#fmt !== undefined) throw malformed(`expected one 'fmt ' chunk, found a second at byte ${at}`);
      if (bytes.length < 8 + size) return rest; // the body is still coming (#pendingChunkWant asks for it)
      this.#fmt = parseFmt(view, bytes, 8, size);
      this.#consumePending(8 + size);
      if (size & 1) this.#phase = { kind: 'skip', remaining: 1 };
      return rest;
    }
    this.#consumePending(8);
    if (id === 'data') {
      const fmt = this.#fmt;
      if (fmt === undefined) throw malformed("expected a 'fmt ' chunk before 'data'");
      const streamed = WAV_STREAMING_SIZES.includes(size);
      if (!streamed && size % fmt.blockAlign !== 0) {
        throw malformed(`expected the data size to be a multiple of the ${fmt.blockAlign}-byte frame, got ${size} bytes`);
      }
      const available = this.#totalBytes === undefined ? undefined : this.#totalBytes - this.#offset;
      if (!streamed && available !== undefined && size > available) throw truncated(`header says ${size} bytes of data, file has ${available}`);
      this.#dataStarted = true;
      this.#phase = { kind: 'data', fmt, remaining: streamed ? Number.POSITIVE_INFINITY : size, declared: streamed ? undefined : size };
      const s16 = fmt.sampleFormat === 'int' && fmt.bitsPerSample <= 16;
      // Float and 24/32-bit data go through the converter even at 16 kHz mono (it rounds them to s16).
      if (fmt.sampleRateHz !== SAMPLE_RATE_HZ || fmt.channels !== 1 || !s16) {
        this.#resampler = new StreamingResampler({ inputRateHz: fmt.sampleRateHz, outputRateHz: SAMPLE_RATE_HZ, inputChannels: fmt.channels });
      }
      return rest;
    }
    const available = this.#totalBytes === undefined ? undefined : this.#totalBytes - this.#offset;
    if (available !== undefined && size > available) throw truncated(`chunk '${id}' at byte ${at} says ${size} bytes, file has ${available} after its header`);
    this.#phase = { kind: 'skip', remaining: size + (size & 1) };
    if (this.#phase.remaining === 0) this.#phase = { kind: 'header' };
    return rest;
  }

  /** Bytes of #pending the next header step needs: a chunk header, then, for 'fmt ', its body. */
  #pendingChunkWant(): number {
    if (this.#pending.length < 8) return 8;
    const bytes = this.#pending;
    if (fourcc(bytes, 0) !== 'fmt ') return 8;
    const size = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true);
    if (size > MAX_WAV_HEADER_BYTES) throw malformed(`'fmt ' chunk of ${size} bytes (at most ${MAX_WAV_HEADER_BYTES} expected)`);
    return 8 + size;
  }

  #consumePending(n: number): void {
    this.#offset += n;
    this.#pending = this.#pending.slice(n);
  }

  #data(phase: Extract<Phase, { kind: 'data' }>, input: Uint8Array): Int16Array {
    const take = Math.min(input.length, phase.remaining);
    phase.remaining -= take;
    this.#offset += take;
    const bytes = concatBytes(this.#pending, input.subarray(0, take));
    const whole = bytes.length - (bytes.length % phase.fmt.blockAlign);
    const frames = whole / phase.fmt.blockAlign;
    this.#pending = bytes.slice(whole); // a frame split across reads waits for the rest
    if (phase.remaining === 0) this.#phase = { kind: 'done' };
    this.#frames += frames;
    const samples = decodeFrames(new DataView(bytes.buffer, bytes.byteOffset, whole), phase.fmt, frames);
    if (this.#resampler !== undefined) return this.#resampler.push(samples);
    return samples as Int16Array; // 16 kHz mono s16 (#header set no converter only then)
  }
}

/** `a` then `b` (either returned as is when the other is empty). */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
