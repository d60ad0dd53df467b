/**
 * A tiny benchmark harness: runs a function repeatedly for a minimum time and reports throughput.
 * Timings live only here, never in pass/fail tests.
 */
import { performance } from 'node:perf_hooks';

/** One row of a benchmark table. */
export interface BenchRow {
  readonly group: string;
  readonly name: string;
  /** Operations per second. */
  readonly opsPerSec: number;
  /** Mean time per operation, milliseconds. */
  readonly msPerOp: number;
  /** Throughput in MiB/s when the operation has a byte size, else undefined. */
  readonly mibPerSec: number | undefined;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Bytes processed per call, for the MiB/s column. */
  readonly bytes?: number;
  /** Minimum measuring time, milliseconds (default 400). */
  readonly minMs?: number;
  /** Minimum number of calls (default 3). */
  readonly minRuns?: number;
}

/** Time `fn` (sync or async) after one warm-up call. */
export async function measure(group: string, name: string, fn: () => unknown, options: MeasureOptions = {}): Promise<BenchRow> {
  const minMs = options.minMs ?? 400;
  const minRuns = options.minRuns ?? 3;
  await fn();
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs || runs < minRuns) {
    await fn();
    runs++;
    elapsed = performance.now() - start;
  }
  const msPerOp = elapsed / runs;
  const opsPerSec = 1000 / msPerOp;
  const mibPerSec = options.bytes === undefined ? undefined : (options.bytes * opsPerSec) / (1024 * 1024);
  return { group, name, opsPerSec, msPerOp, mibPerSec };
}

/** Print rows as an aligned text table. */
export function printTable(rows: readonly BenchRow[]): void {
  const header = ['group', 'benchmark', 'ops/s', 'ms/op', 'MiB/s'];
  const lines = rows.map((r) => [
    r.group,
    r.name,
    r.opsPerSec >= 100 ? r.opsPerSec.toFixed(0) : r.opsPerSec.toFixed(2),
    r.msPerOp < 0.1 ? r.msPerOp.toFixed(4) : r.msPerOp.toFixed(2),
    r.mibPerSec === undefined ? '' : r.mibPerSec.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cols: readonly string[]): string => cols.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  process.stdout.write(`${fmt(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const l of lines) process.stdout.write(`${fmt(l)}\n`);
}
