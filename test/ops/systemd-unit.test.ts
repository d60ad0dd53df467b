/**
 * The shipped unit: `systemd-analyze verify` is clean and `systemd-analyze security --offline=yes` rates its
 * exposure at most 2.0 (docs/operations.md explains what remains); it fits a Pi Zero 2 W, does not loop on a config
 * that cannot start, and writes only to its own directories. Skipped with a notice without systemd-analyze.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const UNIT = fileURLToPath(new URL('../../systemd/hivesat.service', import.meta.url));
const hasAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasAnalyze) console.warn('test/ops/systemd-unit.test.ts: systemd-analyze not found; skipping the verify/security checks of systemd/hivesat.service');

function settings(): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of readFileSync(UNIT, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m === null) continue;
    const [, key = '', value = ''] = m;
    map.set(key, [...(map.get(key) ?? []), value]);
  }
  return map;
}

describe('systemd/hivesat.service', () => {
  it('is a notify service with a watchdog, always restarted, as a dedicated user in the audio group', () => {
    const s = settings();
    expect(s.get('Type')).toEqual(['notify']);
    expect(s.get('NotifyAccess')).toEqual(['all']);
    expect(s.get('WatchdogSec')).toEqual(['30s']);
    expect(s.get('Restart')).toEqual(['always']);
    expect(s.get('User')).toEqual(['hivesat']);
    expect(s.get('SupplementaryGroups')).toEqual(['audio']);
    for (const key of ['ConfigurationDirectory', 'StateDirectory', 'CacheDirectory']) expect(s.get(key)).toEqual(['hivesat']);
    expect(s.get('DeviceAllow')).toEqual(['char-alsa rw']);
    expect(s.get('DevicePolicy')).toEqual(['closed']);
    expect(s.get('CapabilityBoundingSet')).toEqual(['']);
    expect(s.get('UMask')).toEqual(['0077']);
    expect(s.has('MemoryDenyWriteExecute')).toBe(false); // V8's JIT needs W+X pages
  });

  it('fits a Pi Zero 2 W (512 MB), stops on exit 78 (a config that cannot start), keeps onnxruntime quiet', () => {
    const s = settings();
    const megabytes = (key: string): number => Number(/^(\d+)M$/.exec(s.get(key)?.[0] ?? '')?.[1] ?? NaN);
    expect(megabytes('MemoryMax')).toBeLessThanOrEqual(300);
    expect(megabytes('MemoryHigh')).toBeLessThan(megabytes('MemoryMax'));
    expect(s.get('RestartPreventExitStatus')).toEqual(['78']);
    expect(s.get('Environment')).toContain('ORT_DISABLE_TELEMETRY=1');
    // Not shown to work with real /dev/snd devices (docs/operations.md, "Sandboxing").
    expect(s.has('PrivateUsers')).toBe(false);
    // Writable: /var/lib/hivesat, /var/cache/hivesat and a private /tmp only.
    expect(s.get('ProtectSystem')).toEqual(['strict']);
    expect(s.get('PrivateTmp')).toEqual(['yes']);
    expect(s.has('ReadWritePaths')).toBe(false);
  });

  it.skipIf(!hasAnalyze)('passes systemd-analyze verify', () => {
    const result = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(result.stderr.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(!hasAnalyze)('has an exposure of at most 2.0 in systemd-analyze security', () => {
    const out = execFileSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', UNIT], { encoding: 'utf8' });
    const m = /Overall exposure level for hivesat\.service: (\d+\.\d)/.exec(out);
    expect(m).not.toBeNull();
    const exposure = Number(m?.[1]);
    console.info(`systemd-analyze security exposure of hivesat.service: ${exposure}`);
    expect(exposure).toBeLessThanOrEqual(2.0);
  });
});
