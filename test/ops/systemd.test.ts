import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpsTimers, type ServiceNotifier, Watchdog, createLogger, createSystemdNotifier, nullNotifier, watchdogTimeoutMs } from '../../src/ops/index.js';

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'hivesat-notify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for systemd-notify: appends its arguments (one call per line) to a file. */
function recorder(name: string, body = ''): { command: string; calls: () => string[] } {
  const log = join(dir, `${name}.log`);
  const command = join(dir, `${name}.sh`);
  writeFileSync(command, `#!/bin/sh\n${body}\necho "$NOTIFY_SOCKET|$*" >> '${log}'\n`);
  chmodSync(command, 0o755);
  return {
    command,
    calls: () => {
      try {
        return readFileSync(log, 'utf8').trim().split('\n').filter((l) => l !== '');
      } catch {
        return [];
      }
    },
  };
}

describe('createSystemdNotifier', () => {
  it('is a no-op without $NOTIFY_SOCKET', async () => {
    const notifier = createSystemdNotifier({ env: {} });
    expect(notifier).toBe(nullNotifier);
    expect(notifier.enabled).toBe(false);
    expect(await notifier.ready()).toEqual({ sent: false, reason: 'disabled' });
  });

  it('runs the helper with the assignments, in order, one line each', async () => {
    const fake = recorder('order');
    const notifier = createSystemdNotifier({ env: { NOTIFY_SOCKET: '/run/x.sock', PATH: process.env['PATH'] }, command: fake.command });
    const outcomes = await Promise.all([notifier.ready('hub connected: AES-GCM'), notifier.status('line one\nREADY=0'), notifier.watchdog(), notifier.stopping()]);
    expect(outcomes).toEqual([{ sent: true }, { sent: true }, { sent: true }, { sent: true }]);
    expect(fake.calls()).toEqual([
      '/run/x.sock|READY=1 STATUS=hub connected: AES-GCM',
      '/run/x.sock|STATUS=line one READY=0', // the newline cannot start a second assignment
      '/run/x.sock|WATCHDOG=1',
      '/run/x.sock|STOPPING=1',
    ]);
  });

  it('merges a heartbeat into one already waiting', async () => {
    const fake = recorder('merge', 'sleep 0.05');
    const notifier = createSystemdNotifier({ env: { NOTIFY_SOCKET: '/run/x.sock' }, command: fake.command });
    const outcomes = await Promise.all([notifier.status('busy'), notifier.watchdog(), notifier.watchdog(), notifier.watchdog()]);
    expect(outcomes).toEqual([{ sent: true }, { sent: true }, { sent: false, reason: 'merged' }, { sent: false, reason: 'merged' }]);
    expect(fake.calls()).toHaveLength(2);
  });

  it('reports a failing or missing helper as a value, and logs it', async () => {
    const lines: string[] = [];
    const logger = createLogger({ stream: { write: (t: string) => lines.push(t) }, env: {} });
    const failing = recorder('failing', 'echo "Failed to notify init system: Connection refused" >&2; exit 1');
    const notifier = createSystemdNotifier({ env: { NOTIFY_SOCKET: '/run/x.sock' }, command: failing.command, logger });
    const outcome = await notifier.ready();
    expect(outcome).toMatchObject({ sent: false, reason: 'failed', error: { code: 'OPS_ERR_NOTIFY', message: expect.stringContaining('Connection refused') as unknown } });
    const missing = createSystemdNotifier({ env: { NOTIFY_SOCKET: '/run/x.sock' }, command: join(dir, 'no-such-helper'), logger });
    expect(await missing.watchdog()).toMatchObject({ sent: false, reason: 'failed', error: { code: 'OPS_ERR_NOTIFY' } });
    expect(lines.join('')).toContain('systemd notification not delivered');
  });

  it('kills a helper that hangs', async () => {
    const hanging = recorder('hang', 'exec sleep 30');
    const notifier = createSystemdNotifier({ env: { NOTIFY_SOCKET: '/run/x.sock' }, command: hanging.command, timeoutMs: 200 });
    expect(await notifier.ready()).toMatchObject({ sent: false, reason: 'failed', error: { message: expect.stringContaining('did not finish within 200 ms') as unknown } });
  });
});

/** A datagram socket standing in for systemd's notify socket (closes passed fds, which releases the barrier). */
const RECEIVER = `
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print("bound", flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(64))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i"); fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
            for fd in fds: os.close(fd)
    print(msg.decode().replace("\\n", "|"), flush=True)
`;

