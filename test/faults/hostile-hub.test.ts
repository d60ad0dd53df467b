/**
 * A hostile hub (issue #8, part 5): oversized frames, a WIRE-1 zlib bomb, PING/PROPAGATE and BROADCAST floods,
 * `speak` storms, oversized TTS answers (TTS_AUDIO and `speak:b64_audio`), malformed WAV/MP3 answers and an MP3 of
 * an hour. Against the real test hub on loopback, the real HubConnection and the real Satellite on the real listener
 * and espeak-ng, each attack checks:
 * (a) the limit itself held — the frame was refused from its header (bytes read by then ≪ the frame), the inflation
 *     stopped at its cap, nothing was queued or requested for the dropped messages;
 * (b) the satellite is still responsive — a normal spoken turn afterwards is answered by the hub and played;
 * (c) the refusal is one typed error, logged once (not a line per flooded message).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../../src/audio/index.js';
import { checkSatelliteConfig, defaultSatelliteConfig } from '../../src/config/satellite-config.js';
import { MAX_DECOMPRESSED_BYTES, MAX_FRAME_BYTES } from '../../src/hivemind/constants.js';
import { HubConnection } from '../../src/hivemind/index.js';
import { systemRandom } from '../../src/hivemind/random.js';
import { decodeWire1 } from '../../src/hivemind/wire1.js';
import {
  DEFAULT_MAX_ANSWER_SECONDS, DEFAULT_MAX_SPEAKS_PER_TURN, DEFAULT_MAX_TTS_BYTES, DEFAULT_MAX_UNSOLICITED_SPEAKS, RefusalLog, SatelliteError, SpeakGate,
} from '../../src/satellite/index.js';
import { agents } from '../hub/index.js';
import { broadcastSpeak, floodFault, pingMessage } from '../hub/faults.js';
import { answerWav, loudSamples } from '../satellite/helpers.js';
import { ensureModels } from '../vad/fixtures.js';
import {
  MiB, fourGiBWav, garbageMp3, longMp3, sealForClient, silentWav, truncatedWav, ttsAudioFrame, wire1CompressedBus, zeroChannelWav, zlibBomb,
} from './hostile-payloads.js';
import { ANSWER, type HostileRig, type HostileRigOptions, drained, expectNormalTurn, hubSide, linesWith, nextReady, spokenTurn, startHostileRig } from './hostile-rig.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);

let rig: HostileRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function setUp(options: HostileRigOptions = {}): Promise<HostileRig> {
  rig = await startHostileRig(options);
  return rig;
}

/** Types of the BUS messages the hub received from the satellite. */
function busTypes(r: HostileRig): { type: string; utterance: unknown }[] {
  return r.hub.connections.flatMap((c) =>
    c.received.map((e) => {
      const payload = e.message.payload as { type?: string; data?: { utterance?: unknown } };
      return { type: payload.type ?? '', utterance: payload.data?.utterance };
    }),
  );
}

/**
 * Utterances the satellite asked the hub to synthesize, each once (a `speak:synth` that times out under load is asked
 * again as `speak:b64_audio`: the same request).
 */
const ttsRequests = (r: HostileRig): unknown[] => [...new Set(busTypes(r).filter((m) => m.type === 'speak:synth' || m.type === 'speak:b64_audio').map((m) => m.utterance))];

/** The current TCP socket's bytes read so far. */
function bytesReadNow(r: HostileRig): number {
  return r.tap.sockets[r.tap.sockets.length - 1]?.bytesRead ?? 0;
}

