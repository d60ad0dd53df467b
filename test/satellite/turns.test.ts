/** The turn tracker with manual timers: a turn goes local once, `localBecause`, and the late-answer window. */
import { describe, expect, it } from 'vitest';
import type { Utterance } from '../../src/listener/index.js';
import { type Turn, TurnTimeline, TurnTracker } from '../../src/satellite/index.js';
import { ManualTimers } from '../audio/manual-timers.js';

const UTTERANCE = { pcm: new Int16Array(16_000), sampleRateHz: 16_000, wake: null } as unknown as Utterance;

function tracker(send: (turn: Turn) => Promise<void>) {
  const timers = new ManualTimers();
  const local: [number, string | undefined][] = [];
  const sent: number[] = [];
  const turns = new TurnTracker({
    timers, answerTimeoutMs: 1_000, log: () => undefined, hubReady: () => true,
    sendToHub: (turn) => (sent.push(turn.id), send(turn)),
    answerLocally: async (turn) => void local.push([turn.id, turn.failover]),
  });
  const begin = (localBecause?: string): Turn =>
    turns.begin(UTTERANCE, new TurnTimeline(), { engaged: true, mode: 'stream', ...(localBecause === undefined ? {} : { localBecause }) });
  return { timers, turns, local, sent, begin };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TurnTracker', () => {
  it('goes local once when the link drops and the send then rejects too', async () => {
    let reject: (error: Error) => void = () => undefined;
    const t = tracker(() => new Promise((_resolve, no) => (reject = no)));
    t.begin();
    t.turns.hubLost('link dropped (1006)');
    reject(Object.assign(new Error('lost'), { code: 'HM_ERR_CONNECTION_LOST' }));
    await settle();
    expect(t.local).toEqual([[1, 'link dropped (1006)']]);
  });

  it('localBecause: straight to the local path with that reason, nothing sent', async () => {
    const t = tracker(() => Promise.resolve());
    t.begin('link dropped (1006) during the stream');
    await settle();
    expect(t.sent).toEqual([]);
    expect(t.local).toEqual([[1, 'link dropped (1006) during the stream']]);
  });

  it('after a timeout failover the hub\'s speak is its late answer for answerTimeoutMs, and not after a new turn', async () => {
    const t = tracker(() => Promise.resolve());
    t.begin();
    await settle();
    expect(t.turns.lateAnswer()).toBeUndefined(); // waiting: a speak now answers the turn
    t.timers.advance(1_000);
    await settle();
    expect(t.local).toEqual([[1, 'no answer in 1000 ms']]);
    expect(t.turns.lateAnswer()).toBe(1);
    t.timers.advance(999);
    expect(t.turns.lateAnswer()).toBe(1);
    t.timers.advance(1);
    expect(t.turns.lateAnswer()).toBeUndefined(); // an announcement again

    const u = tracker(() => Promise.resolve());
    u.begin();
    await settle();
    u.timers.advance(1_000);
    await settle();
    expect(u.turns.lateAnswer()).toBe(1);
    u.begin(); // a new question: what the hub says now answers it
    expect(u.turns.lateAnswer()).toBeUndefined();
  });

  it('a drop while waiting also owes a late answer; a drop before the utterance was sent does not', async () => {
    const waiting = tracker(() => Promise.resolve());
    waiting.begin();
    await settle();
    waiting.turns.hubLost('link dropped (1006)');
    expect(waiting.turns.lateAnswer()).toBe(1);
    const sending = tracker(() => new Promise(() => undefined));
    sending.begin();
    sending.turns.hubLost('link dropped (1006)');
    expect(sending.turns.lateAnswer()).toBeUndefined();
  });
});
