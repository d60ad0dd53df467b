/** Stream mode's pure state machine: every state × input that matters, as a table, plus the two-drop run. */
import { describe, expect, it } from 'vitest';
import {
  INITIAL_STREAM_STATE,
  type StreamEffect,
  type StreamInput,
  type StreamModeState,
  effectiveMode,
  listensWithoutWake,
  streamTransition,
} from '../../src/satellite/index.js';

const up = (streams = 0): StreamModeState => ({ ...INITIAL_STREAM_STATE, link: { kind: 'up', streams } });
const streaming = (first: boolean, drops = 0): StreamModeState => ({
  hub: { kind: 'untested', drops },
  link: { kind: 'up', streams: first ? 1 : 2 },
  stream: { kind: 'on', first },
  capture: { kind: 'streamed' },
});
const refused: StreamModeState = { ...up(), hub: { kind: 'refuses-streams' } };
const DROP: StreamInput = { type: 'link_down', reason: 'link dropped (1006)' };

interface Row {
  readonly name: string;
  readonly from: StreamModeState;
  readonly input: StreamInput;
  readonly to: StreamModeState | 'same';
  readonly effects: readonly StreamEffect[];
}

const rows: Row[] = [
  { name: 'down + link_up → up, no stream yet this session', from: INITIAL_STREAM_STATE, input: { type: 'link_up' }, to: up(), effects: [] },
  { name: 'down + link_down → same', from: INITIAL_STREAM_STATE, input: DROP, to: 'same', effects: [] },
  {
    name: 'up + speech_start → the session\'s first stream starts',
    from: up(),
    input: { type: 'speech_start' },
    to: { ...up(1), stream: { kind: 'on', first: true }, capture: { kind: 'streamed' } },
    effects: [{ type: 'start_stream' }],
  },
  {
    name: 'up after a stream + speech_start → a later stream (not the first)',
    from: up(1),
    input: { type: 'speech_start' },
    to: { ...up(2), stream: { kind: 'on', first: false }, capture: { kind: 'streamed' } },
    effects: [{ type: 'start_stream' }],
  },
  {
    name: 'streaming + speech_start (speech again in the tail) → keep streaming',
    from: { ...streaming(false), capture: { kind: 'listening' } },
    input: { type: 'speech_start' },
    to: streaming(false),
    effects: [{ type: 'start_stream' }],
  },
  {
    name: 'down + speech_start → nothing streams, the capture is unsent',
    from: INITIAL_STREAM_STATE,
    input: { type: 'speech_start' },
    to: { ...INITIAL_STREAM_STATE, capture: { kind: 'unsent' } },
    effects: [],
  },
  { name: 'refuses streams + speech_start → audio capture, no stream', from: refused, input: { type: 'speech_start' }, to: { ...refused, capture: { kind: 'audio' } }, effects: [] },
  {
    name: 'refuses streams, capture cut + speech_start (speech again after the wake word) → still cut',
    from: { ...refused, capture: { kind: 'cut', reason: 'link dropped (1006) during the stream' } },
    input: { type: 'speech_start' },
    to: 'same',
    effects: [],
  },
  {
    name: 'first stream + link_down → cut, one drop counted, stop',
    from: streaming(true),
    input: DROP,
    to: { hub: { kind: 'untested', drops: 1 }, link: { kind: 'down' }, stream: { kind: 'off' }, capture: { kind: 'cut', reason: 'link dropped (1006) during the stream' } },
    effects: [{ type: 'stop_stream' }],
  },
  {
    name: 'first stream after a dropped first stream + link_down → the hub refuses streams',
    from: streaming(true, 1),
    input: DROP,
    to: { hub: { kind: 'refuses-streams' }, link: { kind: 'down' }, stream: { kind: 'off' }, capture: { kind: 'cut', reason: 'link dropped (1006) during the stream' } },
    effects: [{ type: 'stop_stream' }, { type: 'streams_refused', drops: 2 }],
  },
  {
    name: 'a later stream + link_down → cut, but no drop counted (the hub took this session\'s first stream)',
    from: streaming(false, 1),
    input: DROP,
    to: { hub: { kind: 'untested', drops: 1 }, link: { kind: 'down' }, stream: { kind: 'off' }, capture: { kind: 'cut', reason: 'link dropped (1006) during the stream' } },
    effects: [{ type: 'stop_stream' }],
  },
  {
    name: 'tail of a first stream + link_down (utterance already routed) → drop counted, capture untouched',
    from: { ...streaming(true), capture: { kind: 'listening' } },
    input: DROP,
    to: { hub: { kind: 'untested', drops: 1 }, link: { kind: 'down' }, stream: { kind: 'off' }, capture: { kind: 'listening' } },
    effects: [{ type: 'stop_stream' }],
  },
  { name: 'up, not streaming + link_down → down', from: up(3), input: DROP, to: INITIAL_STREAM_STATE, effects: [] },
  {
    name: 'first stream + stream_end → the hub took it: drops back to 0',
    from: streaming(true, 1),
    input: { type: 'stream_end' },
    to: { ...streaming(true), stream: { kind: 'off' } },
    effects: [],
  },
  { name: 'not streaming + stream_end → same', from: up(), input: { type: 'stream_end' }, to: 'same', effects: [] },
  {
    name: 'streaming + send_failed → cut, stop',
    from: streaming(false),
    input: { type: 'send_failed', reason: 'HM_ERR_QUEUE_FULL' },
    to: { ...streaming(false), stream: { kind: 'off' }, capture: { kind: 'cut', reason: 'stream send failed (HM_ERR_QUEUE_FULL)' } },
    effects: [{ type: 'stop_stream' }],
  },
  { name: 'not streaming + send_failed → same', from: up(), input: { type: 'send_failed', reason: 'x' }, to: 'same', effects: [] },
  {
    name: 'streamed + utterance → to the hub (stream)',
    from: streaming(false),
    input: { type: 'utterance' },
    to: { ...streaming(false), capture: { kind: 'listening' } },
    effects: [{ type: 'route', route: { via: 'stream' } }],
  },
  {
    name: 'cut + utterance → local, saying why',
    from: { ...INITIAL_STREAM_STATE, capture: { kind: 'cut', reason: 'link dropped (1006) during the stream' } },
    input: { type: 'utterance' },
    to: INITIAL_STREAM_STATE,
    effects: [{ type: 'route', route: { via: 'local', reason: 'link dropped (1006) during the stream' } }],
  },
  {
    name: 'unsent + utterance → local (hub not ready)',
    from: { ...up(), capture: { kind: 'unsent' } },
    input: { type: 'utterance' },
    to: up(),
    effects: [{ type: 'route', route: { via: 'local', reason: 'hub not ready' } }],
  },
  { name: 'audio + utterance → audio', from: { ...refused, capture: { kind: 'audio' } }, input: { type: 'utterance' }, to: refused, effects: [{ type: 'route', route: { via: 'audio' } }] },
  { name: 'streamed + capture_closed → listening', from: streaming(false), input: { type: 'capture_closed' }, to: { ...streaming(false), capture: { kind: 'listening' } }, effects: [] },
  { name: 'listening + capture_closed → same', from: up(), input: { type: 'capture_closed' }, to: 'same', effects: [] },
];

