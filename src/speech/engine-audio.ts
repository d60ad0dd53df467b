/**
 * Where a TTS engine's output meets the audio layer: a WAV file or raw s16le at the engine's own rate becomes
 * {@link SynthesizedSpeech} (mono at the native rate, and 16 kHz through `src/audio`'s resampler). The audio layer's
 * errors ({@link WavError} for a malformed or unsupported WAV, {@link AudioError} for a rate it does not convert)
 * surface as `SPEECH_ERR_BAD_AUDIO`, with the original as `cause`.
 *
 * @module
 */
import { AudioError, decodeWav, resample, WavError } from '../audio/index.js';
import { SAMPLE_RATE_HZ } from './constants.js';
import { SpeechError } from './errors.js';
import type { SynthesizedSpeech } from './types.js';

function asBadAudio<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof WavError || err instanceof AudioError) throw new SpeechError('SPEECH_ERR_BAD_AUDIO', `${what}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * Mono samples at `sampleRate` as {@link SynthesizedSpeech}; `pcm` is `native` itself when the rate is already 16 kHz.
 *
 * @param what names the source in error messages ("piper output", a URL…)
 * @throws {SPEECH_ERR_BAD_AUDIO} a rate the audio layer does not convert (outside 8–48 kHz)
 */
export function speechFromPcm(native: Int16Array, sampleRate: number, what: string): SynthesizedSpeech {
  const pcm = sampleRate === SAMPLE_RATE_HZ ? native : asBadAudio(what, () => resample(native, sampleRate, SAMPLE_RATE_HZ));
  return { pcm, native, nativeSampleRate: sampleRate };
}

/**
 * A WAV file (any format `src/audio` reads; channels averaged) as {@link SynthesizedSpeech}.
 *
 * @param what names the source in error messages ("espeak-ng output", a URL…)
 * @throws {SPEECH_ERR_BAD_AUDIO} a malformed, truncated or unsupported WAV
 */
export function speechFromWav(bytes: Uint8Array, what: string): SynthesizedSpeech {
  return asBadAudio(what, () => {
    const { info, samples } = decodeWav(bytes);
    const rate = info.sampleRateHz;
    const native = info.channels === 1 && samples instanceof Int16Array ? samples : resample(samples, rate, rate, info.channels);
    return speechFromPcm(native, rate, what);
  });
}
