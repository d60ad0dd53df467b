/**
 * Microphone processing on REAL speech (espeak-ng) and sox noise: RNNoise through @echogarden/rnnoise-wasm and the
 * automatic gain. What the hub will hear stays readable: pocketsphinx (with a small grammar) still transcribes the
 * processed command.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AutoGain, createRnnoiseSuppressor, levelDbfs } from '../../src/audio/index.js';
import { PocketsphinxStt } from '../../src/speech/index.js';
import { activeSpan, concat, noise, silence, speak } from '../vad/fixtures.js';

const PIECE = 1_280;

function processAll(p: { process(piece: Int16Array): void }, audio: Int16Array): Int16Array {
  const out = audio.slice();
  for (let i = 0; i < out.length; i += PIECE) p.process(out.subarray(i, i + PIECE));
  return out;
}

function scaled(audio: Int16Array, gain: number): Int16Array {
  return Int16Array.from(audio, (v) => Math.round(v * gain));
}

function mix(a: Int16Array, b: Int16Array): Int16Array {
  return Int16Array.from(a, (v, i) => Math.max(-32768, Math.min(32767, v + (b[i % b.length] as number))));
}

function peak(x: Int16Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

const workDir = await mkdtemp(join(tmpdir(), 'hivesat-mic-'));
afterAll(() => rm(workDir, { recursive: true, force: true }));
const COMMANDS = ['what time is it', 'turn on the kitchen lights', 'set a timer for ten minutes'];
// A hub's STT reads the audio without our out-of-grammar rejection, so this checks what the grammar search hears.
const stt = new PocketsphinxStt({ grammar: { phrases: COMMANDS }, workDir, rejection: false });

describe('AutoGain', () => {
  it('brings speech at −45 dBFS up towards the target within a few seconds, without clipping', () => {
    const speech = speak('what time is it, turn on the kitchen lights, set a timer for ten minutes', { voice: 'en-us+f3', speed: 140 });
    const span = activeSpan(speech);
    const quiet = scaled(speech, 10 ** ((-45 - levelDbfs(speech.subarray(span.first, span.end))) / 20));
    const room = scaled(noise(20, 'pinknoise', 0.3), 0.002);
    const { audio } = concat(silence(1), quiet, quiet);
    const input = mix(audio, room);
    const agc = new AutoGain({ targetDbfs: 16 });
    const out = processAll(agc, input);
    // The second copy of the sentence comes after the gain has settled.
    const second = out.subarray(16_000 + quiet.length + span.first, 16_000 + quiet.length + span.end);
    expect(levelDbfs(second)).toBeGreaterThan(-22);
    expect(levelDbfs(second)).toBeLessThan(-12);
    expect(peak(out)).toBeLessThanOrEqual(Math.ceil(0.9 * 32_767));
    expect(agc.gainDb).toBeGreaterThan(20);
  });

  it('leaves a room without speech alone, and loud speech unamplified', () => {
    const room = scaled(noise(20, 'pinknoise', 0.3), 0.01);
    const agc = new AutoGain({ targetDbfs: 16 });
    const same = (a: Int16Array, b: Int16Array) => a.length === b.length && a.every((v, i) => v === b[i]);
    expect(same(processAll(agc, room), room)).toBe(true);
    expect(agc.gainDb).toBe(0);
    const speech = speak('turn on the kitchen lights');
    const span = activeSpan(speech);
    const loud = scaled(speech, 10 ** ((-10 - levelDbfs(speech.subarray(span.first, span.end))) / 20));
    expect(same(processAll(new AutoGain({ targetDbfs: 16 }), loud), loud)).toBe(true);
  });

  it('rejects targets outside 1–31', () => {
    expect(() => new AutoGain({ targetDbfs: 0 })).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT', message: 'auto gain target: expected 1–31 dB below full scale, got 0' }));
    expect(() => new AutoGain({ targetDbfs: 32 })).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_BAD_ARGUMENT' }));
  });
});

describe('RNNoise', () => {
  it('keeps the stream length, with a fixed delay: a click comes out delaySamples later', async () => {
    const ns = await createRnnoiseSuppressor();
    const input = new Int16Array(16_000);
    input[8_000] = 20_000;
    const out = processAll(ns, input);
    expect(out.length).toBe(input.length);
    let at = 0;
    for (let i = 0; i < out.length; i++) if (Math.abs(out[i] as number) > Math.abs(out[at] as number)) at = i;
    // RNNoise may shrink a lone click a lot, but whatever remains is centred at the stated delay.
    expect(Math.abs(at - (8_000 + ns.delaySamples))).toBeLessThanOrEqual(3);
    ns.close();
  });

  it('takes white noise at 5 dB SNR down by more than 10 dB while speech keeps its level within 6 dB', async () => {
    const speech = speak('turn on the kitchen lights', { voice: 'en-us+f3', speed: 140 });
    const span = activeSpan(speech);
    const { audio, starts } = concat(silence(2), speech, silence(1));
    const white = noise(10, 'whitenoise', 0.3);
    const speechDb = levelDbfs(speech.subarray(span.first, span.end));
    const noisy = mix(audio, scaled(white, 10 ** ((speechDb - 5 - levelDbfs(white)) / 20)));
    const ns = await createRnnoiseSuppressor();
    const out = processAll(ns, noisy);
    const d = ns.delaySamples;
    const noiseIn = levelDbfs(noisy.subarray(8_000, 24_000));
    const noiseOut = levelDbfs(out.subarray(8_000 + d, 24_000 + d));
    expect(noiseIn - noiseOut).toBeGreaterThan(10);
    const s0 = (starts[1] as number) + span.first;
    const s1 = (starts[1] as number) + span.end;
    expect(Math.abs(levelDbfs(out.subarray(s0 + d, s1 + d)) - speechDb)).toBeLessThan(6);
    ns.close();
  });

  it('leaves speech in 10 dB pink noise readable by pocketsphinx', async () => {
    for (const command of COMMANDS) {
      const speech = speak(command, { voice: 'en-us+f3', speed: 140 });
      const span = activeSpan(speech);
      const { audio } = concat(silence(0.5), speech, silence(0.5));
      const pink = noise(10, 'pinknoise', 0.3);
      const speechDb = levelDbfs(speech.subarray(span.first, span.end));
      const noisy = mix(audio, scaled(pink, 10 ** ((speechDb - 10 - levelDbfs(pink)) / 20)));
      const ns = await createRnnoiseSuppressor();
      const out = processAll(ns, noisy);
      ns.close();
      expect(await stt.transcribe(out, { lang: 'en-us' })).toEqual({ text: command });
    }
  });

  it('fails with AUDIO_ERR_STATE once closed', async () => {
    const ns = await createRnnoiseSuppressor();
    ns.close();
    ns.close();
    expect(() => ns.process(new Int16Array(10))).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_STATE' }));
  });
});
