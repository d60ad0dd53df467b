/**
 * doctor's platform facts for a Pi: the Node range of package.json `engines`, and whether the kernel's memory
 * controller enforces the unit's MemoryHigh=/MemoryMax= (stock Raspberry Pi OS kernels turn it off).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_RANGE, memoryControllerCheck, memoryControllerState, nodeVersionSupported } from '../../src/cli/doctor/index.js';

/** /proc/cgroups as a Raspberry Pi OS kernel prints it, with the memory row's `enabled` column set to `enabled`. */
const procCgroups = (enabled: 0 | 1): string =>
  `#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t92\t1\ncpu\t0\t92\t1\nmemory\t0\t92\t${enabled}\npids\t0\t92\t1\n`;
const PI_CMDLINE = 'coherent_pool=1M 8250.nr_uarts=0 cgroup_disable=memory console=tty1 root=PARTUUID=1234-02 rootwait';

describe('Node range', () => {
  it('is the one package.json declares', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(NODE_RANGE);
  });

  it.each([
    ['18.20.4', false],
    ['20.18.1', false],
    ['20.19.0', true],
    ['20.19.2', true],
    ['21.7.3', false],
    ['22.11.0', false],
    ['22.12.0', true],
    ['24.1.0', true],
    ['garbage', false],
  ])('%s → %s', (version, supported) => {
    expect(nodeVersionSupported(version)).toBe(supported);
  });
});

describe('memory controller', () => {
  it('is off on a stock Raspberry Pi OS kernel, and says which parameter did it', () => {
    expect(memoryControllerState(procCgroups(0), PI_CMDLINE, 'cpuset cpu io pids\n')).toEqual({ active: false, disabledBy: 'cgroup_disable=memory' });
  });

  it('is on once cgroup_enable=memory is added (cgroup v2 and v1)', () => {
    const cmdline = `${PI_CMDLINE} cgroup_enable=memory`;
    expect(memoryControllerState(procCgroups(1), cmdline, 'cpuset cpu io memory pids\n')).toEqual({ active: true });
    expect(memoryControllerState(procCgroups(1), cmdline, undefined)).toEqual({ active: true });
  });

  it('is off when the v2 root does not offer it, or when nothing can be read', () => {
    expect(memoryControllerState(procCgroups(1), '', 'cpuset cpu io pids\n')).toEqual({ active: false });
    expect(memoryControllerState(undefined, '', undefined)).toEqual({ active: false });
  });

  it("reports this machine's state with the fix when it is off", async () => {
    const outcome = await memoryControllerCheck.run({} as never);
    expect(outcome.status).toMatch(/^(ok|warn)$/);
    if (outcome.status === 'warn') expect(outcome.fix).toBe('add cgroup_enable=memory to the single line of /boot/firmware/cmdline.txt (Raspberry Pi OS), then reboot');
    else expect(outcome.summary).toBe("the memory controller is active: the unit's MemoryHigh=/MemoryMax= are enforced");
  });
});
