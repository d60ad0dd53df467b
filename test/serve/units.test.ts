/**
 * The parts of `hivesat serve` without a socket: the token file and check, the rate limiter, the conversation pool,
 * conversation keys and session ids, listen addresses and settings, model names, and loading the models from a
 * persona folder.
 */
import { mkdtemp, rm, stat, writeFile, chmod, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersonaError } from '../../src/persona/index.js';
import {
  BearerCheck,
  KeyedPool,
  RateLimiter,
  SERVE_ERROR_STATUS,
  ServeError,
  type ServeTarget,
  conversationIdOf,
  conversationKey,
  findTarget,
  generateToken,
  hubError,
  isLoopbackHost,
  lastUserText,
  loadOrCreateToken,
  loadServeTargets,
  parseListen,
  parseMessages,
  personaError,
  personaModelName,
  resolveServeSettings,
  sessionIdFor,
} from '../../src/serve/index.js';
import { HiveAuthError, HiveConnectionError } from '../../src/hivemind/index.js';
import { ManualTimers } from '../persona/helpers.js';
import { connectionOptions } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hivesat-serve-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('token file', () => {
  it('creates a 256-bit token with mode 0600 at first start and reads the same one afterwards', async () => {
    const path = join(dir, 'cfg', 'hivesat', 'serve-token');
    const first = await loadOrCreateToken(path);
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^hst_[A-Za-z0-9_-]{43}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'cfg', 'hivesat'))).mode & 0o777).toBe(0o700);
    const again = await loadOrCreateToken(path);
    expect(again).toEqual({ token: first.token, path, created: false });
    expect(generateToken()).not.toBe(first.token);
  });

  it('refuses a token file others can read, a short token and a folder in its place', async () => {
    const open = join(dir, 'open-token');
    await writeFile(open, 'hst_abcdefghijklmnopqrstuvwxyz\n', { mode: 0o644 });
    await chmod(open, 0o644);
    await expect(loadOrCreateToken(open)).rejects.toSatisfy((e: unknown) => e instanceof ServeError && e.code === 'SERVE_ERR_TOKEN' && e.message === `${open}: expected mode 0600 (owner only), got 0644; run "chmod 600 ${open}"`);
    const short = join(dir, 'short-token');
    await writeFile(short, 'abc\n', { mode: 0o600 });
    await expect(loadOrCreateToken(short)).rejects.toThrow(`${short}: expected a token of at least 16 printable characters without spaces, got 3 characters`);
    await mkdir(join(dir, 'a-folder'));
    await expect(loadOrCreateToken(join(dir, 'a-folder'))).rejects.toMatchObject({ code: 'SERVE_ERR_TOKEN' });
  });

  it('checks Bearer headers: exact token only, scheme case-insensitive', () => {
    const check = new BearerCheck('hst_0123456789abcdef');
    expect(check.verify('Bearer hst_0123456789abcdef')).toBe(true);
    expect(check.verify('BEARER  hst_0123456789abcdef ')).toBe(true);
    for (const header of [undefined, '', 'Bearer', 'Bearer hst_0123456789abcde', 'Bearer hst_0123456789abcdefX', 'Basic hst_0123456789abcdef', 'hst_0123456789abcdef', 'Bearer hst_0123456789abcdef extra']) {
      expect(check.verify(header), String(header)).toBe(false);
    }
    expect(() => new BearerCheck('short')).toThrow(expect.objectContaining({ code: 'SERVE_ERR_TOKEN' }));
  });
});

describe('rate limiter', () => {
  it('allows a burst, then the sustained rate, per client, and forgets the least recent client when full', () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 6, burst: 2, maxClients: 2, now: () => now });
    expect(limiter.take('a')).toEqual({ allowed: true });
    expect(limiter.take('a')).toEqual({ allowed: true });
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 10 });
    expect(limiter.take('b')).toEqual({ allowed: true });
    now += 10_000;
    expect(limiter.take('a')).toEqual({ allowed: true });
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 10 });
    limiter.take('c'); // forgets b, the least recently seen
    expect(limiter.clients).toBe(2);
    expect(() => new RateLimiter({ perMinute: 0 })).toThrow(RangeError);
  });
});

