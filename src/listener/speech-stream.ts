/**
 * The listener's second region: streaming speech out as it is heard (stream mode, HIVEMIND.md §6.1's mic-satellite
 * flow). A pure {@link stepSpeechStream} beside the capture's {@link transition}: it reads the same inputs and the
 * capture's effects, and says which span of the listener's own history goes out next. No audio, no clock: every
 * position is a sample of the listener's stream, so a file streams exactly what a microphone would.
 *
 * ```
 *   off ── speech_start while armed ──► on: chunks from the pre-roll before the onset, one per chunkSamples of audio
 *    ▲                                   │ the capture's speech ends (speech_end, no_speech, abandoned): the tail runs
 *    │                                   │ speech again before the tail ended: the same stream goes on
 *    └── stream_end(reason) ─────────────┘ tail over (unless the hub records) · the hub's record_end after the speech ·
 *                                          the cap · the end of the input · cut (the link failed, a send failed)
 * ```
 *
 * Chunks lie on a grid from the stream's first sample (only a stream's last chunk is shorter), so the RAW_AUDIO
 * messages of a stream do not depend on how the audio was fed either.
 *
 * @module
 */
import { ListenerError } from './errors.js';
import type { Effect, ListenerInput } from './machine.js';
import { checkMs, toSamples } from './settings.js';

/** How to stream speech (the satellite's stream settings). */
export interface SpeechStreamSettings {
  /** Audio streamed before the speech onset, milliseconds. */
  readonly preRollMs: number;
  /** Audio streamed after the end of speech was decided, milliseconds (the hub's own endpointing hears the silence). */
  readonly tailMs: number;
  /** Hard cap of one stream, milliseconds (privacy: nothing streams for ever). */
  readonly maxStreamMs: number;
  /** Samples per chunk (a stream's last chunk may be shorter). */
  readonly chunkSamples: number;
}

/** {@link SpeechStreamSettings} in samples. */
export interface SpeechStreamTiming {
  readonly preRollSamples: number;
  readonly tailSamples: number;
  readonly maxSamples: number;
  readonly chunkSamples: number;
}

/** Why a stream ended: its tail was sent, the hub's `record_end`, the cap, the input ended, or it was cut. */
export type SpeechStreamEnd = 'tail' | 'hub' | 'cap' | 'end' | SpeechStreamCut;

/** Why the listener's owner cut a stream: the link failed, or a chunk could not be sent. */
export type SpeechStreamCut = 'link' | 'send';

/** Not streaming. `armed`: a speech start opens a stream (null: it does not); `streams`: streams begun so far. */
export interface SpeechStreamOff {
  readonly kind: 'off';
  readonly armed: SpeechStreamTiming | null;
  readonly streams: number;
}

/** Streaming stream number `streams`. */
export interface SpeechStreamOn {
  readonly kind: 'on';
  readonly armed: SpeechStreamTiming | null;
  readonly streams: number;
  /** The timing the stream began with. */
  readonly timing: SpeechStreamTiming;
  /** The stream's first sample (the chunk grid starts here). */
  readonly start: number;
  /** The next sample to hand out. */
  readonly next: number;
  /** The capture's speech goes on (no tail running). */
  readonly speech: boolean;
  /** The hub said it records (`record_begin`): stream past the tail until its `record_end`, or the cap. */
  readonly hubRecording: boolean;
  /** Where the tail ends, or Infinity while the speech goes on. */
  readonly tailEnd: number;
  /** Where the cap cuts the stream. */
  readonly capEnd: number;
}

/** The stream region's state. */
export type SpeechStream = SpeechStreamOff | SpeechStreamOn;

/** What the listener must do for the stream. Spans are positions in its history, end exclusive. */
export type SpeechStreamEffect =
  | { readonly type: 'stream_start'; readonly stream: number; readonly from: number }
  | { readonly type: 'stream_chunk'; readonly stream: number; readonly from: number; readonly to: number }
  | { readonly type: 'stream_end'; readonly stream: number; readonly at: number; readonly reason: SpeechStreamEnd };

/** Result of {@link stepSpeechStream}: the next state (the same object when nothing changed) and the effects. */
export type SpeechStreamStep = readonly [SpeechStream, readonly SpeechStreamEffect[]];

const NO_EFFECTS: readonly SpeechStreamEffect[] = Object.freeze([]);

/** Not armed, nothing streamed yet. */
export const INITIAL_SPEECH_STREAM: SpeechStreamOff = Object.freeze({ kind: 'off', armed: null, streams: 0 });

/**
 * Check stream settings and turn them into samples.
 *
 * @throws {LISTENER_ERR_OPTION} a value out of range (pre-roll 0–2,000 ms, tail 0–5,000 ms, cap 1–600 s, chunk
 *   1–16,000 samples).
 */
export function speechStreamTiming(settings: SpeechStreamSettings): SpeechStreamTiming {
  const chunk = settings.chunkSamples;
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 16_000) throw new ListenerError('LISTENER_ERR_OPTION', `chunkSamples: expected an integer in [1, 16000], got ${String(chunk)}`);
  return Object.freeze({
    preRollSamples: toSamples(checkMs('preRollMs', settings.preRollMs, 0, 2_000)),
    tailSamples: toSamples(checkMs('tailMs', settings.tailMs, 0, 5_000)),
    maxSamples: toSamples(checkMs('maxStreamMs', settings.maxStreamMs, 1_000, 600_000)),
    chunkSamples: chunk,
  });
}

