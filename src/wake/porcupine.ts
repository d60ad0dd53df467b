/**
 * Porcupine (Picovoice) as an opt-in wake-word engine, behind the same {@link WakeWordDetector} face as openWakeWord.
 *
 * `@picovoice/porcupine-node` is an optional dependency, imported only here and only when `wake.engine` is
 * `porcupine`. It needs an AccessKey from console.picovoice.ai, which Porcupine validates online when it starts (and
 * again from time to time): without a network, or with a wrong, exhausted or throttled key, it does not start. Every
 * such failure becomes a {@link WakeError} with a `WAKE_ERR_PORCUPINE_*` code and a one-line fix, and the AccessKey is
 * never part of a message (Porcupine's own messages quote it; they are redacted). The listener factory then falls
 * back to openWakeWord (see `create-listener.ts`).
 *
 * Keywords: the package's built-in names (`jarvis`, `computer`, `hey google`…; `hey_jarvis` is not one of them) or
 * paths of custom `.ppn` files. Porcupine reads 512-sample frames at 16 kHz; the detector frames any chunking.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { HivesatError } from '../errors.js';
import { SAMPLES_PER_MS } from '../audio/index.js';
import type { WakeDetection, WakeWordDetector } from './types.js';

/** Codes of {@link WakeError}. */
export type WakeErrorCode =
  /** `@picovoice/porcupine-node` is not installed (it is optional). Fix: `npm install @picovoice/porcupine-node`. */
  | 'WAKE_ERR_PORCUPINE_MISSING'
  /** No AccessKey, or one Porcupine cannot parse or rejects as invalid. Fix: copy it again from console.picovoice.ai. */
  | 'WAKE_ERR_PORCUPINE_ACCESS_KEY'
  /** The online activation failed (no network, DNS, proxy, or the key was revoked). Fix: check the network. */
  | 'WAKE_ERR_PORCUPINE_ACTIVATION'
  /** The AccessKey has reached its device or usage limit. Fix: free a device or upgrade the plan. */
  | 'WAKE_ERR_PORCUPINE_LIMIT'
  /** Picovoice throttled activations for this key. Fix: wait and restart later. */
  | 'WAKE_ERR_PORCUPINE_THROTTLED'
  /** Picovoice refused the activation (the key is not allowed on this platform). Fix: check the key's plan. */
  | 'WAKE_ERR_PORCUPINE_REFUSED'
  /** A keyword is neither a built-in name nor an existing `.ppn` file, or a sensitivity is out of range. */
  | 'WAKE_ERR_PORCUPINE_KEYWORD'
  /** Porcupine failed for another reason (unsupported CPU, library load, processing). */
  | 'WAKE_ERR_PORCUPINE_START';

/** A wake-word engine could not start or run. */
export class WakeError extends HivesatError<WakeErrorCode> {
  override readonly name = 'WakeError';
}

/** Environment variable the AccessKey is read from when the config has none. */
export const PORCUPINE_ACCESS_KEY_ENV = 'HIVESAT_PORCUPINE_ACCESS_KEY';

/** The part of `@picovoice/porcupine-node` used here. */
export interface PorcupineModule {
  readonly Porcupine: new (accessKey: string, keywords: string[], sensitivities: number[]) => PorcupineEngine;
  readonly BuiltinKeyword: Readonly<Record<string, string>>;
  getBuiltinKeywordPath(keyword: string): string;
}

/** A started Porcupine engine. */
export interface PorcupineEngine {
  readonly frameLength: number;
  readonly sampleRate: number;
  process(frame: Int16Array): number;
  release(): void;
}

/** Options of {@link createPorcupine}. */
export interface PorcupineOptions {
  /** The AccessKey (never logged). Default: {@link PORCUPINE_ACCESS_KEY_ENV} from `env`. */
  readonly accessKey?: string;
  /** Built-in keyword names or `.ppn` paths. Default `['jarvis']`. */
  readonly keywords?: readonly string[];
  /** Sensitivity per keyword (or one for all), in [0, 1]. Default 0.5. */
  readonly sensitivity?: number;
  /** Environment for the AccessKey. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Loads the package (tests). Default: `import('@picovoice/porcupine-node')`. */
  readonly load?: () => Promise<PorcupineModule>;
}