describe('conversation pool', () => {
  it('creates one entry per key, serialises users of a key, evicts the least recently used idle entry', async () => {
    const disposed: string[] = [];
    const pool = new KeyedPool<string>({ create: (k) => `value-${k}`, dispose: (v) => void disposed.push(v), max: 2, timers: new ManualTimers() });
    const a = await pool.acquire('a');
    expect(a).toMatchObject({ value: 'value-a', fresh: true });
    let second = false;
    const waiting = pool.acquire('a').then((lease) => {
      second = true;
      return lease;
    });
    await Promise.resolve();
    expect(second).toBe(false);
    a.release();
    const a2 = await waiting;
    expect(a2.fresh).toBe(false);
    a2.release();
    (await pool.acquire('b')).release();
    (await pool.acquire('c')).release(); // full: a is the least recently used
    expect(disposed).toEqual(['value-a']);
    expect(pool.size).toBe(2);
  });

  it('refuses a new key when every entry is busy, disposes idle entries after idleMs and everything at close', async () => {
    const timers = new ManualTimers();
    const disposed: string[] = [];
    const pool = new KeyedPool<string>({ create: (k) => k, dispose: (v) => void disposed.push(v), max: 1, idleMs: 1000, timers });
    const busy = await pool.acquire('x');
    await expect(pool.acquire('y')).rejects.toMatchObject({ code: 'SERVE_ERR_UNAVAILABLE' });
    busy.release();
    expect(timers.armed).toEqual([1000]);
    timers.fireAll();
    await Promise.resolve();
    expect(disposed).toEqual(['x']);
    const discarded = await pool.acquire('z');
    discarded.discard();
    await Promise.resolve();
    expect(disposed).toEqual(['x', 'z']);
    (await pool.acquire('w')).release();
    await pool.close();
    expect(disposed).toEqual(['x', 'z', 'w']);
    await expect(pool.acquire('v')).rejects.toMatchObject({ code: 'SERVE_ERR_UNAVAILABLE' });
  });
});

