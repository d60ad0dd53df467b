/** Listener settings: defaults, units, and the range checks made at construction (LISTENER_ERR_OPTION). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LISTENER_SETTINGS, ListenerError, type ListenerSettings, listenerTiming, resolveListenerSettings } from '../../src/listener/index.js';

describe('resolveListenerSettings', () => {
  it('fills in the documented defaults', () => {
    expect(resolveListenerSettings()).toEqual({
      silenceEndMs: 700,
      maxUtteranceMs: 10_000,
      noSpeechTimeoutMs: 3_000,
      minUtteranceMs: 300,
      preRollMs: 500,
      postRollMs: 300,
      includeWakeAudio: false,
      bargeInThreshold: 0.8,
      wakeSpeechGateMs: 1_000,
      energyGate: true,
      energyGateMarginDb: 6,
    });
    expect(resolveListenerSettings()).toEqual(DEFAULT_LISTENER_SETTINGS);
  });

  it('keeps what is given', () => {
    const s = resolveListenerSettings({ silenceEndMs: 1_000, preRollMs: 0, includeWakeAudio: true, bargeInThreshold: 0.95 });
    expect(s).toMatchObject({ silenceEndMs: 1_000, preRollMs: 0, includeWakeAudio: true, bargeInThreshold: 0.95 });
  });

  it('turns the speech gate off at 0 ms', () => {
    expect(resolveListenerSettings({ wakeSpeechGateMs: 0 }).wakeSpeechGateMs).toBe(0);
    expect(listenerTiming({ wakeSpeechGateMs: 0 }).speechGateSamples).toBe(0);
  });

  it('turns the energy gate off', () => {
    expect(listenerTiming({ energyGate: false }).energyGate).toBeNull();
    expect(listenerTiming({ energyGateMarginDb: 10 }).energyGate).toEqual({ marginDb: 10, holdSamples: 16_000 });
  });

  it('caps the default post-roll at the silence end', () => {
    expect(resolveListenerSettings({ silenceEndMs: 200 }).postRollMs).toBe(200);
  });

  it.each<[string, ListenerSettings, string]>([
    ['silence end too short', { silenceEndMs: 199 }, 'silenceEndMs: expected milliseconds in [200, 5000], got 199'],
    ['silence end too long', { silenceEndMs: 5_001 }, 'silenceEndMs: expected milliseconds in [200, 5000], got 5001'],
    ['silence end NaN', { silenceEndMs: Number.NaN }, 'silenceEndMs: expected milliseconds in [200, 5000], got NaN'],
    ['max utterance too short', { maxUtteranceMs: 999 }, 'maxUtteranceMs: expected milliseconds in [1000, 60000], got 999'],
    ['max utterance too long', { maxUtteranceMs: 60_001 }, 'maxUtteranceMs: expected milliseconds in [1000, 60000], got 60001'],
    ['no-speech timeout too short', { noSpeechTimeoutMs: 499 }, 'noSpeechTimeoutMs: expected milliseconds in [500, 30000], got 499'],
    ['no-speech timeout infinite', { noSpeechTimeoutMs: Number.POSITIVE_INFINITY }, 'noSpeechTimeoutMs: expected milliseconds in [500, 30000], got Infinity'],
    ['negative min utterance', { minUtteranceMs: -1 }, 'minUtteranceMs: expected milliseconds in [0, 5000], got -1'],
    ['min utterance not below max', { maxUtteranceMs: 1_000, minUtteranceMs: 1_000 }, 'minUtteranceMs: expected milliseconds in [0, 999], got 1000'],
    ['pre-roll too long', { preRollMs: 2_001 }, 'preRollMs: expected milliseconds in [0, 2000], got 2001'],
    ['post-roll beyond the silence end', { silenceEndMs: 500, postRollMs: 501 }, 'postRollMs: expected milliseconds in [0, 500], got 501'],
    ['barge-in threshold 1', { bargeInThreshold: 1 }, 'bargeInThreshold: expected a number in (0, 1), got 1'],
    ['barge-in threshold 0', { bargeInThreshold: 0 }, 'bargeInThreshold: expected a number in (0, 1), got 0'],
    ['energy gate not a boolean', { energyGate: 'yes' as unknown as boolean }, 'energyGate: expected a boolean, got string'],
    ['energy gate margin too small', { energyGateMarginDb: 0.5 }, 'energyGateMarginDb: expected dB in [1, 30], got 0.5'],
    ['energy gate margin too large', { energyGateMarginDb: 31 }, 'energyGateMarginDb: expected dB in [1, 30], got 31'],
    ['speech gate too long', { wakeSpeechGateMs: 5_001 }, 'wakeSpeechGateMs: expected milliseconds in [0, 5000], got 5001'],
    ['negative speech gate', { wakeSpeechGateMs: -1 }, 'wakeSpeechGateMs: expected milliseconds in [0, 5000], got -1'],
    ['a string for a number', { silenceEndMs: '700' as unknown as number }, 'silenceEndMs: expected milliseconds in [200, 5000], got 700'],
    ['a non-boolean flag', { includeWakeAudio: 'yes' as unknown as boolean }, 'includeWakeAudio: expected a boolean, got string'],
    ['an unknown key', { silenceEnd: 700 } as unknown as ListenerSettings, 'got "silenceEnd"'],
  ])('rejects %s', (_name, settings, message) => {
    let thrown: unknown;
    try {
      resolveListenerSettings(settings);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ListenerError);
    expect(thrown).toMatchObject({ code: 'LISTENER_ERR_OPTION', name: 'ListenerError' });
    expect((thrown as Error).message).toContain(message);
  });
});

describe('listenerTiming', () => {
  it('converts milliseconds to 16 kHz samples', () => {
    expect(listenerTiming()).toEqual({
      silenceEndSamples: 11_200,
      maxUtteranceSamples: 160_000,
      noSpeechSamples: 48_000,
      minUtteranceSamples: 4_800,
      preRollSamples: 8_000,
      postRollSamples: 4_800,
      includeWakeAudio: false,
      bargeInThreshold: 0.8,
      speechGateSamples: 16_000,
      energyGate: { marginDb: 6, holdSamples: 16_000 },
      vadPadSamples: 480,
      continuationSamples: 16_000,
      wakeMinSpeechSamples: 8_000,
      onsetGuardSamples: 1_600,
      wakeOnsetWindowSamples: 40_000,
      wakeFallbackSamples: 24_000,
    });
  });

  it('checks the VAD padding', () => {
    expect(listenerTiming({}, 0).vadPadSamples).toBe(0);
    expect(() => listenerTiming({}, 1_001)).toThrow(expect.objectContaining({ code: 'LISTENER_ERR_OPTION', message: 'vadPadMs: expected milliseconds in [0, 1000], got 1001' }));
  });
});
