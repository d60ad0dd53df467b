/**
 * Stream mode's state machine: a pure {@link streamTransition} in the style of `listener/machine.ts`, deciding per
 * capture whether its audio goes to the hub as a RAW_AUDIO stream, as one STT_AUDIO_HANDLE (audio mode), or to the
 * local path, and whether the hub can take streams at all. No I/O, no clock: the satellite (stream-mode.ts) feeds it
 * the listener's events (speech start, capture end, the end of the listener's stream), the link's and the session's
 * (a chunk the link refused), and carries out its effects on the listener's speech stream.
 *
 * ```
 *   hub:  untested ── a session's first stream survives ──► untested (drops 0)
 *            │  the link drops during the first stream of a session (drops + 1)
 *            └── twice in a row ──► refuses-streams (audio mode until restart; `streams_refused` once)
 *
 *   capture:  listening ── speech_start, link up ──► streamed ── link_down / send_failed ──► cut
 *                 │        speech_start, link down ──► unsent          utterance: cut/unsent → local, streamed → hub
 *                 └─────── speech_start, hub refuses streams ──► audio (utterance → STT_AUDIO_HANDLE)
 * ```
 *
 * The utterance itself is the listener's (its own buffer, pre-roll included): whatever happened to the stream, the
 * very audio the user spoke is what the local path transcribes.
 *
 * @module
 */
import { assertNever } from '../errors.js';

/** Links after whose first stream the hub dropped, in a row, before the satellite stops streaming to it. */
export const STREAM_DROPS_BEFORE_AUDIO_MODE = 2;

/** What the hub has shown about RAW_AUDIO streams. */
export type HubStreams =
  /** Nothing against it yet; `drops`: link sessions in a row that dropped during their first stream. */
  | { readonly kind: 'untested'; readonly drops: number }
  /** It dropped the first stream of {@link STREAM_DROPS_BEFORE_AUDIO_MODE} sessions in a row: audio mode from now on. */
  | { readonly kind: 'refuses-streams' };

/** The link as stream mode sees it; `streams`: streams begun on this session (the next one is its first when 0). */
export type StreamLink = { readonly kind: 'down' } | { readonly kind: 'up'; readonly streams: number };

/** The RAW_AUDIO stream; `first`: the first of its link session. */
export type StreamFlow = { readonly kind: 'off' } | { readonly kind: 'on'; readonly first: boolean };

/** What became of the current capture's audio on its way to the hub. */
export type CaptureFate =
  /** No speech yet. */
  | { readonly kind: 'listening' }
  /** Streamed (or still streaming) over a link that held. */
  | { readonly kind: 'streamed' }
  /** The link failed while it streamed: the hub did not get it whole. */
  | { readonly kind: 'cut'; readonly reason: string }
  /** Speech began while the link was down: nothing was streamed. */
  | { readonly kind: 'unsent' }
  /** The hub refuses streams: the utterance goes up as one STT_AUDIO_HANDLE. */
  | { readonly kind: 'audio' };

/** Stream mode's state. */
export interface StreamModeState {
  readonly hub: HubStreams;
  readonly link: StreamLink;
  readonly stream: StreamFlow;
  readonly capture: CaptureFate;
}

/** What the machine reacts to. */
export type StreamInput =
  | { readonly type: 'link_up' }
  /** The link dropped or closed; `reason` as the turn report will say it (`link dropped (1006)`). */
  | { readonly type: 'link_down'; readonly reason: string }
  /** The listener heard speech start (a capture's audio begins). */
  | { readonly type: 'speech_start' }
  /** The stream ended with the link up (its tail, the hub's `record_end`, the cap, the end of the input). */
  | { readonly type: 'stream_end' }
  /** A RAW_AUDIO chunk could not be sent (`reason`: its error code). */
  | { readonly type: 'send_failed'; readonly reason: string }
  /** The capture ended with an utterance: route it. */
  | { readonly type: 'utterance' }
  /** The capture ended without one (no speech, cancelled). */
  | { readonly type: 'capture_closed' };

/** Where an utterance goes. */
export type StreamRoute =
  | { readonly via: 'stream' }
  | { readonly via: 'audio' }
  | { readonly via: 'local'; readonly reason: string };

/** What the satellite must do. */
export type StreamEffect =
  /** Stream from the pre-roll before the speech start (or, streaming already, keep going). */
  | { readonly type: 'start_stream' }
  /** Stop streaming now (the link failed). */
  | { readonly type: 'stop_stream' }
  | { readonly type: 'route'; readonly route: StreamRoute }
  /** The hub cannot take streams: say once what it needs; audio mode from now on. */
  | { readonly type: 'streams_refused'; readonly drops: number };

/** Result of {@link streamTransition}: the next state (the same object when nothing changed) and the effects. */
export type StreamTransition = readonly [StreamModeState, readonly StreamEffect[]];

const NO_EFFECTS: readonly StreamEffect[] = Object.freeze([]);

