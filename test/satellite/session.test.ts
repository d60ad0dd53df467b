/** The satellite's session machine, pure: plain states in, plain states and effects out. */
import { describe, expect, it } from 'vitest';
import { BinaryPayloadType } from '../../src/hivemind/index.js';
import type { Utterance } from '../../src/listener/index.js';
import { type SessionEffect, type SessionInput, type SessionSettings, type SessionState, initialSession, isOnline, isSpeaking, transition } from '../../src/satellite/index.js';

const SETTINGS: SessionSettings = { synthTimeoutMs: 3_000, b64TimeoutMs: 20_000, maxTtsBytes: 1_000, maxSpeaksPerTurn: 2, maxUnsolicitedSpeaks: 1, wakeSound: true, hasLocalTts: true };
const UTTERANCE = { pcm: new Int16Array(16), sampleRateHz: 16_000, wake: null } as unknown as Utterance;

/** Run inputs from `state`; returns the final state and every effect, in order. */
function run(state: SessionState, ...inputs: SessionInput[]): { state: SessionState; effects: SessionEffect[]; admitted: (boolean | undefined)[] } {
  const effects: SessionEffect[] = [];
  const admitted: (boolean | undefined)[] = [];
  let s = state;
  for (const input of inputs) {
    const r = transition(s, input, SETTINGS);
    s = r.state;
    effects.push(...r.effects);
    admitted.push(r.admitted);
  }
  return { state: s, effects, admitted };
}

const online = (): SessionState => initialSession('ready');
const types = (effects: SessionEffect[]): string[] => effects.map((e) => (e.type === 'send_bus' || e.type === 'notify' ? `${e.type} ${e.busType}` : e.type));

describe('session: the link', () => {
  it.each<[string, string | undefined, SessionInput[], SessionState['link']['kind']]>([
    ['no hub', undefined, [], 'none'],
    ['connecting', 'connecting', [], 'connecting'],
    ['ready', 'connecting', [{ type: 'link_state', from: 'handshaking', to: 'ready', reason: '' }], 'online'],
    ['first attempt failed', 'connecting', [{ type: 'link_state', from: 'connecting', to: 'backing-off', reason: 'ECONNREFUSED' }], 'offline'],
    ['dropped', 'ready', [{ type: 'link_closed', code: 1006, reason: '' }], 'offline'],
    ['closed by us', 'ready', [{ type: 'link_state', from: 'ready', to: 'closing', reason: 'close()' }], 'closing'],
    ['back again', 'ready', [{ type: 'link_closed', code: 1006, reason: '' }, { type: 'link_state', from: 'connecting', to: 'ready', reason: '' }], 'online'],
  ])('%s', (_name, start, inputs, kind) => {
    expect(run(initialSession(start), ...inputs).state.link.kind).toBe(kind);
  });

  it('says why it is offline, from the close', () => {
    const r = run(online(), { type: 'link_closed', code: 1006, reason: 'gone', error: 'socket hang up' });
    expect(r.state.link).toEqual({ kind: 'offline', reason: 'socket hang up' });
    expect(run(online(), { type: 'link_closed', code: 1000, reason: 'bye' }).state.link).toEqual({ kind: 'offline', reason: 'closed (1000 bye)' });
    expect(types(r.effects)).toEqual(['hub_lost']);
    expect(isOnline(r.state)).toBe(false);
  });

  it('fallback: active on failover, off when the hub is back or answers a turn', () => {
    const active = run(online(), { type: 'failover', reason: 'no answer in 1000 ms' }).state;
    expect(active.fallback).toEqual({ active: true, reason: 'no answer in 1000 ms' });
    expect(run(active, { type: 'link_ready' }).state.fallback).toEqual({ active: false, reason: 'the hub is online' });
    expect(run(active, { type: 'turn_ended', route: 'hub' }).state.fallback).toEqual({ active: false, reason: 'the hub answered' });
    expect(run(active, { type: 'turn_ended', route: 'local' }).state.fallback).toBe(active.fallback);
  });

  it('announces the outage once until the hub is online again', () => {
    const r = run(online(), { type: 'local_answer', turnId: 1 }, { type: 'local_answer', turnId: 2 });
    expect(r.effects).toEqual([{ type: 'announce_outage', turnId: 1 }]);
    const back = run(r.state, { type: 'link_ready' }, { type: 'local_answer', turnId: 3 });
    expect(types(back.effects)).toEqual(['log', 'arm_stream', 'announce_outage']);
  });
});