/** The one-line fix for each code, appended to messages. */
export const PORCUPINE_FIXES: Readonly<Record<WakeErrorCode, string>> = Object.freeze({
  WAKE_ERR_PORCUPINE_MISSING: 'install it with "npm install @picovoice/porcupine-node" or set wake.engine to "openwakeword"',
  WAKE_ERR_PORCUPINE_ACCESS_KEY: `copy the AccessKey from https://console.picovoice.ai into wake.porcupine.access_key or ${PORCUPINE_ACCESS_KEY_ENV}`,
  WAKE_ERR_PORCUPINE_ACTIVATION: 'Porcupine validates its AccessKey online: check the network (DNS, proxy, firewall) and that the key is still active',
  WAKE_ERR_PORCUPINE_LIMIT: 'the AccessKey is at its device/usage limit: remove a device at https://console.picovoice.ai or upgrade the plan',
  WAKE_ERR_PORCUPINE_THROTTLED: 'Picovoice is throttling activations for this key: wait a while, then restart',
  WAKE_ERR_PORCUPINE_REFUSED: 'Picovoice refused this AccessKey on this device: check its plan at https://console.picovoice.ai',
  WAKE_ERR_PORCUPINE_KEYWORD: 'use a built-in Porcupine keyword (e.g. "jarvis", "computer") or the path of a .ppn file made for this platform',
  WAKE_ERR_PORCUPINE_START: 'check that this CPU is supported by Porcupine (x86-64, Raspberry Pi 3/4/5) or set wake.engine to "openwakeword"',
});

function wakeError(code: WakeErrorCode, what: string, cause?: unknown): WakeError {
  return new WakeError(code, `porcupine: ${what}; ${PORCUPINE_FIXES[code]}`, cause === undefined ? undefined : { cause });
}

