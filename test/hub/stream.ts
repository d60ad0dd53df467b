/**
 * The hub-side listener of hivemind-audio-binary-protocol for RAW_AUDIO streams (the mic-satellite flow, HIVEMIND.md
 * §6.1), as a satellite observes it: when speech begins in the stream the hub says `recognizer_loop:wakeword` and
 * `recognizer_loop:record_begin` (a test hub hears any speech as its wake word); after `silenceMs` of silence in the
 * stream it says `recognizer_loop:record_end`, transcribes what it recorded and injects `recognizer_loop:utterance`
 * (or `recognizer_loop:speech.recognition.unknown` for `""`), which the agent answers.
 *
 * Endpointing reads the samples, not a clock: the same stream always ends at the same sample, however fast it came.
 * Misbehaviour: `afterUtterance: 'abort'` drops the connection once the utterance was heard, with the answer pending;
 * a `transcribe` that resolves later makes a late answer (the test decides when). Drops at the first chunk or mid-stream
 * are the `rawAudio` fault stage (faults.ts).
 *
 * @module
 */
import { BinaryPayloadType } from '../../src/hivemind/message-types.js';
import { concat } from '../fixtures/audio.js';
import type { HubConnection } from './connection.js';
import type { HubBinaryMessage } from './types.js';

/** The stream listener's options (`TestHubOptions.stream`). */
export interface HubStreamOptions {
  /** The hub's STT of one streamed utterance (its own pre-roll included); `""` = nothing recognised. */
  readonly transcribe: (pcm: Int16Array) => string | Promise<string>;
  /** Silence in the stream that ends an utterance, ms of audio (default 800). */
  readonly silenceMs?: number;
  /** Once the utterance ended: answer it (default), or drop the connection (no close frame) with the answer pending. */
  readonly afterUtterance?: 'answer' | 'abort';
}

/** A 20 ms frame whose mean absolute sample is above this is speech (espeak-ng speech is far above, silence is 0). */
const SPEECH_LEVEL = 300;
const FRAME_SAMPLES = 320;
const SAMPLE_RATE_HZ = 16_000;
const DEFAULT_SILENCE_MS = 800;

interface Recorder {
  /** Samples not yet judged (less than a frame). */
  carry: Int16Array;
  /** Frames of the utterance being recorded; empty while waiting for speech. */
  frames: Int16Array[];
  /** Silent frames in a row since the last speech frame. */
  silent: number;
}

const recorders = new WeakMap<HubConnection, Recorder>();

function level(frame: Int16Array): number {
  let sum = 0;
  for (const v of frame) sum += Math.abs(v);
  return sum / frame.length;
}

/** Bytes as s16 samples (Node Buffer views are not 2-byte aligned). */
function samplesOf(bytes: Uint8Array): Int16Array {
  const copy = new Uint8Array(bytes.length - (bytes.length % 2));
  copy.set(bytes.subarray(0, copy.length));
  return new Int16Array(copy.buffer);
}

/** Handle one client BINARY message (RAW_AUDIO only). */
export async function handleRawAudio(event: HubBinaryMessage, options: HubStreamOptions): Promise<void> {
  if (event.binaryType !== BinaryPayloadType.RAW_AUDIO) return;
  const { connection } = event;
  const r = recorders.get(connection) ?? { carry: new Int16Array(0), frames: [], silent: 0 };
  recorders.set(connection, r);
  const audio = concat([r.carry, samplesOf(event.payload)]);
  const endFrames = Math.ceil(((options.silenceMs ?? DEFAULT_SILENCE_MS) * SAMPLE_RATE_HZ) / 1000 / FRAME_SAMPLES);
  const answers: Promise<void>[] = [];
  let at = 0;
  for (; at + FRAME_SAMPLES <= audio.length; at += FRAME_SAMPLES) {
    const frame = audio.slice(at, at + FRAME_SAMPLES);
    const speech = level(frame) > SPEECH_LEVEL;
    if (r.frames.length === 0) {
      if (!speech) continue;
      connection.sendBus('recognizer_loop:wakeword', {});
      connection.sendBus('recognizer_loop:record_begin', {});
    }
    r.frames.push(frame);
    r.silent = speech ? 0 : r.silent + 1;
    if (r.silent < endFrames) continue;
    const pcm = concat(r.frames);
    r.frames = [];
    r.silent = 0;
    connection.sendBus('recognizer_loop:record_end', {});
    if (options.afterUtterance === 'abort') {
      connection.abort();
      return;
    }
    answers.push(answer(connection, options, pcm));
  }
  r.carry = audio.slice(at);
  // Chunks are handled concurrently: the recorder is up to date before any transcription is awaited.
  await Promise.all(answers);
}

async function answer(connection: HubConnection, options: HubStreamOptions, pcm: Int16Array): Promise<void> {
  const text = await options.transcribe(pcm);
  if (connection.state === 'closed') return;
  if (text === '') connection.sendBus('recognizer_loop:speech.recognition.unknown', {});
  else connection.inject('recognizer_loop:utterance', { utterances: [text], lang: 'en-US' });
}
