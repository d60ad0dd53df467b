/**
 * The satellite under soak: the compiled `hivesat run` as systemd would start it, with raw microphone audio on stdin,
 * answers written to a WAV file instead of the speaker, JSON logs on stderr and /metrics on a loopback port.
 *
 * @module
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TurnReport } from '../../src/satellite/index.js';

/** What the soak needs to know about the hub and where to put things. */
export interface SatelliteProcessOptions {
  readonly root: string;
  readonly dir: string;
  readonly hubPort: number;
  readonly accessKey: string;
  readonly password: string;
  readonly metricsPort: number;
}

/** A log line of level warn or error, kept for the report (bounded). */
export interface LoggedProblem {
  readonly level: string;
  readonly msg: string;
  readonly code?: string;
}

const MAX_KEPT_PROBLEMS = 200;

/** The spawned `hivesat run`; emits `turn` for every report line on stdout. */
export class SatelliteProcess extends EventEmitter<{ turn: [TurnReport]; exit: [code: number | null, signal: string | null] }> {
  readonly child: ChildProcessWithoutNullStreams;
  readonly problems: LoggedProblem[] = [];
  /** Count of warn/error log lines by message (all of them, not only the kept ones). */
  readonly problemCounts = new Map<string, number>();
  #exited = false;

  private constructor(child: ChildProcessWithoutNullStreams) {
    super();
    this.child = child;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const report = JSON.parse(line) as TurnReport;
      if (typeof report.outcome === 'string') this.emit('turn', report);
    });
    createInterface({ input: child.stderr }).on('line', (line) => this.#log(line));
    child.once('exit', (code, signal) => {
      this.#exited = true;
      this.emit('exit', code, signal);
    });
  }

  /**
   * Write the config and start `node --max-semi-space-size=2 dist/cli/main.js run --input - --output answers.wav`
   * with `MALLOC_ARENA_MAX=1`: the V8 flag and malloc setting of systemd/hivesat.service, so the soak's RSS is the
   * service's.
   */
  static async start(o: SatelliteProcessOptions): Promise<SatelliteProcess> {
    const main = join(o.root, 'dist/cli/main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first (npm run soak does)`);
    const config = join(o.dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        hub: { host: '127.0.0.1', port: o.hubPort, access_key: o.accessKey, password: o.password, site_id: 'soak', handshake: 'password' },
        sounds: { on_wake: false },
        ops: { log: { format: 'json', level: 'info' }, health: { port: o.metricsPort, metrics: true } },
      }),
      { mode: 0o600 },
    );
    const env: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: '1', ...process.env, HOME: o.dir };
    delete env['NOTIFY_SOCKET'];
    delete env['JOURNAL_STREAM'];
    const child = spawn(process.execPath, ['--max-semi-space-size=2', main, 'run', '--config', config, '--input', '-', '--output', join(o.dir, 'answers.wav')], { cwd: o.root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    return new SatelliteProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** SIGTERM and wait for the exit code (the service's own shutdown is bounded by 2 s). */
  async stop(): Promise<number | null> {
    if (this.#exited) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.stdin.end();
    this.child.kill('SIGTERM');
    return exited;
  }

  #log(line: string): void {
    let entry: { level?: unknown; msg?: unknown; code?: unknown; kind?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      entry = { level: 'error', msg: `non-JSON stderr: ${line.slice(0, 200)}` };
    }
    const level = typeof entry.level === 'string' ? entry.level : 'info';
    if (level !== 'warn' && level !== 'error' && level !== 'fatal') return;
    const msg = typeof entry.msg === 'string' ? entry.msg : '';
    const code = typeof entry.code === 'string' ? entry.code : typeof entry.kind === 'string' ? entry.kind : undefined;
    const key = `${level}: ${msg}${code === undefined ? '' : ` (${code})`}`;
    this.problemCounts.set(key, (this.problemCounts.get(key) ?? 0) + 1);
    if (this.problems.length < MAX_KEPT_PROBLEMS) this.problems.push({ level, msg, ...(code === undefined ? {} : { code }) });
  }
}
