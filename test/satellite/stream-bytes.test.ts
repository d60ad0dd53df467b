/**
 * What stream mode puts on the wire, checked against the input itself: the RAW_AUDIO chunks a loopback test hub
 * received, concatenated, are exactly the input samples from the pre-roll before the listener's speech start to the
 * tail after its decided end — whether the audio came in 80 ms chunks (a microphone) or as one block (a file read at
 * once). Real listener (openWakeWord + Silero) on espeak-ng speech; the hub has no stream listener of its own, so no
 * `record_begin` stretches the stream and its end is a sample position.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BinaryPayloadType } from '../../src/hivemind/index.js';
import type { StreamEndEvent } from '../../src/listener/index.js';
import { DEFAULT_ALLOWED_TYPES, startTestHub } from '../hub/index.js';
import { ensureModels } from '../vad/fixtures.js';
import { ACCESS_KEY, PASSWORD, RecordingSink, bytesToPcm, feedAll, hubLink, startSatellite, turnAudio } from './helpers.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const fixture = models.ok ? turnAudio() : undefined;
const PRE_ROLL_MS = 500;
const TAIL_MS = 600;
/** A BUS type after the stream: once the hub has it, it has every RAW_AUDIO frame sent before (one ordered socket). */
const MARKER = 'recognizer_loop:audio_output_end';

let teardown: (() => Promise<void>) | undefined;
afterEach(async () => {
  await teardown?.();
  teardown = undefined;
});

describe.skipIf(!models.ok)('stream mode: the bytes on the wire are the input', () => {
  it.each([
    ['fed in 80 ms chunks, as a microphone delivers it', 'paced'],
    ['fed as one block, as a file read at once', 'block'],
  ] as const)('%s', async (_name, feeding) => {
    const f = fixture as NonNullable<typeof fixture>;
    const hub = await startTestHub({ clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES] }] });
    const link = hubLink(hub);
    await link.connect();
    const warnings: string[] = [];
    const { satellite, listener } = await startSatellite({
      mode: 'stream', link, sink: new RecordingSink(), lang: 'en-US', siteId: 'kitchen', answerTimeoutMs: 60_000,
      stream: { preRollMs: PRE_ROLL_MS, tailMs: TAIL_MS, maxStreamMs: 10_000 },
      logger: { log: (level: string, message: string) => void (level === 'warn' && warnings.push(message)) },
    });
    teardown = async () => {
      await satellite.close();
      await listener.close();
      await link.close();
      await hub.stop();
    };
    const speechStarts: number[] = [];
    const decidedEnds: number[] = [];
    const streamEnds: StreamEndEvent[] = [];
    listener.on('speech_start', (e) => speechStarts.push(e.at.sample));
    listener.on('speech_end', (e) => decidedEnds.push(e.decided.sample));
    listener.on('stream_end', (e) => streamEnds.push(e));

    if (feeding === 'paced') await feedAll(satellite, listener, f.audio);
    else {
      satellite.feed(f.audio);
      await listener.drained();
    }
    const marker = hub.waitFor('message', (e) => (e.message.payload as { type?: string }).type === MARKER);
    await link.sendBus(MARKER, {});
    await marker;

    const from = (speechStarts[0] as number) - PRE_ROLL_MS * 16;
    const to = (decidedEnds.at(-1) as number) + TAIL_MS * 16;
    expect(speechStarts.length).toBeGreaterThanOrEqual(1);
    expect(from).toBeGreaterThan(0); // the fixture's leading 0.5 s of silence holds the whole pre-roll
    expect(streamEnds).toEqual([{ stream: 1, at: { sample: to, seconds: to / 16_000 }, reason: 'tail' }]);

    const raw = (hub.connections[0]?.received ?? []).filter((m) => m.binary?.binaryType === BinaryPayloadType.RAW_AUDIO);
    for (const m of raw) expect(m.binary?.metadata).toEqual({ sample_rate: 16_000, sample_width: 2 });
    const chunks = raw.map((m) => bytesToPcm(m.binary?.payload ?? new Uint8Array(0)));
    expect(chunks.slice(0, -1).every((c) => c.length === 1_024)).toBe(true); // 64 ms each, the last one shorter
    const sent = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((at, c) => (sent.set(c, at), at + c.length), 0);
    expect(sent.length).toBe(to - from);
    const input = f.audio.subarray(from, to);
    const firstDifference = sent.findIndex((v, i) => v !== input[i]);
    expect(firstDifference).toBe(-1);
    // The question itself is inside what went up.
    expect(from).toBeLessThanOrEqual(f.command.first);
    expect(to).toBeGreaterThanOrEqual(f.command.end);
    expect(warnings).toEqual([]); // the listener's stream and the stream machine agreed throughout
  });
});
