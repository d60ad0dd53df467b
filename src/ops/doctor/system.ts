/**
 * Checks of the machine: Node and platform, the CPU's AES instructions (which decide the cipher order), the clock,
 * and free disk space.
 *
 * @module
 */
import { statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpuInfoHasAes } from '../../hivemind/negotiation.js';
import type { CheckOutcome, DoctorCheck, DoctorContext } from './types.js';

/** Oldest Node major hivesat runs on (package.json `engines`). */
export const MIN_NODE_MAJOR = 20;
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
    const major = Number(process.versions.node.split('.')[0]);
    const summary = `Node v${process.versions.node} on ${process.platform} ${process.arch}`;
    const details = { node: process.versions.node, platform: process.platform, arch: process.arch };
    if (major < MIN_NODE_MAJOR) {
      return { status: 'fail', summary, details, fix: `install Node.js ${MIN_NODE_MAJOR} or newer (Raspberry Pi OS bookworm: NodeSource's nodejs 20.x packages)` };
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
