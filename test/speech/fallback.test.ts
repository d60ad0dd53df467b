/** The transcription endpoint with the grammar recognizer as fallback: a real loopback server, real pocketsphinx. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinPhrases } from '../../src/persona/index.js';
import { FallbackStt, FliteTts, OpenAiTranscriber, PocketsphinxStt } from '../../src/speech/index.js';

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s !== undefined) await new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve())));
});

async function endpoint(status: number, body: string): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

describe('FallbackStt', () => {
  const flite = new FliteTts();
  const grammar = new PocketsphinxStt({ grammar: builtinPhrases('en') });

  it('uses the endpoint when it answers (open vocabulary)', async () => {
    const stt = new FallbackStt({ primary: new OpenAiTranscriber({ apiUrl: await endpoint(200, '{"text":"what is the capital of France?"}') }), fallback: grammar });
    const speech = await flite.synthesize('what is the capital of france', { lang: 'en' });
    expect(await stt.transcribe(speech.pcm, { lang: 'en' })).toEqual({ text: 'what is the capital of France?' });
    expect(stt.vocabulary).toBe('open');
  });

  it('falls back to the grammar recognizer when the endpoint fails, and says why', async () => {
    const seen: unknown[] = [];
    const stt = new FallbackStt({ primary: new OpenAiTranscriber({ apiUrl: await endpoint(500, '{"error":{"message":"model not loaded"}}') }), fallback: grammar, onFallback: (e) => seen.push(e) });
    const speech = await flite.synthesize('what time is it', { lang: 'en' });
    expect(await stt.transcribe(speech.pcm, { lang: 'en' })).toEqual({ text: 'what time is it' });
    expect(seen).toEqual([expect.objectContaining({ code: 'SPEECH_ERR_HTTP' })]);
  });
});
