/**
 * A push button on a GPIO line, read through Debian's libgpiod tools: `gpiomon` (package `gpiod`, v1.6 in Debian 12
 * and Raspberry Pi OS bookworm) runs as a child process and prints one line per edge,
 *
 * ```
 * event:  RISING EDGE offset: 17 timestamp: [    1733170000.123456789]
 * event: FALLING EDGE offset: 17 timestamp: [    1733170000.623456789]
 * ```
 *
 * libgpiod 2.x (Debian 13 trixie, Raspberry Pi OS trixie) has a different command line (`gpiomon [--chip C] [--bias B]
 * [--edges E] [--format F] LINE`, bias value `disabled`, no `--line-buffered`) and a different default line
 * (`<sec>.<nsec>\t<rising|falling>\t<line name or chip offset>`, naming a named line such as the Pi's `GPIO17` by name,
 * not offset). So the version is asked first (`gpiomon --version`: `gpiomon (libgpiod) v2.1.2`) and a 2.x gpiomon is
 * given `--format=%o %E %S` (offset, `rising`/`falling`, `<sec>.<nsec>`), whose lines are parsed here; the options and
 * specifiers are those of the gpiomon(1) manual page of libgpiod 2.1.2 / 2.2.1
 * (man.archlinux.org/man/gpiomon.1.en, manpages.ubuntu.com/manpages/plucky/man1/gpiomon.1.html).
 *
 * With `--active-low` (a button pulling the line to ground, as on the ReSpeaker HATs) a press is the rising edge.
 * A press shorter than `longPressMs` is a `short` press, a longer one `long`, measured between gpiomon's own edge
 * timestamps (kernel time, so a busy event loop does not turn a tap into a long press). Bounces shorter than
 * {@link BUTTON_DEBOUNCE_MS} are ignored.
 *
 * Supervised like arecord: when gpiomon exits (not installed, the chip is busy or gone), the button reports `error`
 * and starts it again after a backoff that doubles up to {@link BUTTON_RESTART_MAX_MS}; `stop()` ends it.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { type OpsSpawn, type OpsTimers, defaultSpawn, systemTimers } from './clock.js';

/** Edges closer than this to the previous one are contact bounce, ms. */
export const BUTTON_DEBOUNCE_MS = 30;
/** Default hold time of a long press, ms. */
export const BUTTON_LONG_PRESS_MS = 1_000;
/** First and longest wait before gpiomon is started again, ms. */
export const BUTTON_RESTART_INITIAL_MS = 1_000;
export const BUTTON_RESTART_MAX_MS = 30_000;

/** One line of gpiomon's output, parsed. */
export interface GpioEdge {
  readonly edge: 'rising' | 'falling';
  readonly offset: number;
  /** The event's timestamp, nanoseconds (as a bigint: seconds since boot or the epoch do not fit a double's ns). */
  readonly timeNs: bigint;
}

const GPIOMON_LINE = /^event:\s+(RISING|FALLING) EDGE offset: (\d+) timestamp: \[\s*(\d+)\.(\d{9})\]$/;

/** A 2.x line in the {@link GPIOMON_V2_FORMAT}: offset, edge, `<sec>.<nsec>`. */
const GPIOMON_V2_LINE = /^(\d+) (rising|falling) (\d+)\.(\d{9})$/;

/** The `--format` given to a libgpiod 2.x gpiomon: `%o` offset, `%E` `rising`/`falling`, `%S` `<sec>.<nsec>`. */
export const GPIOMON_V2_FORMAT = '%o %E %S';

/**
 * Parse one line of gpiomon's output: the default v1.x line, or a 2.x line printed with {@link GPIOMON_V2_FORMAT};
 * `undefined` for anything else.
 */
export function parseGpiomonLine(line: string): GpioEdge | undefined {
  const trimmed = line.trim();
  const v1 = GPIOMON_LINE.exec(trimmed);
  if (v1 !== null) return { edge: v1[1] === 'RISING' ? 'rising' : 'falling', offset: Number(v1[2]), timeNs: nanoseconds(v1[3], v1[4]) };
  const v2 = GPIOMON_V2_LINE.exec(trimmed);
  if (v2 !== null) return { edge: v2[2] === 'rising' ? 'rising' : 'falling', offset: Number(v2[1]), timeNs: nanoseconds(v2[3], v2[4]) };
  return undefined;
}

