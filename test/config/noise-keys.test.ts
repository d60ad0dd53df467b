/**
 * The Noise key store of the identity file: the static key is created on first use (0600, 64 hex characters) and
 * reused; hub pins are written into `pinned_noise_keys` without touching other identity keys.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultNoiseKeyPath, fileNoiseKeyStore, memoryNoiseKeyStore } from '../../src/config/noise-keys.js';
import { readIdentity, writeIdentity } from '../../src/config/identity.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hivesat-noise-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileNoiseKeyStore', () => {
  it('creates the static key once (0600) where the identity names it, and reuses it', async () => {
    const identityPath = join(dir, 'a', '_identity.json');
    await writeIdentity({ access_key: 'k', name: 'kitchen' }, identityPath);
    const store = fileNoiseKeyStore({ identityPath });
    const key = await store.staticPrivateKey();
    expect(key).toHaveLength(32);
    const path = defaultNoiseKeyPath(identityPath, 'kitchen');
    expect(path).toBe(join(dir, 'a', 'kitchen_noise.key'));
    expect((await readFile(path, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await fileNoiseKeyStore({ identityPath }).staticPrivateKey()).toEqual(key);
  });

  it('honours identity noise_key and refuses a malformed key file', async () => {
    const identityPath = join(dir, 'b', '_identity.json');
    const keyPath = join(dir, 'b-key.hex');
    await writeFile(keyPath, `${'11'.repeat(32)}\n`);
    await writeIdentity({ noise_key: keyPath }, identityPath);
    expect(await fileNoiseKeyStore({ identityPath }).staticPrivateKey()).toEqual(new Uint8Array(32).fill(0x11));
    await writeFile(keyPath, 'not a key');
    await expect(fileNoiseKeyStore({ identityPath }).staticPrivateKey()).rejects.toThrow(expect.objectContaining({ code: 'CFG_ERR_MALFORMED' }));
  });

  it('pins hub keys per host:port, keeping the rest of the identity', async () => {
    const identityPath = join(dir, 'c', '_identity.json');
    await writeIdentity({ access_key: 'keep-me', pinned_noise_keys: { 'other:1': 'aa'.repeat(32) } }, identityPath);
    const store = fileNoiseKeyStore({ identityPath });
    expect(await store.pinnedKey('hub:5678')).toBeUndefined();
    await store.pin('hub:5678', new Uint8Array(32).fill(0xab));
    expect(await store.pinnedKey('hub:5678')).toEqual(new Uint8Array(32).fill(0xab));
    expect(await readIdentity(identityPath)).toMatchObject({ access_key: 'keep-me', pinned_noise_keys: { 'other:1': 'aa'.repeat(32), 'hub:5678': 'ab'.repeat(32) } });
    expect((await stat(identityPath)).mode & 0o777).toBe(0o600);
  });
});

describe('memoryNoiseKeyStore', () => {
  it('keeps one key and its pins in memory, handing out copies', async () => {
    const store = memoryNoiseKeyStore();
    const key = await store.staticPrivateKey();
    key.fill(0);
    expect(await store.staticPrivateKey()).not.toEqual(new Uint8Array(32));
    await store.pin('h:1', new Uint8Array(32).fill(1));
    expect(store.pins.get('h:1')).toEqual(new Uint8Array(32).fill(1));
  });
});
