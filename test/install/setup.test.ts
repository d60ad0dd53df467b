/**
 * scripts/setup on the systems Raspberry Pi OS users have: a 32-bit system is refused first, in well under a
 * second and before npm runs; a Node older than ^20.19 || >=22.12 (bookworm's 18.20.4, faked first on PATH) is
 * either replaced by the pinned official build from the npm registry (sha512-checked) and setup goes on, or, with
 * --system-node, refused with the command that installs a new enough Node on bookworm.
 *
 * The Node fetch is real (npm registry); the tarballs are kept in ~/.cache/hivesat/downloads and reused (still
 * sha512-checked) by later runs. NodeSource is pointed at a closed local port, so the registry path is taken.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'hivesat-setup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PINNED_NODE = /^HIVESAT_NODE_VERSION=(\S+)$/m.exec(readFileSync(join(ROOT, 'scripts/lib/node.sh'), 'utf8'))?.[1] ?? '';
const FETCH_TIMEOUT_MS = 300_000;
/** Where the Node tarballs are kept between runs (like npm's own cache in ~/.npm). */
const DOWNLOAD_CACHE = join(homedir(), '.cache/hivesat/downloads');

/** A directory of fake commands, put first on PATH. `npm` records that it ran. */
function fakeBin(name: string, scripts: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [command, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, command), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, command), 0o755);
  }
  return dir;
}

/** Node 18.20.4 as Debian bookworm's nodejs answers the questions setup asks. */
const NODE_18 = `case "$*" in *process.versions.node*) echo 18.20.4 ;; *process.arch*) echo arm64 ;; *) echo v18.20.4 ;; esac`;

function setup(checkout: string, args: readonly string[], pathFirst: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((done, reject) => {
    const child = spawn(join(checkout, 'scripts/setup'), [...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${pathFirst}:${process.env['PATH'] ?? ''}`, TMPDIR: work, HIVESAT_NODESOURCE_URL: 'http://127.0.0.1:9', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => done({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

describe('scripts/setup: the platform first', () => {
  const npmRan = join(work, 'npm-ran');
  const npm = `touch ${npmRan}; exit 1`;

  it.each([
    ['uname -m says armv7l', { uname: 'echo armv7l', npm }, 'this is a 32-bit ARM system (uname -m: armv7l)'],
    ['a 64-bit kernel under an armhf userland', { uname: 'echo aarch64', dpkg: 'echo armhf', npm }, "this system's userland is 32-bit (armhf, on a aarch64 kernel)"],
  ])('refuses %s before anything runs', async (_name, fakes, reason) => {
    const run = await setup(ROOT, ['--no-apt'], fakeBin(`arch-${reason.length}`, fakes));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`setup: ${reason}: hivesat needs a 64-bit OS (onnxruntime-node has no 32-bit ARM build): install Raspberry Pi OS (64-bit) and run this again\n`);
    expect(existsSync(npmRan)).toBe(false);
  });

  it('refuses a 32-bit Node build on a 64-bit system', async () => {
    const run = await setup(ROOT, ['--no-apt'], fakeBin('node-arm', { node: `case "$*" in *process.versions.node*) echo 22.12.0 ;; *process.arch*) echo arm ;; esac`, npm }));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^setup: \S+\/node is a 32-bit Node.js build \(arm\): hivesat needs a 64-bit OS and Node.js .*install Raspberry Pi OS \(64-bit\)\n$/);
    expect(existsSync(npmRan)).toBe(false);
  });
});

describe('scripts/setup: a Node older than ^20.19 || >=22.12', () => {
  it('--system-node stops with the command that installs Node 22 on bookworm', async () => {
    const bin = fakeBin('node18-system', { node: NODE_18 });
    const run = await setup(ROOT, ['--no-apt', '--system-node'], bin);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`setup: Node.js ^20.19 || >=22.12 is needed, found v18.20.4 (${bin}/node)`);
    const codename = spawnSync('sh', ['-c', '. /etc/os-release && echo "$VERSION_CODENAME"'], { encoding: 'utf8' }).stdout.trim();
    if (codename === 'bookworm') {
      expect(run.stderr).toContain('curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash - && sudo apt-get install -y nodejs');
    }
    expect(run.stderr.split('\n')).toHaveLength(2);
  });

  it(
    'fetches the pinned Node from the npm registry into .node and goes on',
    async () => {
      // A checkout whose npm ci and models are already done (models copied from this one).
      const checkout = join(work, 'checkout');
      mkdirSync(join(checkout, 'models'), { recursive: true });
      cpSync(join(ROOT, 'scripts'), join(checkout, 'scripts'), { recursive: true });
      for (const file of ['package.json', 'package-lock.json', 'models/manifest.json']) cpSync(join(ROOT, file), join(checkout, file), { preserveTimestamps: true });
      // Its own node_modules, current (so setup skips npm ci): never a link to this checkout's, which npm ci would empty.
      mkdirSync(join(checkout, 'node_modules'));
      writeFileSync(join(checkout, 'node_modules/.package-lock.json'), '{}\n');
      cpSync(join(ROOT, 'models/cache'), join(checkout, 'models/cache'), { recursive: true, dereference: true });
      for (const committed of spawnSync('git', ['ls-files', 'models/*.onnx'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) cpSync(join(ROOT, committed), join(checkout, committed));

      const run = await setup(checkout, ['--no-apt', '--no-build'], fakeBin('node18', { node: NODE_18 }), { HIVESAT_DOWNLOAD_CACHE: DOWNLOAD_CACHE });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const node = join(checkout, '.node/bin/node');
      expect(run.stdout).toContain(`setup: fetching Node.js ${PINNED_NODE} (npm registry: node-linux-`);
      expect(run.stdout).toMatch(new RegExp(`setup: node v${PINNED_NODE.replaceAll('.', '\\.')} \\(${node}\\), npm \\d+\\.\\d+\\.\\d+\\n`));
      expect(run.stdout).toContain(`export PATH="${join(checkout, '.node')}/bin:$PATH"`);
      expect(run.stdout.endsWith('setup: done\n')).toBe(true);
      expect(spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()).toBe(PINNED_NODE);

      // A second run finds the fetched Node and fetches nothing.
      const again = await setup(checkout, ['--no-apt', '--no-build'], fakeBin('node18', { node: NODE_18 }));
      expect(again.code).toBe(0);
      expect(again.stdout).not.toContain('fetching Node.js');
      expect(again.stdout).toContain(`setup: node v${PINNED_NODE} (${node})`);
    },
    FETCH_TIMEOUT_MS,
  );

  it('refuses a tarball whose sha512 is not the pinned one, and installs nothing', async () => {
    // A registry that answers every request with the same wrong bytes.
    const server = createServer((_req, res) => res.end('not node'));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const checkout = join(work, 'checkout-bad-registry');
      cpSync(join(ROOT, 'scripts'), join(checkout, 'scripts'), { recursive: true });
      const run = await setup(checkout, ['--no-apt'], fakeBin('node18-bad', { node: NODE_18 }), { npm_config_registry: registry });
      const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^setup: checksum mismatch for ${registry}/node-linux-${arch}/-/node-linux-${arch}-${PINNED_NODE.replaceAll('.', '\\.')}\\.tgz \\(sha512 [0-9a-f]{128}, expected [0-9a-f]{128}\\): not used\\n$`));
      expect(existsSync(join(checkout, '.node'))).toBe(false);
    } finally {
      server.close();
    }
  });
});
