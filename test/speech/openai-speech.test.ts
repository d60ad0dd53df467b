import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, WavError } from '../../src/audio/index.js';
import { OpenAiSpeechSynthesizer, OpenAiTranscriber, SpeechError } from '../../src/speech/index.js';
import { ManualTimers, startServer, type TestServer } from '../persona/helpers.js';

const KEY = 'sk-speech-0123456789abcdef';
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The parts of a multipart/form-data body: name → { filename, type, data }. */
function multipart(body: Buffer, contentType: string): Map<string, { filename?: string; type?: string; data: Buffer }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const delimiter = Buffer.from(`--${boundary?.[1] ?? boundary?.[2] ?? ''}`);
  const parts = new Map<string, { filename?: string; type?: string; data: Buffer }>();
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString();
    const name = /name="([^"]+)"/.exec(headers)?.[1] ?? '';
    const filename = /filename="([^"]+)"/.exec(headers)?.[1];
    const type = /content-type: ([^\r\n]+)/i.exec(headers)?.[1];
    parts.set(name, { ...(filename !== undefined ? { filename } : {}), ...(type !== undefined ? { type } : {}), data: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function tone(samples: number, rate: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / rate)));
}

describe('OpenAI-compatible transcription (/v1/audio/transcriptions)', () => {
  it('uploads the utterance as a 16 kHz WAV and returns the text', async () => {
    server = await startServer((_req, res) => json(res, 200, { text: ' What time is it? ' }));
    const pcm = tone(8000, 16_000);
    const stt = new OpenAiTranscriber({ apiUrl: `${server.origin}/v1`, key: KEY, model: 'Systran/faster-whisper-small', prompt: 'what time is it' });
    expect(await stt.transcribe(pcm, { lang: 'en-US' })).toEqual({ text: 'What time is it?' });

    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/audio/transcriptions');
    expect(req.headers['authorization']).toBe(`Bearer ${KEY}`);
    const parts = multipart(req.body, req.headers['content-type'] ?? '');
    expect(parts.get('model')?.data.toString()).toBe('Systran/faster-whisper-small');
    expect(parts.get('language')?.data.toString()).toBe('en');
    expect(parts.get('response_format')?.data.toString()).toBe('json');
    expect(parts.get('prompt')?.data.toString()).toBe('what time is it');
    const file = parts.get('file')!;
    expect(file).toMatchObject({ filename: 'utterance.wav', type: 'audio/wav' });
    const wav = decodeWav(file.data);
    expect(wav.info).toMatchObject({ sampleRateHz: 16_000, channels: 1 });
    expect(wav.samples).toEqual(pcm);
  });

  it.each([
    [401, { error: { message: `Invalid key ${KEY}` } }, 'SPEECH_ERR_HTTP', 'got 401 Unauthorized: Invalid key [redacted]'],
    [200, 'plain text', 'SPEECH_ERR_BAD_RESPONSE', 'expected {"text": string}'],
    [200, { result: 'x' }, 'SPEECH_ERR_BAD_RESPONSE', 'expected {"text": string} from http://127.0.0.1:'],
  ])('status %d %j → %s', async (status, body, code, message) => {
    server = await startServer((_req, res) => json(res, status, body));
    const err = (await new OpenAiTranscriber({ apiUrl: `${server.origin}/v1`, key: KEY }).transcribe(tone(1600, 16_000), { lang: 'en' }).catch((e: unknown) => e)) as SpeechError;
    expect(err).toBeInstanceOf(SpeechError);
    expect(err).toMatchObject({ code, message: expect.stringContaining(message) });
    expect(err.message).not.toContain(KEY);
  });

  it('a body that is not JSON is SPEECH_ERR_BAD_RESPONSE', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200);
      res.end('<html>');
    });
    await expect(new OpenAiTranscriber({ apiUrl: `${server.origin}/v1` }).transcribe(tone(1600, 16_000), { lang: 'en' })).rejects.toThrow(
      expect.objectContaining({ code: 'SPEECH_ERR_BAD_RESPONSE', message: expect.stringContaining('expected JSON') }),
    );
  });

  it('a server that never answers is SPEECH_ERR_TIMEOUT', async () => {
    server = await startServer(() => undefined);
    const timers = new ManualTimers();
    const pending = new OpenAiTranscriber({ apiUrl: `${server.origin}/v1`, timers, timeoutMs: 4000 }).transcribe(tone(1600, 16_000), { lang: 'en' });
    await server.nextRequest();
    expect(timers.armed).toEqual([4000]);
    timers.fireAll();
    await expect(pending).rejects.toThrow(expect.objectContaining({ code: 'SPEECH_ERR_TIMEOUT', message: expect.stringContaining('within 4000 ms') }));
  });

  it('an unreachable server is SPEECH_ERR_NETWORK; a bad URL is SPEECH_ERR_INVALID_CONFIG', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    await expect(new OpenAiTranscriber({ apiUrl: `${closed.origin}/v1` }).transcribe(tone(1600, 16_000), { lang: 'en' })).rejects.toThrow(
      expect.objectContaining({ code: 'SPEECH_ERR_NETWORK', message: expect.stringContaining('ECONNREFUSED') }),
    );
    expect(() => new OpenAiTranscriber({ apiUrl: 'ftp://x/v1' })).toThrow(expect.objectContaining({ code: 'SPEECH_ERR_INVALID_CONFIG' }));
  });
});