/**
 * The next stream position at which a `tick` hands out something or ends the stream, samples (Infinity when not
 * streaming): the end of the next whole chunk, or the tail's end or the cap if sooner. Unlike the capture's
 * deadlines it never splits a piece of audio: a tick at the piece's end hands out every chunk it completed.
 */
export function nextStreamDeadline(s: SpeechStream): number {
  if (s.kind === 'off') return Number.POSITIVE_INFINITY;
  return Math.min(s.next + s.timing.chunkSamples, limitOf(s));
}

/**
 * The stream region's transition. Pure: nothing is mutated.
 *
 * @param s - the current state.
 * @param input - the listener input just applied (its position is how far the stream may go).
 * @param capture - the effects the capture's `transition` (machine.ts) gave for it, in order.
 */
export function stepSpeechStream(s: SpeechStream, input: ListenerInput, capture: readonly Effect[]): SpeechStreamStep {
  // Not armed and not streaming, only arming matters: a listener that never streams does no work here.
  if (s.kind === 'off' && s.armed === null && input.type !== 'stream_arm') return [s, NO_EFFECTS];
  const at = input.type === 'wake' ? input.sample : input.at;
  const out: SpeechStreamEffect[] = [];
  let next = controlled(s, input, at, out);
  for (const effect of capture) next = followCapture(next, effect, out);
  next = advance(next, at, out);
  if (input.type === 'end' && next.kind === 'on') next = finish(next, Math.min(at, limitOf(next)), 'end', out);
  return [next, out.length === 0 ? NO_EFFECTS : out];
}

/** The stream inputs proper: arming, the hub's recording, a cut. */
function controlled(s: SpeechStream, input: ListenerInput, at: number, out: SpeechStreamEffect[]): SpeechStream {
  switch (input.type) {
    case 'stream_arm':
      return s.armed === input.timing ? s : { ...s, armed: input.timing };
    case 'stream_cut':
      return s.kind === 'on' ? ended(s, at, input.reason, out) : s;
    case 'hub_recording': {
      if (s.kind === 'off') return s;
      // The hub's record_end after the speech ended: it has what it wanted, stop with what there is.
      if (!input.recording && !s.speech) return finish(s, Math.min(at, limitOf(s)), 'hub', out);
      return s.hubRecording === input.recording ? s : { ...s, hubRecording: input.recording };
    }
    default:
      return s;
  }
}

/** What the capture's effects do to the stream: a speech start opens or continues it; a capture closing starts the tail. */
function followCapture(s: SpeechStream, effect: Effect, out: SpeechStreamEffect[]): SpeechStream {
  switch (effect.type) {
    case 'speech_start': {
      if (s.kind === 'on') return s.speech ? s : { ...s, speech: true, tailEnd: Number.POSITIVE_INFINITY };
      if (s.armed === null) return s;
      const timing = s.armed;
      const start = Math.max(0, effect.sample - timing.preRollSamples);
      const stream = s.streams + 1;
      out.push({ type: 'stream_start', stream, from: start });
      return {
        kind: 'on', armed: s.armed, streams: stream, timing, start, next: start, speech: true, hubRecording: false,
        tailEnd: Number.POSITIVE_INFINITY, capEnd: start + timing.maxSamples,
      };
    }
    case 'speech_end':
      return s.kind === 'on' && s.speech ? { ...s, speech: false, tailEnd: effect.decided + s.timing.tailSamples } : s;
    case 'no_speech':
    case 'cancelled':
      // The capture that heard the speech closed without its end (a wake word restarted it, the satellite began to
      // speak, the microphone was muted, a detector was reset): its speech is over for the stream here.
      return s.kind === 'on' && s.speech ? { ...s, speech: false, tailEnd: effect.sample + s.timing.tailSamples } : s;
    default:
      return s;
  }
}

/** Hand out the whole chunks the audio up to `at` completed; end the stream at its tail or cap. */
function advance(s: SpeechStream, at: number, out: SpeechStreamEffect[]): SpeechStream {
  if (s.kind === 'off') return s;
  const limit = limitOf(s);
  const until = Math.min(at, limit);
  const chunk = s.timing.chunkSamples;
  let next = s.next;
  while (next + chunk <= until) {
    out.push({ type: 'stream_chunk', stream: s.streams, from: next, to: next + chunk });
    next += chunk;
  }
  const moved: SpeechStreamOn = next === s.next ? s : { ...s, next };
  if (at < limit) return moved;
  return finish(moved, limit, limit >= s.capEnd ? 'cap' : 'tail', out);
}

/** Hand out what is left up to `to` (one short chunk), then end. */
function finish(s: SpeechStreamOn, to: number, reason: SpeechStreamEnd, out: SpeechStreamEffect[]): SpeechStreamOff {
  if (to > s.next) out.push({ type: 'stream_chunk', stream: s.streams, from: s.next, to });
  return ended(s, Math.max(s.next, to), reason, out);
}

function ended(s: SpeechStreamOn, at: number, reason: SpeechStreamEnd, out: SpeechStreamEffect[]): SpeechStreamOff {
  out.push({ type: 'stream_end', stream: s.streams, at, reason });
  return { kind: 'off', armed: s.armed, streams: s.streams };
}

/** Where the stream stops unless told otherwise: the cap, or the tail's end while the hub does not record. */
function limitOf(s: SpeechStreamOn): number {
  return s.hubRecording ? s.capEnd : Math.min(s.capEnd, s.tailEnd);
}