describe('session: capture and speech', () => {
  it('a wake word opens a capture; the utterance starts a turn with its marks and whether the hub heard a wake word', () => {
    const r = run(online(), { type: 'wake', at: 10 }, { type: 'hub_listening', event: 'record_begin' }, { type: 'speech_end', at: 900 }, { type: 'utterance', at: 950, utterance: UTTERANCE });
    expect(types(r.effects)).toEqual(['notify recognizer_loop:record_begin', 'cue_start_listening', 'notify recognizer_loop:record_end', 'begin_turn', 'arm_stream']);
    expect(r.effects[3]).toMatchObject({ hubEngaged: true, marks: { wake: 10, speechEnd: 900 } });
    expect(r.state.activity.kind).toBe('idle');
  });

  it('speech clips mute the listener; the last one ending unmutes it and, after expect_response, listens', () => {
    const r = run(online(), { type: 'clip_queued', speech: true }, { type: 'clip_queued', speech: false }, { type: 'clip_queued', speech: true });
    expect(isSpeaking(r.state)).toBe(true);
    expect(types(r.effects)).toEqual(['set_speaking', 'notify recognizer_loop:audio_output_start']);
    const done = run(r.state, { type: 'clip_ended', speech: true, listen: true, outcome: 'completed' }, { type: 'clip_ended', speech: false, listen: false, outcome: 'completed' }, { type: 'clip_ended', speech: true, listen: false, outcome: 'completed' });
    expect(types(done.effects)).toEqual(['notify recognizer_loop:audio_output_end', 'set_speaking', 'listen', 'arm_stream']);
    expect(isSpeaking(done.state)).toBe(false);
  });

  it('a stopped clip cancels the listen; barge-in stops playback and the listener left speaking mode itself', () => {
    const speaking = run(online(), { type: 'clip_queued', speech: true }).state;
    const stopped = run(speaking, { type: 'clip_ended', speech: true, listen: true, outcome: 'stopped' });
    expect(types(stopped.effects)).not.toContain('listen');
    const barged = run(speaking, { type: 'barge_in' }, { type: 'clip_ended', speech: true, listen: false, outcome: 'stopped' });
    expect(types(barged.effects)).toEqual(['stop', 'notify recognizer_loop:audio_output_end', 'arm_stream']);
  });

  it('speak storms: a turn plays its first maxSpeaksPerTurn speaks, unsolicited ones maxUnsolicited in flight', () => {
    const solicited: SessionInput = { type: 'speak', solicited: true };
    const turn = run(online(), solicited, solicited, solicited, { type: 'utterance', at: 0, utterance: UTTERANCE }, solicited);
    expect(turn.admitted).toEqual([true, true, false, undefined, true]);
    expect(turn.effects.filter((e) => e.type === 'speak_refused')).toEqual([{ type: 'speak_refused', why: 'turn' }]);
    const unsolicited = run(online(), { type: 'speak', solicited: false }, { type: 'play_sound' }, { type: 'unsolicited_ended' }, { type: 'play_sound' });
    expect(unsolicited.admitted).toEqual([true, false, undefined, true]);
  });
});

