/**
 * Checks of the machine: Node and platform, the CPU's AES instructions (which decide the cipher order), the clock,
 * free disk space, and whether the kernel's memory controller enforces the unit's memory limits.
 *
 * @module
 */
import { readFile, statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpuInfoHasAes } from '../../hivemind/index.js';
import type { CheckOutcome, DoctorCheck } from './types.js';

/** Oldest Node major hivesat runs on; within it, see {@link NODE_RANGE}. */
export const MIN_NODE_MAJOR = 20;
/** The Node versions hivesat needs (package.json `engines`): the dev toolchain needs 20.19 on the 20 line. */
export const NODE_RANGE = '^20.19 || >=22.12';

/** Whether a Node version (`x.y.z`) is in {@link NODE_RANGE}. */
export function nodeVersionSupported(version: string): boolean {
  const [major = NaN, minor = NaN] = version.split('.').map(Number);
  return (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22;
}
/** A clock before this (2025-01-01) is wrong: no NTP yet, or a Pi without RTC that booted into the past. */
export const MIN_PLAUSIBLE_TIME_MS = Date.UTC(2025, 0, 1);
/** Free space below this fails, bytes (models, identity, logs cannot be written). */
export const DISK_FAIL_BYTES = 100 * 1024 * 1024;
/** Free space below this warns, bytes. */
export const DISK_WARN_BYTES = 500 * 1024 * 1024;

function gib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

/** Node version and platform. */
export const nodeCheck: DoctorCheck = {
  id: 'node',
  group: 'system',
  title: 'Node.js and platform',
  run: async () => {
    const summary = `Node v${process.versions.node} on ${process.platform} ${process.arch}`;
    const details = { node: process.versions.node, platform: process.platform, arch: process.arch };
    if (!nodeVersionSupported(process.versions.node)) {
      return { status: 'fail', summary, details, fix: `hivesat needs Node.js ${NODE_RANGE} (Raspberry Pi OS bookworm ships 18): run scripts/install again (it installs one), or NodeSource's nodejs 22.x` };
    }
    if (process.arch === 'arm') {
      return { status: 'fail', summary, details, fix: 'onnxruntime-node has no 32-bit ARM build: install the 64-bit Raspberry Pi OS (arm64)' };
    }
    if (process.platform !== 'linux' || (process.arch !== 'arm64' && process.arch !== 'x64')) {
      return { status: 'warn', summary, details, fix: 'hivesat is built and tested for Linux on arm64 and x86-64' };
    }
    return { status: 'ok', summary, details };
  },
};

/** AES instructions → cipher preference. */
export const cpuAesCheck: DoctorCheck = {
  id: 'cpu-aes',
  group: 'system',
  title: 'CPU AES (cipher choice)',
  run: async (ctx) => {
    let cpuinfo: string;
    try {
      cpuinfo = ctx.readCpuInfo();
    } catch {
      // Optional probe: without /proc/cpuinfo the connection assumes AES too.
      return { status: 'warn', summary: 'cannot read /proc/cpuinfo: assuming AES instructions (AES-GCM offered first)', fix: 'if this CPU has no AES instructions, pin --cipher CHACHA20-POLY1305 (HIVESAT_CIPHER)' };
    }
    const aes = cpuInfoHasAes(cpuinfo);
    const pinned = ctx.flags.cipher ?? ctx.env['HIVESAT_CIPHER'];
    const order = aes ? 'AES-GCM offered first' : 'ChaCha20-Poly1305 offered first (faster and constant-time without AES instructions)';
    return {
      status: 'ok',
      summary: `${aes ? 'AES instructions present' : 'no AES instructions (e.g. Raspberry Pi 3/4/Zero 2)'}: ${pinned === undefined || pinned === '' ? order : `cipher pinned to ${pinned}`}`,
      details: { aes, cipher_pinned: pinned === undefined || pinned === '' ? null : pinned },
    };
  },
};

/** Wall clock plausibility and NTP state. */
export const clockCheck: DoctorCheck = {
  id: 'clock',
  group: 'system',
  title: 'Clock',
  run: async (ctx): Promise<CheckOutcome> => {
    const now = ctx.now();
    const iso = new Date(now).toISOString();
    if (now < MIN_PLAUSIBLE_TIME_MS || now > Date.UTC(2100, 0, 1)) {
      return { status: 'fail', summary: `the clock says ${iso}`, details: { time: iso }, fix: 'set the time: enable NTP (sudo timedatectl set-ntp true) and check the network; TLS certificates and logs depend on it' };
    }
    const ntp = await ctx.run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], 3_000);
    const synced = ntp.code === 0 ? ntp.stdout.trim() : '';
    if (synced === 'no') {
      return { status: 'warn', summary: `${iso}, not synchronised by NTP`, details: { time: iso, ntp: false }, fix: 'sudo timedatectl set-ntp true (a Pi has no battery clock: without NTP it starts in the past after a power cut)' };
    }
    return { status: 'ok', summary: `${iso}${synced === 'yes' ? ', synchronised by NTP' : ' (NTP state unknown: timedatectl unavailable)'}`, details: { time: iso, ntp: synced === 'yes' ? true : null } };
  },
};