describe('conversations', () => {
  const turn1 = parseMessages([{ role: 'system', content: 'at 10:00' }, { role: 'user', content: 'hi' }]);
  const turn2 = parseMessages([{ role: 'system', content: 'at 10:01' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'more' }]);

  it('keys a conversation by its opening (not the system prompt) and the client; explicit ids win', () => {
    expect(conversationKey(undefined, '127.0.0.1', turn2)).toBe(conversationKey(undefined, '127.0.0.1', turn1));
    expect(conversationKey(undefined, '127.0.0.2', turn1)).not.toBe(conversationKey(undefined, '127.0.0.1', turn1));
    expect(conversationKey('c1', '127.0.0.1', turn1)).toBe(conversationKey('c1', '10.0.0.9', turn2));
    expect(conversationKey(undefined, '127.0.0.1', turn1)).toMatch(/^opening:[0-9a-f]{64}$/);
  });

  it('finds conversation ids in headers, body fields and metadata, and checks them', () => {
    expect(conversationIdOf({ 'x-openwebui-chat-id': 'web-1' }, { chat_id: 'body' })).toBe('web-1');
    expect(conversationIdOf({}, { session_id: 7 })).toBe('7');
    expect(conversationIdOf({}, { metadata: { conversation_id: 'meta' } })).toBe('meta');
    expect(conversationIdOf({}, {})).toBeUndefined();
    expect(() => conversationIdOf({}, { chat_id: 'x'.repeat(201) })).toThrow(expect.objectContaining({ code: 'SERVE_ERR_BAD_REQUEST' }));
    expect(() => conversationIdOf({}, { chat_id: { a: 1 } })).toThrow('chat_id: expected a string, got object');
  });

  it('takes the last user message, with OpenAI content parts and null contents', () => {
    const messages = parseMessages([
      { role: 'user', content: [{ type: 'text', text: 'turn on' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'the light' }] },
      { role: 'assistant', content: null },
    ]);
    expect(lastUserText(messages)).toBe('turn on the light');
    expect(() => parseMessages([{ content: 'x' }])).toThrow('messages[0].role: expected a string, got undefined');
    expect(() => lastUserText(parseMessages([{ role: 'user', content: 'x'.repeat(8193) }]))).toThrow('messages[0]: expected at most 8192 characters, got 8193');
  });

  it('derives a stable UUID-shaped session id per model and conversation', () => {
    const id = sessionIdFor('hivemind', 'opening:abc');
    expect(id).toBe(sessionIdFor('hivemind', 'opening:abc'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sessionIdFor('hivemind', 'opening:abd')).not.toBe(id);
    expect(sessionIdFor('other', 'opening:abc')).not.toBe(id);
  });
});

describe('listen addresses and settings', () => {
  it.each([
    ['127.0.0.1:8337', { host: '127.0.0.1', port: 8337 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    [':8080', { host: '127.0.0.1', port: 8080 }],
    ['localhost', { host: 'localhost', port: 8337 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
  ])('parses %s', (value, expected) => {
    expect(parseListen(value, '--listen')).toEqual(expected);
  });

  it('refuses bad addresses and knows loopback', () => {
    expect(() => parseListen('127.0.0.1:99999', '--listen')).toThrow('--listen: expected a port 0-65535 (0: any free port), got 99999');
    expect(() => parseListen('http://x:1', '--listen')).toThrow(expect.objectContaining({ code: 'CFG_ERR_INVALID_VALUE' }));
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'hub.local', '::ffff:10.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('resolves flags > environment > config file, and creates the token file when no token is given', async () => {
    const home = join(dir, 'settings-home');
    await mkdir(join(home, 'hivesat'), { recursive: true });
    await writeFile(join(home, 'hivesat', 'config.json'), JSON.stringify({ hub: { host: 'x' }, serve: { listen: '127.0.0.1:9001', fallback: 'hivesat offline', rate_limit_per_minute: 30 } }));
    const env = { XDG_CONFIG_HOME: home, HIVESAT_SERVE_LISTEN: '127.0.0.1:9002' };
    const fromEnv = await resolveServeSettings({ env });
    expect(fromEnv).toMatchObject({ listen: { host: '127.0.0.1', port: 9002 }, fallback: 'hivesat offline', rateLimitPerMinute: 30, hubModel: 'hivemind', personaDir: join(home, 'ovos_persona') });
    expect(fromEnv.auth).toMatchObject({ kind: 'token', source: 'file', path: join(home, 'hivesat', 'serve-token'), created: true });
    const token = (await readFile(join(home, 'hivesat', 'serve-token'), 'utf8')).trim();
    expect(fromEnv.auth.kind === 'token' && fromEnv.auth.token).toBe(token);
    const fromFlags = await resolveServeSettings({ flags: { listen: '[::1]:9003', noAuth: true }, env });
    expect(fromFlags).toMatchObject({ listen: { host: '::1', port: 9003 }, auth: { kind: 'none' } });
    const fromEnvToken = await resolveServeSettings({ env: { ...env, HIVESAT_SERVE_TOKEN: 'hst_from-the-environment-00' } });
    expect(fromEnvToken.auth).toEqual({ kind: 'token', token: 'hst_from-the-environment-00', source: 'env' });
    await expect(resolveServeSettings({ flags: { token: 'hst_flag-token-0000000000', noAuth: true }, env })).rejects.toThrow('--token and --no-auth: expected one of them, got both');
  });

  it('refuses unknown or mistyped keys of the "serve" config section', async () => {
    const path = join(dir, 'bad-config.json');
    await writeFile(path, JSON.stringify({ serve: { listen: '127.0.0.1:1', tokn: 'x' } }));
    await expect(resolveServeSettings({ flags: { config: path }, env: {} })).rejects.toThrow(`${path}: unknown key "serve.tokn" (expected one of listen, token_file, auth, fallback, persona_dir, hub_model, rate_limit_per_minute, enabled)`);
    await writeFile(path, JSON.stringify({ serve: { auth: 'no' } }));
    await expect(resolveServeSettings({ flags: { config: path }, env: {} })).rejects.toThrow(`${path}: expected "serve.auth" to be a boolean, got string`);
  });
});

describe('models', () => {
  const target = (name: string): ServeTarget => ({ name, kind: 'persona', description: name, answer: async function* () {}, close: () => Promise.resolve() });

  it('names personas and finds models by exact name, case or ":latest"', () => {
    expect(personaModelName('hivesat offline')).toBe('persona:hivesat-offline');
    expect(personaModelName('  My Local LLM (v2)! ')).toBe('persona:my-local-llm-v2');
    expect(personaModelName('Ünïcode')).toBe('persona:unicode');
    expect(personaModelName('???')).toBe('persona:unnamed');
    const targets = new Map([['hivemind', target('hivemind')], ['persona:a', target('persona:a')]]);
    expect(findTarget(targets, 'hivemind:latest')?.name).toBe('hivemind');
    expect(findTarget(targets, 'HiveMind')?.name).toBe('hivemind');
    expect(findTarget(targets, 'persona:a:latest')?.name).toBe('persona:a');
    expect(findTarget(targets, 'llama3')).toBeUndefined();
  });

  it.each([
    [new HiveConnectionError('HM_ERR_UNREACHABLE', 'x'), 'SERVE_ERR_UNAVAILABLE', 503],
    [new HiveConnectionError('HM_ERR_CONNECTION_LOST', 'x'), 'SERVE_ERR_UNAVAILABLE', 503],
    [new HiveConnectionError('HM_ERR_NO_ANSWER', 'x'), 'SERVE_ERR_TIMEOUT', 504],
    [new HiveAuthError('HM_ERR_UNKNOWN_ACCESS_KEY', 'x'), 'SERVE_ERR_UNAVAILABLE', 503],
    [new Error('weird'), 'SERVE_ERR_UPSTREAM', 502],
  ])('maps hub failure %s', (error, code, status) => {
    const mapped = hubError(error);
    expect(mapped).toMatchObject({ code, cause: error });
    expect(mapped.status).toBe(status);
  });

  it('maps persona failures: all timed out → 504, else 502', () => {
    const timedOut = new PersonaError('PERSONA_ERR_NO_ANSWER', 'x', { cause: new AggregateError([new PersonaError('PERSONA_ERR_TIMEOUT', 't')]) });
    expect(personaError(timedOut).code).toBe('SERVE_ERR_TIMEOUT');
    expect(personaError(new PersonaError('PERSONA_ERR_NO_ANSWER', 'x', { cause: new AggregateError([new PersonaError('PERSONA_ERR_HTTP', 'h')]) })).code).toBe('SERVE_ERR_UPSTREAM');
    expect(SERVE_ERROR_STATUS.SERVE_ERR_TOO_LARGE).toBe(413);
  });

  it('loads the hub, the built-in persona and the persona folder; skips a broken file; checks the fallback', async () => {
    const personas = join(dir, 'personas');
    await mkdir(personas, { recursive: true });
    await writeFile(join(personas, 'butler.json'), JSON.stringify({ name: 'The Butler', handlers: ['hivesat-solver-builtin', 'ovos-solver-failure-plugin'] }));
    await writeFile(join(personas, 'broken.json'), '{"name": "Broken", "handlers": ["no-such-solver"]}');
    const warnings: string[] = [];
    const targets = await loadServeTargets({
      hub: { connection: connectionOptions(1), description: 'HiveMind hub ws://127.0.0.1:1' },
      personaDir: personas,
      fallback: 'The Butler',
      warn: (m) => warnings.push(m),
    });
    expect(targets.map((t) => [t.name, t.kind])).toEqual([
      ['hivemind', 'hub'],
      ['persona:the-butler', 'persona'],
      ['persona:hivesat-offline', 'persona'],
    ]);
    expect(targets[0]?.description).toBe('HiveMind hub ws://127.0.0.1:1, falling back to persona "The Butler"');
    expect(warnings).toEqual([expect.stringMatching(/broken\.json: not served: .*no-such-solver/)]);
    await expect(loadServeTargets({ hub: { connection: connectionOptions(1), description: 'hub' }, personaDir: personas, fallback: 'nobody' })).rejects.toThrow(
      'fallback: expected a persona (one of persona:the-butler, persona:hivesat-offline), got "nobody"',
    );
    await Promise.all(targets.map((t) => t.close()));
  });
});
