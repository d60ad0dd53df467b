/**
 * A command's `--input`: a WAV file, or `-` for stdin, read as a stream into 16 kHz mono s16 pieces — what
 * `hivesat listen`, `run` and `demo` feed their listener. Memory stays bounded whatever the length (the file is read
 * 64 KiB at a time and the consumer pulls, so a slow listener slows the reading instead of queueing audio).
 *
 * stdin may carry a WAV (`arecord -t wav -`, `sox … -t wav -`: sizes unknown, read to the end) or, when it does not
 * start with `RIFF`, raw s16le 16 kHz mono PCM (`arecord -t raw`, `sox … -t raw -`).
 *
 * Every error names the input (the path, or "stdin").
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CHUNK_SAMPLES } from '../constants.js';
import { AudioError, WavError } from '../errors.js';
import { PcmChunker } from '../pcm-chunker.js';
import { WavStreamDecoder, concatBytes } from '../wav-stream.js';
import { errorCode } from '../../errors.js';

/** Bytes read from a file at a time. */
const READ_BYTES = 64 * 1024;

/** Bytes of a file read up front to check its header. */
const HEADER_PROBE_BYTES = 64 * 1024;

/** The `--input` value that means stdin. */
export const STDIN_INPUT = '-';

/** Options of {@link openAudioInput}. */
export interface AudioInputOptions {
  /** The stream `-` reads. Default `process.stdin`. */
  readonly stdin?: Readable;
  /** Largest piece yielded, samples. Default {@link CHUNK_SAMPLES} (80 ms). */
  readonly chunkSamples?: number;
}

/** An opened input: iterate it for 16 kHz mono pieces (views, valid until the next step of the iteration). */
export interface AudioInput extends AsyncIterable<Int16Array> {
  /** The path, or "stdin". */
  readonly name: string;
}

/**
 * Opens `spec` (a WAV file's path, or `-`). A file is checked at once (it exists, is a file), so a wrong path fails
 * before models load; format errors surface while iterating, as soon as the header shows them.
 *
 * @throws {AUDIO_ERR_INPUT} (AudioError) the file is missing, a directory, or unreadable — the message names it.
 * While iterating: {WavError} for a malformed, truncated or unsupported WAV (the message starts with the name);
 *   {AUDIO_ERR_INPUT} for a read error or an empty stdin.
 */
export async function openAudioInput(spec: string, options: AudioInputOptions = {}): Promise<AudioInput> {
  const chunkSamples = options.chunkSamples ?? CHUNK_SAMPLES;
  if (spec === STDIN_INPUT) {
    const stream = options.stdin ?? process.stdin;
    return { name: 'stdin', [Symbol.asyncIterator]: () => pieces(decodeStdin(stream), chunkSamples) };
  }
  let size: number;
  try {
    const info = await stat(spec);
    if (info.isDirectory()) throw new AudioError('AUDIO_ERR_INPUT', `${spec} is a directory, expected a WAV file`);
    size = info.size;
    await checkHeader(spec, size);
  } catch (error) {
    throw inputError(spec, error);
  }
  return { name: spec, [Symbol.asyncIterator]: () => pieces(decodeFile(spec, size), chunkSamples) };
}

/**
 * Parse a file's header now, so an empty, truncated or foreign file fails when it is opened (before the caller
 * loads models or says anything) rather than at its first read. Headers longer than the probe are checked later.
 */
async function checkHeader(path: string, size: number): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const probe = new Uint8Array(Math.min(size, HEADER_PROBE_BYTES));
    const { bytesRead } = await handle.read(probe, 0, probe.length, 0);
    const decoder = new WavStreamDecoder({ totalBytes: size });
    decoder.push(probe.subarray(0, bytesRead));
    if (!decoder.dataStarted && bytesRead === size) decoder.end(); // the whole file, and no header: why
  } finally {
    await handle.close();
  }
}

/** `error` as an AUDIO_ERR_INPUT naming `name` (coded audio errors keep their code, with the name in front). */
function inputError(name: string, error: unknown): Error {
  if (error instanceof AudioError) return error;
  if (error instanceof WavError) return new WavError(error.code, `${name}: ${error.message}`, { cause: error });
  const code = errorCode(error);
  const why =
    code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : error instanceof Error ? error.message : String(error);
  return new AudioError('AUDIO_ERR_INPUT', `cannot read ${name}: ${why}`, { cause: error });
}

async function* decodeFile(path: string, size: number): AsyncGenerator<Int16Array> {
  const decoder = new WavStreamDecoder({ totalBytes: size });
  try {
    for await (const bytes of createReadStream(path, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) yield decoder.push(bytes);
    yield decoder.end();
  } catch (error) {
    throw inputError(path, error);
  }
}

async function* decodeStdin(stream: Readable): AsyncGenerator<Int16Array> {
  let convert: ((bytes: Uint8Array) => Int16Array) | undefined;
  let wav: WavStreamDecoder | undefined;
  let head: Uint8Array = new Uint8Array(0);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      if (convert === undefined) {
        // Decide WAV or raw on the first four bytes (a pipe may deliver fewer at first).
        head = concatBytes(head, bytes);
        if (head.length < 4) continue;
        const magic = Buffer.from(head.subarray(0, 4)).toString('latin1');
        if (magic === 'RIFF' || magic === 'RF64') {
          const decoder = new WavStreamDecoder();
          wav = decoder;
          convert = (b) => decoder.push(b);
        } else {
          const chunker = new PcmChunker();
          convert = (b) => chunker.push(b);
        }
        yield convert(head);
        continue;
      }
      yield convert(bytes);
    }
    if (convert === undefined) {
      if (head.length === 0) throw new AudioError('AUDIO_ERR_INPUT', 'stdin is empty: expected a WAV, or raw 16 kHz mono s16le audio');
      if (head.length >= 4 || !'RIFF'.startsWith(Buffer.from(head).toString('latin1'))) yield new PcmChunker().push(head);
      else throw new WavError('AUDIO_ERR_WAV_TRUNCATED', `truncated WAV: the input ended at byte ${head.length}, inside the header`);
    }
    if (wav !== undefined) yield wav.end();
  } catch (error) {
    throw inputError('stdin', error);
  }
}

/** Splits each decoded array into pieces of at most `size` samples. */
async function* pieces(source: AsyncGenerator<Int16Array>, size: number): AsyncGenerator<Int16Array> {
  for await (const samples of source) {
    for (let at = 0; at < samples.length; at += size) yield samples.subarray(at, at + size);
  }
}
