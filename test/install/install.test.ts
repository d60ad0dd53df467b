/**
 * scripts/install: shellcheck-clean; a dry run lists every action and changes nothing; a prefix install (a
 * temporary root: no apt, no useradd, no systemctl) produces the expected tree and modes, a second run changes
 * nothing, and --uninstall removes what it added (config and identity kept unless --purge).
 *
 * The prefix install runs the real `npm pack` and `npm ci --omit=dev --prefer-offline` (from the npm cache filled
 * by scripts/setup): about 10 s here. Models come from this checkout's models/cache (no download).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const INSTALL = join(ROOT, 'scripts/install');
const PASSWORD = 'correct horse battery staple';
const KEY = 'install-test-key-0123';
const CREDS = ['--host', '127.0.0.1', '--port', '5678', '--access-key', KEY, '--password', PASSWORD, '--site-id', 'kitchen'];
const INSTALL_TIMEOUT_MS = 240_000;

const work = mkdtempSync(join(tmpdir(), 'hivesat-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function install(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(INSTALL, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: work } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Every path under `dir` (node_modules and dist summarised) with its mode, size and mtime. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (p: string): void => {
    const st = statSync(p);
    out.set(relative(dir, p) || '.', `${(st.mode & 0o7777).toString(8)} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(dir);
  return out;
}

function mode(path: string): string {
  return (statSync(path).mode & 0o7777).toString(8);
}

const hasShellcheck = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasShellcheck) console.warn('test/install: shellcheck not found; skipping the shellcheck test of scripts/install');

describe('scripts/install', () => {
  it.skipIf(!hasShellcheck)('is shellcheck clean', () => {
    const result = spawnSync('shellcheck', [INSTALL], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses bad usage', async () => {
    expect((await install(['--port', '99999', '--dry-run'])).code).toBe(2);
    expect((await install(['--purge', '--dry-run'])).stderr).toContain('--purge goes with --uninstall');
    expect((await install(['--frobnicate'])).stderr).toContain('unknown option --frobnicate');
    const help = await install(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--uninstall');
  });

  it('--dry-run prints every action, never a secret, and changes nothing', async () => {
    const prefix = join(work, 'dry-root');
    const run = await install(['--dry-run', '--prefix', prefix, ...CREDS]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toContain('install: dry run: nothing will be changed');
    expect(out).toMatch(/install: platform: (x86_64|aarch64|arm64), .*, node v\d+/);
    expect(out).toMatch(/install: (unchanged: Debian packages|skipped \(--prefix\): (apt-get|env DEBIAN_FRONTEND))/);
    expect(out).toContain('install: skipped (--prefix): useradd --system --user-group --groups audio --home-dir /var/lib/hivesat');
    expect(out).toContain('install: would run: npm pack');
    expect(out).toContain('npm ci --omit=dev');
    expect(out).toContain(`install: would run: mkdir -p -m 0700 -- ${prefix}/var/lib/hivesat`);
    expect(out).toContain('install: would run: /opt/hivesat/scripts/fetch-models --dir /var/lib/hivesat/models');
    expect(out).toContain('install: would write: /etc/hivesat/config.json (mode 0640, owner root:hivesat)');
    expect(out).toContain('install: would write: /var/lib/hivesat/identity.json (mode 0600, owner hivesat): host=127.0.0.1 port=5678 access_key=inst… password=set site_id=kitchen');
    expect(out).toContain('install: would write: /etc/systemd/system/hivesat.service (mode 0644, owner root:root)');
    expect(out).toContain('install: skipped (--prefix): systemctl enable hivesat.service');
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain(KEY);
    expect(existsSync(prefix)).toBe(false);
  });

  it('--dry-run without a prefix names the real system commands', async () => {
    const run = await install(['--dry-run', '--no-apt', ...CREDS]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/install: (would run: useradd --system|unchanged: user hivesat)/);
    expect(run.stdout).toContain('install: would run: systemctl enable hivesat.service');
    expect(run.stdout).toContain('install: skipped (--no-apt): Debian packages');
    expect(run.stdout).not.toContain(PASSWORD);
  });

  it(
    'a prefix install: expected tree and modes; a second run changes nothing; --uninstall removes what it added',
    async () => {
      const prefix = join(work, 'root');
      const first = await install(['--prefix', prefix, '--allow-internet', ...CREDS]);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).not.toContain(PASSWORD);
      expect(first.stdout).toMatch(/install: installed: hivesat \d+\.\d+\.\d+ in \/opt\/hivesat/);

      // The package: built code, runtime dependencies only, no fetched models, a working CLI.
      const opt = join(prefix, 'opt/hivesat');
      for (const path of ['package.json', 'package-lock.json', 'dist/cli/main.js', 'models/manifest.json', 'models/silero_vad_v5.onnx', 'scripts/fetch-models', 'systemd/hivesat.service', 'node_modules/ws', 'node_modules/prom-client', 'node_modules/onnxruntime-node']) {
        expect(existsSync(join(opt, path)), path).toBe(true);
      }
      for (const path of ['node_modules/typescript', 'node_modules/vitest', 'node_modules/.bin/tsc', 'models/cache', 'src', 'test']) expect(existsSync(join(opt, path)), path).toBe(false);
      const version = spawnSync(process.execPath, [join(opt, 'dist/cli/main.js'), '--version'], { encoding: 'utf8' });
      expect(version.stdout).toMatch(/^hivesat \d+\.\d+\.\d+\n$/);

      // State, config, identity, unit.
      const state = join(prefix, 'var/lib/hivesat');
      expect(mode(state)).toBe('700');
      expect(mode(join(state, 'models'))).toBe('700');
      expect(mode(join(prefix, 'var/cache/hivesat'))).toBe('700');
      expect(readdirSync(join(state, 'models')).sort()).toEqual(expect.arrayContaining(['embedding_model.onnx', 'hey_jarvis_v0.1.onnx', 'melspectrogram.onnx']));
      const identity = join(state, 'identity.json');
      expect(mode(identity)).toBe('600');
      expect(JSON.parse(readFileSync(identity, 'utf8'))).toEqual({ default_master: 'ws://127.0.0.1', default_port: 5678, access_key: KEY, password: PASSWORD, site_id: 'kitchen' });
      const config = join(prefix, 'etc/hivesat/config.json');
      expect(mode(config)).toBe('640');
      expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ hub: { identity: '/var/lib/hivesat/identity.json' } });
      const unit = join(prefix, 'etc/systemd/system/hivesat.service');
      expect(mode(unit)).toBe('644');
      const node = spawnSync('sh', ['-c', 'readlink -f "$(command -v node)"'], { encoding: 'utf8' }).stdout.trim();
      expect(readFileSync(unit, 'utf8')).toContain(`\nExecStart=${node} /opt/hivesat/dist/cli/main.js run\n`);
      const dropin = join(prefix, 'etc/systemd/system/hivesat.service.d/10-network.conf');
      expect(readFileSync(dropin, 'utf8')).toBe('# Written by scripts/install: --allow-internet.\n[Service]\nIPAddressAllow=any\n');
      for (const skipped of ['useradd', 'systemctl daemon-reload', 'systemctl enable hivesat.service', 'systemctl restart hivesat.service', 'chown hivesat:hivesat']) {
        expect(first.stdout).toContain(`install: skipped (--prefix): ${skipped}`);
      }

      // Idempotent: nothing changes the second time.
      const before = snapshot(prefix);
      const second = await install(['--prefix', prefix, '--allow-internet', ...CREDS]);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('install: unchanged: /opt/hivesat');
      expect(second.stdout).toContain('install: unchanged: /var/lib/hivesat/identity.json');
      expect(second.stdout).toContain('install: unchanged: /etc/systemd/system/hivesat.service');
      expect(second.stdout).not.toMatch(/install: (run|write): /);
      expect(snapshot(prefix)).toEqual(before);

      // Uninstall keeps the config and the identity; --purge removes them too.
      const removed = await install(['--prefix', prefix, '--uninstall']);
      expect(removed.code).toBe(0);
      const files = (dir: string): string[] => [...snapshot(dir).entries()].filter(([, v]) => !v.includes(' dir ')).map(([k]) => k).sort();
      expect(files(prefix)).toEqual(['etc/hivesat/config.json', 'var/lib/hivesat/identity.json']);
      expect(removed.stdout).toContain('kept: /etc/hivesat, /var/lib/hivesat/identity.json');
      const purged = await install(['--prefix', prefix, '--uninstall', '--purge']);
      expect(purged.code).toBe(0);
      expect(purged.stdout).toContain('install: skipped (--prefix): userdel hivesat');
      expect(files(prefix)).toEqual([]);
    },
    INSTALL_TIMEOUT_MS,
  );
});
