/**
 * Porcupine opt-in, tested to the boundary that needs no AccessKey: the REAL optional package loads, its built-in
 * keyword files resolve, its refusal of a key is mapped to a typed WAKE_ERR_PORCUPINE_* error whose message never
 * holds the key, and the listener falls back to openWakeWord with the reason. (A valid key would be activated online;
 * this machine has no network, so a started Porcupine is not tested here.)
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createListener } from '../../src/listener/index.js';
import { createPorcupine, mapPorcupineError, type PorcupineModule, resolvePorcupineKeywords, WakeError } from '../../src/wake/index.js';
import { ensureModels } from '../vad/fixtures.js';

const pv = (await import('@picovoice/porcupine-node').catch(() => undefined)) as PorcupineModule | undefined;
const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const KEY = 'Zm9vYmFyLXNlY3JldC1hY2Nlc3Mta2V5LWZvci10ZXN0cw==';

describe.skipIf(pv === undefined)('Porcupine (real package, no AccessKey needed)', () => {
  const mod = pv as PorcupineModule;

  it('resolves built-in keywords to the package\'s .ppn files, and rejects unknown ones with the list', () => {
    const { names, paths } = resolvePorcupineKeywords(mod, ['jarvis', 'hey_google', 'computer']);
    expect(names).toEqual(['jarvis', 'hey_google', 'computer']);
    // The package picks the keyword files of the machine it runs on: "linux" on x86-64, "raspberry-pi" on a Pi's
    // arm64 (and under scripts/test-arm64, whose root reads a Pi 4's cpuinfo).
    const platform = process.arch === 'x64' ? 'linux' : 'raspberry-pi';
    expect(paths.map((p) => p.split('/').pop())).toEqual([`jarvis_${platform}.ppn`, `hey google_${platform}.ppn`, `computer_${platform}.ppn`]);
    for (const p of paths) expect(existsSync(p)).toBe(true);
    expect(() => resolvePorcupineKeywords(mod, ['hey_jarvis'])).toThrow(
      expect.objectContaining({ code: 'WAKE_ERR_PORCUPINE_KEYWORD', message: expect.stringMatching(/^porcupine: expected one of alexa, americano, .*jarvis.* or a \.ppn path, got "hey_jarvis"; use a built-in/) }),
    );
    expect(() => resolvePorcupineKeywords(mod, ['/nonexistent/custom.ppn'])).toThrow(expect.objectContaining({ code: 'WAKE_ERR_PORCUPINE_KEYWORD', message: expect.stringContaining('keyword file /nonexistent/custom.ppn not found') }));
  });

  it('names a custom .ppn after its file', () => {
    const path = mod.getBuiltinKeywordPath('terminator');
    expect(resolvePorcupineKeywords(mod, [path]).names).toEqual(['terminator']);
  });

  it('maps the engine refusing a key to WAKE_ERR_PORCUPINE_ACCESS_KEY, without the key in the message', async () => {
    const error = await createPorcupine({ accessKey: KEY, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WakeError);
    expect(error).toMatchObject({ code: 'WAKE_ERR_PORCUPINE_ACCESS_KEY', name: 'WakeError' });
    const message = (error as Error).message;
    expect(message).not.toContain(KEY);
    expect(message).toContain('AccessKey `[redacted]`');
    expect(message).toMatch(/console\.picovoice\.ai/);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('reads the key from HIVESAT_PORCUPINE_ACCESS_KEY, and says so when there is none', async () => {
    const fromEnv = await createPorcupine({ env: { HIVESAT_PORCUPINE_ACCESS_KEY: KEY } }).catch((e: unknown) => e);
    expect(fromEnv).toMatchObject({ code: 'WAKE_ERR_PORCUPINE_ACCESS_KEY' });
    expect((fromEnv as Error).message).not.toContain(KEY);
    const none = await createPorcupine({ env: {} }).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'WAKE_ERR_PORCUPINE_ACCESS_KEY', message: expect.stringMatching(/^porcupine: no AccessKey configured; copy the AccessKey from https:\/\/console\.picovoice\.ai into wake\.porcupine\.access_key or HIVESAT_PORCUPINE_ACCESS_KEY$/) });
  });
});

describe('mapPorcupineError', () => {
  // Porcupine's own error classes, by name (what a failed online activation throws).
  const named = (name: string, message: string): Error => {
    const C = { [name]: class extends Error {} }[name] as new (m: string) => Error;
    return new C(message);
  };

  it.each([
    ['PorcupineActivationError', 'WAKE_ERR_PORCUPINE_ACTIVATION', /check the network/],
    ['PorcupineActivationLimitReachedError', 'WAKE_ERR_PORCUPINE_LIMIT', /device\/usage limit/],
    ['PorcupineActivationThrottledError', 'WAKE_ERR_PORCUPINE_THROTTLED', /wait a while/],
    ['PorcupineActivationRefusedError', 'WAKE_ERR_PORCUPINE_REFUSED', /refused this AccessKey/],
    ['PorcupineRuntimeError', 'WAKE_ERR_PORCUPINE_START', /CPU is supported/],
  ])('%s → %s, one line, key redacted', (name, code, fix) => {
    const e = mapPorcupineError(named(name, `Porcupine failed to initialize:\n  [0] Activation failed for AccessKey \`${KEY}\`.\n  [1] ${KEY}`), KEY);
    expect(e).toMatchObject({ code });
    expect(e.message).toMatch(fix);
    expect(e.message).not.toContain(KEY);
    expect(e.message).not.toContain('\n');
  });
});

describe.skipIf(!models.ok)('engine fallback', () => {
  it('falls back to openWakeWord when Porcupine cannot start, and says why', async () => {
    const warnings: string[] = [];
    const listener = await createListener({ engine: 'porcupine', porcupine: { accessKey: KEY, env: {} }, warn: (l) => warnings.push(l) });
    try {
      if (pv === undefined) expect(listener.wakeEngine.fallback?.code).toBe('WAKE_ERR_PORCUPINE_MISSING');
      else expect(listener.wakeEngine).toMatchObject({ requested: 'porcupine', engine: 'openwakeword', fallback: { code: 'WAKE_ERR_PORCUPINE_ACCESS_KEY', fix: expect.stringContaining('console.picovoice.ai') } });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^wake engine porcupine did not start, using openWakeWord: WAKE_ERR_PORCUPINE_/);
      expect(warnings[0]).not.toContain(KEY);
    } finally {
      await listener.close();
    }
  });

  it('reports openWakeWord without a fallback by default', async () => {
    const listener = await createListener({});
    expect(listener.wakeEngine).toEqual({ requested: 'openwakeword', engine: 'openwakeword', fallback: null });
    await listener.close();
  });
});
