/** The satellite's session machine, pure: plain states in, plain states and effects out. */
import { describe, expect, it } from 'vitest';
import { BinaryPayloadType } from '../../src/hivemind/index.js';
import type { Utterance } from '../../src/listener/index.js';
import { type SessionEffect, type SessionInput, type SessionSettings, type SessionState, initialSession, isOnline, isPlaying, isSpeaking, satelliteActivity, transition } from '../../src/satellite/index.js';

const SETTINGS: SessionSettings = { mode: 'audio', answerTimeoutMs: 1_000, settleMs: 250, synthTimeoutMs: 3_000, b64TimeoutMs: 20_000, maxTtsBytes: 1_000, maxSpeaksPerTurn: 2, maxUnsolicitedSpeaks: 1, wakeSound: true, hasLocalTts: true };
const UTTERANCE = { pcm: new Int16Array(16), sampleRateHz: 16_000, wake: null } as unknown as Utterance;

/** Run inputs from `state`; returns the final state and every effect, in order. */
function run(state: SessionState, ...inputs: SessionInput[]): { state: SessionState; effects: SessionEffect[]; admitted: (boolean | undefined)[] } {
  return runIn(SETTINGS, state, ...inputs);
}

function runIn(o: SessionSettings, state: SessionState, ...inputs: SessionInput[]): { state: SessionState; effects: SessionEffect[]; admitted: (boolean | undefined)[] } {
  const effects: SessionEffect[] = [];
  const admitted: (boolean | undefined)[] = [];
  let s = state;
  for (const input of inputs) {
    const r = transition(s, input, o);
    s = r.state;
    effects.push(...r.effects);
    admitted.push(r.admitted);
  }
  return { state: s, effects, admitted };
}

const online = (): SessionState => initialSession('ready');
const types = (effects: SessionEffect[]): string[] => effects.map((e) => (e.type === 'send_bus' || e.type === 'notify' ? `${e.type} ${e.busType}` : e.type));

// ------------------------------------------------------------------------------------------------------------ turns

const UTT = (at = 1_000): SessionInput => ({ type: 'utterance', at, utterance: UTTERANCE });
const turnOf = (s: SessionState, id = 1) => s.turns.find((t) => t.id === id);
const reportOf = (effects: SessionEffect[]) => effects.find((e) => e.type === 'turn_report');

/** One engaged turn (id 1) brought to each phase, on a ready link. */
const PHASES: Readonly<Record<string, SessionInput[]>> = {
  uploading: [UTT()],
  'awaiting-hub': [UTT(), { type: 'turn_sent', turnId: 1, at: 1_010 }],
  'hub-answering': [UTT(), { type: 'turn_sent', turnId: 1, at: 1_010 }, { type: 'hub_speak', data: { utterance: 'ten past' }, at: 1_500 }, { type: 'clip_queued', speech: true, turnId: 1 }],
  settling: [
    UTT(), { type: 'turn_sent', turnId: 1, at: 1_010 }, { type: 'hub_speak', data: { utterance: 'ten past' }, at: 1_500 }, { type: 'clip_queued', speech: true, turnId: 1 },
    { type: 'clip_started', clipId: 7, turnId: 1, at: 1_600 }, { type: 'clip_ended', clipId: 7, speech: true, listen: false, outcome: 'completed', turnId: 1, at: 2_600 },
  ],
  local: [UTT(), { type: 'turn_send_failed', turnId: 1, reason: 'send failed (EPIPE)' }],
  'local-done': [UTT(), { type: 'turn_send_failed', turnId: 1, reason: 'send failed (EPIPE)' }, { type: 'clip_queued', speech: true, turnId: 1 }, { type: 'local_done', turnId: 1, outcome: { answer: 'it is ten past', transcript: 'what time is it', notUnderstood: false } }],
};

function phaseName(s: SessionState, effects: SessionEffect[] = []): string {
  const turn = turnOf(s);
  if (turn === undefined) return reportOf(effects) === undefined ? 'gone' : 'reported';
  const p = turn.phase;
  if (p.kind === 'hub-answering') return p.settling ? 'settling' : 'hub-answering';
  if (p.kind === 'local-answering') return p.running ? 'local' : 'local-done';
  return p.kind;
}

