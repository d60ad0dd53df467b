import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigValidationError, checkSatelliteConfig, defaultSatelliteConfig, loadSatelliteConfig, parseSatelliteConfig } from '../../src/config/satellite-config.js';
import { main } from '../../src/cli/main.js';

const dir = await mkdtemp(join(tmpdir(), 'hivesat-cfg-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) }, env: { HOME: dir, XDG_CONFIG_HOME: dir, PATH: process.env['PATH'] ?? '' } } }; // PATH: config check runs the local speech engines
}

describe('satellite config', () => {
  it('has working defaults for a Pi with a USB kit', () => {
    const c = defaultSatelliteConfig();
    expect(c).toMatchObject({ mode: 'audio', answer_timeout_ms: 15_000, audio: { capture_device: 'default', capture_rate_hz: 16_000, playback_device: 'default' } });
    expect(c.wake.keywords).toEqual(['hey_jarvis']);
    expect(c.vad.silence_end_ms).toBe(700);
  });

  it('reports every problem with its JSON path, unknown keys included', () => {
    const { issues } = checkSatelliteConfig({ mode: 'video', vad: { silence_end_ms: 50, silence: 1 }, wake: { keywords: [''] }, hub: { port: '5678', bogus: true }, extra: 1 });
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(['$.extra', '$.hub.bogus', '$.hub.port', '$.mode', '$.vad.post_roll_ms', '$.vad.silence', '$.vad.silence_end_ms', '$.wake.keywords[0]'].sort());
    expect(issues.find((i) => i.path === '$.extra')?.message).toBe('unknown key');
  });

  it('accepts the serve section read by hivesat serve, and checks its keys', () => {
    expect(checkSatelliteConfig({ serve: { listen: '127.0.0.1:8337', auth: true, rate_limit_per_minute: 60 } }).issues).toEqual([]);
    const { issues } = checkSatelliteConfig({ serve: { listen: 8337, bogus: 1 } });
    expect(issues.map((i) => i.path).sort()).toEqual(['$.serve.bogus', '$.serve.listen']);
  });

  it('accepts and checks the ops section', () => {
    expect(checkSatelliteConfig({ ops: { log: { level: 'info', format: 'json' } } }).issues).toEqual([]);
    const { issues } = checkSatelliteConfig({ ops: { bogus: true } });
    expect(issues).toEqual([{ path: '$.ops.bogus', message: 'unknown key' }]);
  });

  it('checks cross-field limits', () => {
    const { issues } = checkSatelliteConfig({ vad: { silence_end_ms: 300, post_roll_ms: 400 } });
    expect(issues).toEqual([{ path: '$.vad.post_roll_ms', message: 'expected at most silence_end_ms (300)' }]);
  });

  it('throws coded errors from the loader', async () => {
    expect(() => parseSatelliteConfig('{', 'x.json')).toThrow(expect.objectContaining({ code: 'CFG_ERR_MALFORMED' }));
    expect(() => parseSatelliteConfig('{"mode": 1}', 'x.json')).toThrow(ConfigValidationError);
    await expect(loadSatelliteConfig(join(dir, 'missing.json'), true)).rejects.toMatchObject({ code: 'CFG_ERR_IO' });
    await expect(loadSatelliteConfig(join(dir, 'missing.json'), false)).resolves.toEqual(defaultSatelliteConfig());
  });

  it('hivesat config check prints every problem and exits non-zero; ok exits 0', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ mode: 'x', volume: { initial_percent: 101 }, nope: 1 }));
    const a = io();
    expect(await main(['config', 'check', '--config', bad], a.io)).toBe(1);
    expect(a.out.stderr).toContain('$.mode');
    expect(a.out.stderr).toContain('$.volume.initial_percent');
    expect(a.out.stderr).toContain('$.nope: unknown key (CFG_ERR_INVALID_VALUE)');
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify({ mode: 'text', hub: { host: 'hub.local', site_id: 'kitchen' } }));
    const b = io();
    expect(await main(['config', 'check', '--config', good], b.io)).toBe(0);
    expect(b.out.stdout).toContain('ok');
  });
});
