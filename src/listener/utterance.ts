/**
 * What the listener hands on: the {@link Utterance} (audio, timestamps, wake word, loudness) and the payloads of its
 * other events.
 *
 * @module
 */
import { SAMPLE_RATE_HZ } from '../audio/index.js';
import { FULL_SCALE, SILENCE_DBFS } from './constants.js';
import type { ListenerInput, ListenerStateKind } from './machine.js';
import type { SpeechStreamEnd } from './speech-stream.js';

/** A point in the listener's stream: samples at 16 kHz since the listener started, and the same in seconds. */
export interface Stamp {
  readonly sample: number;
  readonly seconds: number;
}

/** The wake word that opened a capture, as reported in events. */
export interface WakeEvent {
  /** Keyword name (`hey_jarvis`). */
  readonly keyword: string;
  /** Detection score, in [0, 1]. */
  readonly score: number;
  /** Where it was detected (end of the audio that triggered). */
  readonly at: Stamp;
  /** Estimated start of the wake word. */
  readonly start: Stamp;
  /** It interrupted the satellite's own speech. */
  readonly bargeIn: boolean;
}

/** Loudness of the speech part of an utterance. */
export interface Loudness {
  /** RMS level relative to full scale (32,768), dB; −Infinity for digital silence. */
  readonly rmsDbfs: number;
  /** Largest sample magnitude, 0–32,768. */
  readonly peak: number;
  /** {@link Loudness.peak} relative to full scale, dB. */
  readonly peakDbfs: number;
}

/** One captured utterance. */
export interface Utterance {
  /** 16 kHz mono s16 audio from {@link UtteranceTimes.start} to {@link UtteranceTimes.end}: pre-roll, speech, post-roll. */
  readonly pcm: Int16Array;
  /** Always 16,000. */
  readonly sampleRateHz: number;
  /** The wake word, or null for a capture opened with `listenWithoutWake()`. */
  readonly wake: WakeEvent | null;
  /** Where things happened in the listener's stream. */
  readonly times: UtteranceTimes;
  /** Length of {@link Utterance.pcm}, seconds. */
  readonly durationSeconds: number;
  /** The speech was cut at the maximum utterance length. */
  readonly truncated: boolean;
  /** Loudness of the speech part (speech start to speech end), e.g. for multi-room arbitration. */
  readonly loudness: Loudness;
}

/** A wake-word detection the listener refused. */
export interface WakeRejectedEvent {
  /** Keyword name. */
  readonly keyword: string;
  /** Detection score, in [0, 1]. */
  readonly score: number;
  /** Where it was detected. */
  readonly at: Stamp;
  /** Why: `no_speech` — the speech gate: the VAD heard no speech before it. */
  readonly reason: 'no_speech';
}

/** Timestamps of an utterance. */
export interface UtteranceTimes {
  /** The wake-word detection (null without a wake word). */
  readonly wake: Stamp | null;
  /** Speech onset as the VAD saw it (its padding included). */
  readonly speechStart: Stamp;
  /** End of speech as the VAD saw it (its padding included), or the cut. */
  readonly speechEnd: Stamp;
  /** First sample of {@link Utterance.pcm}. */
  readonly start: Stamp;
  /** End (exclusive) of {@link Utterance.pcm}. */
  readonly end: Stamp;
  /** Where the end of speech was decided (speech end + silence end, or the cut). */
  readonly decided: Stamp;
}

/** `speech_start` event. */
export interface SpeechStartEvent {
  readonly at: Stamp;
}

/** `speech_end` event. */
export interface SpeechEndEvent {
  /** End of speech (VAD padding included), or where it was cut. */
  readonly at: Stamp;
  /** Where it was decided. */
  readonly decided: Stamp;
  /** Cut at the maximum utterance length. */
  readonly truncated: boolean;
}

/** `no_speech` event: the capture closed without an utterance. */
export interface NoSpeechEvent {
  readonly at: Stamp;
  /** The wake word that opened the capture, or null. */
  readonly wake: WakeEvent | null;
}

/** `cancelled` event: a capture was abandoned. */
export interface CancelledEvent {
  readonly at: Stamp;
  /** `speaking`: the satellite started speaking; `reset`: the detectors failed and were reset; `cancel`: `Listener.cancel()`. */
  readonly reason: 'speaking' | 'reset' | 'cancel';
}

/** `state` event: the state (or the speaking flag) changed. */
export interface StateChangeEvent {
  readonly from: ListenerStateKind;
  readonly to: ListenerStateKind;
  /** Whether the satellite is speaking now. */
  readonly speaking: boolean;
  /** The input that caused the change. */
  readonly cause: ListenerInput['type'];
  /** Where it happened. */
  readonly at: Stamp;
}

/** `stream_start` event: stream `stream` (1, 2, … since the listener started) begins at `from`. */
export interface StreamStartEvent {
  readonly stream: number;
  /** Its first sample: the pre-roll before the speech onset. */
  readonly from: Stamp;
}

/** `stream_chunk` event: the next span of stream `stream`, straight from the listener's history. */
export interface StreamChunkEvent {
  readonly stream: number;
  /** Where `pcm` begins (each chunk begins where the last one ended). */
  readonly from: Stamp;
  /** 16 kHz mono s16, a new array the receiver may keep. */
  readonly pcm: Int16Array;
}

/** `stream_end` event. */
export interface StreamEndEvent {
  readonly stream: number;
  /** Where the stream ended (end of its last chunk, or where it was cut). */
  readonly at: Stamp;
  readonly reason: SpeechStreamEnd;
}

/** A position as a {@link Stamp}. */
export function stamp(sample: number): Stamp {
  return { sample, seconds: sample / SAMPLE_RATE_HZ };
}

/** Level relative to full scale, dB (−Infinity for 0). */
export function dbfs(level: number): number {
  return level > 0 ? 20 * Math.log10(level / FULL_SCALE) : SILENCE_DBFS;
}

/** RMS and peak of `pcm` (all of it; pass a view for a part). */
export function loudness(pcm: Int16Array): Loudness {
  let sum = 0;
  let peak = 0;
  for (let i = 0; i < pcm.length; i++) {
    const v = pcm[i] as number;
    sum += v * v;
    const a = v < 0 ? -v : v;
    if (a > peak) peak = a;
  }
  const rms = pcm.length === 0 ? 0 : Math.sqrt(sum / pcm.length);
  return { rmsDbfs: dbfs(rms), peak, peakDbfs: dbfs(peak) };
}