describe('streamTransition', () => {
  for (const row of rows) {
    it(row.name, () => {
      const [next, effects] = streamTransition(Object.freeze(row.from), row.input);
      if (row.to === 'same') expect(next).toBe(row.from);
      else expect(next).toEqual(row.to);
      expect(effects).toEqual(row.effects);
    });
  }

  it('a hub that drops the first stream of two sessions in a row: stream mode gives way to audio mode once', () => {
    const run = (inputs: readonly StreamInput[]): { state: StreamModeState; effects: StreamEffect[] } => {
      let state = INITIAL_STREAM_STATE;
      const effects: StreamEffect[] = [];
      for (const input of inputs) {
        const [next, out] = streamTransition(state, input);
        state = next;
        effects.push(...out);
      }
      return { state, effects };
    };
    const session: StreamInput[] = [{ type: 'link_up' }, { type: 'speech_start' }, DROP, { type: 'utterance' }];
    const twice = run([...session, ...session]);
    expect(twice.effects.filter((e) => e.type === 'streams_refused')).toEqual([{ type: 'streams_refused', drops: 2 }]);
    expect(twice.effects.filter((e) => e.type === 'route')).toEqual([
      { type: 'route', route: { via: 'local', reason: 'link dropped (1006) during the stream' } },
      { type: 'route', route: { via: 'local', reason: 'link dropped (1006) during the stream' } },
    ]);
    expect(effectiveMode(twice.state)).toBe('audio');
    const third = run([...session, ...session, { type: 'link_up' }, { type: 'speech_start' }, { type: 'utterance' }, DROP, { type: 'link_up' }]);
    expect(listensWithoutWake(third.state)).toBe(false);
    expect(third.effects.filter((e) => e.type === 'streams_refused')).toHaveLength(1);
    expect(third.effects.at(-1)).toEqual({ type: 'route', route: { via: 'audio' } });
    // A session whose first stream went through in between: the count starts again.
    const between = run([...session, { type: 'link_up' }, { type: 'speech_start' }, { type: 'stream_end' }, { type: 'utterance' }, DROP, ...session]);
    expect(between.state.hub).toEqual({ kind: 'untested', drops: 1 });
    expect(listensWithoutWake(between.state)).toBe(false); // the link is down
    expect(listensWithoutWake(streamTransition(between.state, { type: 'link_up' })[0])).toBe(true);
  });
});
