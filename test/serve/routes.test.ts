/**
 * Serve mounted on another server (`hivesat run`'s, src/cli/run-serve.ts): which paths it owns beside the control
 * API's `/v1/…`, and the settings resolved against the address of the server it is mounted on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServeRoutes, resolveServeSection } from '../../src/serve/index.js';
import { TOKEN, offlinePersona } from './helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'hivesat-serve-routes-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('serve routes on a shared server', () => {
  it('owns /, /api/… and the OpenAI routes, and leaves the control API its /v1/… paths', async () => {
    const routes = createServeRoutes({ auth: { token: TOKEN }, targets: [offlinePersona()] });
    try {
      for (const path of ['/', '/api/chat', '/api/tags/', '/api/unknown', '/v1/chat/completions', '/v1/models', '/v1/models/persona:hivesat-offline']) expect([path, routes.owns(path)]).toEqual([path, true]);
      for (const path of ['/v1/status', '/v1/mute', '/v1/events', '/v1', '/healthz', '/metrics', '/apis']) expect([path, routes.owns(path)]).toEqual([path, false]);
      expect(routes.models).toEqual(['persona:hivesat-offline']);
    } finally {
      await routes.close();
    }
  });

  it('resolves against the shared address: serve.listen is not used, authentication off only on loopback', async () => {
    const env = { XDG_CONFIG_HOME: dir };
    const shared = await resolveServeSection({ listen: '0.0.0.0:9999', auth: false }, 'config.json', { env, listen: { host: '127.0.0.1', port: 8338 } });
    expect(shared).toMatchObject({ listen: { host: '127.0.0.1', port: 8338 }, auth: { kind: 'none' } });
    await expect(resolveServeSection({ auth: false }, 'config.json', { env, listen: { host: '0.0.0.0', port: 8338 } })).rejects.toMatchObject({ code: 'SERVE_ERR_INSECURE' });
    const withToken = await resolveServeSection({ enabled: true }, 'config.json', { env, listen: { host: '0.0.0.0', port: 8338 } });
    expect(withToken.auth).toMatchObject({ kind: 'token', source: 'file', path: join(dir, 'hivesat', 'serve-token'), created: true });
  });
});