describe('OpenAI-compatible speech (/v1/audio/speech)', () => {
  it('asks for WAV and converts it to 16 kHz', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(encodeWav(tone(24_000, 24_000), 24_000));
    });
    const tts = new OpenAiSpeechSynthesizer({ apiUrl: `${server.origin}/v1/`, key: KEY, speed: 1.25 });
    const speech = await tts.synthesize(' Hello there. ', { lang: 'en-us', voice: 'nova' });
    expect(speech.nativeSampleRate).toBe(24_000);
    expect(speech.native.length).toBe(24_000);
    expect(speech.pcm.length).toBe(16_000);
    const req = server.requests[0]!;
    expect(req.url).toBe('/v1/audio/speech');
    expect(req.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(req.body.toString())).toEqual({ model: 'tts-1', input: 'Hello there.', voice: 'nova', response_format: 'wav', speed: 1.25 });
  });

  it('uses the configured voice and model, and sends no key when there is none', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(encodeWav(tone(1600, 16_000), 16_000));
    });
    const speech = await new OpenAiSpeechSynthesizer({ apiUrl: `${server.origin}/v1`, model: 'kokoro', voice: 'af_sky' }).synthesize('Hi.', { lang: 'en' });
    expect(speech.pcm).toBe(speech.native);
    expect(JSON.parse(server.requests[0]!.body.toString())).toMatchObject({ model: 'kokoro', voice: 'af_sky' });
    expect(server.requests[0]!.headers['authorization']).toBeUndefined();
  });

  it.each([
    [500, 'text/plain', 'overloaded', 'SPEECH_ERR_HTTP', 'got 500 Internal Server Error: overloaded'],
    [200, 'audio/mpeg', 'ID3not-a-wav', 'SPEECH_ERR_BAD_RESPONSE', "answer from http://127.0.0.1:"],
  ])('status %d %s → %s', async (status, type, body, code, message) => {
    server = await startServer((_req, res) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    });
    await expect(new OpenAiSpeechSynthesizer({ apiUrl: `${server.origin}/v1` }).synthesize('Hi.', { lang: 'en' })).rejects.toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(message) }),
    );
  });

  it('a body that is not a WAV is SPEECH_ERR_BAD_RESPONSE caused by SPEECH_ERR_BAD_AUDIO caused by the WavError', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end('ID3not-a-wav');
    });
    const err = (await new OpenAiSpeechSynthesizer({ apiUrl: `${server.origin}/v1` }).synthesize('Hi.', { lang: 'en' }).catch((e: unknown) => e)) as SpeechError;
    expect(err).toBeInstanceOf(SpeechError);
    expect(err).toMatchObject({ code: 'SPEECH_ERR_BAD_RESPONSE', message: expect.stringMatching(/^openai-tts answer from http:\/\/127\.0\.0\.1:\d+\/v1\/audio\/speech: malformed WAV: expected 'RIFF' at byte 0, got 'ID3n'$/) });
    expect(err.cause).toBeInstanceOf(SpeechError);
    expect(err.cause).toMatchObject({ code: 'SPEECH_ERR_BAD_AUDIO', message: err.message });
    expect((err.cause as SpeechError).cause).toBeInstanceOf(WavError);
    expect((err.cause as SpeechError).cause).toMatchObject({ code: 'AUDIO_ERR_WAV_MALFORMED' });
  });

  it('mixes a stereo answer down to mono', async () => {
    const left = tone(2400, 24_000);
    const stereo = new Int16Array(2 * left.length);
    for (let i = 0; i < left.length; i++) stereo[2 * i] = stereo[2 * i + 1] = left[i]!;
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(encodeWav(stereo, 24_000, 2));
    });
    const speech = await new OpenAiSpeechSynthesizer({ apiUrl: `${server.origin}/v1` }).synthesize('Hi.', { lang: 'en' });
    expect(speech).toMatchObject({ nativeSampleRate: 24_000 });
    expect(speech.native).toEqual(left);
    expect(speech.pcm.length).toBe(1600);
  });

  it('rejects empty text and out-of-range speed', async () => {
    await expect(new OpenAiSpeechSynthesizer().synthesize(' ', { lang: 'en' })).rejects.toThrow(expect.objectContaining({ code: 'SPEECH_ERR_BAD_INPUT' }));
    expect(() => new OpenAiSpeechSynthesizer({ speed: 9 })).toThrow(expect.objectContaining({ code: 'SPEECH_ERR_INVALID_CONFIG' }));
  });
});
