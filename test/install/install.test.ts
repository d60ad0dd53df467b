/**
 * scripts/install: shellcheck-clean; a dry run lists every action and changes nothing; a prefix install (a
 * temporary root: no apt, no useradd, no systemctl) produces the expected tree and modes, an /opt/hivesat of at
 * most 120 MB with only this platform's onnxruntime binaries, and a `hivesat` command whose doctor finds the
 * installed models and config; a second run changes nothing, and --uninstall removes what it added (config and
 * identity kept unless --purge).
 *
 * The prefix install runs the real `npm pack` and `npm ci --omit=dev --prefer-offline` (from the npm cache filled
 * by scripts/setup): about 10 s here. Models come from this checkout's models/cache (no download).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const INSTALL = join(ROOT, 'scripts/install');
const PASSWORD = 'correct horse battery staple';
const KEY = 'install-test-key-0123';
const CREDS = ['--host', '127.0.0.1', '--port', '5678', '--access-key', KEY, '--password', PASSWORD, '--site-id', 'kitchen'];
const INSTALL_TIMEOUT_MS = 240_000;
/** Where the Node tarballs are kept between runs (as in test/install/setup.test.ts). */
const DOWNLOAD_CACHE = join(homedir(), '.cache/hivesat/downloads');

const work = mkdtempSync(join(tmpdir(), 'hivesat-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function install(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(INSTALL, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: work, ...env } });
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
  it.skipIf(!hasShellcheck)('is shellcheck clean, with setup, test-arm64 and the library they share', () => {
    const result = spawnSync('shellcheck', ['-x', 'scripts/install', 'scripts/setup', 'scripts/test-arm64', 'scripts/lib/node.sh'], { encoding: 'utf8', cwd: ROOT });
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
    expect(help.stdout).toContain('--system-node');
    expect(help.stdout.trimEnd().split('\n').at(-1)).toBe('  command line.');
    expect(help.stdout).not.toContain('set -euo pipefail');
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
    expect(out).toContain('install: would write: /usr/local/bin/hivesat (mode 0755, owner root:root)');
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
      expect(mode(join(opt, 'dist/cli/main.js'))).toBe('755');

      // Only this machine's onnxruntime binaries, and an install that fits: at most 120 MB.
      const bins = join(opt, 'node_modules/onnxruntime-node/bin/napi-v6');
      expect(readdirSync(bins)).toEqual(['linux']);
      expect(readdirSync(join(bins, 'linux'))).toEqual([process.arch]);
      const sizeMb = Number(spawnSync('du', ['-sm', opt], { encoding: 'utf8' }).stdout.split('\t')[0]);
      expect(sizeMb).toBeGreaterThan(10);
      expect(sizeMb).toBeLessThanOrEqual(120);
      expect(first.stdout).toContain(`install: size of /opt/hivesat: ${sizeMb} MB`);

      // The installed command: the service's config, identity and models, inside the prefix.
      const command = join(prefix, 'usr/local/bin/hivesat');
      expect(mode(command)).toBe('755');
      const node = spawnSync('sh', ['-c', 'readlink -f "$(command -v node)"'], { encoding: 'utf8' }).stdout.trim();
      expect(readFileSync(command, 'utf8')).toContain(`\nexec ${node} --max-semi-space-size=2 ${opt}/dist/cli/main.js "$@"\n`);
      const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HIVESAT_')));
      const doctor = spawnSync(command, ['doctor', '--json', '--only', 'models,config,system'], { encoding: 'utf8', cwd: work, env: userEnv });
      const report = JSON.parse(doctor.stdout) as { results: { id: string; status: string; summary: string }[] };
      const byId = new Map(report.results.map((r) => [r.id, r]));
      expect(byId.get('models')?.status, byId.get('models')?.summary).toBe('ok');
      expect(byId.get('models')?.summary).toMatch(new RegExp(`^\\d+ of \\d+ verified in ${prefix}/var/lib/hivesat/models, `));
      expect(byId.get('config')?.status, byId.get('config')?.summary).toBe('ok');
      expect(byId.get('config')?.summary).toContain(`${prefix}/etc/hivesat/config.json valid`);
      expect(byId.get('memory-cgroup')?.status).toMatch(/^(ok|warn)$/);

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
      const unitText = readFileSync(unit, 'utf8');
      expect(unitText).toContain(`\nExecStart=${node} --max-semi-space-size=2 /opt/hivesat/dist/cli/main.js run\n`);
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
      expect(() => lstatSync(command)).toThrow(/ENOENT/);
      const purged = await install(['--prefix', prefix, '--uninstall', '--purge']);
      expect(purged.code).toBe(0);
      expect(purged.stdout).toContain('install: skipped (--prefix): userdel hivesat');
      expect(files(prefix)).toEqual([]);
    },
    INSTALL_TIMEOUT_MS,
  );

  it(
    'on a system with Node 18 (bookworm), a prefix install fetches the pinned Node into /opt/hivesat-node and uses it',
    async () => {
      const prefix = join(work, 'root-node18');
      const fake = join(work, 'node18-bin');
      mkdirSync(fake, { recursive: true });
      writeFileSync(join(fake, 'node'), '#!/bin/sh\ncase "$*" in *process.versions.node*) echo 18.20.4 ;; *process.arch*) echo x64 ;; *) echo v18.20.4 ;; esac\n');
      chmodSync(join(fake, 'node'), 0o755);
      const env = { PATH: `${fake}:${process.env['PATH'] ?? ''}`, HIVESAT_NODESOURCE_URL: 'http://127.0.0.1:9', HIVESAT_DOWNLOAD_CACHE: DOWNLOAD_CACHE };
      const refused = await install(['--prefix', prefix, '--system-node', ...CREDS], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`^install: Node\\.js \\^20\\.19 \\|\\| >=22\\.12 is needed, found v18\\.20\\.4 \\(${fake}/node\\)`));
      expect(existsSync(prefix)).toBe(false);

      const run = await install(['--prefix', prefix, '--no-start', ...CREDS], env);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const nodeDir = join(prefix, 'opt/hivesat-node');
      const version = spawnSync(join(nodeDir, 'bin/node'), ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
      expect(run.stdout).toContain(`install: fetch: Node.js ${version} and npm `);
      expect(run.stdout).toMatch(new RegExp(`\\ninstall: platform: [^,]+, [^,]+, node v${version.replaceAll('.', '\\.')} \\(/opt/hivesat-node/bin/node\\)\\n`));
      expect(readFileSync(join(prefix, 'etc/systemd/system/hivesat.service'), 'utf8')).toContain('\nExecStart=/opt/hivesat-node/bin/node --max-semi-space-size=2 /opt/hivesat/dist/cli/main.js run\n');
      const command = join(prefix, 'usr/local/bin/hivesat');
      expect(readFileSync(command, 'utf8')).toContain(`\nexec ${nodeDir}/bin/node --max-semi-space-size=2 ${prefix}/opt/hivesat/dist/cli/main.js "$@"\n`);
      const doctor = spawnSync(command, ['doctor', '--json', '--only', 'system,models'], { encoding: 'utf8', cwd: work, env: { ...process.env, ...env } });
      const report = JSON.parse(doctor.stdout) as { results: { id: string; status: string; summary: string }[] };
      expect(report.results.find((r) => r.id === 'node')).toMatchObject({ status: 'ok', summary: `Node v${version} on linux ${process.arch}` });
      expect(report.results.find((r) => r.id === 'models')?.status).toBe('ok');

      const removed = await install(['--prefix', prefix, '--uninstall'], env);
      expect(removed.code).toBe(0);
      expect(existsSync(nodeDir)).toBe(false);
    },
    INSTALL_TIMEOUT_MS,
  );
});
