/**
 * Runs an engine program (espeak-ng, flite, pocketsphinx, piper) with stdin/stdout pipes through an injected
 * `spawn`, with a byte limit on stdout, a time limit and an AbortSignal. A program that is not installed becomes a
 * {@link SpeechError} naming what to install.
 *
 * @module
 */
import { type ChildProcessWithoutNullStreams, spawn as nodeSpawn } from 'node:child_process';
import { DEFAULT_ENGINE_TIMEOUT_MS, MAX_ENGINE_OUTPUT_BYTES, STDERR_TAIL_BYTES } from './constants.js';
import { SpeechError } from './errors.js';
import { type TimeoutTimers, systemTimers } from '../timers.js';
import { errorCode } from '../errors.js';

/** The part of `child_process.spawn` the engines use (stdio: three pipes). Inject a fake or a wrapper in tests. */
export type SpawnFn = (command: string, args: readonly string[]) => ChildProcessWithoutNullStreams;

/** Timer functions, injectable so that tests control time limits. */
export type SpeechTimers = TimeoutTimers;

/** The default {@link SpawnFn}: `node:child_process` spawn with piped stdio. */
export const defaultSpawn: SpawnFn = (command, args) => nodeSpawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });

/** The default {@link SpeechTimers}: the global timers. */
export const defaultTimers: SpeechTimers = systemTimers;

/** What one run produced. */
export interface ProcessResult {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly stdout: Uint8Array;
  /** The last {@link STDERR_TAIL_BYTES} bytes of stderr, as text. */
  readonly stderrTail: string;
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  readonly spawn: SpawnFn;
  readonly timers: SpeechTimers;
  /** Engine name for messages ("espeak-ng"). */
  readonly engine: string;
  /** Install hint for a missing program ("sudo apt-get install espeak-ng"). */
  readonly install: string;
  readonly input?: Uint8Array | string;
  readonly signal?: AbortSignal | undefined;
  /** Default {@link DEFAULT_ENGINE_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Default {@link MAX_ENGINE_OUTPUT_BYTES}. */
  readonly maxOutputBytes?: number;
}

/**
 * Run `command args…`, write `input` to its stdin, and collect stdout.
 *
 * @throws {SPEECH_ERR_ENGINE_MISSING} the program does not exist or is not executable
 * @throws {SPEECH_ERR_TIMEOUT} it ran longer than `timeoutMs` (it is killed)
 * @throws {SPEECH_ERR_ENGINE_FAILED} stdout grew past `maxOutputBytes` (it is killed)
 * @throws the signal's reason when `signal` aborts (the process is killed)
 */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions): Promise<ProcessResult> {
  const { signal, timers, engine } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS;
  const maxOutput = options.maxOutputBytes ?? MAX_ENGINE_OUTPUT_BYTES;
  return new Promise<ProcessResult>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    let settled = false;
    let child: ChildProcessWithoutNullStreams;
    const chunks: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let timer: unknown;
    const finish = (error: unknown, result?: ProcessResult): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(error);
      } else if (result !== undefined) resolve(result);
    };
    const onAbort = (): void => finish(signal?.reason);
    try {
      child = options.spawn(command, args);
    } catch (err) {
      reject(missingOrFailed(err, command, options));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = timers.setTimeout(() => finish(new SpeechError('SPEECH_ERR_TIMEOUT', `${engine}: expected to finish within ${timeoutMs} ms, got no result in time (killed)`)), timeoutMs);
    child.on('error', (err) => finish(missingOrFailed(err, command, options)));
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxOutput) {
        finish(new SpeechError('SPEECH_ERR_ENGINE_FAILED', `${engine}: expected at most ${maxOutput} bytes of output, got more (killed)`));
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL_BYTES);
    });
    // The program may exit before reading all input (bad option, missing model): its exit code tells, not EPIPE.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      const stdout = chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(chunks);
      finish(undefined, { code, stdout: new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength), stderrTail: stderr });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

function missingOrFailed(err: unknown, command: string, options: RunProcessOptions): SpeechError {
  const code = errorCode(err);
  if (code === 'ENOENT' || code === 'EACCES') {
    return new SpeechError(
      'SPEECH_ERR_ENGINE_MISSING',
      `${options.engine}: expected an executable "${command}", got ${code === 'ENOENT' ? 'no such program' : 'permission denied'}; install it with: ${options.install}`,
      { cause: err },
    );
  }
  return new SpeechError('SPEECH_ERR_ENGINE_FAILED', `${options.engine}: could not start "${command}": ${(err as Error | undefined)?.message ?? String(err)}`, { cause: err });
}

/**
 * The useful part of an engine's stderr: its first and last `ERROR`/`FATAL`/`Error` lines (the first is usually
 * the cause, the last the consequence), else its last line.
 */
export function stderrSummary(stderrTail: string): string {
  const lines = stderrTail.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const errors = lines.filter((l) => /^(ERROR|FATAL|Error|error)\b/.test(l));
  const picked = errors.length === 0 ? [lines[lines.length - 1] ?? '(no stderr)'] : [...new Set([errors[0] ?? '', errors[errors.length - 1] ?? ''])];
  return picked.join(' / ').slice(0, 400);
}
