/**
 * Persona benchmarks: built-in answer latency, the whole default chain, sentence splitting, and the OpenAI solver's
 * time to first sentence against a loopback streaming server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BUILTIN_SOLVER_ID, BuiltinSolver, createDefaultPersona, OPENAI_SOLVER_ID, OpenAiChatSolver, SolverConfig, splitSentences } from '../src/persona/index.js';
import { type BenchRow, measure } from './harness.js';

const clock = (): number => Date.UTC(2026, 10, 24, 15, 7);

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const builtin = new BuiltinSolver(new SolverConfig('bench', BUILTIN_SOLVER_ID, {}), { clock, timeZone: 'UTC', connectivity: () => ({ hub: false }), satelliteName: 'hivesat' });
  rows.push(await measure('persona', 'builtin respond "what time is it"', () => builtin.respond('what time is it', 'en-us')));
  rows.push(await measure('persona', 'builtin respond "what is twelve times seven"', () => builtin.respond('what is twelve times seven', 'en-us')));
  rows.push(await measure('persona', 'builtin respond (no match)', () => builtin.respond('tell me a story about dragons', 'en-us')));
  const persona = createDefaultPersona({ clock, timeZone: 'UTC' });
  rows.push(await measure('persona', 'default persona ask (builtin answers)', () => persona.ask('what day is it', { lang: 'en-us' })));
  rows.push(await measure('persona', 'default persona ask (falls to failure)', () => persona.ask('tell me a joke', { lang: 'en-us' })));
  const text = 'Paris is the capital of France. It has about two million people! Dr. Smith lives there, at 3.5 km from the centre? Yes. '.repeat(40);
  rows.push(await measure('persona', 'splitSentences 4.7 kB answer', () => splitSentences(text), { bytes: text.length }));

  // Loopback OpenAI-compatible server: first sentence immediately, the rest later.
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'The first sentence is here. ' } }] })}\n\n`);
      setTimeout(() => res.end(`data: ${JSON.stringify({ choices: [{ delta: { content: 'More.' }, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`), 5);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const openai = new OpenAiChatSolver(new SolverConfig('bench', OPENAI_SOLVER_ID, { api_url: `http://127.0.0.1:${port}/v1`, enable_memory: false }), { fetch });
  rows.push(
    await measure('persona', 'openai solver first sentence (loopback SSE)', async () => {
      const controller = new AbortController();
      for await (const _ of openai.answer('q', { lang: 'en', signal: controller.signal })) break;
    }),
  );
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  return rows;
}