/** The state stream mode starts in: link down, hub untested. */
export const INITIAL_STREAM_STATE: StreamModeState = Object.freeze({
  hub: Object.freeze({ kind: 'untested', drops: 0 }),
  link: Object.freeze({ kind: 'down' }),
  stream: Object.freeze({ kind: 'off' }),
  capture: Object.freeze({ kind: 'listening' }),
});

/**
 * Whether the satellite should open a capture without a wake word (the hub listens to the stream for its own): only
 * while the link is up and the hub takes streams.
 */
export function listensWithoutWake(s: StreamModeState): boolean {
  return s.link.kind === 'up' && s.hub.kind === 'untested';
}

/** The mode utterances go up in now: `audio` once the hub refused streams. */
export function effectiveMode(s: StreamModeState): 'stream' | 'audio' {
  return s.hub.kind === 'refuses-streams' ? 'audio' : 'stream';
}

/** The state machine. Pure: nothing is mutated. */
export function streamTransition(s: StreamModeState, input: StreamInput): StreamTransition {
  switch (input.type) {
    case 'link_up':
      return [{ ...s, link: { kind: 'up', streams: 0 } }, NO_EFFECTS];
    case 'link_down':
      return linkDown(s, input.reason);
    case 'speech_start':
      return speechStart(s);
    case 'stream_end': {
      if (s.stream.kind === 'off') return [s, NO_EFFECTS];
      // A whole stream went through: the hub takes streams (a later pair of drops starts counting from zero).
      const hub: HubStreams = s.stream.first && s.hub.kind === 'untested' ? { kind: 'untested', drops: 0 } : s.hub;
      return [{ ...s, hub, stream: { kind: 'off' } }, NO_EFFECTS];
    }
    case 'send_failed': {
      if (s.stream.kind === 'off') return [s, NO_EFFECTS];
      const capture: CaptureFate = s.capture.kind === 'streamed' ? { kind: 'cut', reason: `stream send failed (${input.reason})` } : s.capture;
      return [{ ...s, stream: { kind: 'off' }, capture }, [{ type: 'stop_stream' }]];
    }
    case 'utterance':
      return [{ ...s, capture: { kind: 'listening' } }, [{ type: 'route', route: routeOf(s) }]];
    case 'capture_closed':
      return s.capture.kind === 'listening' ? [s, NO_EFFECTS] : [{ ...s, capture: { kind: 'listening' } }, NO_EFFECTS];
    default:
      return assertNever(input, 'stream input');
  }
}

function linkDown(s: StreamModeState, reason: string): StreamTransition {
  if (s.link.kind === 'down') return [s, NO_EFFECTS];
  if (s.stream.kind === 'off') return [{ ...s, link: { kind: 'down' } }, NO_EFFECTS];
  const capture: CaptureFate = s.capture.kind === 'streamed' ? { kind: 'cut', reason: `${reason} during the stream` } : s.capture;
  const next: StreamModeState = { ...s, link: { kind: 'down' }, stream: { kind: 'off' }, capture };
  if (!s.stream.first || s.hub.kind !== 'untested') return [next, [{ type: 'stop_stream' }]];
  const drops = s.hub.drops + 1;
  if (drops < STREAM_DROPS_BEFORE_AUDIO_MODE) return [{ ...next, hub: { kind: 'untested', drops } }, [{ type: 'stop_stream' }]];
  return [{ ...next, hub: { kind: 'refuses-streams' } }, [{ type: 'stop_stream' }, { type: 'streams_refused', drops }]];
}

function speechStart(s: StreamModeState): StreamTransition {
  // A capture keeps what became of its audio: one the link cut stays cut whatever came after.
  if (s.hub.kind === 'refuses-streams') return s.capture.kind === 'listening' ? [{ ...s, capture: { kind: 'audio' } }, NO_EFFECTS] : [s, NO_EFFECTS];
  if (s.link.kind === 'down') return [{ ...s, capture: s.capture.kind === 'cut' ? s.capture : { kind: 'unsent' } }, NO_EFFECTS];
  // Speech again within one capture (a pause shorter than the endpoint) or within the last stream's tail: go on.
  const capture: CaptureFate = s.capture.kind === 'listening' ? { kind: 'streamed' } : s.capture;
  if (s.stream.kind === 'on') return [{ ...s, capture }, [{ type: 'start_stream' }]];
  const stream: StreamFlow = { kind: 'on', first: s.link.streams === 0 };
  return [{ ...s, link: { kind: 'up', streams: s.link.streams + 1 }, stream, capture }, [{ type: 'start_stream' }]];
}

function routeOf(s: StreamModeState): StreamRoute {
  const c = s.capture;
  switch (c.kind) {
    case 'streamed':
      return { via: 'stream' };
    case 'audio':
      return { via: 'audio' };
    case 'cut':
      return { via: 'local', reason: c.reason };
    case 'unsent':
    case 'listening':
      return s.hub.kind === 'refuses-streams' ? { via: 'audio' } : { via: 'local', reason: 'hub not ready' };
    default:
      return assertNever(c, 'capture fate');
  }
}