const TURN_INPUTS: Readonly<Record<string, SessionInput>> = {
  turn_sent: { type: 'turn_sent', turnId: 1, at: 1_020 },
  turn_send_failed: { type: 'turn_send_failed', turnId: 1, reason: 'send failed (EPIPE)' },
  'answer timer': { type: 'turn_timer', timer: { kind: 'answer', turnId: 1 } },
  'settle timer': { type: 'turn_timer', timer: { kind: 'settle', turnId: 1 } },
  hub_speak: { type: 'hub_speak', data: { utterance: 'more' }, at: 3_000 },
  link_closed: { type: 'link_closed', code: 1006, reason: '' },
  'clip ended': { type: 'clip_ended', clipId: 9, speech: true, listen: false, outcome: 'completed', turnId: 1, at: 3_000 },
  local_done: { type: 'local_done', turnId: 1, outcome: { answer: 'local', transcript: 'q', notUnderstood: false } },
  interrupt: { type: 'interrupt' },
};

/** Where turn 1 is after each input, from each phase (the table of the turn machine). */
const TURN_TABLE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  uploading: { turn_sent: 'awaiting-hub', turn_send_failed: 'local', 'answer timer': 'uploading', 'settle timer': 'uploading', hub_speak: 'hub-answering', link_closed: 'local', 'clip ended': 'uploading', local_done: 'uploading', interrupt: 'uploading' },
  'awaiting-hub': { turn_sent: 'awaiting-hub', turn_send_failed: 'local', 'answer timer': 'local', 'settle timer': 'awaiting-hub', hub_speak: 'hub-answering', link_closed: 'local', 'clip ended': 'awaiting-hub', local_done: 'awaiting-hub', interrupt: 'awaiting-hub' },
  'hub-answering': { turn_sent: 'hub-answering', turn_send_failed: 'local', 'answer timer': 'hub-answering', 'settle timer': 'hub-answering', hub_speak: 'hub-answering', link_closed: 'hub-answering', 'clip ended': 'settling', local_done: 'hub-answering', interrupt: 'hub-answering' },
  settling: { turn_sent: 'settling', turn_send_failed: 'local', 'answer timer': 'settling', 'settle timer': 'reported', hub_speak: 'hub-answering', link_closed: 'settling', 'clip ended': 'settling', local_done: 'settling', interrupt: 'settling' },
  local: { turn_sent: 'local', turn_send_failed: 'local', 'answer timer': 'local', 'settle timer': 'local', hub_speak: 'local', link_closed: 'local', 'clip ended': 'local', local_done: 'reported', interrupt: 'local' },
  'local-done': { turn_sent: 'local-done', turn_send_failed: 'local-done', 'answer timer': 'local-done', 'settle timer': 'local-done', hub_speak: 'local-done', link_closed: 'local-done', 'clip ended': 'reported', local_done: 'local-done', interrupt: 'local-done' },
};

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
    expect(r.effects).toEqual([]); // no turn waited, no TTS request was pending
    expect(isOnline(r.state)).toBe(false);
  });

  it('announces the outage once until the hub is online again', () => {
    const announced = (effects: SessionEffect[]) => effects.filter((e) => e.type === 'announce_outage');
    const r = run(initialSession('connecting'), UTT(1), UTT(2));
    expect(announced(r.effects)).toEqual([{ type: 'announce_outage', turnId: 1 }]);
    const back = run(r.state, { type: 'link_state', from: 'handshaking', to: 'ready', reason: '' }, { type: 'link_ready' }, { type: 'link_closed', code: 1006, reason: '' }, UTT(3));
    expect(back.effects).toContainEqual({ type: 'log', level: 'info', message: 'the hub is reachable again: answering through it' });
    expect(announced(back.effects)).toEqual([{ type: 'announce_outage', turnId: 3 }]);
  });
});