describe('session: hub TTS', () => {
  const request = (s: SessionState, utterance = 'hello') => transition(s, { type: 'tts_request', data: { utterance, lang: 'en-US' } }, SETTINGS);
  const audio = (utterance: string, bytes = 10): SessionInput => ({ type: 'binary', binaryType: BinaryPayloadType.TTS_AUDIO, metadata: { utterance, file_name: 'a.wav' }, payload: new Uint8Array(bytes) });

  it('asks speak:synth with a 3 s timer; TTS_AUDIO resolves it', () => {
    const r = request(online());
    expect(r.effects).toEqual([{ type: 'start_timer', requestId: 1, ms: 3_000 }, { type: 'send_bus', busType: 'speak:synth', data: { utterance: 'hello', lang: 'en-US' }, requestId: 1 }]);
    const got = run(r.state, audio('hello'));
    expect(types(got.effects)).toEqual(['cancel_timer', 'tts_resolved']);
    expect(got.state.tts.pending).toEqual([]);
  });

  it('speak:synth → speak:b64_audio after 3 s without TTS_AUDIO, for good on this link', () => {
    const r = request(online());
    const fallback = run(r.state, { type: 'tts_timeout', id: 1 });
    expect(types(fallback.effects)).toEqual(['log', 'cancel_timer', 'start_timer', 'send_bus speak:b64_audio']);
    expect(fallback.state.tts.policy.kind).toBe('b64-only');
    expect(request(fallback.state, 'next').effects[1]).toMatchObject({ busType: 'speak:b64_audio' });
    const answered = run(fallback.state, { type: 'b64_response', data: { utterance: 'hello', audio: 'AAAA', expect_response: true } });
    expect(answered.effects[1]).toEqual({ type: 'tts_resolved_b64', requestId: 1, audio: 'AAAA', listen: true });
  });

  it('hive.policy.denied for speak:synth switches at once; other denials change nothing', () => {
    const r = request(online());
    expect(run(r.state, { type: 'policy_denied', data: { denied_type: 'speak:synth' } }).state.tts.policy).toEqual({ kind: 'b64-only', reason: 'hive.policy.denied (denied)' });
    expect(run(r.state, { type: 'policy_denied', data: { denied_type: 'foo' } }).state).toBe(r.state);
  });

  it('hub lost mid-TTS: every request fails (the local TTS speaks it) and the turns hear of it', () => {
    const two = request(request(online()).state, 'two').state;
    const lost = run(two, { type: 'link_closed', code: 1006, reason: '' });
    expect(lost.effects.filter((e) => e.type === 'tts_failed').map((e) => e.type === 'tts_failed' && e.requestId)).toEqual([1, 2]);
    expect(lost.effects.at(-1)).toEqual({ type: 'hub_lost', reason: 'link dropped (1006)' });
  });

  it('refuses an answer over maxTtsBytes, counts unrequested audio, a b64 timeout fails the request', () => {
    const r = request(online());
    expect(run(r.state, audio('hello', 2_000)).effects[1]).toMatchObject({ type: 'tts_failed', code: 'SAT_ERR_TTS_TOO_LARGE' });
    expect(run(online(), audio('x')).effects).toEqual([{ type: 'ignored', kind: 'unrequested TTS_AUDIO' }]);
    const b64 = run(r.state, { type: 'tts_timeout', id: 1 }, { type: 'tts_timeout', id: 1 });
    expect(b64.effects.at(-1)).toMatchObject({ type: 'tts_failed', code: 'SAT_ERR_TTS' });
  });
});

describe('session: stream mode', () => {
  it('a RAW_AUDIO chunk the link refused cuts the stream (said once, at warn); one the dying link lost is left to its close', () => {
    const refused = run(online(), { type: 'stream_send_failed', code: 'HM_ERR_QUEUE_FULL', linkGone: false });
    expect(refused.state).toEqual(online());
    expect(refused.effects).toEqual([
      { type: 'log', level: 'warn', message: 'a RAW_AUDIO chunk could not be sent (HM_ERR_QUEUE_FULL): the stream is cut' },
      { type: 'cut_stream', code: 'HM_ERR_QUEUE_FULL' },
    ]);
    const lost = run(online(), { type: 'stream_send_failed', code: 'HM_ERR_CONNECTION_LOST', linkGone: true });
    expect(lost.effects).toEqual([{ type: 'log', level: 'debug', message: 'a RAW_AUDIO chunk was not sent (HM_ERR_CONNECTION_LOST): the link is going away' }]);
    expect(isOnline(lost.state)).toBe(true); // the link's own close takes it offline
  });
});
