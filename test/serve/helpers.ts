/**
 * Test helpers for `hivesat serve`: a test hub with the default responder, a serve instance on a free loopback port
 * with the hub and the built-in persona, a recording logger, and cleanup after each test.
 */
import { afterEach } from 'vitest';
import { type HiveLogger, HubConnection, type HubConnectionOptions, type LogLevel, memoryNoiseKeyStore } from '../../src/hivemind/index.js';
import { createDefaultPersona } from '../../src/persona/index.js';
import { type ServeHandle, type ServeOptions, type ServeTarget, hubTarget, personaTarget, startServe } from '../../src/serve/index.js';
import { type HubAgent, type TestHub, agents, startTestHub } from '../hub/index.js';

export const ACCESS_KEY = 'serve-access-key-0123456789';
export const PASSWORD = 'serve password for tests 42';
export const TOKEN = 'hst_test-token-0123456789abcdefghijklmnopqrstuvwxyz';
/** Short `ask` settle/quiet times: the hub's answer is over 40 ms after the last `speak` instead of 500. */
export const FAST_ASK = { settleMs: 40, quietMs: 400 } as const;

const hubs: TestHub[] = [];
const servers: ServeHandle[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(hubs.splice(0).map((h) => h.stop()));
});

/** A test hub knowing {@link ACCESS_KEY}; the default agent answers "you said <text>". */
export async function startHub(agent?: HubAgent): Promise<TestHub> {
  const hub = await startTestHub({ clients: [{ accessKey: ACCESS_KEY, password: PASSWORD }], agent: agent ?? agents.responder() });
  hubs.push(hub);
  return hub;
}

/** Connection options for `hub` (a failed connect gives up after one retry). */
export function connectionOptions(port: number): HubConnectionOptions {
  return {
    host: '127.0.0.1',
    port,
    accessKey: ACCESS_KEY,
    password: PASSWORD,
    keyStore: memoryNoiseKeyStore(),
    reconnect: { initialDelayMs: 50, maxAttempts: 2 },
    unknownKeyCloses: 1,
  };
}

/** The hub model for a hub on `port`. */
export function hubModel(port: number, ask: { timeoutMs?: number; quietMs?: number; settleMs?: number } = FAST_ASK): ServeTarget {
  return hubTarget({ description: 'test hub', connect: (sessionId) => new HubConnection({ ...connectionOptions(port), sessionId }), ask });
}

/** The built-in offline persona as `persona:hivesat-offline`. */
export function offlinePersona(): ServeTarget {
  return personaTarget({ personaName: 'hivesat offline', create: () => createDefaultPersona({ clock: () => Date.UTC(2026, 0, 2, 15, 4), timeZone: 'UTC' }) });
}

/** Start serve on a free loopback port with a token and the given models; closed after the test. */
export async function serve(targets: readonly ServeTarget[], extra: Partial<ServeOptions> = {}): Promise<ServeHandle> {
  const server = await startServe({ listen: { host: '127.0.0.1', port: 0 }, auth: { token: TOKEN }, targets, ...extra });
  servers.push(server);
  return server;
}

/** A logger that keeps every line (to check that secrets never appear). */
export class RecordingLogger implements HiveLogger {
  readonly lines: string[] = [];

  log(level: LogLevel, message: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>): void {
    this.lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  }
}

/** Headers the `ollama` Python client sends (ollama/_client.py `BaseClient`), plus HA's bearer token. */
export function ollamaHeaders(token: string | undefined = TOKEN): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json',
    'user-agent': 'ollama-python/0.6.1 (x86_64 linux) Python/3.13.3',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
}

/** The lines of an NDJSON body, parsed. */
export function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
