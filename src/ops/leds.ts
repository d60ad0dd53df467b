/**
 * APA102 (DotStar) LEDs on SPI — the LED ring of the ReSpeaker 2-mic (3 LEDs) and 4-mic (12 LEDs) HATs — showing
 * what the satellite does: one colour per state, the same on every LED.
 *
 * | pattern | colour |
 * |---|---|
 * | idle | off |
 * | listening | blue |
 * | thinking | cyan |
 * | speaking | green |
 * | muted | red (wins over every other state) |
 * | error | orange, until the next state change |
 *
 * A frame is written to the spidev device (`/dev/spidev0.1`) with one `write()`, which the kernel's spidev driver
 * turns into one SPI transfer at its default clock: a start frame of four 0x00 bytes, then per LED
 * `0xE0 | brightness (0–31)`, blue, green, red, then an end frame of zero bytes (one bit per two LEDs, at least four
 * bytes). Only changes are written.
 *
 * @module
 */
import { type FileHandle, open } from 'node:fs/promises';
import type { EventStream } from './sse.js';

/** The patterns. */
export const LED_PATTERNS = ['idle', 'listening', 'thinking', 'speaking', 'muted', 'error'] as const;
/** One pattern. */
export type LedPattern = (typeof LED_PATTERNS)[number];

/** Colour of each pattern, [red, green, blue]. */
export const LED_COLOURS: Readonly<Record<LedPattern, readonly [number, number, number]>> = Object.freeze({
  idle: [0, 0, 0],
  listening: [0, 0, 255],
  thinking: [0, 160, 160],
  speaking: [0, 255, 0],
  muted: [255, 0, 0],
  error: [255, 80, 0],
});

/** Largest APA102 global brightness (5 bits). */
export const APA102_MAX_BRIGHTNESS = 31;

/**
 * The APA102 frame showing `rgb` on `count` LEDs at `brightness` (0–31).
 *
 * @throws {RangeError} for a count outside 1–1024 or a brightness outside 0–31.
 */
export function apa102Frame(count: number, rgb: readonly [number, number, number], brightness: number): Uint8Array {
  if (!Number.isInteger(count) || count < 1 || count > 1024) throw new RangeError(`count: expected 1-1024 LEDs, got ${count}`);
  if (!Number.isInteger(brightness) || brightness < 0 || brightness > APA102_MAX_BRIGHTNESS) throw new RangeError(`brightness: expected 0-31, got ${brightness}`);
  const endBytes = Math.max(4, Math.ceil(count / 16));
  const frame = new Uint8Array(4 + 4 * count + endBytes);
  const [r, g, b] = rgb;
  for (let i = 0; i < count; i++) frame.set([0xe0 | brightness, b & 0xff, g & 0xff, r & 0xff], 4 + 4 * i);
  return frame;
}

/** What the LEDs follow. */
export interface LedInputs {
  /** The satellite's state (`idle`, `listening`, `thinking`, `speaking` …). */
  readonly state: string;
  readonly muted: boolean;
  /** An error happened since the last state change. */
  readonly error: boolean;
}

/** The pattern for the satellite's situation. Pure. */
export function ledPatternFor(inputs: LedInputs): LedPattern {
  if (inputs.muted) return 'muted';
  if (inputs.error) return 'error';
  return inputs.state === 'listening' || inputs.state === 'thinking' || inputs.state === 'speaking' ? inputs.state : 'idle';
}

/**
 * Drive `leds` from the satellite's events (an {@link EventStream}'s observer): `state` changes, `speaking_start`,
 * `mute`, and `error` (shown until the next state change). Write failures go to `onError` (once per failure).
 */
export function ledsFollow(leds: Apa102Leds, stream: EventStream, initial: { readonly muted: boolean }, onError: (error: Error) => void): void {
  let inputs: LedInputs = { state: 'idle', muted: initial.muted, error: false };
  const show = (): void => void leds.show(ledPatternFor(inputs)).catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
  stream.observe((event, data) => {
    if (event === 'state' && typeof data['state'] === 'string') inputs = { ...inputs, state: data['state'], error: false };
    else if (event === 'speaking_start') inputs = { ...inputs, state: 'speaking', error: false };
    else if (event === 'mute' && typeof data['muted'] === 'boolean') inputs = { ...inputs, muted: data['muted'] };
    else if (event === 'error') inputs = { ...inputs, error: true };
    else return;
    show();
  });
  show();
}

/** Options of {@link Apa102Leds}. */
export interface Apa102Options {
  /** The spidev device (`/dev/spidev0.1`), or any file or FIFO. */
  readonly device: string;
  /** LEDs on the chain (3 on the ReSpeaker 2-mic HAT, 12 on the 4-mic). */
  readonly count: number;
  /** 0–31 (default 8: bright enough in a room, not blinding). */
  readonly brightness?: number;
}

/** An APA102 chain: shows a pattern when it changes. */
export class Apa102Leds {
  readonly #o: Required<Apa102Options>;
  #handle: Promise<FileHandle> | undefined;
  #shown: LedPattern | undefined;
  #writes: Promise<void> = Promise.resolve();

  /** @throws {RangeError} for a bad count or brightness. */
  constructor(options: Apa102Options) {
    this.#o = { brightness: 8, ...options };
    apa102Frame(this.#o.count, [0, 0, 0], this.#o.brightness); // validate now, not at the first state change
  }

  /** The pattern last written. */
  get shown(): LedPattern | undefined {
    return this.#shown;
  }

  /**
   * Show `pattern` (nothing is written when it is already shown). Resolves once written.
   *
   * @throws (as a rejection) the file system's error when the device cannot be opened or written.
   */
  show(pattern: LedPattern): Promise<void> {
    if (pattern === this.#shown) return this.#writes;
    this.#shown = pattern;
    const frame = apa102Frame(this.#o.count, LED_COLOURS[pattern], this.#o.brightness);
    const write = this.#writes.then(async () => {
      this.#handle ??= open(this.#o.device, 'r+'); // never create it: a missing spidev is an error, not a file in /dev
      await (await this.#handle).write(frame);
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  /** Turn the LEDs off and close the device. */
  async close(): Promise<void> {
    await this.show('idle').catch(() => undefined);
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle !== undefined) await (await handle).close().catch(() => undefined);
  }
}
