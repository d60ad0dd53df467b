import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultIdentityPath, maskIdentity, readIdentity, updateIdentity, writeIdentity } from '../../src/config/identity.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hivesat-identity-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('identity file', () => {
  it('lives where the Python tools keep it', () => {
    expect(defaultIdentityPath({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/hivemind/_identity.json');
  });

  it('reads a file written by hivemind-client set-identity, keeping unknown keys', async () => {
    const path = join(dir, '_identity.json');
    const python = {
      name: 'unnamed-node',
      public_key: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
      secret_key: '/home/pi/.config/hivemind/HiveMindComs.pem',
      access_key: '0123456789abcdef0123456789abcdef',
      password: 'hunter2-but-longer',
      default_master: 'ws://192.168.1.10',
      default_port: 5678,
      site_id: 'kitchen',
      trusted_keys: {},
    };
    await writeFile(path, JSON.stringify(python, null, 2));
    const identity = await readIdentity(path);
    expect(identity).toEqual(python);
  });

  it('returns undefined when the file is absent', async () => {
    expect(await readIdentity(join(dir, 'missing.json'))).toBeUndefined();
  });

  it('writes with mode 0600 in a 0700 folder, even over a world-readable file', async () => {
    const path = join(dir, 'sub', '_identity.json');
    await writeIdentity({ access_key: 'k', password: 'p' }, path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'sub'))).mode & 0o777).toBe(0o700);
    await chmod(path, 0o644);
    await updateIdentity({ site_id: 'hall' }, path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ access_key: 'k', password: 'p', site_id: 'hall' });
  });

  it('refuses malformed files with a coded error naming the file', async () => {
    const path = join(dir, '_identity.json');
    await writeFile(path, '{"access_key": ');
    await expect(readIdentity(path)).rejects.toMatchObject({ code: 'CFG_ERR_MALFORMED', message: expect.stringContaining(path) });
    await writeFile(path, '{"default_port": "5678"}');
    await expect(readIdentity(path)).rejects.toMatchObject({ code: 'CFG_ERR_INVALID_VALUE' });
    await writeFile(path, '[1]');
    await expect(readIdentity(path)).rejects.toMatchObject({ code: 'CFG_ERR_MALFORMED' });
  });

  it('masks secrets for display', () => {
    const masked = maskIdentity({ access_key: '0123456789abcdef', password: 'secret-password', site_id: 'kitchen' });
    expect(masked).toEqual({ access_key: '0123…(16 chars)', password: '***(15 chars)', site_id: 'kitchen' });
    expect(JSON.stringify(masked)).not.toContain('secret-password');
  });
});
