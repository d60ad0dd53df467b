/** The satellite's pure parts and the playback additions: volume, metadata fitting, routing, the queue, decoding. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PlaybackQueue, decodeAudioFile, sniffAudioFormat } from '../../src/audio/index.js';
import { MAX_WIRE1_METADATA_BYTES, encodeWire1 } from '../../src/hivemind/index.js';
import { BUNDLED_SOUNDS_DIR, SoundLibrary, TurnTimeline, VolumeControl, fitMetadata, resolveSoundUri, routeBus, ttsMetadataFits, wire1MetadataBytes } from '../../src/satellite/index.js';
import { RecordingSink, answerMp3, answerWav } from './helpers.js';

describe('VolumeControl', () => {
  it('follows mycroft.volume.* and maps to a gain', () => {
    const v = new VolumeControl({ initialPercent: 80, stepPercent: 10, maxGain: 2 });
    expect(v.gain).toBeCloseTo(1.6);
    v.apply('mycroft.volume.set', { percent: 0.25 });
    expect(v.response()).toEqual({ percent: 0.25, muted: false });
    v.apply('mycroft.volume.increase', {});
    v.apply('mycroft.volume.mute', {});
    expect(v.gain).toBe(0);
    v.apply('mycroft.volume.unmute', {});
    expect(v.state).toEqual({ percent: 35, muted: false });
    v.apply('mycroft.volume.set', { percent: 250 });
    expect(v.state.percent).toBe(100);
  });
});

describe('BINARY metadata', () => {
  const long = 'x'.repeat(2000) + Array.from({ length: 300 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join('');
  it('measures exactly what WIRE-1 encodes', () => {
    const meta = { lang: 'en-US', sample_rate: 16_000, sample_width: 2, site_id: 'kitchen' };
    expect(wire1MetadataBytes(meta)).toBeLessThanOrEqual(MAX_WIRE1_METADATA_BYTES);
    expect(() => encodeWire1({ kind: 'binary', binaryType: 5, payload: new Uint8Array(4), metadata: meta })).not.toThrow();
  });

  it('drops optional keys that do not fit, keeps the required ones, and the frame encodes', () => {
    const { metadata, omitted } = fitMetadata({ lang: 'en-US', sample_rate: 16_000, sample_width: 2 }, [['site_id', long], ['wake_word', 'hey_jarvis']]);
    expect(omitted).toEqual(['site_id']);
    expect(metadata).toEqual({ lang: 'en-US', sample_rate: 16_000, sample_width: 2, wake_word: 'hey_jarvis' });
    expect(() => encodeWire1({ kind: 'binary', binaryType: 5, payload: new Uint8Array(4), metadata })).not.toThrow();
  });

  it('sends long utterances straight to speak:b64_audio', () => {
    expect(ttsMetadataFits('it is three o clock', 'en-US')).toBe(true);
    expect(ttsMetadataFits(long, 'en-US')).toBe(false);
  });
});

describe('routeBus', () => {
  it('dispatches what a satellite handles and ignores the rest', () => {
    const calls: string[] = [];
    const actions = {
      speak: () => calls.push('speak'), notUnderstood: () => calls.push('unknown'), stop: () => calls.push('stop'), listen: () => calls.push('listen'),
      playSound: (uri: string) => calls.push(`sound ${uri}`), volume: (t: string) => calls.push(t), hubListening: (e: string) => calls.push(`hub ${e}`),
    };
    const m = (type: string, data = {}) => routeBus({ type, data, context: {} }, actions);
    expect(m('speak')).toBe(true);
    m('recognizer_loop:speech.recognition.unknown');
    m('mycroft.stop');
    m('mycroft.mic.listen');
    m('mycroft.audio.play_sound', { uri: 'snd/error.mp3' });
    m('mycroft.volume.get');
    m('recognizer_loop:record_begin');
    expect(m('ovos.utterance.handled')).toBe(false);
    expect(m('mycroft.volume.get.response')).toBe(false);
    expect(calls).toEqual(['speak', 'unknown', 'stop', 'listen', 'sound snd/error.mp3', 'mycroft.volume.get', 'hub record_begin']);
  });
});

describe('sounds and decoding', () => {
  it('resolves snd/ names inside the bundled folder only', () => {
    expect(resolveSoundUri('snd/error.mp3')).toBe(`${BUNDLED_SOUNDS_DIR}error.mp3`);
    expect(resolveSoundUri('snd/../../etc/passwd')).toBeUndefined();
    expect(resolveSoundUri('http://x/y.wav')).toBeUndefined();
    expect(resolveSoundUri('/tmp/a.wav')).toBe('/tmp/a.wav');
  });

  it.each(['start_listening.wav', 'acknowledge.mp3', 'error.mp3'])('decodes the bundled %s', async (name) => {
    const pcm = await new SoundLibrary().load(`snd/${name}`);
    expect(pcm.length).toBeGreaterThan(1_600);
    expect(pcm.length).toBeLessThan(16_000);
  });

  it('decodes WAV (any rate/channels) and MP3 to 16 kHz mono of the same length', async () => {
    const wav = await decodeAudioFile(answerWav('hello there'));
    const mp3 = await decodeAudioFile(answerMp3('hello there'));
    expect(Math.abs(wav.length - mp3.length)).toBeLessThan(2_500); // MP3 encoder delay and padding
    expect(sniffAudioFormat(new Uint8Array([1, 2, 3]), 'x.mp3')).toBe('mp3');
    await expect(decodeAudioFile(new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({ code: 'AUDIO_ERR_DECODE' });
    expect((await readFile(`${BUNDLED_SOUNDS_DIR}error.mp3`)).length).toBeLessThan(10_000);
  });
});

describe('PlaybackQueue', () => {
  it('plays in enqueue order even when later audio is ready first, and reports busy/idle', async () => {
    const sink = new RecordingSink();
    const queue = new PlaybackQueue<string>(sink);
    const events: string[] = [];
    queue.on('busy', () => events.push('busy'));
    queue.on('clip_start', (c) => events.push(`start ${c.meta}`));
    queue.on('clip_end', (c, e) => events.push(`end ${c.meta} ${e.outcome}`));
    const idle = new Promise<void>((resolve) => queue.on('idle', () => resolve()));
    let release!: (pcm: Int16Array) => void;
    queue.enqueue(new Promise<Int16Array>((resolve) => (release = resolve)), 'a');
    queue.enqueue(Int16Array.of(2, 2), 'b');
    queue.enqueue(Promise.reject(new Error('no audio')), 'c');
    release(Int16Array.of(1));
    await idle;
    expect(events).toEqual(['busy', 'start a', 'end a completed', 'start b', 'end b completed', 'end c failed']);
    expect(sink.clips.map((c) => Array.from(c))).toEqual([[1], [2, 2]]);
  });

  it('stop() drops queued clips', async () => {
    const queue = new PlaybackQueue<string>(new RecordingSink());
    const ends: string[] = [];
    queue.on('clip_end', (c, e) => ends.push(`${c.meta} ${e.outcome}`));
    queue.enqueue(new Promise<Int16Array>(() => undefined), 'never');
    queue.enqueue(Int16Array.of(1), 'queued');
    await queue.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ends.sort()).toEqual(['never stopped', 'queued stopped']);
    expect(queue.busy).toBe(false);
  });
});

describe('TurnTimeline', () => {
  it('derives the figures', () => {
    const t = new TurnTimeline();
    const at: Record<string, number> = { wake: 100, speechEnd: 1000, sent: 1003, firstSpeak: 1200, ttsRequested: 1201, ttsReceived: 1300, playbackStart: 1301, playbackEnd: 3000 };
    for (const [k, v] of Object.entries(at)) t.mark(k as never, v);
    expect(t.figures()).toEqual({ speechEndToSentMs: 3, hubMs: 296, ttsToFirstSampleMs: 1, overheadMs: 5, responseMs: 301 });
    expect(t.marks().wake).toBe(0);
  });
});