describe.skipIf(!has('systemd-notify') || !has('python3'))('createSystemdNotifier with the real systemd-notify', () => {
  let receiver: ChildProcess;
  let received = '';
  const socket = join(dir, 'notify.sock');

  beforeAll(async () => {
    receiver = spawn('python3', ['-c', RECEIVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => {
      receiver.stdout?.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        if (received.includes('bound')) resolve();
      });
    });
  });
  afterAll(() => {
    receiver.kill();
  });

  it('delivers READY=1, STATUS and WATCHDOG=1 datagrams, each behind a barrier', async () => {
    const notifier: ServiceNotifier = createSystemdNotifier({ env: { NOTIFY_SOCKET: socket, PATH: process.env['PATH'] } });
    const started = performance.now();
    expect(await notifier.ready('models loaded')).toEqual({ sent: true });
    expect(await notifier.watchdog()).toEqual({ sent: true });
    expect(await notifier.stopping()).toEqual({ sent: true });
    const perMessageMs = (performance.now() - started) / 3;
    expect(received).toContain('READY=1|STATUS=models loaded');
    expect(received).toContain('BARRIER=1');
    expect(received).toContain('WATCHDOG=1');
    expect(received).toContain('STOPPING=1');
    // systemd-notify + its barrier round trip; generous bound for a loaded CI box.
    expect(perMessageMs).toBeLessThan(1_000);
  });
});

/** Timers driven by hand. */
function manualTimers(): OpsTimers & { advance(ms: number): void } {
  let now = 0;
  let seq = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout: (callback, ms) => {
      seq += 1;
      pending.set(seq, { at: now + ms, callback });
      return seq;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...pending.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (next === undefined || next[1].at > end) break;
        pending.delete(next[0]);
        now = next[1].at;
        next[1].callback();
      }
      now = end;
    },
  };
}

function countingNotifier(): ServiceNotifier & { beats: number } {
  const n = {
    enabled: true,
    beats: 0,
    ready: () => Promise.resolve({ sent: true as const }),
    status: () => Promise.resolve({ sent: true as const }),
    stopping: () => Promise.resolve({ sent: true as const }),
    notify: () => Promise.resolve({ sent: true as const }),
    watchdog: () => {
      n.beats += 1;
      return Promise.resolve({ sent: true as const });
    },
  };
  return n;
}

describe('Watchdog', () => {
  it('reads WATCHDOG_USEC and WATCHDOG_PID', () => {
    expect(watchdogTimeoutMs({ WATCHDOG_USEC: '30000000' }, 42)).toBe(30_000);
    expect(watchdogTimeoutMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(30_000);
    expect(watchdogTimeoutMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42)).toBeUndefined();
    expect(watchdogTimeoutMs({}, 42)).toBeUndefined();
    expect(watchdogTimeoutMs({ WATCHDOG_USEC: 'soon' }, 42)).toBeUndefined();
  });

  it('sends a heartbeat every quarter interval while the audio loop pings', () => {
    const timers = manualTimers();
    const notifier = countingNotifier();
    const watchdog = new Watchdog({ notifier, env: { WATCHDOG_USEC: '4000000' }, timers });
    expect(watchdog.enabled).toBe(true);
    watchdog.start();
    expect(notifier.beats).toBe(1);
    for (let t = 0; t < 10_000; t += 80) {
      watchdog.ping();
      timers.advance(80);
    }
    expect(notifier.beats).toBe(1 + 10);
    watchdog.stop();
    timers.advance(10_000);
    expect(notifier.beats).toBe(11);
  });

  it('withholds the heartbeat once the loop stalls, logs once, and resumes', () => {
    const timers = manualTimers();
    const notifier = countingNotifier();
    const lines: string[] = [];
    const logger = createLogger({ stream: { write: (t: string) => lines.push(t) }, env: {} });
    const watchdog = new Watchdog({ notifier, env: { WATCHDOG_USEC: '4000000' }, timers, logger });
    watchdog.start();
    timers.advance(2_000); // ticks at 1 s and 2 s: 2 s since start is still within timeout/2
    expect(notifier.beats).toBe(3);
    timers.advance(6_000); // no pings: stalled
    expect(notifier.beats).toBe(3);
    expect(watchdog.sinceLastPingMs).toBe(8_000);
    expect(lines.filter((l) => l.includes('audio loop stalled'))).toHaveLength(1);
    watchdog.ping();
    timers.advance(1_000);
    expect(notifier.beats).toBe(4);
    expect(lines.join('')).toContain('heartbeat resumed');
  });

  it('is disabled without WatchdogSec or without systemd', () => {
    const timers = manualTimers();
    const off = new Watchdog({ notifier: countingNotifier(), env: {}, timers });
    expect(off.enabled).toBe(false);
    off.start();
    off.ping();
    const noSystemd = new Watchdog({ notifier: nullNotifier, env: { WATCHDOG_USEC: '1000000' }, timers });
    expect(noSystemd.enabled).toBe(false);
  });
});
