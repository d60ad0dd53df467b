/**
 * Running the doctor's checks in order and printing one screen: a line per check (status, title, what was found)
 * and, under each warning or failure, what to do.
 *
 * @module
 */
import { nodeCheck, cpuAesCheck, clockCheck, diskCheck, memoryControllerCheck } from './system.js';
import { devicesCheck, captureCheck, playbackCheck } from './audio.js';
import { modelsCheck } from './models.js';
import { configCheck } from './config.js';
import { wakeCheck } from './wake.js';
import { hubReachableCheck, hubHandshakeCheck, hubStreamCheck, hubSynthCheck } from './hub.js';
import { offlineUnderstandingCheck, speechCheck } from './speech.js';
import type { CheckResult, CheckStatus, DoctorCheck, DoctorContext, DoctorReport } from './types.js';

/** Every check, in report order (config before hub: the hub checks use the resolved settings). */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = Object.freeze([
  nodeCheck,
  cpuAesCheck,
  clockCheck,
  diskCheck,
  memoryControllerCheck,
  devicesCheck,
  captureCheck,
  playbackCheck,
  modelsCheck,
  configCheck,
  wakeCheck,
  hubReachableCheck,
  hubHandshakeCheck,
  hubSynthCheck,
  hubStreamCheck,
  speechCheck,
  offlineUnderstandingCheck,
]);

/** Which checks to run: ids or groups to keep (`only`) and to leave out (`skip`). */
export interface CheckSelection {
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
}

/** The checks named by `selection`. Config is added when a hub check is selected (they need its settings). */
export function selectChecks(selection: CheckSelection, checks: readonly DoctorCheck[] = DOCTOR_CHECKS): DoctorCheck[] {
  const matches = (check: DoctorCheck, names: readonly string[]): boolean => names.includes(check.id) || names.includes(check.group);
  let chosen = selection.only === undefined || selection.only.length === 0 ? [...checks] : checks.filter((c) => matches(c, selection.only ?? []));
  if (chosen.some((c) => c.group === 'hub' || c.id === 'wake') && !chosen.some((c) => c.id === 'config')) chosen = checks.filter((c) => c.id === 'config' || chosen.includes(c));
  if (chosen.some((c) => c.id === 'capture' || c.id === 'playback') && !chosen.some((c) => c.id === 'audio-devices')) chosen = checks.filter((c) => c.id === 'audio-devices' || chosen.includes(c));
  return chosen.filter((c) => !matches(c, selection.skip ?? []));
}

/** Names `--only`/`--skip` accept. */
export function checkNames(checks: readonly DoctorCheck[] = DOCTOR_CHECKS): string[] {
  return [...new Set([...checks.map((c) => c.group), ...checks.map((c) => c.id)])];
}

/** Run `checks` one after another (later checks read what earlier ones found), then close the hub session. */
export async function runDoctor(checks: readonly DoctorCheck[], ctx: DoctorContext): Promise<DoctorReport> {
  const results: CheckResult[] = [];
  try {
    for (const check of checks) {
      const started = performance.now();
      let outcome;
      try {
        outcome = await check.run(ctx);
      } catch (error) {
        // Supervision boundary: one broken check must not hide the others; it is reported as a failure.
        outcome = { status: 'fail' as const, summary: `the check itself failed: ${(error as Error).message ?? String(error)}` };
      }
      results.push({ id: check.id, group: check.group, title: check.title, ...outcome, durationMs: Math.round(performance.now() - started) });
    }
  } finally {
    await ctx.state.connection?.close().catch(() => undefined); // best-effort teardown of the hub session
  }
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.status] += 1;
  return { time: new Date(ctx.now()).toISOString(), results, counts, ok: counts.fail === 0 };
}

const LABEL: Readonly<Record<CheckStatus, string>> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** The report as one screen of text. */
export function formatReport(report: DoctorReport): string {
  const width = Math.max(...report.results.map((r) => r.title.length), 10);
  const lines = [`hivesat doctor (${report.time})`, ''];
  for (const r of report.results) {
    lines.push(`${LABEL[r.status]}  ${r.title.padEnd(width)}  ${r.summary}`);
    if (r.fix !== undefined && (r.status === 'warn' || r.status === 'fail')) lines.push(`${' '.repeat(width + 8)}→ ${r.fix}`);
  }
  const { ok, warn, fail, skip } = report.counts;
  lines.push('', `${ok} ok, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skip} skipped${fail > 0 ? ': something the satellite needs is broken' : ''}`);
  return lines.join('\n');
}
