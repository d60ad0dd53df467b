/**
 * The speech gate with the REAL models: a wake-word detection is accepted only if Silero heard speech within
 * `wakeSpeechGateMs` before it. To get detections on pure noise, the head threshold is set far below anything useful
 * (1e-4: hey_jarvis scores 2e-4 … 2e-3 on sox white noise), as a stand-in for any noise that fools the head.
 */
import { describe, expect, it } from 'vitest';
import { concat, ensureModels, noise, silence, speak } from '../vad/fixtures.js';
import { first, runListener, types } from './fixtures.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);

/** 8 s of steady white noise after 1 s of silence. */
const noisy = () => concat(silence(1), noise(8, 'whitenoise', 0.05)).audio;

describe.skipIf(!models.ok)('speech gate', () => {
  it('refuses every detection in pure noise (wake_rejected, reason no_speech) and stays idle', async () => {
    const r = await runListener(noisy(), { threshold: 1e-4 });
    expect(r.errors).toEqual([]);
    const kinds = types(r);
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['wake_rejected']));
    expect(first(r, 'wake_rejected')).toMatchObject({ keyword: 'hey_jarvis', reason: 'no_speech' });
    expect(r.states).toEqual([]);
  });

  it('lets the same detections through when turned off (wakeSpeechGateMs 0)', async () => {
    const r = await runListener(noisy(), { threshold: 1e-4, settings: { wakeSpeechGateMs: 0 } });
    expect(types(r)).toContain('wake');
    expect(types(r)).not.toContain('wake_rejected');
    expect(r.states[0]).toBe('idle→awake');
  });

  it('accepts a spoken "hey jarvis" in the same noise', async () => {
    const { audio } = concat(silence(1), speak('hey jarvis'), silence(0.8), speak('what time is it'), silence(2));
    const bed = noise(8, 'whitenoise', 0.01);
    const mixed = Int16Array.from(audio, (x, i) => Math.max(-32768, Math.min(32767, x + (bed[i % bed.length] as number))));
    const r = await runListener(mixed);
    expect(r.errors).toEqual([]);
    expect(types(r)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance']);
  });
});