/** Remove every occurrence of the key (and Porcupine's `AccessKey \`…\`` quotes) from a message. */
export function redactAccessKey(message: string, accessKey: string): string {
  let out = message.replace(/AccessKey `[^`]*`/g, 'AccessKey `[redacted]`');
  if (accessKey.length > 0) out = out.split(accessKey).join('[redacted]');
  return out;
}

/**
 * Map an error thrown by the Porcupine constructor to a {@link WakeError} (message redacted). Porcupine's classes are
 * matched by name, so the mapping works whatever copy of the package threw.
 */
export function mapPorcupineError(error: unknown, accessKey: string): WakeError {
  const name = error instanceof Error ? error.constructor.name : '';
  const raw = error instanceof Error ? error.message : String(error);
  // Porcupine's message is a stack of lines; the first informative one is enough.
  const message = redactAccessKey(raw, accessKey).replace(/\s*\n\s*/g, ' ').trim();
  switch (name) {
    case 'PorcupineActivationError':
      return wakeError('WAKE_ERR_PORCUPINE_ACTIVATION', `activation failed (${message})`);
    case 'PorcupineActivationLimitReachedError':
      return wakeError('WAKE_ERR_PORCUPINE_LIMIT', `activation limit reached (${message})`);
    case 'PorcupineActivationThrottledError':
      return wakeError('WAKE_ERR_PORCUPINE_THROTTLED', `activation throttled (${message})`);
    case 'PorcupineActivationRefusedError':
      return wakeError('WAKE_ERR_PORCUPINE_REFUSED', `activation refused (${message})`);
    case 'PorcupineInvalidArgumentError':
      if (/AccessKey/i.test(raw)) return wakeError('WAKE_ERR_PORCUPINE_ACCESS_KEY', `the AccessKey was rejected (${message})`);
      if (/keyword|\.ppn|sensitivit/i.test(raw)) return wakeError('WAKE_ERR_PORCUPINE_KEYWORD', message);
      return wakeError('WAKE_ERR_PORCUPINE_START', message);
    default:
      return wakeError('WAKE_ERR_PORCUPINE_START', `could not start (${message})`);
  }
}

async function loadPorcupine(): Promise<PorcupineModule> {
  try {
    // The package is optional: a plain import would fail to type-check without it, so its name goes through a variable.
    const name = '@picovoice/porcupine-node';
    const m = (await import(name)) as PorcupineModule & { default?: PorcupineModule };
    return m.Porcupine !== undefined ? m : (m.default as PorcupineModule);
  } catch (cause) {
    throw wakeError('WAKE_ERR_PORCUPINE_MISSING', `cannot load @picovoice/porcupine-node (${(cause as Error).message})`, cause);
  }
}

/**
 * Resolve keywords to `.ppn` files: built-in names through the package, anything with `/` or ending in `.ppn` as a
 * path that must exist.
 *
 * @throws {WAKE_ERR_PORCUPINE_KEYWORD}
 */
export function resolvePorcupineKeywords(pv: PorcupineModule, keywords: readonly string[]): { names: string[]; paths: string[] } {
  const builtins = Object.values(pv.BuiltinKeyword);
  const names: string[] = [];
  const paths: string[] = [];
  for (const k of keywords) {
    if (k.includes('/') || k.endsWith('.ppn')) {
      if (!existsSync(k)) throw wakeError('WAKE_ERR_PORCUPINE_KEYWORD', `keyword file ${k} not found`);
      paths.push(k);
      names.push(basename(k).replace(/\.ppn$/, '').replace(/_(linux|raspberry-pi|mac|windows).*$/, ''));
      continue;
    }
    const builtin = builtins.find((b) => b === k.replaceAll('_', ' '));
    if (builtin === undefined) throw wakeError('WAKE_ERR_PORCUPINE_KEYWORD', `expected one of ${builtins.join(', ')} or a .ppn path, got "${k}"`);
    paths.push(pv.getBuiltinKeywordPath(builtin));
    names.push(k);
  }
  if (names.length === 0) throw wakeError('WAKE_ERR_PORCUPINE_KEYWORD', 'expected at least one keyword, got none');
  return { names, paths };
}

/**
 * Load Porcupine, resolve the keywords and start it (which activates the AccessKey online).
 *
 * @throws {WakeError} `WAKE_ERR_PORCUPINE_*`, with a one-line fix and without the AccessKey.
 */
export async function createPorcupine(options: PorcupineOptions = {}): Promise<PorcupineDetector> {
  const env = options.env ?? process.env;
  const accessKey = (options.accessKey ?? env[PORCUPINE_ACCESS_KEY_ENV] ?? '').trim();
  if (accessKey === '') throw wakeError('WAKE_ERR_PORCUPINE_ACCESS_KEY', 'no AccessKey configured');
  const sensitivity = options.sensitivity ?? 0.5;
  if (!(sensitivity >= 0 && sensitivity <= 1)) throw wakeError('WAKE_ERR_PORCUPINE_KEYWORD', `sensitivity: expected a number in [0, 1], got ${sensitivity}`);
  const pv = await (options.load ?? loadPorcupine)();
  const { names, paths } = resolvePorcupineKeywords(pv, options.keywords ?? ['jarvis']);
  let engine: PorcupineEngine;
  try {
    engine = new pv.Porcupine(accessKey, paths, paths.map(() => sensitivity));
  } catch (error) {
    throw mapPorcupineError(error, accessKey);
  }
  return new PorcupineDetector(engine, names);
}

const NO_DETECTIONS: readonly WakeDetection[] = Object.freeze([]);

/** A started Porcupine as a {@link WakeWordDetector}. Create with {@link createPorcupine}. */
export class PorcupineDetector implements WakeWordDetector {
  readonly keywords: readonly string[];
  readonly #engine: PorcupineEngine;
  readonly #frame: Int16Array;
  #fill = 0;
  #frames = 0;
  #closed = false;

  constructor(engine: PorcupineEngine, keywords: readonly string[]) {
    if (engine.sampleRate !== SAMPLES_PER_MS * 1000) {
      throw wakeError('WAKE_ERR_PORCUPINE_START', `expected an engine at 16000 Hz, got ${engine.sampleRate}`);
    }
    this.#engine = engine;
    this.#frame = new Int16Array(engine.frameLength);
    this.keywords = Object.freeze([...keywords]);
  }

  get position(): number {
    return this.#frames * this.#frame.length + this.#fill;
  }

  async process(chunk: Int16Array): Promise<readonly WakeDetection[]> {
    if (this.#closed) throw wakeError('WAKE_ERR_PORCUPINE_START', 'the detector was closed');
    let detections: WakeDetection[] | undefined;
    const frame = this.#frame;
    for (let i = 0; i < chunk.length; ) {
      const take = Math.min(chunk.length - i, frame.length - this.#fill);
      frame.set(chunk.subarray(i, i + take), this.#fill);
      this.#fill += take;
      i += take;
      if (this.#fill === frame.length) {
        this.#fill = 0;
        this.#frames++;
        let index: number;
        try {
          index = this.#engine.process(frame);
        } catch (error) {
          throw mapPorcupineError(error, '');
        }
        const keyword = index >= 0 ? this.keywords[index] : undefined;
        // Porcupine gives no score: a detection is reported as 1.
        if (keyword !== undefined) (detections ??= []).push({ keyword, score: 1, sample: this.#frames * frame.length });
      }
    }
    return detections ?? NO_DETECTIONS;
  }

  reset(): void {
    this.#fill = 0;
    this.#frames = 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#engine.release();
  }
}
