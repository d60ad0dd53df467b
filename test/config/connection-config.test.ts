/**
 * Connection settings: precedence flags > environment > config file > identity > default, host forms, validation
 * with the source named, and secret-free descriptions.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSettings, hubAddress, parseHost, resolveConnectionSettings } from '../../src/config/connection-config.js';
import { writeIdentity } from '../../src/config/identity.js';

const code = (c: string): unknown => expect.objectContaining({ code: c });
let dir: string;
let identity: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hivesat-cfg-'));
  identity = join(dir, 'hivemind', '_identity.json');
  config = join(dir, 'hivesat', 'config.json');
  await writeIdentity({ access_key: 'id-key', password: 'id-pass', default_master: 'wss://identity.host', default_port: 1111, site_id: 'id-site' }, identity);
  await writeIdentity({}, join(dir, 'hivesat', 'placeholder.json')); // creates the folder
  await writeFile(config, JSON.stringify({ hub: { host: 'config.host', access_key: 'cfg-key', lang: 'pt-PT', binarize: true } }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ XDG_CONFIG_HOME: dir, ...extra });

describe('resolveConnectionSettings', () => {
  it('takes each field from the highest source that has it', async () => {
    const s = await resolveConnectionSettings({ flags: { siteId: 'flag-site' }, env: env({ HIVESAT_ACCESS_KEY: 'env-key' }) });
    expect(s).toMatchObject({ host: 'config.host', tls: false, port: 1111, accessKey: 'env-key', password: 'id-pass', siteId: 'flag-site', lang: 'pt-PT', binarize: true, handshake: 'auto' });
    expect(s.sources).toMatchObject({ host: 'config', port: 'identity', accessKey: 'env', password: 'identity', siteId: 'flag', lang: 'config', binarize: 'config' });
    expect(s.configPath).toBe(config);
  });

  it('without a config file falls back to the identity, then to defaults', async () => {
    const s = await resolveConnectionSettings({ flags: { config: join(dir, 'hivesat', 'placeholder.json') }, env: env() }); // a config file without "hub"
    expect(s).toMatchObject({ host: 'identity.host', tls: true, port: 1111, accessKey: 'id-key', siteId: 'id-site', lang: 'en-US', binarize: false });
    const bare = await resolveConnectionSettings({ flags: { host: 'h', accessKey: 'k', password: 'p' }, env: { XDG_CONFIG_HOME: join(dir, 'empty') }, useIdentity: false });
    expect(bare).toMatchObject({ host: 'h', port: 5678, tls: false, siteId: 'unknown', lang: 'en-US', ciphers: undefined, encodings: undefined });
  });

  it('reads a port written into the host at the host’s precedence', async () => {
    expect((await resolveConnectionSettings({ flags: { host: 'ws://flag.host:2222' }, env: env() })).port).toBe(2222);
    expect((await resolveConnectionSettings({ flags: { host: 'ws://flag.host:2222', port: '3333' }, env: env() })).port).toBe(3333);
    expect((await resolveConnectionSettings({ flags: { host: 'flag.host:2222' }, env: env({ HIVESAT_PORT: '4444' }) })).port).toBe(2222);
  });

  it('turns --cipher/--encoding into single-entry lists and booleans from the environment', async () => {
    const s = await resolveConnectionSettings({ flags: { cipher: 'CHACHA20-POLY1305', encoding: 'JSON-HEX' }, env: env({ HIVESAT_SELF_SIGNED: 'yes', HIVESAT_BINARIZE: '0' }) });
    expect(s).toMatchObject({ ciphers: ['CHACHA20-POLY1305'], encodings: ['JSON-HEX'], selfSigned: true, binarize: false });
  });

  it.each([
    [{ port: '70000' }, {}, 'CFG_ERR_INVALID_VALUE', '--port'],
    [{ host: 'http://x' }, {}, 'CFG_ERR_INVALID_VALUE', '--host'],
    [{ cipher: 'DES' }, {}, 'CFG_ERR_INVALID_VALUE', '--cipher'],
    [{ handshake: 'rsa' }, {}, 'CFG_ERR_INVALID_VALUE', '--handshake'],
    [{}, { HIVESAT_BINARIZE: 'maybe' }, 'CFG_ERR_INVALID_VALUE', 'HIVESAT_BINARIZE'],
    [{}, { HIVESAT_NOISE_PSK: 'abc' }, 'CFG_ERR_INVALID_VALUE', 'noise PSK'],
  ])('refuses %o %o', async (flags, extraEnv, c, where) => {
    const error = await resolveConnectionSettings({ flags, env: env(extraEnv) }).catch((e: unknown) => e);
    expect(error).toEqual(code(c));
    expect((error as Error).message).toContain(where);
  });

  it('names what is missing and how to set it', async () => {
    const none = { XDG_CONFIG_HOME: join(dir, 'nothing') };
    await expect(resolveConnectionSettings({ env: none, useIdentity: false })).rejects.toThrow(/no hub host configured: pass --host/);
    await expect(resolveConnectionSettings({ flags: { host: 'h' }, env: none, useIdentity: false })).rejects.toThrow(/no access key configured/);
    await expect(resolveConnectionSettings({ flags: { host: 'h', accessKey: 'k' }, env: none, useIdentity: false })).rejects.toThrow(code('CFG_ERR_MISSING'));
    expect((await resolveConnectionSettings({ flags: { host: 'h', accessKey: 'k' }, env: { ...none, HIVESAT_NOISE_PSK: 'ab'.repeat(32) }, useIdentity: false })).noisePsk).toBe('ab'.repeat(32));
  });

  it('refuses a broken config file, unknown hub keys, and a missing explicit --config', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ hub: { hostname: 'x' } }));
    await expect(resolveConnectionSettings({ flags: { config: bad }, env: env() })).rejects.toThrow(/\$\.hub\.hostname: unknown key \(did you mean "host"\?\)/);
    await writeFile(bad, JSON.stringify({ hub: { port: '5678' } }));
    await expect(resolveConnectionSettings({ flags: { config: bad }, env: env() })).rejects.toThrow(code('CFG_ERR_INVALID_VALUE'));
    await writeFile(bad, '{not json');
    await expect(resolveConnectionSettings({ flags: { config: bad }, env: env() })).rejects.toThrow(code('CFG_ERR_MALFORMED'));
    await expect(resolveConnectionSettings({ flags: { config: join(dir, 'absent.json') }, env: env() })).rejects.toThrow(code('CFG_ERR_IO'));
  });

  it('describes the settings without secrets', async () => {
    const s = await resolveConnectionSettings({ flags: { password: 'super-secret-pw' }, env: env({ HIVESAT_ACCESS_KEY: 'secret-access-key' }) });
    const text = JSON.stringify(describeSettings(s));
    expect(text).not.toContain('super-secret-pw');
    expect(text).not.toContain('secret-access-key');
    expect(text).toContain('secr…');
    expect(hubAddress({ host: '::1', port: 1, tls: true })).toBe('wss://[::1]:1');
  });
});

describe('parseHost', () => {
  it.each([
    ['hub.local', { tls: undefined, host: 'hub.local', port: undefined }],
    ['ws://hub.local', { tls: false, host: 'hub.local', port: undefined }],
    ['WSS://hub.local:443/', { tls: true, host: 'hub.local', port: 443 }],
    ['[::1]:5678', { tls: undefined, host: '::1', port: 5678 }],
    ['192.168.1.2:99', { tls: undefined, host: '192.168.1.2', port: 99 }],
  ])('%s', (text, expected) => {
    expect(parseHost(text, 'x')).toEqual(expected);
  });
});