/** Free space where the satellite writes. */
export const diskCheck: DoctorCheck = {
  id: 'disk',
  group: 'system',
  title: 'Disk space',
  run: async (ctx) => {
    const modelDir = ctx.env['HIVESAT_MODEL_DIR'];
    const candidates = [modelDir, '/var/lib/hivesat', process.cwd()].filter((p): p is string => p !== undefined && p !== '' && existsSync(p));
    const where = candidates[0] ?? '/';
    const stats = await statfs(where);
    const free = stats.bavail * stats.bsize;
    const summary = `${gib(free)} free in ${where}`;
    const details = { path: where, free_bytes: free };
    if (free < DISK_FAIL_BYTES) return { status: 'fail', summary, details, fix: 'free some space (journalctl --vacuum-size=50M, apt-get clean); models and the identity cannot be written' };
    if (free < DISK_WARN_BYTES) return { status: 'warn', summary, details, fix: 'free some space soon (journalctl --vacuum-size=50M, apt-get clean)' };
    return { status: 'ok', summary, details };
  },
};

/** Where Raspberry Pi OS bookworm and later keep the kernel command line (older releases: /boot/cmdline.txt). */
export const PI_CMDLINE_PATH = '/boot/firmware/cmdline.txt';

/** What the kernel says about its memory controller. */
export interface MemoryControllerState {
  readonly active: boolean;
  /** The kernel parameter that turned it off, when one did. */
  readonly disabledBy?: string;
}

/**
 * Whether the memory controller is active, from `/proc/cgroups` (its `enabled` column) and, on a cgroup v2 system,
 * the root's `cgroup.controllers`; `/proc/cmdline` names the cause when it is off.
 *
 * @param procCgroups - text of `/proc/cgroups` (undefined when unreadable).
 * @param cmdline - text of `/proc/cmdline`.
 * @param v2Controllers - text of `/sys/fs/cgroup/cgroup.controllers` (undefined on cgroup v1 or when unreadable).
 */
export function memoryControllerState(procCgroups: string | undefined, cmdline: string, v2Controllers: string | undefined): MemoryControllerState {
  const row = procCgroups?.split('\n').find((line) => line.split(/\s+/)[0] === 'memory');
  const enabledV1 = row !== undefined && row.trim().split(/\s+/)[3] === '1';
  const enabledV2 = v2Controllers === undefined ? enabledV1 : v2Controllers.split(/\s+/).includes('memory');
  const active = enabledV1 && enabledV2;
  const disabledBy = cmdline.split(/\s+/).find((arg) => arg === 'cgroup_disable=memory' || arg === 'cgroup_memory=0');
  return active ? { active } : { active, ...(disabledBy !== undefined && { disabledBy }) };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined; // probe: absent on this kernel (cgroup v1, no procfs)
  }
}

/** The memory controller: without it the unit's MemoryHigh=/MemoryMax= are silently ignored. */
export const memoryControllerCheck: DoctorCheck = {
  id: 'memory-cgroup',
  group: 'system',
  title: 'Memory limits (cgroup memory controller)',
  run: async () => {
    if (process.platform !== 'linux') return { status: 'skip', summary: 'not Linux: no cgroups' };
    const state = memoryControllerState(await readOptional('/proc/cgroups'), (await readOptional('/proc/cmdline')) ?? '', await readOptional('/sys/fs/cgroup/cgroup.controllers'));
    const details = { active: state.active, disabled_by: state.disabledBy ?? null };
    if (state.active) return { status: 'ok', summary: 'the memory controller is active: the unit\'s MemoryHigh=/MemoryMax= are enforced', details };
    return {
      status: 'warn',
      summary: `the memory controller is off${state.disabledBy === undefined ? '' : ` (${state.disabledBy} on the kernel command line)`}: the unit's MemoryHigh=/MemoryMax= are ignored`,
      details,
      fix: `add cgroup_enable=memory to the single line of ${PI_CMDLINE_PATH} (Raspberry Pi OS), then reboot`,
    };
  },
};
