import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_SOLVERS,
  DEFAULT_PERSONA_NAME,
  defaultPersonaDir,
  listPersonas,
  loadPersonaFile,
  loadPersonaFromDir,
  loadPersonaOrDefault,
  PersonaError,
  type PersonaLogEvent,
  personaFromJson,
  type SolverFactory,
} from '../../src/persona/index.js';

let dir: string;
const SECRET = 'sk-test-SECRET-0123456789';
const fakeHive = (): { ask: () => Promise<string[]> } => ({ ask: async () => [] });

async function writePersona(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hivesat-persona-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('persona files in the ovos-persona format', () => {
  it('loads the ovos-persona README example unchanged', async () => {
    const path = await writePersona('llm.json', {
      name: 'My Local LLM',
      handlers: ['ovos-solver-openai-plugin'],
      'ovos-solver-openai-plugin': { api_url: 'https://llama.smartgic.io/v1', key: SECRET, system_prompt: 'helpful, creative, clever, and very friendly.' },
    });
    const persona = await loadPersonaFile(path);
    expect(persona.name).toBe('My Local LLM');
    expect(persona.source).toBe(path);
    // The built-in solver answers its intents first (an LLM would guess the time).
    expect(persona.solvers.map((s) => s.id)).toEqual(['hivesat-solver-builtin', 'ovos-solver-openai-plugin']);
    expect(persona.solvers[1]?.timeoutMs).toBe(15_000);
    expect(persona.warnings).toEqual([]);
  });

  it('moves a listed built-in solver to the front, keeping its config', async () => {
    const path = await writePersona('late-builtin.json', { handlers: ['ovos-solver-openai-plugin', 'hivesat-solver-builtin', 'ovos-solver-failure-plugin'], 'hivesat-solver-builtin': { timeout: 0.25 } });
    const persona = await loadPersonaFile(path);
    expect(persona.solvers.map((s) => [s.id, s.timeoutMs])).toEqual([['hivesat-solver-builtin', 250], ['ovos-solver-openai-plugin', 15_000], ['ovos-solver-failure-plugin', 1_000]]);
  });

  it('"builtin": false keeps the chain as written', async () => {
    const path = await writePersona('no-builtin.json', { builtin: false, handlers: ['ovos-solver-openai-plugin', 'hivesat-solver-builtin'] });
    expect((await loadPersonaFile(path)).solvers.map((s) => s.id)).toEqual(['ovos-solver-openai-plugin', 'hivesat-solver-builtin']);
    const none = await writePersona('no-builtin-2.json', { builtin: false, handlers: ['ovos-solver-failure-plugin'] });
    expect((await loadPersonaFile(none)).solvers.map((s) => s.id)).toEqual(['ovos-solver-failure-plugin']);
  });

  it('loads the legacy format ("solvers", ovos-solver-openai-persona-plugin, "persona" prompt)', async () => {
    const path = await writePersona('legacy.json', {
      name: 'ChatGPT',
      solvers: ['ovos-solver-openai-persona-plugin', 'ovos-solver-failure-plugin'],
      'ovos-solver-openai-persona-plugin': { api_url: 'https://llama.smartgic.io/v1', key: 'sk-xxxx', persona: 'helpful, creative, clever, and very friendly.' },
    });
    expect((await loadPersonaFile(path)).solvers.map((s) => s.id)).toEqual(['hivesat-solver-builtin', 'ovos-solver-openai-persona-plugin', 'ovos-solver-failure-plugin']);
  });

  it('takes the name from the file name when the file has none, and honours per-solver timeouts', async () => {
    const path = await writePersona('kitchen.json', { handlers: ['hivesat-solver-builtin', 'ovos-solver-hivemind-plugin'], 'hivesat-solver-builtin': { timeout: 0.5 }, 'ovos-solver-hivemind-plugin': { autoconnect: true, timeout: 8 } });
    const persona = await loadPersonaFile(path, { hivemind: fakeHive });
    expect(persona.name).toBe('kitchen');
    expect(persona.solvers.map((s) => s.timeoutMs)).toEqual([500, 8000]);
  });

  it('warns about fields hivesat does not use instead of failing', async () => {
    const events: PersonaLogEvent[] = [];
    const path = await writePersona('extras.json', {
      name: 'Extras',
      handlers: ['ovos-solver-failure-plugin'],
      memory_module: 'ovos-agents-short-term-memory-plugin',
      'ovos-agents-short-term-memory-plugin': { max_history: 10 },
      'ovos-solver-failure-plugin': { priority: 9999, enable_tx: false },
      version: 2,
    });
    const persona = await loadPersonaFile(path, { log: (e) => events.push(e) });
    expect(persona.warnings).toEqual([`${path}: solver "ovos-solver-failure-plugin": ignoring field(s) hivesat does not use: priority, enable_tx`, `${path}: ignoring top-level field "version"`]);
    expect(events.map((e) => e.type)).toEqual(['warning', 'warning']);
  });
});

describe('load-time errors name the file, the solver and the field', () => {
  it('an unknown solver id', async () => {
    const path = await writePersona('oldschool.json', {
      name: 'OldSchoolBot',
      handlers: ['ovos-solver-wikipedia-plugin', 'ovos-solver-ddg-plugin', 'ovos-solver-failure-plugin'],
      'ovos-solver-plugin-wolfram-alpha': { appid: 'Y7353-xxxxxx' },
    });
    const err = await loadPersonaFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PersonaError);
    expect(err).toMatchObject({ code: 'PERSONA_ERR_UNKNOWN_SOLVER' });
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain('got unknown "ovos-solver-wikipedia-plugin", "ovos-solver-ddg-plugin"');
  });

  it.each([
    ['api_url', { api_url: 'ftp://example.org/v1' }, 'field "api_url": expected an http or https URL, got scheme ftp:'],
    ['api_url', { api_url: 'not a url' }, 'field "api_url": expected an absolute http(s) URL, got text that does not parse as a URL'],
    ['temperature', { temperature: 5 }, 'field "temperature": expected a number in 0..2, got 5'],
    ['max_tokens', { max_tokens: 1.5 }, 'field "max_tokens": expected an integer in 1..1000000, got 1.5'],
    ['memory_size', { memory_size: -1 }, 'field "memory_size": expected an integer in 0..50, got -1'],
    ['timeout', { timeout: 0 }, 'field "timeout": expected a number in 0.001..600, got 0'],
    ['timeout', { timeout: '10' }, 'field "timeout": expected a number in 0.001..600, got "10"'],
    ['stop_token', { stop_token: 5 }, 'field "stop_token": expected a string or a list of strings, got 5'],
    ['enable_memory', { enable_memory: 'yes' }, 'field "enable_memory": expected true or false, got "yes"'],
  ])('openai solver: bad %s', async (_field, config, message) => {
    const path = await writePersona('bad-openai.json', { handlers: ['ovos-solver-openai-plugin'], 'ovos-solver-openai-plugin': config });
    await expect(loadPersonaFile(path)).rejects.toThrow(
      expect.objectContaining({ code: 'PERSONA_ERR_INVALID_CONFIG', message: `${path}: solver "ovos-solver-openai-plugin" ${message}` }),
    );
  });

  it('never quotes a secret, even when it has the wrong type', async () => {
    const path = await writePersona('bad-key.json', { handlers: ['ovos-solver-openai-plugin'], 'ovos-solver-openai-plugin': { key: [SECRET] } });
    const err = (await loadPersonaFile(path).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(`${path}: solver "ovos-solver-openai-plugin" field "key": expected a string, got a value of type array`);
    expect(err.message).not.toContain('SECRET');
  });

  it.each([
    [{ host: 'hub.local', access_key: 'abc' }, 'field "password": expected a string, got nothing'],
    [{ host: 'hub.local', password: 'hunter2hunter2', access_key: 'abc', port: 70000 }, 'field "port": expected an integer in 1..65535, got 70000'],
    [{ password: 'hunter2hunter2' }, 'field "password": expected "host" to be set as well, got no "host"'],
    [{ autoconnect: false }, 'field "autoconnect": expected true (use the identity file) or "host", "access_key" and "password", got false and no "host"'],
    [{ host: 'hub.local', access_key: 'abc', password: 12345678 }, 'field "password": expected a string, got a value of type number'],
  ])('hivemind solver: %j', async (config, message) => {
    const path = await writePersona('bad-hive.json', { handlers: ['ovos-solver-hivemind-plugin'], 'ovos-solver-hivemind-plugin': config });
    const err = (await loadPersonaFile(path, { hivemind: fakeHive }).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'PERSONA_ERR_INVALID_CONFIG', message: `${path}: solver "ovos-solver-hivemind-plugin" ${message}` });
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain('12345678');
  });

  it('hivemind solver without a wired client is PERSONA_ERR_UNAVAILABLE', async () => {
    const path = await writePersona('hive.json', { handlers: ['ovos-solver-hivemind-plugin'], 'ovos-solver-hivemind-plugin': { autoconnect: true } });
    await expect(loadPersonaFile(path)).rejects.toThrow(expect.objectContaining({ code: 'PERSONA_ERR_UNAVAILABLE' }));
  });

  it.each([
    ['{"name": "x", "handlers": ["ovos-solver-failure-plugin"], "key": "' + SECRET + '",,}', 'PERSONA_ERR_MALFORMED', /expected valid JSON, got a syntax error at line 1, column \d+$/],
    ['[1, 2]', 'PERSONA_ERR_MALFORMED', /expected a JSON object, got an array$/],
    ['{"name": "x"}', 'PERSONA_ERR_MALFORMED', /expected "handlers" \(or "solvers"\), a non-empty list of solver ids, got neither$/],
    ['{"handlers": []}', 'PERSONA_ERR_MALFORMED', /field "handlers": expected a non-empty list of solver ids/],
    ['{"handlers": "ovos-solver-failure-plugin"}', 'PERSONA_ERR_MALFORMED', /field "handlers": expected a non-empty list of solver ids, got string$/],
    ['{"handlers": ["ovos-solver-failure-plugin", "ovos-solver-failure-plugin"]}', 'PERSONA_ERR_INVALID_CONFIG', /expected each solver once/],
    ['{"handlers": ["ovos-solver-failure-plugin"], "solvers": ["hivesat-solver-builtin"]}', 'PERSONA_ERR_INVALID_CONFIG', /got both "handlers" and "solvers"/],
    ['{"handlers": ["ovos-solver-failure-plugin"], "ovos-solver-failure-plugin": "on"}', 'PERSONA_ERR_INVALID_CONFIG', /solver "ovos-solver-failure-plugin": expected its config to be an object, got string$/],
    ['{"name": 7, "handlers": ["ovos-solver-failure-plugin"]}', 'PERSONA_ERR_INVALID_CONFIG', /field "name": expected a non-empty string, got number$/],
    ['{"handlers": ["ovos-solver-failure-plugin"], "memory_module": 3}', 'PERSONA_ERR_INVALID_CONFIG', /field "memory_module": expected a plugin name or null/],
    ['{"handlers": ["ovos-solver-failure-plugin"], "builtin": "no"}', 'PERSONA_ERR_INVALID_CONFIG', /field "builtin": expected true or false, got string$/],
  ])('%s', async (text, code, message) => {
    const path = await writePersona('broken.json', text);
    const err = (await loadPersonaFile(path).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code });
    expect(err.message.startsWith(`${path}: `)).toBe(true);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('SECRET');
  });

  it('an unreadable file is PERSONA_ERR_IO', async () => {
    await expect(loadPersonaFile(join(dir, 'missing.json'))).rejects.toThrow(expect.objectContaining({ code: 'PERSONA_ERR_IO', message: expect.stringContaining('ENOENT') }));
  });
});

