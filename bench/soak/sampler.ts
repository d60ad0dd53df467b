/**
 * Resource samples of the satellite process over the soak: from /proc (RSS, open file descriptors, CPU time — what
 * the kernel sees) and from its own /metrics (V8 heap, active handles, event-loop lag — what Node sees).
 *
 * @module
 */
import { readFile, readdir } from 'node:fs/promises';
import { metricValue } from '../../test/helpers/net.js';

/** One sample. Sizes in bytes, times in seconds. */
export interface ResourceSample {
  /** Seconds since the soak started. */
  readonly t: number;
  readonly rssBytes: number;
  /** VmHWM: the highest RSS the process ever had (start-up included), what a 512 MB Pi and an OOM killer see. */
  readonly peakRssBytes: number;
  readonly fds: number;
  /** User + system CPU time of the process so far. */
  readonly cpuSeconds: number;
  readonly heapUsedBytes: number | undefined;
  /** Memory of C++ objects bound to JS (Buffers, onnxruntime tensors' backing stores). */
  readonly externalBytes: number | undefined;
  readonly activeHandles: number | undefined;
  readonly eventLoopLagP99Seconds: number | undefined;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ is 100 on every Linux port Node runs on). */
const USER_HZ = 100;

async function procStatus(pid: number): Promise<{ rssBytes: number; peakRssBytes: number; cpuSeconds: number; fds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  // Fields 14 and 15 (utime, stime) come after the parenthesised command name, which may itself contain spaces.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const fds = (await readdir(`/proc/${pid}/fd`)).length;
  return { rssBytes: Number(rss?.[1] ?? 0) * 1024, peakRssBytes: Number(hwm?.[1] ?? 0) * 1024, cpuSeconds: ticks / USER_HZ, fds };
}

/** Sample `pid`; `metricsUrl` is its /metrics (a failed fetch leaves the Node-side fields undefined). */
export async function sampleResources(pid: number, metricsUrl: string, t: number): Promise<ResourceSample> {
  const proc = await procStatus(pid);
  let text = '';
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(2_000) });
    text = await response.text();
  } catch {
    // The satellite is busy or restarting its listener; the /proc figures still count.
  }
  return {
    t,
    ...proc,
    heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes'),
    externalBytes: metricValue(text, 'nodejs_external_memory_bytes'),
    activeHandles: metricValue(text, 'nodejs_active_handles_total'),
    eventLoopLagP99Seconds: metricValue(text, 'nodejs_eventloop_lag_p99_seconds'),
  };
}