function nanoseconds(sec: string | undefined, nsec: string | undefined): bigint {
  return BigInt(sec ?? '0') * 1_000_000_000n + BigInt(nsec ?? '0');
}

/** The libgpiod major version: 1 (Debian 12 bookworm) or 2 (Debian 13 trixie). */
export type GpiomonMajor = 1 | 2;

/**
 * The major version from `gpiomon --version` (`gpiomon (libgpiod) v1.6.3`, `gpiomon (libgpiod) v2.1.2`); 1 when the
 * output names none (the 1.x command line is what every gpiomon before 2.0 takes).
 */
export function gpiomonMajor(versionOutput: string): GpiomonMajor {
  const m = /\bv(\d+)\.\d+/.exec(versionOutput);
  return m !== null && Number(m[1]) >= 2 ? 2 : 1;
}

/** What the button is doing: released, or pressed since a time. */
export type ButtonState = { readonly kind: 'released'; readonly lastEdgeNs: bigint | undefined } | { readonly kind: 'pressed'; readonly sinceNs: bigint };

/** A completed press. */
export type ButtonPress = 'short' | 'long';

/** The initial state. */
export const BUTTON_RELEASED: ButtonState = Object.freeze({ kind: 'released', lastEdgeNs: undefined });

/**
 * The press machine: `pressed` is the edge that means "pressed" (rising with active-low). Returns the next state
 * and the press that ended, if one did. Pure.
 */
export function buttonTransition(state: ButtonState, edge: GpioEdge, options: { readonly pressed: 'rising' | 'falling'; readonly longPressMs: number }): [ButtonState, ButtonPress | undefined] {
  const down = edge.edge === options.pressed;
  const debounceNs = BigInt(BUTTON_DEBOUNCE_MS) * 1_000_000n;
  if (state.kind === 'released') {
    if (!down) return [state, undefined];
    if (state.lastEdgeNs !== undefined && edge.timeNs - state.lastEdgeNs < debounceNs) return [state, undefined];
    return [{ kind: 'pressed', sinceNs: edge.timeNs }, undefined];
  }
  if (down) return [state, undefined]; // a second "pressed" edge (missed release): keep the first press time
  const heldNs = edge.timeNs - state.sinceNs;
  if (heldNs < debounceNs) return [state, undefined]; // the contacts bouncing as they close: still pressed
  return [{ kind: 'released', lastEdgeNs: edge.timeNs }, heldNs >= BigInt(options.longPressMs) * 1_000_000n ? 'long' : 'short'];
}

/** Options of {@link GpioButton}. */
export interface GpioButtonOptions {
  /** The GPIO chip (`gpiochip0`, or its number). */
  readonly chip: string;
  /** The line offset (BCM number on a Pi: 17 for the ReSpeaker 2-mic HAT's button). */
  readonly line: number;
  /** The button pulls the line low when pressed (default true). */
  readonly activeLow?: boolean;
  /** `pull-up`, `pull-down`, `disable` or `as-is` (default `pull-up`). */
  readonly bias?: 'pull-up' | 'pull-down' | 'disable' | 'as-is';
  readonly longPressMs?: number;
  /** The gpiomon program (default `gpiomon`). */
  readonly program?: string;
  readonly spawn?: OpsSpawn;
  readonly timers?: OpsTimers;
  readonly env?: NodeJS.ProcessEnv;
}

/** Events of a {@link GpioButton}. */
export type GpioButtonEvents = {
  press: [press: ButtonPress];
  /** gpiomon ended unexpectedly; it is started again after `retryMs`. */
  error: [message: string, retryMs: number];
};

/** The gpiomon arguments for a button, for a gpiomon of libgpiod `major` (default 1). */
export function gpiomonArgs(o: Pick<GpioButtonOptions, 'chip' | 'line' | 'activeLow' | 'bias'>, major: GpiomonMajor = 1): string[] {
  const activeLow = o.activeLow === false ? [] : ['--active-low'];
  const bias = o.bias ?? 'pull-up';
  if (major === 1) return ['--line-buffered', ...activeLow, `--bias=${bias}`, o.chip, String(o.line)];
  // 2.x: "as-is" is the default (no option), "disable" is spelled "disabled"; it flushes each event itself.
  const bias2 = bias === 'as-is' ? [] : [`--bias=${bias === 'disable' ? 'disabled' : bias}`];
  return [`--chip=${o.chip}`, ...activeLow, ...bias2, '--edges=both', `--format=${GPIOMON_V2_FORMAT}`, String(o.line)];
}

