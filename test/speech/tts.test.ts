import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioError, WavError } from '../../src/audio/index.js';
import { EspeakNgTts, FliteTts, PiperTts, SAMPLE_RATE_HZ, SpeechError, type SynthesizedSpeech } from '../../src/speech/index.js';
import { ManualTimers } from '../persona/helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hivesat-tts-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** Non-silent 16 kHz speech lasting between `min` and `max` seconds. */
function expectSpeech(speech: SynthesizedSpeech, min: number, max: number): void {
  const seconds = speech.pcm.length / SAMPLE_RATE_HZ;
  expect(seconds).toBeGreaterThan(min);
  expect(seconds).toBeLessThan(max);
  expect(rms(speech.pcm)).toBeGreaterThan(500);
  expect(Math.abs(speech.native.length / speech.nativeSampleRate - seconds)).toBeLessThan(0.01);
}

describe('espeak-ng', () => {
  const tts = new EspeakNgTts();
  it('speaks a short answer as non-silent 16 kHz audio of plausible length', async () => {
    const speech = await tts.synthesize("It's 3:07 PM.", { lang: 'en-us' });
    expect(speech.nativeSampleRate).toBe(22_050);
    expectSpeech(speech, 0.8, 3);
  });

  it('longer text gives longer audio; voice and speed options apply', async () => {
    const short = await tts.synthesize('Hello.', { lang: 'en' });
    const long = await tts.synthesize('Hello. This sentence is quite a bit longer than the first one.', { lang: 'en' });
    expect(long.pcm.length).toBeGreaterThan(3 * short.pcm.length);
    const slow = await new EspeakNgTts({ speedWpm: 100 }).synthesize('Hello there, how are you?', { lang: 'en-us', voice: 'en-us+f3' });
    const fast = await new EspeakNgTts({ speedWpm: 300 }).synthesize('Hello there, how are you?', { lang: 'en-us', voice: 'en-us+f3' });
    expect(slow.pcm.length).toBeGreaterThan(1.8 * fast.pcm.length);
  });

  it('speaks other languages with the voice named like the language', async () => {
    expectSpeech(await tts.synthesize('Bom dia, são três horas.', { lang: 'pt' }), 0.8, 4);
  });

  it('reads text starting with "-" as text, not as an option', async () => {
    expectSpeech(await tts.synthesize('-v xx minus five', { lang: 'en' }), 0.5, 4);
  });

  it('an unknown voice is SPEECH_ERR_UNKNOWN_VOICE', async () => {
    await expect(tts.synthesize('hello', { lang: 'en', voice: 'xx-nope' })).rejects.toThrow(
      expect.objectContaining({ code: 'SPEECH_ERR_UNKNOWN_VOICE', message: 'espeak-ng: expected an installed voice, got "xx-nope" (list them with: espeak-ng --voices)' }),
    );
  });

  it('a missing program names the package to install', async () => {
    const err = await new EspeakNgTts({ binary: '/nonexistent/espeak-ng' }).synthesize('hello', { lang: 'en' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpeechError);
    expect(err).toMatchObject({
      code: 'SPEECH_ERR_ENGINE_MISSING',
      message: 'espeak-ng: expected an executable "/nonexistent/espeak-ng", got no such program; install it with: sudo apt-get install espeak-ng',
    });
  });

  it('rejects empty text and bad options', async () => {
    await expect(tts.synthesize('  ', { lang: 'en' })).rejects.toThrow(expect.objectContaining({ code: 'SPEECH_ERR_BAD_INPUT' }));
    expect(() => new EspeakNgTts({ speedWpm: 10 })).toThrow(expect.objectContaining({ code: 'SPEECH_ERR_INVALID_CONFIG' }));
  });

  it('output that is not a WAV is SPEECH_ERR_BAD_AUDIO, caused by the audio layer\'s WavError', async () => {
    const notWav = join(dir, 'espeak-ng-not-wav');
    await writeFile(notWav, '#!/bin/sh\ncat >/dev/null\nprintf "RIFF\\0\\0\\0\\0WAVEjunk"\n');
    await chmod(notWav, 0o755);
    const err = (await new EspeakNgTts({ binary: notWav }).synthesize('hello', { lang: 'en' }).catch((e: unknown) => e)) as SpeechError;
    expect(err).toBeInstanceOf(SpeechError);
    expect(err).toMatchObject({ code: 'SPEECH_ERR_BAD_AUDIO', message: 'espeak-ng output: truncated WAV: expected an 8-byte chunk header at byte 12, file has 16 bytes' });
    expect(err.cause).toBeInstanceOf(WavError);
    expect(err.cause).toMatchObject({ code: 'AUDIO_ERR_WAV_TRUNCATED' });
  });

  it('an aborted signal stops the run', async () => {
    const controller = new AbortController();
    const pending = tts.synthesize('This is a long sentence. '.repeat(40), { lang: 'en', signal: controller.signal });
    controller.abort(new Error('barge-in'));
    await expect(pending).rejects.toThrow('barge-in');
  });
});

describe('flite', () => {
  const tts = new FliteTts();
  afterAll(() => tts.close());

  it('speaks with slt at 16 kHz natively', async () => {
    const speech = await tts.synthesize('What is twelve times seven?', { lang: 'en-us' });
    expect(speech.nativeSampleRate).toBe(16_000);
    expect(speech.pcm).toBe(speech.native);
    expectSpeech(speech, 1, 4);
  });

  it('resamples the 8 kHz kal voice', async () => {
    const speech = await tts.synthesize('Hello there.', { lang: 'en', voice: 'kal' });
    expect(speech.nativeSampleRate).toBe(8000);
    expectSpeech(speech, 0.4, 3);
  });

  it('reads text starting with "-" as text', async () => {
    expectSpeech(await tts.synthesize('-t minus five', { lang: 'en' }), 0.4, 4);
  });

  it('refuses a voice it does not have (flite itself would silently use kal)', async () => {
    await expect(tts.synthesize('hi', { lang: 'en', voice: 'nope' })).rejects.toThrow(
      expect.objectContaining({ code: 'SPEECH_ERR_UNKNOWN_VOICE', message: expect.stringContaining('expected one of kal, awb_time, kal16, awb, rms, slt') }),
    );
    await expect(tts.synthesize('hi', { lang: 'en', voice: '/nonexistent/x.flitevox' })).rejects.toThrow(expect.objectContaining({ code: 'SPEECH_ERR_MODEL_MISSING' }));
  });

  it('is English only', async () => {
    await expect(tts.synthesize('bonjour', { lang: 'fr' })).rejects.toThrow(expect.objectContaining({ code: 'SPEECH_ERR_UNSUPPORTED_LANGUAGE' }));
  });

  it('a missing program names the package to install', async () => {
    await expect(new FliteTts({ binary: '/nonexistent/flite' }).synthesize('hi', { lang: 'en' })).rejects.toThrow(
      expect.objectContaining({ code: 'SPEECH_ERR_ENGINE_MISSING', message: expect.stringContaining('install it with: sudo apt-get install flite') }),
    );
  });
});

describe('piper (a stand-in script with the same CLI)', () => {
  let model: string;
  let fakePiper: string;
  let hangingPiper: string;
  beforeAll(async () => {
    model = join(dir, 'en_US-test-medium.onnx');
    await writeFile(model, 'not really onnx');
    await writeFile(`${model}.json`, JSON.stringify({ audio: { sample_rate: 22_050 } }));
    // Checks the arguments piper gets, reads the text, writes 0.5 s of a 440 Hz tone as raw s16le.
    fakePiper = join(dir, 'piper');
    await writeFile(
      fakePiper,
      `#!/usr/bin/env node
const args = process.argv.slice(2);
if (args[0] !== '--model' || !args[1].endsWith('.onnx') || !args.includes('--output_raw')) { console.error('bad args ' + args.join(' ')); process.exit(2); }
let text = '';
process.stdin.on('data', (d) => (text += d));
process.stdin.on('end', () => {
  if (text !== 'Hello from piper.\\n') { console.error('bad text ' + JSON.stringify(text)); process.exit(3); }
  const out = Buffer.alloc(22050);
  for (let i = 0; i < 11025; i++) out.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 22050)), i * 2);
  process.stdout.write(out);
});
`,
    );
    await chmod(fakePiper, 0o755);
    hangingPiper = join(dir, 'piper-hangs');
    await writeFile(hangingPiper, '#!/bin/sh\nexec sleep 600\n');
    await chmod(hangingPiper, 0o755);
  });

  it('runs piper with the model and converts its raw output from the voice rate', async () => {
    const speech = await new PiperTts({ binary: fakePiper, model }).synthesize('Hello from piper.', { lang: 'en-us' });
    expect(speech.nativeSampleRate).toBe(22_050);
    expect(speech.native.length).toBe(11_025);
    expect(speech.pcm.length).toBe(8000);
  });

  it('a missing model or voice config is SPEECH_ERR_MODEL_MISSING', async () => {
    await expect(new PiperTts({ binary: fakePiper, model: join(dir, 'missing.onnx') }).synthesize('hi', { lang: 'en' })).rejects.toThrow(
      expect.objectContaining({ code: 'SPEECH_ERR_MODEL_MISSING', message: expect.stringContaining('missing.onnx') }),
    );
    const noConfig = join(dir, 'noconfig.onnx');
    await writeFile(noConfig, 'x');
    await expect(new PiperTts({ binary: fakePiper, model: noConfig }).synthesize('hi', { lang: 'en' })).rejects.toThrow(
      expect.objectContaining({ code: 'SPEECH_ERR_MODEL_MISSING', message: expect.stringContaining('noconfig.onnx.json') }),
    );
  });

  it('a voice rate the audio layer does not convert is SPEECH_ERR_BAD_AUDIO', async () => {
    const fast = join(dir, 'en_US-fast-medium.onnx');
    await writeFile(fast, 'not really onnx');
    await writeFile(`${fast}.json`, JSON.stringify({ audio: { sample_rate: 96_000 } }));
    const err = (await new PiperTts({ binary: fakePiper, model: fast }).synthesize('Hello from piper.', { lang: 'en' }).catch((e: unknown) => e)) as SpeechError;
    expect(err).toBeInstanceOf(SpeechError);
    expect(err).toMatchObject({ code: 'SPEECH_ERR_BAD_AUDIO', message: expect.stringContaining('piper output: inputRateHz: expected an integer rate in 8000–48000 Hz, got 96000') });
    expect(err.cause).toBeInstanceOf(AudioError);
  });

  it('a missing program says where to get piper', async () => {
    await expect(new PiperTts({ binary: '/nonexistent/piper', model }).synthesize('hi', { lang: 'en' })).rejects.toThrow(
      expect.objectContaining({ code: 'SPEECH_ERR_ENGINE_MISSING', message: expect.stringContaining('github.com/rhasspy/piper/releases') }),
    );
  });

  it('a run over its time limit is killed with SPEECH_ERR_TIMEOUT', async () => {
    const timers = new ManualTimers();
    const pending = new PiperTts({ binary: hangingPiper, model, timers, timeoutMs: 5000 }).synthesize('hi', { lang: 'en' });
    while (timers.armed.length === 0) await new Promise((r) => setImmediate(r));
    expect(timers.armed).toEqual([5000]);
    timers.fireAll();
    await expect(pending).rejects.toThrow(expect.objectContaining({ code: 'SPEECH_ERR_TIMEOUT', message: 'piper: expected to finish within 5000 ms, got no result in time (killed)' }));
  });
});