describe.skipIf(!models.ok)('a hostile hub cannot take the satellite down', () => {
  describe('oversized frames are refused from their header by the WebSocket, never buffered', () => {
    it.each([
      ['an 11 MiB text frame', (): string | Uint8Array => 'x'.repeat(11 * MiB)],
      ['an 11 MiB binary frame', (): string | Uint8Array => new Uint8Array(11 * MiB)],
    ])('%s', async (_name, frame) => {
      const r = await setUp();
      const before = bytesReadNow(r);
      const reconnected = nextReady(r);
      await r.hub.fault(hubSide(r), { kind: 'raw', data: frame() });
      await reconnected;
      // (a) ws refused it at the header: the socket had read at most one 64 KiB chunk of the 11 MiB.
      expect(r.tap.refusals.map((x) => x.code)).toEqual(['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']);
      expect((r.tap.refusals[0]?.bytesRead ?? Infinity) - before).toBeLessThan(MiB);
      // (c) one typed error, one warning.
      expect(r.closeErrors.map((e) => e.code)).toEqual(['HM_ERR_FRAME_TOO_LARGE']);
      expect(linesWith(r.linkLog, 'warn', 'HM_ERR_FRAME_TOO_LARGE')).toHaveLength(1);
      // (b)
      await expectNormalTurn(r);
    });

    it('a 10 MiB TTS_AUDIO answer: refused by the socket, the answer is spoken with the local TTS, the link comes back', async () => {
      const r = await setUp();
      let before = 0;
      r.synth = (text) => {
        const connection = hubSide(r);
        before = bytesReadNow(r);
        connection.sendRaw(ttsAudioFrame(connection.keying as NonNullable<typeof connection.keying>, silentWav(10 * MiB), { lang: 'en-US', file_name: 'answer.wav', utterance: text }));
        throw new Error('hostile hub: sent a 10 MiB TTS_AUDIO');
      };
      const reconnected = nextReady(r);
      const report = await spokenTurn(r);
      await reconnected;
      expect(report).toMatchObject({ route: 'hub', outcome: 'answered', answers: [ANSWER] });
      expect(loudSamples(r.sink.clips.find((c) => c.length > 16_000) as Int16Array)).toBeGreaterThan(2_000); // espeak-ng, locally
      expect(r.tap.refusals.map((x) => x.code)).toEqual(['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']);
      expect((r.tap.refusals[0]?.bytesRead ?? Infinity) - before).toBeLessThan(MiB);
      expect(r.closeErrors.map((e) => e.code)).toEqual(['HM_ERR_FRAME_TOO_LARGE']);
      expect(linesWith(r.linkLog, 'warn', 'HM_ERR_FRAME_TOO_LARGE')).toHaveLength(1);
      await expectNormalTurn(r);
    });
  });

  it('a WIRE-1 zlib bomb (1 MiB on the wire, 1 GiB inflated) stops at the inflation cap', async () => {
    const r = await setUp();
    const bomb = await zlibBomb(1024);
    expect(bomb.length).toBeLessThan(1.1 * MiB);
    const wire1 = wire1CompressedBus(bomb);
    // The codec alone: refused with the cap in the message.
    let refusal: unknown;
    try {
      decodeWire1(wire1);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'HM_ERR_FRAME_TOO_LARGE', message: expect.stringContaining(`at most ${MAX_DECOMPRESSED_BYTES} bytes`) });
    const connection = hubSide(r);
    const frame = sealForClient(connection.keying as NonNullable<typeof connection.keying>, wire1, systemRandom);
    const reconnected = nextReady(r);
    const rssBefore = process.memoryUsage().rss;
    await r.hub.fault(connection, { kind: 'raw', data: frame });
    await reconnected;
    // (a) 1 GiB would have shown in the resident size; the cap is 16 MiB.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * MiB);
    expect(r.closeErrors).toEqual([{ code: 'HM_ERR_FRAME_TOO_LARGE', message: expect.stringContaining(`decompress to at most ${MAX_DECOMPRESSED_BYTES} bytes`) }]);
    expect(linesWith(r.linkLog, 'warn', 'HM_ERR_FRAME_TOO_LARGE')).toHaveLength(1);
    await expectNormalTurn(r);
  });

  describe('floods of messages a satellite ignores: O(1) each, nothing kept or forwarded, one warning', () => {
    it.each([
      ['10 000 PROPAGATE(PING)s', () => floodFault(10_000, () => pingMessage()), 'propagate'],
      ['10 000 BROADCASTs of a speak', () => floodFault(10_000, (i, c) => broadcastSpeak(c.peer, `broadcast ${i}`)), 'broadcast'],
    ])('%s', async (_name, fault, kind) => {
      const r = await setUp();
      const satLines = r.satLog.length;
      const linkLines = r.linkLog.length;
      const clips = r.sink.clips.length;
      globalThis.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      await r.hub.fault(hubSide(r), fault());
      await drained(r);
      expect(r.satellite.ignoredMessages).toBe(10_000);
      // (a) nothing kept: no clip, no TTS request, the link untouched; the heap did not grow by the flood.
      expect(r.sink.clips.length).toBe(clips);
      expect(ttsRequests(r)).toEqual([]);
      expect(r.closeErrors).toEqual([]);
      globalThis.gc?.();
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * MiB);
      // (c) exactly one line in all: the flood warning; the connection logged nothing per message.
      expect(r.refused).toEqual([{ code: 'SAT_ERR_HUB_FLOOD', message: expect.stringContaining(kind) }]);
      expect(r.satLog.slice(satLines)).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('SAT_ERR_HUB_FLOOD') })]);
      expect(r.linkLog.slice(linkLines)).toEqual([]);
      await expectNormalTurn(r);
    });
  });

  describe('speak storms', () => {
    it('500 unsolicited speaks in a burst: the first few are spoken, the rest dropped with one warning', async () => {
      const r = await setUp();
      const quiet = r.hub.waitFor('message', (e) => (e.message.payload as { type?: string }).type === 'recognizer_loop:audio_output_end', 30_000);
      const clips = r.sink.clips.length;
      await r.hub.fault(hubSide(r), { kind: 'custom', run: (c) => { for (let i = 0; i < 500; i++) c.sendBus('speak', { utterance: `storm ${i}`, lang: 'en-US' }); } });
      await drained(r);
      // (a) only the admitted ones asked for TTS; (c) one warning for the 496 others.
      const admitted = Array.from({ length: DEFAULT_MAX_UNSOLICITED_SPEAKS }, (_, i) => `storm ${i}`);
      expect(ttsRequests(r)).toEqual(admitted);
      expect(r.satellite.refusalCount('SAT_ERR_SPEAK_FLOOD')).toBe(500 - DEFAULT_MAX_UNSOLICITED_SPEAKS);
      expect(r.refused).toEqual([{ code: 'SAT_ERR_SPEAK_FLOOD', message: expect.stringContaining('unsolicited') }]);
      expect(linesWith(r.satLog, 'warn', 'SAT_ERR_SPEAK_FLOOD')).toHaveLength(1);
      await quiet;
      expect(r.sink.clips.slice(clips).filter((c) => loudSamples(c) > 1_000)).toHaveLength(DEFAULT_MAX_UNSOLICITED_SPEAKS);
      await expectNormalTurn(r);
    });

    it('a turn answered with 500 speaks: its first 20 are spoken, the rest dropped with one warning', async () => {
      const r = await setUp();
      const storm = Array.from({ length: 500 }, (_, i) => `answer ${i}`);
      r.agent = agents.speakAll(storm);
      const report = await spokenTurn(r);
      const kept = storm.slice(0, DEFAULT_MAX_SPEAKS_PER_TURN);
      expect(report).toMatchObject({ route: 'hub', outcome: 'answered', answers: kept });
      expect(ttsRequests(r)).toEqual(kept);
      expect(r.satellite.refusalCount('SAT_ERR_SPEAK_FLOOD')).toBe(500 - DEFAULT_MAX_SPEAKS_PER_TURN);
      expect(r.refused).toEqual([{ code: 'SAT_ERR_SPEAK_FLOOD', message: expect.stringContaining('for one turn') }]);
      expect(linesWith(r.satLog, 'warn', 'SAT_ERR_SPEAK_FLOOD')).toHaveLength(1);
      await expectNormalTurn(r);
    });
  });

  describe('hostile TTS answers are refused before decoding and the answer is spoken with the local TTS', () => {
    it.each([
      ['a 9 MiB TTS_AUDIO (over the 8 MiB cap, within a frame)', (): Uint8Array => silentWav(DEFAULT_MAX_TTS_BYTES + MiB), 'SAT_ERR_TTS_TOO_LARGE'],
      ['a truncated WAV', (): Uint8Array => truncatedWav(answerWav(ANSWER)), 'AUDIO_ERR_WAV_TRUNCATED'],
      ['a WAV claiming 0 channels', (): Uint8Array => zeroChannelWav(), 'AUDIO_ERR_WAV_UNSUPPORTED'],
      ['a WAV claiming 4 GiB of data', (): Uint8Array => fourGiBWav(), 'AUDIO_ERR_WAV_TRUNCATED'],
      ['garbage behind an MP3 frame sync', (): Uint8Array => garbageMp3(), 'AUDIO_ERR_DECODE'],
      ['an MP3 of one hour (3.6 MB)', (): Uint8Array => longMp3(3_600), 'AUDIO_ERR_TOO_LONG'],
    ])('%s', async (_name, file, code) => {
      const r = await setUp();
      r.synth = () => file();
      const report = await spokenTurn(r);
      expect(report).toMatchObject({ route: 'hub', outcome: 'answered', answers: [ANSWER] });
      expect(loudSamples(r.sink.clips.find((c) => c.length > 16_000) as Int16Array)).toBeGreaterThan(2_000); // espeak-ng, locally
      expect(r.refused).toEqual([{ code, message: expect.any(String) }]);
      expect(linesWith(r.satLog, 'warn', code)).toHaveLength(1);
      expect(r.closeErrors).toEqual([]); // the link stays up: only the answer was refused
      await expectNormalTurn(r);
    });

    it('speak:b64_audio.response with many MiB of base64: refused from its length, before decoding', async () => {
      const r = await setUp({ synthAllowed: false, limits: { maxTtsBytes: 4 * MiB } });
      r.synth = () => silentWav(5 * MiB); // 6.7 MiB of base64, a 8.9 MiB frame
      const report = await spokenTurn(r);
      expect(report).toMatchObject({ route: 'hub', outcome: 'answered', answers: [ANSWER] });
      expect(r.refused).toEqual([{ code: 'SAT_ERR_TTS_TOO_LARGE', message: expect.stringContaining('speak:b64_audio.response audio') }]);
      expect(linesWith(r.satLog, 'warn', 'SAT_ERR_TTS_TOO_LARGE')).toHaveLength(1);
      expect(busTypes(r).filter((m) => m.type === 'speak:b64_audio')).toHaveLength(1);
      await expectNormalTurn(r);
    });
  });
});

