/**
 * The soak's verdict: turns answered and lost, latency percentiles by route, and resource growth after warm-up,
 * checked against issue #8's bar (0 lost, RSS growth < 10 %, no FD/handle growth, p95 overhead ≤ 100 ms).
 *
 * @module
 */
import type { ResourceSample } from './sampler.js';

/** What happened to one spoken turn. */
export interface TurnRecord {
  readonly n: number;
  readonly question: string;
  readonly fault: string | undefined;
  /** Seconds since the soak started, when the turn's audio began. */
  readonly t: number;
  /**
   * `answered`: the right answer was played; `reason`: the user heard why not (not-understood hint);
   * `wrong`: something else was played; `lost`: no report at all within the wait.
   */
  readonly verdict: 'answered' | 'reason' | 'wrong' | 'lost';
  readonly route: string | undefined;
  readonly outcome: string | undefined;
  readonly failover: string | undefined;
  readonly answers: readonly string[];
  readonly responseMs: number | undefined;
  readonly overheadMs: number | undefined;
}

/** Percentiles of a list of numbers (nearest rank), or undefined when empty. */
export function percentiles(values: readonly number[]): { p50: number; p95: number; p99: number; max: number; n: number } | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] as number, n: sorted.length };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Growth of a resource between the window after warm-up and the last window (medians of `window` samples). */
export interface Growth {
  readonly start: number;
  readonly end: number;
  readonly ratio: number;
}

function growth(samples: readonly ResourceSample[], pick: (s: ResourceSample) => number | undefined, window: number): Growth | undefined {
  const values = samples.map(pick).filter((v): v is number => v !== undefined);
  if (values.length < 2 * window) return undefined;
  const start = median(values.slice(0, window));
  const end = median(values.slice(-window));
  return { start, end, ratio: start === 0 ? 0 : (end - start) / start };
}

/** The whole report. */
export interface SoakSummary {
  readonly minutes: number;
  readonly turns: number;
  readonly verdicts: Record<TurnRecord['verdict'], number>;
  readonly byRoute: Record<string, number>;
  readonly faults: Record<string, { readonly injected: number; readonly answered: number; readonly reason: number; readonly notAnswered: number }>;
  readonly hubRestarts: number;
  readonly responseMs: Record<string, ReturnType<typeof percentiles>>;
  readonly overheadMs: ReturnType<typeof percentiles>;
  readonly cpuPercentOfOneCore: number | undefined;
  readonly growth: { readonly rss: Growth | undefined; readonly heap: Growth | undefined; readonly fds: Growth | undefined; readonly handles: Growth | undefined };
  readonly exitCode: number | null;
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly value: string }[];
}

/** Samples per growth window (at one sample per 15 s: one minute). */
const GROWTH_WINDOW = 4;

/** Compute the summary; samples taken during warm-up must already be left out. */
export function summarise(input: {
  minutes: number;
  turns: readonly TurnRecord[];
  samples: readonly ResourceSample[];
  hubRestarts: number;
  exitCode: number | null;
}): SoakSummary {
  const { turns, samples } = input;
  const verdicts = { answered: 0, reason: 0, wrong: 0, lost: 0 };
  const byRoute: Record<string, number> = {};
  const faults: Record<string, { injected: number; answered: number; reason: number; notAnswered: number }> = {};
  const response: Record<string, number[]> = {};
  for (const turn of turns) {
    verdicts[turn.verdict]++;
    const route = turn.route ?? 'none';
    byRoute[route] = (byRoute[route] ?? 0) + 1;
    if (turn.responseMs !== undefined) (response[route] ??= []).push(turn.responseMs);
    if (turn.fault !== undefined) {
      const f = (faults[turn.fault] ??= { injected: 0, answered: 0, reason: 0, notAnswered: 0 });
      f.injected++;
      if (turn.verdict === 'answered') f.answered++;
      else if (turn.verdict === 'reason') f.reason++;
      else f.notAnswered++;
    }
  }
  const overhead = percentiles(turns.filter((t) => t.route === 'hub' && t.fault === undefined).flatMap((t) => (t.overheadMs === undefined ? [] : [t.overheadMs])));
  const first = samples[0];
  const last = samples[samples.length - 1];
  const cpu = first !== undefined && last !== undefined && last.t > first.t ? ((last.cpuSeconds - first.cpuSeconds) / (last.t - first.t)) * 100 : undefined;
  const g = {
    rss: growth(samples, (s) => s.rssBytes, GROWTH_WINDOW),
    heap: growth(samples, (s) => s.heapUsedBytes, GROWTH_WINDOW),
    fds: growth(samples, (s) => s.fds, GROWTH_WINDOW),
    handles: growth(samples, (s) => s.activeHandles, GROWTH_WINDOW),
  };
  const checks = [
    { name: 'turns lost = 0', ok: verdicts.lost === 0, value: String(verdicts.lost) },
    { name: 'wrong answers = 0', ok: verdicts.wrong === 0, value: String(verdicts.wrong) },
    { name: 'RSS growth after warm-up < 10 %', ok: g.rss !== undefined && g.rss.ratio < 0.1, value: g.rss === undefined ? 'too few samples' : `${(g.rss.ratio * 100).toFixed(1)} %` },
    { name: 'no FD growth', ok: g.fds !== undefined && g.fds.end <= g.fds.start, value: g.fds === undefined ? 'too few samples' : `${g.fds.start} → ${g.fds.end}` },
    { name: 'no handle growth', ok: g.handles !== undefined && g.handles.end <= g.handles.start, value: g.handles === undefined ? 'no /metrics' : `${g.handles.start} → ${g.handles.end}` },
    { name: 'p95 satellite overhead ≤ 100 ms', ok: overhead !== undefined && overhead.p95 <= 100, value: overhead === undefined ? 'no hub turns' : `${overhead.p95.toFixed(1)} ms` },
    { name: 'clean exit on SIGTERM', ok: input.exitCode === 0, value: String(input.exitCode) },
  ];
  const responseMs = Object.fromEntries(Object.entries(response).map(([route, values]) => [route, percentiles(values)]));
  return {
    minutes: input.minutes, turns: turns.length, verdicts, byRoute, faults, hubRestarts: input.hubRestarts, responseMs, overheadMs: overhead,
    cpuPercentOfOneCore: cpu, growth: g, exitCode: input.exitCode, checks,
  };
}
