/**
 * WIRE-1 (HIVEMIND.md §4) throughput: binarize + zlib-compress (`C=1`, the production form) and decode, for a BUS
 * message and a BINARY RAW_AUDIO message with ~4 KiB, 64 KiB and 1 MiB payloads.
 *
 * The BUS text is pseudo-random words (deterministic), so it compresses about as well as real utterance/context
 * JSON rather than a run of one character; the PCM is a 440 Hz tone plus noise, 16 kHz / 16-bit / mono.
 */
import { createHiveMessage } from '../src/hivemind/message.js';
import { type Wire1Message, decodeWire1, encodeWire1 } from '../src/hivemind/wire1.js';
import { type BenchRow, measure } from './harness.js';

const SIZES_BYTES = [4 * 1024, 64 * 1024, 1024 * 1024] as const;
const SAMPLE_RATE_HZ = 16_000;
const TONE_HZ = 440;
const TONE_AMPLITUDE = 8_000;
const NOISE_AMPLITUDE = 500;
const WORDS = ['what', 'time', 'is', 'it', 'kitchen', 'lights', 'weather', 'tomorrow', 'play', 'music', 'timer', 'minutes'];

/** A tiny deterministic PRNG (mulberry32), so every run benchmarks the same bytes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function busMessage(approxBytes: number): Wire1Message {
  const rand = prng(approxBytes);
  const parts: string[] = [];
  let length = 0;
  while (length < approxBytes - 200) {
    const word = `${WORDS[Math.floor(rand() * WORDS.length)] ?? 'x'}${Math.floor(rand() * 1000)}`;
    parts.push(word);
    length += word.length + 1;
  }
  const payload = {
    type: 'recognizer_loop:utterance',
    data: { utterances: [parts.join(' ')], lang: 'en-US' },
    context: { source: 'hivesat', destination: 'HiveMind', session: { session_id: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' } },
  };
  return { kind: 'json', message: createHiveMessage('bus', payload) };
}

function pcmMessage(bytes: number): Wire1Message {
  const rand = prng(bytes);
  const samples = new Int16Array(bytes / 2);
  for (let i = 0; i < samples.length; i++) {
    const tone = Math.sin((2 * Math.PI * TONE_HZ * i) / SAMPLE_RATE_HZ) * TONE_AMPLITUDE;
    samples[i] = Math.round(tone + (rand() * 2 - 1) * NOISE_AMPLITUDE);
  }
  const payload = new Uint8Array(samples.buffer);
  return { kind: 'binary', binaryType: 1, payload, metadata: { sample_rate: SAMPLE_RATE_HZ, sample_width: 2 } };
}

function label(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** Encode and decode rows for each size; MiB/s is relative to the uncompressed payload size. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const size of SIZES_BYTES) {
    for (const [kind, message] of [['BUS', busMessage(size)], ['BINARY PCM', pcmMessage(size)]] as const) {
      const frame = encodeWire1(message);
      const name = `${kind} ${label(size)} (frame ${frame.length} B)`;
      rows.push(await measure('wire1', `encode ${name}`, () => encodeWire1(message), { bytes: size }));
      rows.push(await measure('wire1', `decode ${name}`, () => decodeWire1(frame), { bytes: size }));
    }
  }
  return rows;
}