/** The rejection of `promise` (or undefined when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (error: unknown) => error);
}

describe('the limits, one by one', () => {
  it('an MP3 is judged by its frame headers: under the cap it decodes in full, over it is refused undecoded', async () => {
    const tenSeconds = longMp3(10); // 139 frames of 576 samples at 8 kHz
    expect((await decodeAudioFile(tenSeconds, { maxDurationSeconds: 11 })).length).toBe(2 * 139 * 576);
    expect(await rejectionOf(decodeAudioFile(tenSeconds, { maxDurationSeconds: 5 }))).toMatchObject({ code: 'AUDIO_ERR_TOO_LONG', message: expect.stringContaining('10.0 s') });
    expect(await rejectionOf(decodeAudioFile(tenSeconds, { maxBytes: 1_000 }))).toMatchObject({ code: 'AUDIO_ERR_TOO_LARGE' });
    expect(await rejectionOf(decodeAudioFile(garbageMp3()))).toMatchObject({ code: 'AUDIO_ERR_DECODE' });
  });

  it('a WAV is judged by its header before its samples are read', async () => {
    const tenSeconds = silentWav(16_000 * 2 * 10);
    expect((await decodeAudioFile(tenSeconds, { maxDurationSeconds: 10 })).length).toBe(160_000);
    expect(await rejectionOf(decodeAudioFile(tenSeconds, { maxDurationSeconds: 9.5 }))).toMatchObject({ code: 'AUDIO_ERR_TOO_LONG' });
  });

  it('refusals are logged once per code and interval; the next line counts the suppressed ones', () => {
    let now = 0;
    const lines: string[] = [];
    const emitted: string[] = [];
    const log = new RefusalLog({
      timers: { now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined }, intervalMs: 1_000,
      log: (_level, message) => lines.push(message), emit: (error) => emitted.push(error.code),
    });
    const flood = (): SatelliteError => new SatelliteError('SAT_ERR_SPEAK_FLOOD', 'too many');
    expect([log.report(flood()), log.report(flood()), log.report(flood())]).toEqual([true, false, false]);
    expect(log.report(new SatelliteError('SAT_ERR_HUB_FLOOD', 'ignored'))).toBe(true); // another code: its own line
    now = 999;
    let built = 0;
    expect(log.refuse('SAT_ERR_SPEAK_FLOOD', () => (built++, flood()))).toBe(false);
    expect(built).toBe(0); // inside the interval no error object is made
    now = 1_000;
    expect(log.report(flood())).toBe(true);
    expect(lines).toEqual([
      'refused from the hub [SAT_ERR_SPEAK_FLOOD]: too many',
      'refused from the hub [SAT_ERR_HUB_FLOOD]: ignored',
      'refused from the hub [SAT_ERR_SPEAK_FLOOD]: too many; 3 more refused since the last warning',
    ]);
    expect(emitted).toEqual(['SAT_ERR_SPEAK_FLOOD', 'SAT_ERR_HUB_FLOOD', 'SAT_ERR_SPEAK_FLOOD']);
    expect(log.count('SAT_ERR_SPEAK_FLOOD')).toBe(5);
  });

  it('the speak gate: N per turn, M unsolicited in flight', () => {
    const gate = new SpeakGate({ maxPerTurn: 2, maxUnsolicited: 1 });
    expect([gate.admit(true), gate.admit(true), gate.admit(true)]).toEqual([undefined, undefined, 'turn']);
    gate.turnBegan();
    expect(gate.admit(true)).toBeUndefined();
    expect([gate.admit(false), gate.admit(false)]).toEqual([undefined, 'unsolicited']);
    gate.unsolicitedEnded();
    expect(gate.admit(false)).toBeUndefined();
    expect(gate.dropped).toBe(2);
  });

  it('the config file has a limits section with units in the names, checked', () => {
    expect(defaultSatelliteConfig().limits).toEqual({
      max_frame_bytes: MAX_FRAME_BYTES, max_inflated_bytes: MAX_DECOMPRESSED_BYTES, max_tts_bytes: DEFAULT_MAX_TTS_BYTES, max_answer_seconds: DEFAULT_MAX_ANSWER_SECONDS,
      max_speaks_per_turn: DEFAULT_MAX_SPEAKS_PER_TURN, max_unsolicited_speaks: DEFAULT_MAX_UNSOLICITED_SPEAKS, max_ignored_per_interval: 100, warn_interval_ms: 60_000,
    });
    const { issues } = checkSatelliteConfig({ limits: { max_frame_bytes: 20 * MiB, max_answer_seconds: 0, max_speaks: 3 } });
    expect(issues.map((i) => i.path).sort()).toEqual(['$.limits.max_answer_seconds', '$.limits.max_frame_bytes', '$.limits.max_speaks']);
  });

  it('a connection refuses a frame limit above what the codec can decode', () => {
    expect(() => new HubConnection({ host: 'hub', accessKey: 'k', password: 'p', limits: { maxFrameBytes: 20 * MiB } })).toThrow(RangeError);
    expect(() => new HubConnection({ host: 'hub', accessKey: 'k', password: 'p', limits: { maxInflatedBytes: 1_000 } })).toThrow(RangeError);
  });
});