describe('persona folders', () => {
  let folder: string;
  beforeAll(async () => {
    folder = join(dir, 'ovos_persona');
    await mkdir(folder);
    await writeFile(join(folder, 'llm.json'), JSON.stringify({ name: 'Remote Llama', handlers: ['ovos-solver-openai-plugin', 'ovos-solver-failure-plugin'] }));
    await writeFile(join(folder, 'offline.json'), JSON.stringify({ handlers: ['hivesat-solver-builtin'] }));
    await writeFile(join(folder, 'notes.txt'), 'not a persona');
  });

  it('lists personas by name', async () => {
    expect(await listPersonas(folder)).toEqual([
      { name: 'Remote Llama', path: join(folder, 'llm.json') },
      { name: 'offline', path: join(folder, 'offline.json') },
    ]);
    expect(await listPersonas(join(dir, 'nope'))).toEqual([]);
  });

  it('loads by name field or file name, case-insensitively', async () => {
    expect((await loadPersonaFromDir(folder, 'remote llama')).name).toBe('Remote Llama');
    expect((await loadPersonaFromDir(folder, 'LLM')).name).toBe('Remote Llama');
    expect((await loadPersonaFromDir(folder, 'offline')).solvers.map((s) => s.id)).toEqual(['hivesat-solver-builtin']);
  });

  it('a missing name lists what there is', async () => {
    await expect(loadPersonaFromDir(folder, 'Jarvis')).rejects.toThrow(
      expect.objectContaining({ code: 'PERSONA_ERR_NOT_FOUND', message: `${folder}: expected a persona named "Jarvis", got "Remote Llama", "offline"` }),
    );
    await expect(loadPersonaFromDir(folder, undefined)).rejects.toThrow(expect.objectContaining({ code: 'PERSONA_ERR_NOT_FOUND' }));
  });

  it('falls back to the default persona when the user has none', async () => {
    const persona = await loadPersonaOrDefault(join(dir, 'empty-or-missing'), undefined);
    expect(persona.name).toBe(DEFAULT_PERSONA_NAME);
    expect(persona.solvers.map((s) => s.id)).toEqual(['hivesat-solver-builtin', 'ovos-solver-failure-plugin']);
    expect((await loadPersonaOrDefault(folder, 'offline')).name).toBe('offline');
  });

  it('lives in $XDG_CONFIG_HOME/ovos_persona like ovos-persona', () => {
    expect(defaultPersonaDir({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/ovos_persona');
  });
});

describe('solver registry', () => {
  it('accepts extra solvers', () => {
    const echo: SolverFactory = (config) => ({
      id: config.solverId,
      timeoutMs: config.timeoutMs(100),
      async *answer(q: string) {
        yield q;
      },
    });
    const registry = new Map([...BUILTIN_SOLVERS, ['my-echo-solver', echo]]);
    const persona = personaFromJson({ handlers: ['my-echo-solver'], 'my-echo-solver': { timeout: 2 } }, 'inline', { registry });
    expect(persona.solvers[1]).toMatchObject({ id: 'my-echo-solver', timeoutMs: 2000 });
    const own = personaFromJson({ handlers: ['my-echo-solver'] }, 'inline', { registry: new Map([['my-echo-solver', echo]]) });
    expect(own.solvers.map((s) => s.id)).toEqual(['my-echo-solver']); // a registry without the built-in solver
  });
});
