/**
 * The energy gate with the REAL models on REAL speech (espeak-ng): behind the gate the detectors skip a long silence,
 * and after it opens they score exactly what they would have scored ungated, because the look-back replays every frame
 * the scored hops read.
 */
import { describe, expect, it } from 'vitest';
import { Listener } from '../../src/listener/index.js';
import { createSileroVad } from '../../src/vad/index.js';
import { createOpenWakeWord } from '../../src/wake/index.js';
import { activeSpan, concat, ensureModels, noise, silence, speak } from '../vad/fixtures.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);

interface Run {
  readonly scores: number[];
  readonly wakes: { sample: number; score: number }[];
  readonly listener: Listener;
}

async function run(audio: Int16Array, energyGate: boolean): Promise<Run> {
  const scores: number[] = [];
  const vad = await createSileroVad({ minSilenceMs: 100, speechPadMs: 30 });
  const wake = await createOpenWakeWord({ keywords: ['hey_jarvis'], threshold: 0.5, onScore: (_k, score) => scores.push(score) });
  const listener = new Listener({ wake, vad, log: () => undefined, settings: { energyGate, wakeSpeechGateMs: 0 } });
  const wakes: { sample: number; score: number }[] = [];
  listener.on('wake', (e) => wakes.push({ sample: e.at.sample, score: e.score }));
  for (let i = 0; i < audio.length; i += 1_280) {
    listener.feed(audio.subarray(i, i + 1_280));
    await listener.drained();
  }
  await listener.close();
  return { scores, wakes, listener };
}

describe.skipIf(!models.ok)('energy gate with the real models', () => {
  it('after 12 s of quiet room noise, scores every hop of "hey jarvis" exactly as ungated', async () => {
    const sentence = speak('the children are playing in the garden');
    const jarvis = speak('hey jarvis');
    // Quiet pink noise (≈ −65 dBFS) under everything, as a real room gives.
    const { audio, starts } = concat(sentence, silence(12), jarvis, silence(2));
    const room = noise(20, 'pinknoise', 0.002);
    for (let i = 0; i < audio.length; i++) audio[i] = (audio[i] as number) + (room[i % room.length] as number);
    const onset = (starts[2] as number) + activeSpan(jarvis).first;

    const ungated = await run(audio, false);
    const gated = await run(audio, true);
    const stats = gated.listener.gateStats;
    expect(stats).not.toBeNull();
    // Most of the 12 s silence was never run through the models…
    expect(stats?.skippedSamples).toBeGreaterThan(8 * 16_000);
    // …and both streams end on the same hop (skips are whole multiples of the hop), so the hops from the onset of
    // "hey jarvis" to the end are the last ones of both.
    const live = Math.floor((audio.length - onset) / 1_280);
    expect(live).toBeGreaterThan(20);
    expect(gated.scores.slice(-live)).toEqual(ungated.scores.slice(-live));
    expect(ungated.wakes.length).toBe(1);
    expect(gated.wakes).toEqual(ungated.wakes);
  });
});
