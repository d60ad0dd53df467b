/**
 * The RAW_AUDIO streamer on the sample clock, with a recording link: the pre-roll, the tail, the hub's recording and
 * the cap are exact sample positions (no timers), and send failures are reported once per stream.
 */
import { describe, expect, it } from 'vitest';
import { BinaryPayloadType } from '../../src/hivemind/index.js';
import { type HubLink, RawAudioStreamer, type StreamStop } from '../../src/satellite/index.js';
import { bytesToPcm } from './helpers.js';

const MS = 16;

/** A link that keeps what it is asked to send; `fail` makes sends reject with that code. */
function recordingLink(fail?: string): { link: HubLink; sent: Int16Array[] } {
  const sent: Int16Array[] = [];
  const link = {
    state: 'ready',
    sessionId: 's',
    sendBinary: (type: BinaryPayloadType, payload: Uint8Array, metadata: object) => {
      expect(type).toBe(BinaryPayloadType.RAW_AUDIO);
      expect(metadata).toEqual({ sample_rate: 16_000, sample_width: 2 });
      sent.push(bytesToPcm(payload));
      return fail === undefined ? Promise.resolve() : Promise.reject(Object.assign(new Error(fail), { code: fail }));
    },
    sendBus: () => Promise.resolve(),
    on: () => link,
    off: () => link,
  } as unknown as HubLink;
  return { link, sent };
}

/** Samples whose value is their position (mod 2^15), so every sent sample says where it came from. */
function ramp(from: number, n: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => (from + i) % 32_768);
}

function rig(options: { fail?: string; maxStreamMs?: number } = {}) {
  const { link, sent } = recordingLink(options.fail);
  const stops: [StreamStop, number][] = [];
  const errors: string[] = [];
  const streamer = new RawAudioStreamer({
    link, preRollMs: 500, tailMs: 600, maxStreamMs: options.maxStreamMs ?? 10_000,
    onStop: (why, samples) => stops.push([why, samples]), onSendError: (code) => errors.push(code),
  });
  let fed = 0;
  const feed = (n: number): void => {
    for (let left = n; left > 0; left -= 1_280) {
      const piece = Math.min(1_280, left);
      streamer.feed(ramp(fed, piece));
      fed += piece;
    }
  };
  const streamed = (): Int16Array => {
    const all = new Int16Array(sent.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of sent) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  };
  return { streamer, sent, stops, errors, feed, streamed };
}

describe('RawAudioStreamer', () => {
  it('streams from the pre-roll before the speech start to the tail after the decided end, in ≤ 64 ms chunks', () => {
    const r = rig();
    r.feed(1_000 * MS);
    r.streamer.speechStarted(900 * MS);
    r.feed(1_000 * MS); // speech, fed 2.0 s
    r.streamer.speechEnded(2_000 * MS);
    expect(r.stops).toEqual([]);
    r.feed(2_000 * MS);
    const all = r.streamed();
    expect(all[0]).toBe(400 * MS); // 500 ms before the onset
    expect(all.length).toBe((2_000 + 600 - 400) * MS); // through the 600 ms tail, not a sample more
    expect(all.every((v, i) => v === (400 * MS + i) % 32_768)).toBe(true);
    expect(r.sent.every((c) => c.length <= 1_024)).toBe(true);
    expect(r.stops).toEqual([['tail', all.length]]);
  });

  it('goes on past the tail while the hub records, and stops at its record_end', () => {
    const r = rig();
    r.feed(1_000 * MS);
    r.streamer.speechStarted(1_000 * MS);
    r.streamer.hubRecording(true);
    r.streamer.speechEnded(1_000 * MS);
    r.feed(1_000 * MS);
    expect(r.streamed().length).toBe(1_500 * MS); // 500 ms pre-roll + 1 s, tail or not
    r.streamer.hubRecording(false);
    expect(r.stops).toEqual([['hub', 1_500 * MS]]);
  });

  it('speech again within the tail keeps one stream going', () => {
    const r = rig();
    r.feed(1_000 * MS);
    r.streamer.speechStarted(1_000 * MS);
    r.streamer.speechEnded(1_000 * MS);
    r.feed(300 * MS);
    r.streamer.speechStarted(1_300 * MS);
    r.feed(2_000 * MS);
    expect(r.stops).toEqual([]);
    expect(r.streamed().length).toBe(2_800 * MS);
  });

  it('cuts every stream at the cap', () => {
    const r = rig({ maxStreamMs: 1_000 });
    r.feed(1_000 * MS);
    r.streamer.speechStarted(1_000 * MS);
    r.feed(5_000 * MS);
    expect(r.stops).toEqual([['cap', 1_000 * MS]]);
    expect(r.streamed().length).toBe(1_000 * MS);
  });

  it('reports a failed send once per stream; a link going away is left to the link', async () => {
    const full = rig({ fail: 'HM_ERR_QUEUE_FULL' });
    full.feed(1_000 * MS);
    full.streamer.speechStarted(1_000 * MS);
    full.feed(1_000 * MS);
    await new Promise((resolve) => setImmediate(resolve));
    expect(full.errors).toEqual(['HM_ERR_QUEUE_FULL']);
    const lost = rig({ fail: 'HM_ERR_CONNECTION_LOST' });
    lost.feed(1_000 * MS);
    lost.streamer.speechStarted(1_000 * MS);
    lost.feed(1_000 * MS);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lost.errors).toEqual([]);
    lost.streamer.stop('link');
    expect(lost.stops).toEqual([['link', 1_500 * MS]]);
  });
});
