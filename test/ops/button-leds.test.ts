/**
 * The GPIO button and the APA102 LEDs with real programs and files: a stand-in `gpiomon` (a shell script) printing
 * the lines Debian's gpiomon 1.6 (bookworm) or 2.x (trixie) prints, and a FIFO / a file in place of `/dev/spidev0.1`, where the exact APA102
 * frames are asserted.
 */
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Apa102Leds,
  BUTTON_RELEASED,
  type ButtonPress,
  EventStream,
  GPIOMON_V2_FORMAT,
  GpioButton,
  apa102Frame,
  gpiomonMajor,
  buttonTransition,
  gpiomonArgs,
  ledPatternFor,
  ledsFollow,
  parseGpiomonLine,
} from '../../src/ops/index.js';
import { ManualTimers } from '../audio/manual-timers.js';

const dir = await mkdtemp(join(tmpdir(), 'hivesat-hw-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** gpiomon 1.6's own line for an edge (tools/gpiomon.c: `"event: %s offset: %u timestamp: [%8ld.%09ld]"`). */
function gpiomonLine(edge: 'RISING' | 'FALLING', offset: number, sec: number, nsec: number): string {
  return `event: ${edge === 'RISING' ? ' RISING' : 'FALLING'} EDGE offset: ${offset} timestamp: [${String(sec).padStart(8)}.${String(nsec).padStart(9, '0')}]`;
}

/**
 * A 2.x gpiomon's line with `--format='%o %E %S'`: per the libgpiod 2.1.2/2.2.1 gpiomon(1) page, `%o` is the offset,
 * `%E` the edge (`rising`/`falling`), `%S` the timestamp as seconds (`<sec>.<nsec>`, nine digits).
 */
function gpiomonV2Line(edge: 'rising' | 'falling', offset: number, sec: number, nsec: number): string {
  return `${offset} ${edge} ${sec}.${String(nsec).padStart(9, '0')}`;
}

/** A stand-in gpiomon: answers `--version` with `version`, else records its argv and prints `lines`, then fails. */
async function standInGpiomon(name: string, version: string, lines: readonly string[]): Promise<{ program: string; argsFile: string }> {
  const argsFile = join(dir, `${name}-args`);
  const program = join(dir, name);
  await writeFile(program, `#!/bin/sh\nif [ "$1" = --version ]; then echo '${version}'; exit 0; fi\necho "$@" >> '${argsFile}'\nprintf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')}\nexit 1\n`);
  await chmod(program, 0o755);
  return { program, argsFile };
}

describe('gpiomon output', () => {
  it('parses the lines gpiomon 1.6 prints, and nothing else', () => {
    expect(parseGpiomonLine('event:  RISING EDGE offset: 17 timestamp: [    1234.000000001]')).toEqual({ edge: 'rising', offset: 17, timeNs: 1_234_000_000_001n });
    expect(parseGpiomonLine('event: FALLING EDGE offset: 5 timestamp: [1733170000.500000000]')).toEqual({ edge: 'falling', offset: 5, timeNs: 1_733_170_000_500_000_000n });
    for (const junk of ['', 'event: RISING', 'gpiomon: error waiting for events: Device or resource busy', 'event:  RISING EDGE offset: x timestamp: [1.1]']) expect(parseGpiomonLine(junk)).toBeUndefined();
  });

  it('parses the lines a 2.x gpiomon prints with our --format', () => {
    expect(GPIOMON_V2_FORMAT).toBe('%o %E %S');
    expect(parseGpiomonLine('17 rising 1234.000000001')).toEqual({ edge: 'rising', offset: 17, timeNs: 1_234_000_000_001n });
    expect(parseGpiomonLine('5 falling 1733170000.500000000\n')).toEqual({ edge: 'falling', offset: 5, timeNs: 1_733_170_000_500_000_000n });
    // 2.x's default line names the line, not its offset: not parsed (that is why --format is given)
    for (const junk of ['1234.000000001\trising\t"GPIO17"', '17 RISING 1.000000000', '17 rising 1.5', 'x rising 1.000000000']) expect(parseGpiomonLine(junk)).toBeUndefined();
  });

  it('reads the major version from gpiomon --version', () => {
    expect(gpiomonMajor('gpiomon (libgpiod) v1.6.3\nCopyright (C) 2017-2018 Bartosz Golaszewski\n')).toBe(1);
    expect(gpiomonMajor('gpiomon (libgpiod) v2.1.2\nCopyright (C) 2017-2023 Bartosz Golaszewski\n')).toBe(2);
    expect(gpiomonMajor('gpiomon (libgpiod) v2.2.1')).toBe(2);
    expect(gpiomonMajor('')).toBe(1);
  });

  it('builds the 2.x command line: --chip, --bias (disabled, none for as-is), --edges=both, --format, the line', () => {
    expect(gpiomonArgs({ chip: 'gpiochip0', line: 17 }, 2)).toEqual(['--chip=gpiochip0', '--active-low', '--bias=pull-up', '--edges=both', '--format=%o %E %S', '17']);
    expect(gpiomonArgs({ chip: '0', line: 5, activeLow: false, bias: 'disable' }, 2)).toEqual(['--chip=0', '--bias=disabled', '--edges=both', '--format=%o %E %S', '5']);
    expect(gpiomonArgs({ chip: '0', line: 5, bias: 'as-is' }, 2)).toEqual(['--chip=0', '--active-low', '--edges=both', '--format=%o %E %S', '5']);
  });

  it('asks gpiomon for line-buffered, active-low, pulled-up events on the chip and line', () => {
    expect(gpiomonArgs({ chip: 'gpiochip0', line: 17 })).toEqual(['--line-buffered', '--active-low', '--bias=pull-up', 'gpiochip0', '17']);
    expect(gpiomonArgs({ chip: '0', line: 5, activeLow: false, bias: 'disable' })).toEqual(['--line-buffered', '--bias=disable', '0', '5']);
  });

  it('the installed gpiomon (Debian gpiod) takes those arguments', () => {
    let help = '';
    try {
      help = execFileSync('gpiomon', ['--help'], { encoding: 'utf8' });
    } catch {
      return; // gpiod not installed here: the stand-in tests below still run
    }
    const major = gpiomonMajor(execFileSync('gpiomon', ['--version'], { encoding: 'utf8' }));
    for (const option of major === 1 ? ['--line-buffered', '--active-low', '--bias='] : ['--chip', '--active-low', '--bias', '--edges', '--format']) expect(help).toContain(option);
  });
});

describe('the press machine', () => {
  const at = (ms: number, edge: 'rising' | 'falling'): { edge: 'rising' | 'falling'; offset: number; timeNs: bigint } => ({ edge, offset: 17, timeNs: BigInt(ms) * 1_000_000n });
  const run = (edges: ReturnType<typeof at>[]): (ButtonPress | undefined)[] => {
    let state = BUTTON_RELEASED;
    return edges.map((e) => {
      const [next, press] = buttonTransition(state, e, { pressed: 'rising', longPressMs: 1_000 });
      state = next;
      return press;
    });
  };

  it('short and long presses by the edges’ own timestamps; 999 ms is short, 1000 ms long', () => {
    expect(run([at(0, 'rising'), at(200, 'falling'), at(1_000, 'rising'), at(2_500, 'falling')])).toEqual([undefined, 'short', undefined, 'long']);
    expect(run([at(0, 'rising'), at(999, 'falling'), at(2_000, 'rising'), at(3_000, 'falling')])).toEqual([undefined, 'short', undefined, 'long']);
  });

  it('ignores contact bounce and a release without a press', () => {
    expect(run([at(0, 'falling'), at(100, 'rising'), at(110, 'falling'), at(120, 'rising'), at(400, 'falling')])).toEqual([undefined, undefined, undefined, undefined, 'short']);
    expect(run([at(0, 'rising'), at(10, 'falling'), at(20, 'rising'), at(500, 'falling')])).toEqual([undefined, undefined, undefined, 'short']);
  });
});

describe('GpioButton with a stand-in gpiomon', () => {
  const bookworm = {
    version: 'gpiomon (libgpiod) v1.6.3',
    args: '--line-buffered --active-low --bias=pull-up gpiochip0 17',
    lines: [
      gpiomonLine('RISING', 17, 5000, 0),
      gpiomonLine('FALLING', 17, 5000, 250_000_000), // 250 ms: short
      gpiomonLine('RISING', 4, 5001, 0), // another line: not ours
      gpiomonLine('RISING', 17, 5002, 0),
      gpiomonLine('FALLING', 17, 5003, 500_000_000), // 1.5 s: long
      'gpiomon: error waiting for events: No such device',
    ],
  };
  const trixie = {
    version: 'gpiomon (libgpiod) v2.1.2',
    args: '--chip=gpiochip0 --active-low --bias=pull-up --edges=both --format=%o %E %S 17',
    lines: [
      gpiomonV2Line('rising', 17, 7000, 0),
      gpiomonV2Line('falling', 17, 7000, 300_000_000), // 300 ms: short
      gpiomonV2Line('rising', 4, 7001, 0), // another line: not ours
      gpiomonV2Line('rising', 17, 7002, 0),
      gpiomonV2Line('falling', 17, 7003, 100_000_000), // 1.1 s: long
      'gpiomon: error waiting for events: No such device',
    ],
  };

  it.each([
    ['1.6 (bookworm)', 'gpiomon', bookworm],
    ['2.x (trixie)', 'gpiomon2', trixie],
  ])('gpiomon %s: its own arguments, its lines make presses; when it dies it is reported and started again after a backoff', async (_, name, gpiomon) => {
    const { program, argsFile } = await standInGpiomon(name, gpiomon.version, gpiomon.lines);
    const timers = new ManualTimers();
    const button = new GpioButton({ chip: 'gpiochip0', line: 17, program, timers });
    const presses: ButtonPress[] = [];
    button.on('press', (p) => presses.push(p));
    try {
      const failed = once(button, 'error') as Promise<[string, number]>;
      button.start();
      const [message, retryMs] = await failed;
      expect(presses).toEqual(['short', 'long']);
      expect([message, retryMs]).toEqual([`${program} exited with status 1`, 1_000]);
      const again = once(button, 'error') as Promise<[string, number]>;
      timers.advance(1_000);
      expect((await again)[1]).toBe(1_000); // it had delivered edges: the backoff starts afresh
      expect(presses).toEqual(['short', 'long', 'short', 'long']);
      expect((await readFile(argsFile, 'utf8')).trim().split('\n')).toEqual([gpiomon.args, gpiomon.args]);
    } finally {
      await button.stop();
    }
  });

  it('a gpiomon that is not installed is an error naming the package, retried with a growing backoff', async () => {
    const timers = new ManualTimers();
    const button = new GpioButton({ chip: 'gpiochip0', line: 17, program: join(dir, 'not-installed'), timers });
    const failed = once(button, 'error') as Promise<[string, number]>;
    button.start();
    expect(await failed).toEqual([`${join(dir, 'not-installed')} cannot be started (ENOENT); install the gpiod package`, 1_000]);
    const again = once(button, 'error') as Promise<[string, number]>;
    timers.advance(1_000);
    expect((await again)[1]).toBe(2_000); // failing without a single edge: the backoff doubles
    await button.stop();
  });
});

describe('APA102 LEDs', () => {
  it('frames: start frame, 0xE0|brightness B G R per LED, zero end frame', () => {
    expect([...apa102Frame(3, [255, 80, 0], 8)]).toEqual([0, 0, 0, 0, 0xe8, 0, 80, 255, 0xe8, 0, 80, 255, 0xe8, 0, 80, 255, 0, 0, 0, 0]);
    expect(apa102Frame(12, [0, 0, 255], 31).subarray(4, 8)).toEqual(new Uint8Array([0xff, 255, 0, 0]));
    expect(apa102Frame(100, [0, 0, 0], 0).length).toBe(4 + 400 + 7);
    expect(() => apa102Frame(0, [0, 0, 0], 1)).toThrow(RangeError);
    expect(() => new Apa102Leds({ device: '/dev/null', count: 3, brightness: 32 })).toThrow('brightness: expected 0-31, got 32');
  });

  it('patterns: muted wins, then error, then the state', () => {
    expect(ledPatternFor({ state: 'speaking', muted: true, error: true })).toBe('muted');
    expect(ledPatternFor({ state: 'speaking', muted: false, error: true })).toBe('error');
    expect(['idle', 'listening', 'thinking', 'speaking', 'starting', 'stopping'].map((state) => ledPatternFor({ state, muted: false, error: false }))).toEqual(['idle', 'listening', 'thinking', 'speaking', 'idle', 'idle']);
  });

  it('follows the satellite’s events into the SPI device (a FIFO): exactly the frames of each change, none repeated', async () => {
    const fifo = join(dir, 'spidev0.1');
    execFileSync('mkfifo', [fifo]);
    const reader = await open(fifo, 'r+'); // hold the FIFO open for reading, as the SPI driver takes every write
    const stream = new EventStream();
    const leds = new Apa102Leds({ device: fifo, count: 3, brightness: 4 });
    const frame = (rgb: [number, number, number]): number[] => [...apa102Frame(3, rgb, 4)];
    try {
      ledsFollow(leds, stream, { muted: false }, (error) => {
        throw error;
      });
      stream.publish('state', { state: 'listening' });
      stream.publish('state', { state: 'listening' }); // no change: nothing written
      stream.publish('state', { state: 'thinking' });
      stream.publish('speaking_start', {});
      stream.publish('mute', { muted: true, source: 'button' });
      stream.publish('state', { state: 'idle' }); // still muted: no change
      stream.publish('mute', { muted: false, source: 'api' });
      stream.publish('error', { kind: 'AUDIO_ERR_DEVICE_EXIT', message: 'capture died' });
      await leds.show('error'); // everything queued has been written
      const expected = [frame([0, 0, 0]), frame([0, 0, 255]), frame([0, 160, 160]), frame([0, 255, 0]), frame([255, 0, 0]), frame([0, 0, 0]), frame([255, 80, 0])].flat();
      const got = Buffer.alloc(expected.length);
      let filled = 0;
      while (filled < got.length) filled += (await reader.read(got, filled, got.length - filled)).bytesRead;
      expect([...got]).toEqual(expected);
    } finally {
      await leds.close();
      await reader.close();
    }
  });

  it('a missing device is an error, never a file created in its place', async () => {
    const leds = new Apa102Leds({ device: join(dir, 'no-spidev'), count: 3 });
    await expect(leds.show('listening')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFile(join(dir, 'no-spidev'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
