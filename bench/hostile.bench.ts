/**
 * What a hostile hub costs the satellite per message (issue #8): decoding and ignoring one PROPAGATE(PING) of a flood
 * (AES-GCM JSON-B64 frame → HiveMessage → the ignored-message meter), dropping one `speak` of a storm (gate + the
 * suppressed refusal), refusing a 1 GiB zlib bomb (inflation stops at the 16 MiB cap), and judging an hour-long MP3 by
 * its frame headers. The flood rows are what bounds CPU: one core absorbs the per-second rate shown.
 */
import { type LegacyKeys, decodeFrame } from '../src/hivemind/frame-codec.js';
import { encryptJsonFrame } from '../src/hivemind/json-frame.js';
import { serializeHiveMessage } from '../src/hivemind/message.js';
import { systemRandom } from '../src/hivemind/random.js';
import { decodeWire1 } from '../src/hivemind/wire1.js';
import { scanMpegFrames } from '../src/audio/playback/mpeg-frames.js';
import { IgnoredMeter, RefusalLog, SatelliteError, SpeakGate } from '../src/satellite/index.js';
import { systemTimers } from '../src/timers.js';
import { pingMessage } from '../test/hub/faults.js';
import { longMp3, wire1CompressedBus, zlibBomb } from '../test/faults/hostile-payloads.js';
import { type BenchRow, measure } from './harness.js';

const KEY = new Uint8Array(32).fill(7);

export async function run(): Promise<BenchRow[]> {
  const keys: LegacyKeys = { kind: 'legacy', cipher: 'AES-GCM', encoding: 'JSON-B64', key: KEY, allowZ85P: false };
  const frame = new TextEncoder().encode(encryptJsonFrame('AES-GCM', 'JSON-B64', KEY, serializeHiveMessage(pingMessage()), systemRandom));
  const refusals = new RefusalLog({ timers: systemTimers, intervalMs: 60_000, log: () => undefined, emit: () => undefined });
  const meter = new IgnoredMeter({ timers: systemTimers, intervalMs: 60_000, maxPerInterval: 100, refusals });
  const gate = new SpeakGate({ maxPerTurn: 20, maxUnsolicited: 4 });
  for (let i = 0; i < 4; i++) gate.admit(false);
  const bomb = wire1CompressedBus(await zlibBomb(1024));
  const hour = longMp3(3_600);
  const batch = 1_000;
  const rows = [
    await measure('hostile', `PROPAGATE(PING) decoded + ignored ×${batch} (${frame.length} B each)`, () => {
      for (let i = 0; i < batch; i++) {
        const decoded = decodeFrame(frame, false, keys);
        if (decoded.kind === 'message') meter.ignored(decoded.message.msg_type);
      }
    }),
    await measure('hostile', `speak dropped by the gate ×${batch}`, () => {
      for (let i = 0; i < batch; i++) if (gate.admit(false) !== undefined) refusals.refuse('SAT_ERR_SPEAK_FLOOD', () => new SatelliteError('SAT_ERR_SPEAK_FLOOD', 'storm'));
    }),
    await measure('hostile', `zlib bomb refused (${(bomb.length / 1024 / 1024).toFixed(1)} MiB → 1 GiB, cap 16 MiB)`, () => {
      try {
        decodeWire1(bomb);
      } catch {
        // HM_ERR_FRAME_TOO_LARGE: expected
      }
    }, { minRuns: 5 }),
    await measure('hostile', `1 h MP3 judged by its headers (${(hour.length / 1e6).toFixed(1)} MB)`, () => scanMpegFrames(hour), { bytes: hour.length }),
  ];
  return rows;
}
