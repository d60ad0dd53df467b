import { describe, expect, it } from 'vitest';
import { DEFAULT_OPS_CONFIG, parseOpsConfig } from '../../src/ops/index.js';

describe('parseOpsConfig', () => {
  it('gives the defaults for a missing section: text logs, no listener, no hooks', () => {
    expect(parseOpsConfig(undefined)).toBe(DEFAULT_OPS_CONFIG);
    expect(DEFAULT_OPS_CONFIG).toEqual({ log: { level: 'info', format: 'text' }, health: undefined, hooks: { timeoutMs: 10_000, maxConcurrent: 4, on: {} } });
  });

  it('reads a full section', () => {
    const config = parseOpsConfig({
      log: { level: 'debug', format: 'json' },
      health: { port: 9477 },
      hooks: { timeout_seconds: 5, max_concurrent: 2, on: { wake: ['/usr/local/bin/led', 'on'], speaking_end: [['/usr/local/bin/led', 'off'], ['/bin/true']] } },
    });
    expect(config).toEqual({
      log: { level: 'debug', format: 'json' },
      health: { port: 9477, metrics: true },
      hooks: { timeoutMs: 5_000, maxConcurrent: 2, on: { wake: [['/usr/local/bin/led', 'on']], speaking_end: [['/usr/local/bin/led', 'off'], ['/bin/true']] } },
    });
  });

  it.each([
    [{ logs: {} }, 'ops.logs: unknown key'],
    [{ log: { level: 'trace' } }, 'ops.log.level: expected one of debug, info, warn, error, got "trace"'],
    [{ log: { format: 'xml' } }, 'ops.log.format: expected one of json, text'],
    [{ health: { port: 0 } }, 'ops.health.port: expected an integer 1-65535, got 0'],
    [{ health: {} }, 'ops.health.port: expected a port'],
    [{ health: { port: 9477, metrics: 'yes' } }, 'ops.health.metrics: expected true or false'],
    [{ hooks: { on: { wakeup: [['x']] } } }, 'ops.hooks.on.wakeup: unknown key'],
    [{ hooks: { on: { wake: 'led on' } } }, 'ops.hooks.on.wake: expected a command (array of strings) or a list of commands'],
    [{ hooks: { on: { wake: [['led', 1]] } } }, 'ops.hooks.on.wake[0]: expected a command as an array of strings'],
    [{ hooks: { on: { wake: [[]] } } }, 'ops.hooks.on.wake[0]: expected a command'],
    [{ hooks: { on: { wake: [''] } } }, 'ops.hooks.on.wake: expected a program name'],
    [{ hooks: { timeout_seconds: 0 } }, 'ops.hooks.timeout_seconds: expected an integer 1-300'],
    [{ hooks: { max_concurrent: 100 } }, 'ops.hooks.max_concurrent: expected an integer 1-32'],
    [[], 'ops: expected an object, got an array'],
  ])('refuses %j', (section, message) => {
    expect(() => parseOpsConfig(section)).toThrow(expect.objectContaining({ code: 'CFG_ERR_INVALID_VALUE', message: expect.stringContaining(message) as unknown }));
  });
});