/** A button read through a supervised gpiomon. */
export class GpioButton extends EventEmitter<GpioButtonEvents> {
  readonly #o: GpioButtonOptions;
  readonly #spawn: OpsSpawn;
  readonly #timers: OpsTimers;
  #state: ButtonState = BUTTON_RELEASED;
  #child: ChildProcess | undefined;
  #restart: unknown;
  #delayMs = BUTTON_RESTART_INITIAL_MS;
  #stopped = false;
  #major: GpiomonMajor | undefined;
  #probe: ChildProcess | undefined;

  constructor(options: GpioButtonOptions) {
    super();
    if (!Number.isInteger(options.line) || options.line < 0) throw new RangeError(`line: expected a GPIO line offset, got ${options.line}`);
    this.#o = options;
    this.#spawn = options.spawn ?? defaultSpawn;
    this.#timers = options.timers ?? systemTimers;
  }

  /** The gpiomon process id, while it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Start gpiomon (and keep it running): ask its version once, then run it with that version's arguments. */
  start(): void {
    this.#stopped = false;
    if (this.#major !== undefined) {
      this.#run(this.#major);
      return;
    }
    const program = this.#o.program ?? 'gpiomon';
    const probe = this.#spawn(program, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], ...(this.#o.env === undefined ? {} : { env: this.#o.env }) });
    this.#probe = probe;
    let out = '';
    probe.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(0, 1_000)));
    let done = false;
    const finish = (known: boolean): void => {
      if (done) return;
      done = true;
      this.#probe = undefined;
      const major = gpiomonMajor(out);
      if (known) this.#major = major; // a gpiomon that could not be asked is asked again at the next start
      if (!this.#stopped) this.#run(major); // not startable: #run reports it, with the package to install
    };
    probe.once('error', () => finish(false));
    probe.once('close', (code) => finish(code === 0));
  }

  #run(major: GpiomonMajor): void {
    const program = this.#o.program ?? 'gpiomon';
    const child = this.#spawn(program, gpiomonArgs(this.#o, major), { stdio: ['ignore', 'pipe', 'pipe'], ...(this.#o.env === undefined ? {} : { env: this.#o.env }) });
    this.#child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-300)));
    const pressed = this.#o.activeLow === false ? 'falling' : 'rising';
    if (child.stdout !== null) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const edge = parseGpiomonLine(line);
        if (edge === undefined || edge.offset !== this.#o.line) return;
        this.#delayMs = BUTTON_RESTART_INITIAL_MS; // it works: the next failure starts the backoff afresh
        const [next, press] = buttonTransition(this.#state, edge, { pressed, longPressMs: this.#o.longPressMs ?? BUTTON_LONG_PRESS_MS });
        this.#state = next;
        if (press !== undefined) this.emit('press', press);
      });
    }
    const failed = (why: string): void => {
      if (this.#child !== child) return;
      this.#child = undefined;
      this.#state = BUTTON_RELEASED;
      if (this.#stopped) return;
      const retryMs = this.#delayMs;
      this.#delayMs = Math.min(BUTTON_RESTART_MAX_MS, this.#delayMs * 2);
      this.emit('error', `${program} ${why}${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').at(-1) ?? ''}`}`, retryMs);
      this.#restart = this.#timers.setTimeout(() => {
        this.#restart = undefined;
        if (!this.#stopped) this.start();
      }, retryMs);
    };
    child.once('error', (error: NodeJS.ErrnoException) => failed(`cannot be started (${error.code ?? error.message}); install the gpiod package`));
    child.once('close', (code, signal) => failed(signal === null ? `exited with status ${code ?? 'unknown'}` : `was killed by ${signal}`));
  }

  /** Stop gpiomon and the supervision. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#restart !== undefined) this.#timers.clearTimeout(this.#restart);
    this.#restart = undefined;
    this.#probe?.kill('SIGTERM');
    this.#probe = undefined;
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.kill('SIGTERM');
    await closed;
  }
}
