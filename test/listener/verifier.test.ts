/**
 * createListener's second stage with the REAL models on REAL espeak-ng speech: the verifier is attached to the keyword
 * it was trained for, and a detection it refuses never reaches the state machine.
 */
import { describe, expect, it } from 'vitest';
import { WakeVerifier } from '../../src/wake/index.js';
import { concat, ensureModels, silence, speak } from '../vad/fixtures.js';
import { runListener, types } from './fixtures.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'alexa', 'silero_vad_v5']);

/** A verifier giving σ(bias) to every window. */
const constant = (bias: number, keyword = 'hey_jarvis') => new WakeVerifier({ keyword, frames: 1, dim: 96, weights: new Float32Array(96), bias, threshold: 0.5 });

const turn = () => concat(silence(1.5), speak('hey jarvis'), silence(0.8), speak('what time is it'), silence(2)).audio;

describe.skipIf(!models.ok)('createListener with a verifier', () => {
  it('the shipped verifier at the config defaults (threshold 0.1) keeps a spoken turn intact', async () => {
    const r = await runListener(turn(), { threshold: 0.1, verifier: 'hey_jarvis_verifier' });
    expect(r.errors).toEqual([]);
    expect(types(r)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance']);
  });

  it('a refusing verifier stops the wake word: no wake, no capture', async () => {
    const r = await runListener(turn(), { verifier: constant(-10) });
    expect(r.errors).toEqual([]);
    expect(types(r)).toEqual([]);
    expect(r.states).toEqual([]);
  });

  it('is attached only to the keyword it was trained for', async () => {
    // Trained "for alexa": hey_jarvis runs without it, so the turn goes through.
    const r = await runListener(turn(), { keywords: ['hey_jarvis', 'alexa'], verifier: constant(-10, 'alexa') });
    expect(types(r)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance']);
  });

  it('a missing verifier file fails createListener with MODEL_ERR_MISSING', async () => {
    await expect(runListener(turn(), { verifier: '/nonexistent/verifier.json' })).rejects.toMatchObject({ name: 'ModelError', code: 'MODEL_ERR_MISSING' });
  });
});