describe('session: capture and speech', () => {
  it('a wake word opens a capture; the utterance starts a turn with its marks and whether the hub heard a wake word', () => {
    const stream: SessionSettings = { ...SETTINGS, mode: 'stream' };
    const r = runIn(stream, online(), { type: 'wake', at: 10 }, { type: 'hub_listening', event: 'record_begin' }, { type: 'speech_end', at: 900 }, { type: 'utterance', at: 950, utterance: UTTERANCE, route: { via: 'stream' } });
    expect(types(r.effects)).toEqual(['notify recognizer_loop:record_begin', 'cue_start_listening', 'notify recognizer_loop:record_end', 'send_utterance', 'arm_stream']);
    expect(r.state.turns[0]).toMatchObject({ engaged: true, mode: 'stream', times: { wake: 10, speechEnd: 900 } });
    expect(r.state.activity.kind).toBe('idle');
    const unheard = runIn(stream, online(), { type: 'speech_start' }, { type: 'utterance', at: 950, utterance: UTTERANCE, route: { via: 'stream' } });
    expect(unheard.state.turns[0]).toMatchObject({ engaged: false, times: { speechEnd: 950 } });
  });

  it('speech clips mute the listener; the last one ending unmutes it and, after expect_response, listens', () => {
    const r = run(online(), { type: 'clip_queued', speech: true }, { type: 'clip_queued', speech: false }, { type: 'clip_queued', speech: true });
    expect(isSpeaking(r.state)).toBe(true);
    expect(types(r.effects)).toEqual(['set_speaking', 'notify recognizer_loop:audio_output_start']);
    const done = run(r.state, { type: 'clip_ended', clipId: 1, speech: true, listen: true, outcome: 'completed', at: 1 }, { type: 'clip_ended', clipId: 2, speech: false, listen: false, outcome: 'completed', at: 2 }, { type: 'clip_ended', clipId: 3, speech: true, listen: false, outcome: 'completed', at: 3 });
    expect(types(done.effects)).toEqual(['notify recognizer_loop:audio_output_end', 'set_speaking', 'listen', 'arm_stream']);
    expect(isSpeaking(done.state)).toBe(false);
  });

  it('a stopped clip cancels the listen; barge-in stops playback and the listener left speaking mode itself', () => {
    const speaking = run(online(), { type: 'clip_queued', speech: true }).state;
    const stopped = run(speaking, { type: 'clip_ended', clipId: 1, speech: true, listen: true, outcome: 'stopped', at: 1 });
    expect(types(stopped.effects)).not.toContain('listen');
    const barged = run(speaking, { type: 'barge_in' }, { type: 'clip_ended', clipId: 1, speech: true, listen: false, outcome: 'stopped', at: 1 });
    expect(types(barged.effects)).toEqual(['stop', 'notify recognizer_loop:audio_output_end', 'arm_stream']);
  });

  it('speak storms: a turn plays its first maxSpeaksPerTurn speaks, unsolicited ones maxUnsolicited in flight', () => {
    const speak: SessionInput = { type: 'hub_speak', data: { utterance: 'again' }, at: 0 };
    const turn = run(online(), UTT(), speak, speak, speak, UTT(), speak);
    expect(turn.admitted).toEqual([undefined, true, true, false, undefined, true]);
    expect(turn.effects.filter((e) => e.type === 'speak_refused')).toEqual([{ type: 'speak_refused', why: 'turn' }]);
    expect(turn.effects.filter((e) => e.type === 'play_answer').map((e) => e.type === 'play_answer' && e.turnId)).toEqual([1, 1, 2]);
    const unsolicited = run(online(), speak, { type: 'play_sound' }, { type: 'unsolicited_ended' }, { type: 'play_sound' }, { type: 'hub_not_understood', at: 0 });
    expect(unsolicited.admitted).toEqual([true, false, undefined, true, false]);
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

  it('hub lost mid-TTS: every request fails (the local TTS speaks it) and the turn waiting goes local', () => {
    const two = request(request(run(online(), ...(PHASES['awaiting-hub'] ?? [])).state).state, 'two').state;
    const lost = run(two, { type: 'link_closed', code: 1006, reason: '' });
    expect(lost.effects.filter((e) => e.type === 'tts_failed').map((e) => e.type === 'tts_failed' && e.requestId)).toEqual([1, 2]);
    expect(lost.effects).toContainEqual({ type: 'failed_over', turnId: 1, reason: 'link dropped (1006)' });
  });

  it('refuses an answer over maxTtsBytes, counts unrequested audio, a b64 timeout fails the request', () => {
    const r = request(online());
    expect(run(r.state, audio('hello', 2_000)).effects[1]).toMatchObject({ type: 'tts_failed', code: 'SAT_ERR_TTS_TOO_LARGE' });
    expect(run(online(), audio('x')).effects).toEqual([{ type: 'ignored', kind: 'unrequested TTS_AUDIO' }]);
    const b64 = run(r.state, { type: 'tts_timeout', id: 1 }, { type: 'tts_timeout', id: 1 });
    expect(b64.effects.at(-1)).toMatchObject({ type: 'tts_failed', code: 'SAT_ERR_TTS' });
  });
});

describe('session: turns, every phase × input', () => {
  const cases = Object.entries(TURN_TABLE).flatMap(([phase, row]) => Object.entries(row).map(([input, next]) => [phase, input, next] as const));
  it.each(cases)('%s + %s → %s', (phase, input, next) => {
    const from = run(online(), ...(PHASES[phase] ?? []));
    expect(phaseName(from.state)).toBe(phase);
    const r = run(from.state, TURN_INPUTS[input] as SessionInput);
    expect(phaseName(r.state, r.effects)).toBe(next);
  });

  it('covers every phase and every turn input', () => {
    expect(Object.keys(TURN_TABLE)).toEqual(Object.keys(PHASES));
    for (const row of Object.values(TURN_TABLE)) expect(Object.keys(row)).toEqual(Object.keys(TURN_INPUTS));
  });
});

describe('session: a turn through the hub', () => {
  it('uploads, awaits the hub with the answer timer, plays the speak, settles, reports with its marks', () => {
    const up = run(online(), { type: 'wake', at: 0 }, { type: 'speech_end', at: 900 }, UTT(950));
    expect(types(up.effects)).toEqual(['notify recognizer_loop:record_begin', 'cue_start_listening', 'notify recognizer_loop:record_end', 'send_utterance', 'arm_stream']);
    expect(turnOf(up.state)).toMatchObject({ id: 1, engaged: true, mode: 'audio', phase: { kind: 'uploading' }, route: 'hub', times: { wake: 0, speechEnd: 900 } });
    expect(satelliteActivity(up.state)).toBe('thinking');
    const sent = run(up.state, { type: 'turn_sent', turnId: 1, at: 1_000 });
    expect(sent.effects).toEqual([{ type: 'start_turn_timer', timer: { kind: 'answer', turnId: 1 }, ms: 1_000 }]);
    const spoken = run(sent.state, { type: 'hub_speak', data: { utterance: 'ten past', expect_response: false }, at: 1_400 });
    expect(spoken.admitted).toEqual([true]);
    expect(spoken.effects).toEqual([{ type: 'cancel_turn_timer', timer: { kind: 'answer', turnId: 1 } }, { type: 'play_answer', data: { utterance: 'ten past', expect_response: false }, turnId: 1 }]);
    const played = run(
      spoken.state,
      { type: 'clip_queued', speech: true, turnId: 1 },
      { type: 'turn_mark', turnId: 1, mark: 'ttsRequested', at: 1_410 },
      { type: 'turn_mark', turnId: 1, mark: 'ttsReceived', at: 1_500 },
      { type: 'clip_started', clipId: 3, turnId: 1, at: 1_520 },
    );
    expect(satelliteActivity(played.state)).toBe('speaking');
    const ended = run(played.state, { type: 'clip_ended', clipId: 3, speech: true, listen: false, outcome: 'completed', turnId: 1, at: 2_520 });
    expect(ended.effects.at(-1)).toEqual({ type: 'start_turn_timer', timer: { kind: 'settle', turnId: 1 }, ms: 250 });
    expect(satelliteActivity(ended.state)).toBe('idle');
    const done = run(ended.state, { type: 'turn_timer', timer: { kind: 'settle', turnId: 1 } });
    expect(types(done.effects)).toEqual(['log', 'turn_report']);
    expect(reportOf(done.effects)).toEqual({
      type: 'turn_report',
      report: {
        id: 1, mode: 'audio', route: 'hub', outcome: 'answered', answers: ['ten past'],
        marks: { wake: 0, speechEnd: 900, sent: 1_000, firstSpeak: 1_400, ttsRequested: 1_410, ttsReceived: 1_500, playbackStart: 1_520, playbackEnd: 2_520 },
        figures: { speechEndToSentMs: 100, hubMs: 490, ttsToFirstSampleMs: 20, overheadMs: 130, responseMs: 620 },
      },
    });
    expect(done.state.turns).toEqual([]);
  });

  it('a second speak while settling answers the same turn; a speak no turn waits for is an announcement', () => {
    const settling = run(online(), ...(PHASES['settling'] ?? [])).state;
    const more = run(settling, { type: 'hub_speak', data: { utterance: 'and more' }, at: 2_700 });
    expect(more.effects).toEqual([{ type: 'cancel_turn_timer', timer: { kind: 'settle', turnId: 1 } }, { type: 'play_answer', data: { utterance: 'and more' }, turnId: 1 }]);
    expect(turnOf(more.state)?.answers).toEqual(['ten past', 'and more']);
    const announced = run(online(), { type: 'hub_speak', data: { utterance: 'the oven is hot' }, at: 0 });
    expect(announced.effects).toEqual([{ type: 'play_answer', data: { utterance: 'the oven is hot' }, turnId: undefined }]);
  });

  it('nothing of the hub\'s answer could be played: the very utterance goes to the local path', () => {
    const r = run(
      online(),
      ...(PHASES['hub-answering'] ?? []),
      { type: 'clip_failed', turnId: 1, reason: 'AUDIO_ERR_DEVICE_EXIT: the player exited 1' },
      { type: 'clip_ended', clipId: 7, speech: true, listen: false, outcome: 'failed', turnId: 1, at: 2_000 },
      { type: 'turn_timer', timer: { kind: 'settle', turnId: 1 } },
    );
    expect(turnOf(r.state)).toMatchObject({ route: 'local', failover: "the hub's answer could not be played", playbackError: 'AUDIO_ERR_DEVICE_EXIT: the player exited 1', utterance: UTTERANCE });
    expect(types(r.effects).slice(-4)).toEqual(['log', 'failed_over', 'announce_outage', 'answer_locally']);
  });

  it('text mode: a transcript of nothing is answered "not understood" at once, and reported so', () => {
    const text: SessionSettings = { ...SETTINGS, mode: 'text' };
    const heard = runIn(text, online(), UTT(), { type: 'turn_transcribed', turnId: 1, transcript: '', at: 1_100 });
    expect(heard.effects.at(-1)).toEqual({ type: 'play_not_understood', turnId: 1 });
    const done = runIn(
      text, heard.state,
      { type: 'turn_sent', turnId: 1, at: 1_110 },
      { type: 'clip_queued', speech: true, turnId: 1 },
      { type: 'clip_ended', clipId: 1, speech: true, listen: false, outcome: 'completed', turnId: 1, at: 1_500 },
      { type: 'turn_timer', timer: { kind: 'settle', turnId: 1 } },
    );
    expect(reportOf(done.effects)).toMatchObject({ report: { mode: 'text', outcome: 'not-understood', transcript: '', answers: [] } });
  });

  it('stream mode: speech without a wake word the hub did not engage in ends quietly when it cannot go to the hub', () => {
    const stream: SessionSettings = { ...SETTINGS, mode: 'stream' };
    const r = transition(initialSession('connecting'), UTT(), stream);
    expect(r.state.turns).toEqual([]);
    expect(types([...r.effects])).toEqual(['log', 'arm_stream']);
    expect(r.state.fallback.active).toBe(false);
    const cut = transition(online(), { type: 'utterance', at: 0, utterance: { ...UTTERANCE, wake: { keyword: 'hey_jarvis' } } as unknown as Utterance, route: { via: 'local', reason: 'link dropped (1006) during the stream' } }, stream);
    expect(types([...cut.effects])).toEqual(['log', 'failed_over', 'announce_outage', 'answer_locally', 'arm_stream']);
    expect(turnOf(cut.state)?.failover).toBe('link dropped (1006) during the stream');
    const audio = transition(online(), { type: 'utterance', at: 0, utterance: UTTERANCE, route: { via: 'audio' } }, stream);
    expect(turnOf(audio.state)).toMatchObject({ mode: 'audio', engaged: true });
  });
});

describe('session: failover', () => {
  it('hub not ready: the turn goes local at once, announced once per outage, fallback active', () => {
    const r = run(initialSession('connecting'), UTT());
    expect(types(r.effects)).toEqual(['log', 'failed_over', 'announce_outage', 'answer_locally', 'arm_stream']);
    expect(r.effects[1]).toEqual({ type: 'failed_over', turnId: 1, reason: 'hub not ready' });
    expect(r.state.fallback).toEqual({ active: true, reason: 'hub not ready' });
    expect(satelliteActivity(r.state)).toBe('thinking');
    const done = run(r.state, { type: 'local_done', turnId: 1, outcome: { answer: 'it is ten', transcript: 'what time is it', notUnderstood: false } });
    expect(reportOf(done.effects)).toMatchObject({ report: { route: 'local', outcome: 'failed', failover: 'hub not ready', answers: ['it is ten'], transcript: 'what time is it' } });
    const second = run(r.state, { type: 'clip_queued', speech: true, turnId: 1 }, { type: 'clip_ended', clipId: 1, speech: true, listen: false, outcome: 'completed', turnId: 1, at: 2_000 }, UTT(3_000));
    expect(types(second.effects)).not.toContain('announce_outage');
  });

  it('hub lost mid-upload: local once, even when the send then fails too; no late answer is owed', () => {
    const r = run(online(), UTT(), { type: 'link_closed', code: 1006, reason: '' }, { type: 'turn_send_failed', turnId: 1, reason: 'send failed (HM_ERR_CONNECTION_LOST)' });
    expect(r.effects.filter((e) => e.type === 'failed_over')).toEqual([{ type: 'failed_over', turnId: 1, reason: 'link dropped (1006)' }]);
    expect(r.state.late).toBeUndefined();
    expect(r.state.link).toEqual({ kind: 'offline', reason: 'closed (1006)' });
  });

  it('hub lost while awaiting the answer: local, and the hub\'s answer that comes later is dropped for answerTimeoutMs', () => {
    const r = run(online(), UTT(), { type: 'turn_sent', turnId: 1, at: 1_000 }, { type: 'link_closed', code: 1006, reason: '' });
    expect(types(r.effects).slice(-6)).toEqual(['cancel_turn_timer', 'start_turn_timer', 'log', 'failed_over', 'announce_outage', 'answer_locally']);
    expect(r.state.late).toEqual({ turnId: 1 });
    const late = run(r.state, { type: 'hub_speak', data: { utterance: 'ten past' }, at: 1_500 });
    expect([late.admitted, late.effects]).toEqual([[false], [{ type: 'late_answer', turnId: 1 }]]);
    const after = run(r.state, { type: 'turn_timer', timer: { kind: 'late', turnId: 1 } }, { type: 'hub_speak', data: { utterance: 'news' }, at: 3_000 });
    expect(after.effects.at(-1)).toEqual({ type: 'play_answer', data: { utterance: 'news' }, turnId: undefined });
  });

  it('no speak in answerTimeoutMs: local with the reason, the late window opens; a new question closes it', () => {
    const r = run(online(), UTT(), { type: 'turn_sent', turnId: 1, at: 1_000 }, { type: 'turn_timer', timer: { kind: 'answer', turnId: 1 } });
    expect(turnOf(r.state)).toMatchObject({ route: 'local', failover: 'no answer in 1000 ms' });
    expect(r.effects).toContainEqual({ type: 'start_turn_timer', timer: { kind: 'late', turnId: 1 }, ms: 1_000 });
    const next = run(r.state, UTT(5_000));
    expect(next.effects[0]).toEqual({ type: 'cancel_turn_timer', timer: { kind: 'late', turnId: 1 } });
    expect(next.state.late).toBeUndefined();
    const answered = run(next.state, { type: 'hub_speak', data: { utterance: 'answer two' }, at: 5_500 });
    expect(answered.effects.at(-1)).toEqual({ type: 'play_answer', data: { utterance: 'answer two' }, turnId: 2 });
  });

  it('the hub answering a turn ends the fallback and the outage; the hub back online too', () => {
    const offline = run(initialSession('connecting'), UTT()).state;
    const back = run(offline, { type: 'link_state', from: 'handshaking', to: 'ready', reason: '' }, { type: 'link_ready' });
    expect(back.state.fallback).toEqual({ active: false, reason: 'the hub is online' });
    const active = { ...online(), fallback: { active: true, reason: 'no answer in 1000 ms' } } as const;
    const answered = run(active, ...(PHASES['settling'] ?? []), { type: 'turn_timer', timer: { kind: 'settle', turnId: 1 } });
    expect(answered.state.fallback).toEqual({ active: false, reason: 'the hub answered' });
  });
});

describe('session: barge-in, expect_response, mute', () => {
  it('barge-in during a local answer: stop, the local path is aborted, the turn reports interrupted', () => {
    const local = run(online(), ...(PHASES['local'] ?? []), { type: 'clip_queued', speech: true, turnId: 1 }, { type: 'clip_started', clipId: 4, turnId: 1, at: 1_100 }).state;
    const barged = run(local, { type: 'barge_in' }, { type: 'interrupt' }, { type: 'clip_ended', clipId: 4, speech: true, listen: false, outcome: 'stopped', turnId: 1, at: 1_200 }, { type: 'local_done', turnId: 1 }, { type: 'wake', at: 1_210 });
    expect(types(barged.effects).slice(0, 2)).toEqual(['stop', 'abort_local']);
    expect(reportOf(barged.effects)).toMatchObject({ report: { route: 'local', outcome: 'interrupted' } });
    expect(satelliteActivity(barged.state)).toBe('listening');
  });

  it('expect_response: the answer\'s last clip ending opens a capture without a wake word', () => {
    const r = run(online(), ...(PHASES['hub-answering'] ?? []), { type: 'clip_ended', clipId: 7, speech: true, listen: true, outcome: 'completed', turnId: 1, at: 2_000 });
    expect(types(r.effects)).toContain('listen');
    expect(satelliteActivity(r.state)).toBe('listening');
  });

  it('mute abandons the open capture; while muted there is no listening; unmute', () => {
    const capturing = run(online(), { type: 'wake', at: 0 }).state;
    const muted = run(capturing, { type: 'mute', muted: true, source: 'api' });
    expect([muted.effects, muted.state.muted, muted.state.activity.kind]).toEqual([[{ type: 'cancel_capture' }], true, 'idle']);
    expect(run(muted.state, { type: 'mute', muted: true, source: 'button' }).state).toBe(muted.state);
    expect(run(muted.state, { type: 'listen' }).effects).toEqual([]);
    const unmuted = run(muted.state, { type: 'mute', muted: false, source: 'api' }, { type: 'listen' });
    expect([unmuted.effects, unmuted.state.muted, satelliteActivity(unmuted.state)]).toEqual([[{ type: 'listen' }], false, 'listening']);
    expect(initialSession('ready', true).muted).toBe(true);
  });

  it('what ops report: speaking while a clip is at the sink (cues too), listening, thinking once speech ended, idle', () => {
    expect(satelliteActivity(online())).toBe('idle');
    const cue = run(online(), { type: 'wake', at: 0 }, { type: 'clip_queued', speech: false }, { type: 'clip_started', clipId: 1, at: 1 });
    expect([satelliteActivity(cue.state), isPlaying(cue.state), isSpeaking(cue.state)]).toEqual(['speaking', true, false]);
    const heard = run(cue.state, { type: 'clip_ended', clipId: 1, speech: false, listen: false, outcome: 'completed', at: 300 }, { type: 'speech_end', at: 900 });
    expect(satelliteActivity(heard.state)).toBe('thinking');
    expect(run(heard.state, { type: 'capture_closed' }).state.activity.kind).toBe('idle');
  });
});

describe('session: every state × every input', () => {
  const STATES: Readonly<Record<string, SessionState>> = {
    'no hub': initialSession(undefined),
    connecting: initialSession('connecting'),
    'online idle': online(),
    offline: run(online(), { type: 'link_closed', code: 1006, reason: '' }).state,
    capturing: run(online(), { type: 'wake', at: 0 }).state,
    speaking: run(online(), { type: 'clip_queued', speech: true }, { type: 'clip_started', clipId: 1, at: 0 }).state,
    muted: run(online(), { type: 'mute', muted: true, source: 'startup' }).state,
    'b64 only': run(online(), { type: 'policy_denied', data: { denied_type: 'speak:synth' } }).state,
    closed: run(online(), ...(PHASES['awaiting-hub'] ?? []), { type: 'close' }).state,
    ...Object.fromEntries(Object.entries(PHASES).map(([name, inputs]) => [`turn ${name}`, run(online(), ...inputs).state])),
  };
  const INPUTS: readonly SessionInput[] = [
    { type: 'link_state', from: 'ready', to: 'backing-off', reason: 'x' }, { type: 'link_ready' }, { type: 'link_closed', code: 1006, reason: '' },
    { type: 'wake', at: 5 }, { type: 'speech_start' }, { type: 'speech_end', at: 6 }, UTT(7), { type: 'capture_closed' }, { type: 'listen' }, { type: 'barge_in' },
    { type: 'hub_listening', event: 'record_begin' }, { type: 'clip_queued', speech: true, turnId: 1 }, { type: 'clip_started', clipId: 8, turnId: 1, at: 8 },
    { type: 'clip_failed', turnId: 1, reason: 'E: x' }, { type: 'clip_ended', clipId: 8, speech: true, listen: true, outcome: 'completed', turnId: 1, at: 9 },
    { type: 'hub_speak', data: { utterance: 'u' }, at: 10 }, { type: 'hub_not_understood', at: 10 }, { type: 'unsolicited_ended' }, { type: 'play_sound' },
    { type: 'tts_request', data: { utterance: 'u' } }, { type: 'tts_timeout', id: 1 }, { type: 'tts_send_failed', id: 1, message: 'm' },
    { type: 'binary', binaryType: BinaryPayloadType.TTS_AUDIO, metadata: { utterance: 'u' }, payload: new Uint8Array(4) }, { type: 'b64_response', data: { utterance: 'u', audio: 'AAAA' } },
    { type: 'policy_denied', data: { denied_type: 'speak:synth' } }, { type: 'turn_mark', turnId: 1, mark: 'ttsReceived', at: 11 }, ...Object.values(TURN_INPUTS),
    { type: 'turn_transcribed', turnId: 1, transcript: 'hi', at: 12 }, { type: 'turn_timer', timer: { kind: 'late', turnId: 1 } }, { type: 'streams_refused', advice: 'a' },
    { type: 'stream_send_failed', code: 'HM_ERR_QUEUE_FULL', linkGone: false },
    { type: 'mute', muted: true, source: 'api' }, { type: 'mute', muted: false, source: 'api' }, { type: 'close' },
  ];

  it('lists every input type', () => {
    const seen = new Set(INPUTS.map((i) => i.type));
    const all: SessionInput['type'][] = [
      'link_state', 'link_ready', 'link_closed', 'wake', 'speech_start', 'speech_end', 'utterance', 'capture_closed', 'listen', 'barge_in', 'hub_listening', 'clip_queued', 'clip_started',
      'clip_failed', 'clip_ended', 'hub_speak', 'hub_not_understood', 'unsolicited_ended', 'play_sound', 'tts_request', 'tts_timeout', 'tts_send_failed', 'binary', 'b64_response',
      'policy_denied', 'turn_mark', 'turn_sent', 'turn_send_failed', 'turn_transcribed', 'turn_timer', 'local_done', 'interrupt', 'streams_refused', 'stream_send_failed', 'mute', 'close',
    ];
    expect([...seen].sort()).toEqual([...all].sort());
  });

  const cases = Object.keys(STATES).flatMap((state) => INPUTS.map((input, i) => [state, `${i} ${input.type}`, input] as const));
  it.each(cases)('%s × %s keeps the invariants', (name, _label, input) => {
    const from = STATES[name] as SessionState;
    const r = transition(from, input, SETTINGS);
    const s = r.state;
    expect(s.speechClips).toBeGreaterThanOrEqual(0);
    expect(s.speaks.unsolicited).toBeGreaterThanOrEqual(0);
    expect(new Set(s.turns.map((t) => t.id)).size).toBe(s.turns.length);
    expect(s.turns.every((t) => t.id < s.nextTurnId && t.clipsInFlight >= 0)).toBe(true);
    expect(new Set(s.tts.pending.map((p) => p.id)).size).toBe(s.tts.pending.length);
    // The hub is asked only while it is online; a muted satellite opens no capture.
    if (!isOnline(s)) expect(r.effects.filter((e) => e.type === 'send_utterance')).toEqual([]);
    if (s.muted) expect(r.effects.filter((e) => e.type === 'listen')).toEqual([]);
    // A report is the end of its turn.
    for (const e of r.effects) if (e.type === 'turn_report') expect(turnOf(s, e.report.id)).toBeUndefined();
    // Closed, nothing more happens.
    if (from.closed) expect([r.state, r.effects]).toEqual([from, []]);
  });
});

describe('session: close', () => {
  it('close cancels the turns\' timers and fails TTS; a link closing afterwards answers no turn', () => {
    const waiting = run(online(), ...(PHASES['awaiting-hub'] ?? []), { type: 'tts_request', data: { utterance: 'x' } }).state;
    const closed = run(waiting, { type: 'close' });
    expect(types(closed.effects)).toEqual(['cancel_turn_timer', 'cancel_timer', 'tts_failed']);
    expect(closed.state.closed).toBe(true);
    expect(run(closed.state, { type: 'link_closed', code: 1000, reason: '' }).effects).toEqual([]);
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
