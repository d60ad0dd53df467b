/**
 * `hivesat serve` request latency on loopback (client, server and test hub in this process, so each figure includes
 * all three): the built-in persona through the Ollama and OpenAI APIs, the hub through a pooled per-conversation
 * session (and `HubConnection.ask` directly, the baseline), time to the first streamed line, and a new conversation
 * (connect + password handshake + answer). The hub's `ask` settle time is set to 1 ms so the figures show the path,
 * not the wait for late `speak`s (500 ms by default).
 */
import OpenAI from 'openai';
import { HubConnection, type HubConnectionOptions, memoryNoiseKeyStore } from '../src/hivemind/index.js';
import { createDefaultPersona } from '../src/persona/index.js';
import { type ServeHandle, hubTarget, personaTarget, startServe } from '../src/serve/index.js';
import { startTestHub } from '../test/hub/index.js';
import { type BenchRow, measure } from './harness.js';

const KEY = 'bench-serve-access-key';
const PASSWORD = 'bench serve password';
const TOKEN = 'hst_bench-token-0123456789abcdefghijkl';
const ASK = { settleMs: 1, quietMs: 200 } as const;
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function chat(server: ServeHandle, model: string, content: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await fetch(`${server.url}/api/chat`, { method: 'POST', headers, body: JSON.stringify({ model, messages: [{ role: 'user', content }], stream: false, ...extra }) });
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}`);
  await res.json();
}

/** Mean time to the first NDJSON line of a streamed answer, over `runs` requests. */
async function firstLine(group: string, name: string, server: ServeHandle, model: string, runs: number): Promise<BenchRow> {
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const res = await fetch(`${server.url}/api/chat`, { method: 'POST', headers, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'stream please' }] }) });
    const reader = res.body?.getReader();
    if (reader === undefined) throw new Error('expected a body');
    await reader.read();
    total += performance.now() - started;
    while (!(await reader.read()).done) {
      // drain the rest so the conversation is free for the next run
    }
  }
  const msPerOp = total / runs;
  return { group, name, opsPerSec: 1000 / msPerOp, msPerOp, mibPerSec: undefined };
}

/** Run the serve benchmarks. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const hub = await startTestHub({ clients: [{ accessKey: KEY, password: PASSWORD }] });
  const connection: HubConnectionOptions = { host: '127.0.0.1', port: hub.port, accessKey: KEY, password: PASSWORD, keyStore: memoryNoiseKeyStore(), handshake: 'password' };
  const server = await startServe({
    listen: { host: '127.0.0.1', port: 0 },
    auth: { token: TOKEN },
    targets: [
      hubTarget({ connect: (sessionId) => new HubConnection({ ...connection, sessionId }), ask: ASK }),
      personaTarget({ personaName: 'hivesat offline', create: () => createDefaultPersona({ timeZone: 'UTC' }) }),
    ],
    rateLimit: { perMinute: 1_000_000, burst: 1_000_000 },
  });
  const ai = new OpenAI({ apiKey: TOKEN, baseURL: `${server.url}/v1`, maxRetries: 0 });
  try {
    // Warm up every path (JIT, sockets of the keep-alive pool, the conversation's hub session) before measuring.
    for (let i = 0; i < 50; i++) {
      await chat(server, 'persona:hivesat-offline', 'what is 6 times 7');
      await ai.chat.completions.create({ model: 'persona:hivesat-offline', messages: [{ role: 'user', content: 'what is 6 times 7' }] });
      await chat(server, 'hivemind', 'what time is it');
    }
    rows.push(await measure('serve', 'persona "what is 6 times 7", /api/chat', () => chat(server, 'persona:hivesat-offline', 'what is 6 times 7'), { minMs: 1_000 }));
    rows.push(
      await measure('serve', 'persona "what is 6 times 7", openai client', () =>
        ai.chat.completions.create({ model: 'persona:hivesat-offline', messages: [{ role: 'user', content: 'what is 6 times 7' }] }),
      { minMs: 1_000 }),
    );
    rows.push(await measure('serve', 'GET /api/tags', async () => (await fetch(`${server.url}/api/tags`, { headers })).json()));
    rows.push(await measure('serve', 'hub answer, pooled session, /api/chat', () => chat(server, 'hivemind', 'what time is it'), { minMs: 1_000 }));
    rows.push(await firstLine('serve', 'hub answer, first streamed line', server, 'hivemind', 30));
    const direct = new HubConnection({ ...connection });
    await direct.connect();
    rows.push(await measure('serve', 'baseline: HubConnection.ask without serve', () => direct.ask('what time is it', ASK), { minMs: 1_000 }));
    await direct.close();
    let n = 0;
    rows.push(
      await measure('serve', 'hub answer, new conversation (connect+handshake)', () => chat(server, 'hivemind', 'hello', { conversation_id: `bench-${n++}` }), { minMs: 1_500 }),
    );
  } finally {
    await server.close();
    await hub.stop();
  }
  return rows;
}
