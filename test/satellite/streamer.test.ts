/**
 * The RAW_AUDIO sender of stream mode, with a recording link: each chunk the listener hands out is one RAW_AUDIO
 * message of exactly its samples, and a failed send is reported once per stream, saying whether the link was going
 * away (the session then leaves it to the link's close). Which audio is streamed is the listener's
 * (test/listener/machine.test.ts, the stream region).
 */
import { describe, expect, it } from 'vitest';
import { BinaryPayloadType } from '../../src/hivemind/index.js';
import { type HubLink, RawAudioStreamer, type StreamSendFailure } from '../../src/satellite/index.js';
import { bytesToPcm } from './helpers.js';

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

function rig(fail?: string) {
  const { link, sent } = recordingLink(fail);
  const failures: StreamSendFailure[] = [];
  const streamer = new RawAudioStreamer({ link, onSendFailed: (f) => failures.push(f) });
  return { streamer, sent, failures };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RawAudioStreamer', () => {
  it('sends each chunk as one RAW_AUDIO message of exactly its samples', () => {
    const r = rig();
    const chunks = [ramp(0, 1_024), ramp(1_024, 1_024), ramp(2_048, 300)];
    for (const c of chunks) r.streamer.send(1, c);
    expect(r.sent).toEqual(chunks);
  });

  it('reports a failed send once per stream, and again for the next stream', async () => {
    const r = rig('HM_ERR_QUEUE_FULL');
    r.streamer.send(1, ramp(0, 1_024));
    r.streamer.send(1, ramp(1_024, 1_024));
    await settle();
    expect(r.failures).toEqual([{ stream: 1, code: 'HM_ERR_QUEUE_FULL', linkGone: false }]);
    r.streamer.send(2, ramp(0, 1_024));
    await settle();
    expect(r.failures.at(-1)).toEqual({ stream: 2, code: 'HM_ERR_QUEUE_FULL', linkGone: false });
    expect(r.failures).toHaveLength(2);
  });

  it('says when the link was going away (its close decides what became of the capture)', async () => {
    for (const code of ['HM_ERR_CONNECTION_LOST', 'HM_ERR_CLOSED']) {
      const r = rig(code);
      r.streamer.send(1, ramp(0, 1_024));
      r.streamer.send(1, ramp(1_024, 1_024));
      await settle();
      expect(r.failures).toEqual([{ stream: 1, code, linkGone: true }]);
    }
  });
});
