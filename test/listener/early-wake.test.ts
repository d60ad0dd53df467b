/**
 * A detection that comes before the wake word has ended (the service's threshold 0.1 fires mid-"jarvis" on some
 * voices) must not turn the rest of "jarvis" into the command: the question after the pause is the utterance.
 * Real models, the service's own listener options (config defaults), espeak-ng en-us+f3 at 130 wpm — the voice on
 * which the detection comes ≈ 0.7 s early.
 */
import { describe, expect, it } from 'vitest';
import { listenerOptionsFromConfig } from '../../src/config/index.js';
import { defaultSatelliteConfig } from '../../src/config/satellite-config.js';
import { createListener } from '../../src/listener/index.js';
import { activeSpan, concat, ensureModels, silence, speak } from '../vad/fixtures.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);

describe.skipIf(!models.ok)('an early wake-word detection', () => {
  it.each([0.8, 1.2])('with a %s s pause: one utterance, holding the whole question and none of "jarvis"', async (pause) => {
    const voice = { voice: 'en-us+f3', speed: 130 };
    const wakeWord = speak('hey jarvis', voice);
    const question = speak('what time is it', voice);
    const { audio, starts } = concat(silence(1), wakeWord, silence(pause), question, silence(2));
    const wakeEnd = (starts[1] as number) + activeSpan(wakeWord).end;
    const span = activeSpan(question);
    const questionStart = (starts[3] as number) + span.first;
    const questionEnd = (starts[3] as number) + span.end;

    const listener = await createListener(listenerOptionsFromConfig(defaultSatelliteConfig()));
    const wakes: number[] = [];
    const utterances: { start: number; end: number }[] = [];
    listener.on('wake', (e) => wakes.push(e.at.sample));
    listener.on('utterance', (u) => utterances.push({ start: u.times.start.sample, end: u.times.end.sample }));
    try {
      for (let i = 0; i < audio.length; i += 1280) {
        listener.feed(audio.subarray(i, i + 1280));
        await listener.drained();
      }
      await listener.end();
    } finally {
      await listener.close();
    }
    expect(wakes).toHaveLength(1);
    expect(wakes[0]).toBeLessThan(wakeEnd); // the early detection this test is about
    expect(utterances).toHaveLength(1);
    const [u] = utterances as [{ start: number; end: number }];
    expect(u.start).toBeGreaterThan(wakeEnd);
    expect(u.start).toBeLessThanOrEqual(questionStart);
    expect(u.end).toBeGreaterThanOrEqual(questionEnd);
  });
});
