import { describe, expect, it } from 'vitest';
import { type Solver, Persona, createDefaultPersona, personaFromJson } from '../../src/persona/index.js';
import type { SpeechToText, TextToSpeech } from '../../src/speech/index.js';
import { answerLocally, nextOfflineHint, NOT_UNDERSTOOD_OFFLINE, OfflineHints } from '../../src/satellite/local-turn.js';
import { freePort } from '../helpers/net.js';

/** STT that "hears" a fixed text; TTS that encodes each sentence's length as its audio, so playback order shows. */
const sttHearing = (text: string): SpeechToText => ({ name: 'fixed', transcribe: () => Promise.resolve({ text }) });
/** STT that heard speech but could not verify it (what pocketsphinx returns for an out-of-domain sentence). */
const sttRejecting = (heard: string): SpeechToText => ({ name: 'rejecting', transcribe: () => Promise.resolve({ text: '', rejected: { heard, reason: 'partial' } }) });
const lengthTts: TextToSpeech = {
  name: 'length',
  synthesize: (text) => {
    const pcm = Int16Array.of(text.length);
    return Promise.resolve({ pcm, native: pcm, nativeSampleRate: 16_000 });
  },
};

function recorder(): { play: (pcm: Int16Array) => Promise<void>; played: number[] } {
  const played: number[] = [];
  return { played, play: (pcm) => (played.push(pcm[0] ?? -1), Promise.resolve()) };
}

const clock = { clock: () => Date.UTC(2026, 10, 24, 15, 7), timeZone: 'UTC' };

describe('answerLocally', () => {
  it('transcribes, asks the persona and plays the answer', async () => {
    const { play, played } = recorder();
    const result = await answerLocally(new Int16Array(10), { stt: sttHearing('what time is it'), persona: createDefaultPersona(clock), tts: lengthTts }, { lang: 'en-us', play });
    expect(result).toMatchObject({ transcript: 'what time is it', answer: "It's 3:07 PM.", outcome: 'answered' });
    expect(played).toEqual(["It's 3:07 PM.".length]);
    expect(result.timings.firstAudioMs).toBeGreaterThanOrEqual(result.timings.sttMs);
  });

  it('says it did not catch anything when the STT heard nothing', async () => {
    const { play, played } = recorder();
    const result = await answerLocally(new Int16Array(10), { stt: sttHearing('  '), persona: createDefaultPersona(clock), tts: lengthTts }, { lang: 'en-us', play });
    expect(result).toMatchObject({ transcript: '', outcome: 'not-heard', answer: "Sorry, I didn't catch that." });
    expect(played).toHaveLength(1);
  });

  it('says it cannot answer when no solver does, instead of staying silent', async () => {
    const silent: Solver = { id: 'silent', timeoutMs: 1000, answer: async function* () {} };
    const persona = new Persona({ name: 'mute', solvers: [silent] });
    const { play, played } = recorder();
    const result = await answerLocally(new Int16Array(10), { stt: sttHearing('tell me a joke'), persona, tts: lengthTts }, { lang: 'en-us', play });
    expect(result.outcome).toBe('no-answer');
    expect(result.answer).toBe("Sorry, I can't answer that right now.");
    expect(played).toHaveLength(1);
  });

  it('skips the STT when the transcript is already known', async () => {
    const deaf: SpeechToText = { name: 'deaf', transcribe: () => Promise.reject(new Error('must not be called')) };
    const { play } = recorder();
    const result = await answerLocally(new Int16Array(1), { stt: deaf, persona: createDefaultPersona(clock), tts: lengthTts }, { lang: 'en-us', play, transcript: 'what time is it' });
    expect(result.answer).toBe("It's 3:07 PM.");
  });

  it('plays streamed sentences in order', async () => {
    const chatty: Solver = {
      id: 'chatty',
      timeoutMs: 1000,
      answer: async function* () {
        yield 'One.';
        yield 'Three.';
        yield 'Twenty.';
      },
    };
    const { play, played } = recorder();
    const result = await answerLocally(new Int16Array(1), { stt: sttHearing('count'), persona: new Persona({ name: 'c', solvers: [chatty] }), tts: lengthTts }, { lang: 'en', play });
    expect(played).toEqual([4, 6, 7]);
    expect(result.sentences).toEqual(['One.', 'Three.', 'Twenty.']);
  });

  it('a rejected utterance is not answered: not-understood, with what works offline, long once then short', async () => {
    const hints = new OfflineHints();
    const persona = createDefaultPersona(clock);
    const turn = async () => {
      const { play, played } = recorder();
      const result = await answerLocally(new Int16Array(10), { stt: sttRejecting('what is three plus zero'), persona, tts: lengthTts }, { lang: 'en-us', play, hints });
      return { result, played };
    };
    const first = await turn();
    expect(first.result).toMatchObject({ transcript: '', outcome: 'not-understood', rejected: 'what is three plus zero', answer: NOT_UNDERSTOOD_OFFLINE.long });
    expect(first.played).toEqual([NOT_UNDERSTOOD_OFFLINE.long.length]);
    expect((await turn()).result.answer).toBe(NOT_UNDERSTOOD_OFFLINE.short);
    expect((await turn()).result.answer).toBe(NOT_UNDERSTOOD_OFFLINE.short);
    hints.hubBack(); // a new outage explains at length again
    expect((await turn()).result.answer).toBe(NOT_UNDERSTOOD_OFFLINE.long);
  });

  it('the hint state machine: long is due at the start of an outage, short after', () => {
    expect(nextOfflineHint({ kind: 'long-due' }, 'explain')).toEqual({ state: { kind: 'long-given' }, form: 'long' });
    expect(nextOfflineHint({ kind: 'long-given' }, 'explain')).toEqual({ state: { kind: 'long-given' }, form: 'short' });
    expect(nextOfflineHint({ kind: 'long-given' }, 'hub-back')).toEqual({ state: { kind: 'long-due' } });
  });

  it('a command the offline path cannot do says so', async () => {
    const { play } = recorder();
    const result = await answerLocally(new Int16Array(10), { stt: sttHearing('turn on the kitchen lights'), persona: createDefaultPersona(clock), tts: lengthTts }, { lang: 'en-us', play });
    expect(result).toMatchObject({ outcome: 'answered', transcript: 'turn on the kitchen lights', answer: "I can't control the lights while I'm offline." });
  });

  it('says why when the only solver, an LLM, cannot be reached (real refused port)', async () => {
    const port = await freePort();
    const persona = personaFromJson({ builtin: false, handlers: ['ovos-solver-openai-plugin'], 'ovos-solver-openai-plugin': { api_url: `http://127.0.0.1:${port}/v1` } }, 'llm.json');
    const { play } = recorder();
    const result = await answerLocally(new Int16Array(10), { stt: sttHearing('tell me a joke'), persona, tts: lengthTts }, { lang: 'en-us', play });
    expect(result).toMatchObject({ outcome: 'no-answer', answer: "Sorry, I can't reach my language model right now." });
  });
});
