/**
 * `npm run soak -- --minutes N`: the long soak of issue #8. A compiled `hivesat run` (as systemd starts it) hears
 * spoken turns in real time on stdin — espeak-ng "hey jarvis" and a question, through the real wake word, VAD and
 * endpointing — and talks to the loopback test hub, which is restarted every few minutes and misbehaves every few
 * turns (fault-schedule.ts). Every turn must be answered (by the hub, or locally while it is away) or end with a
 * spoken reason; resources are sampled from /proc and /metrics. Prints a summary, writes the full report as JSON and
 * exits 1 when a check failed.
 *
 * Options: --minutes N (10) · --fault-every TURNS (10, 0 = none) · --restart-every MINUTES (5, 0 = none) ·
 * --restart-down SECONDS (4) · --warmup MINUTES (min(5, N/6)) · --sample-every SECONDS (15) · --out FILE
 * (soak-report.json)
 *
 * @module
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TurnReport } from '../../src/satellite/index.js';
import { startFaultProxy } from '../../test/faults/proxy.js';
import { freePort } from '../../test/helpers/net.js';
import { ensureModels } from '../../test/vad/fixtures.js';
import { type LinkView, faultForTurn } from './fault-schedule.js';
import { PacedMic } from './paced-mic.js';
import { type ResourceSample, sampleResources } from './sampler.js';
import { SatelliteProcess } from './satellite-process.js';
import { SOAK_ACCESS_KEY, SOAK_PASSWORD, SoakHub } from './soak-hub.js';
import { type TurnRecord, summarise } from './soak-report.js';
import { type SpokenQuestion, spokenQuestions } from './turn-audio.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Longest wait for a turn's report after its audio ended: answer timeout 15 s + local answer + playback, with margin. */
const TURN_WAIT_MS = 60_000;
/** Mic time between a turn's report and the next turn, milliseconds. */
const TURN_GAP_MS = 300;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'fault-every': { type: 'string', default: '10' },
    'restart-every': { type: 'string', default: '5' },
    'restart-down': { type: 'string', default: '4' },
    warmup: { type: 'string' },
    'sample-every': { type: 'string', default: '15' },
    out: { type: 'string', default: 'soak-report.json' },
  },
});
const number = (name: string, text: string | undefined): number => {
  const v = Number(text);
  if (text === undefined || !Number.isFinite(v) || v < 0) throw new Error(`--${name}: expected a non-negative number, got ${JSON.stringify(text)}`);
  return v;
};
const minutes = number('minutes', values.minutes);
const faultEvery = number('fault-every', values['fault-every']);
const restartEveryMs = number('restart-every', values['restart-every']) * 60_000;
const restartDownMs = number('restart-down', values['restart-down']) * 1000;
const warmupS = values.warmup === undefined ? Math.min(300, minutes * 10) : number('warmup', values.warmup) * 60;
const sampleEveryMs = number('sample-every', values['sample-every']) * 1000;

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
if (!models.ok) throw new Error(`soak: models missing (${models.reason}); run scripts/fetch-models`);

const log = (line: string): void => void process.stderr.write(`soak ${new Date().toISOString().slice(11, 19)} ${line}\n`);

const questions = spokenQuestions();
const soakHub = await SoakHub.start(questions);
const dir = await mkdtemp(join(tmpdir(), 'hivesat-soak-'));
const metricsPort = await freePort();
// The satellite talks to the hub through the fault proxy, which carries the link faults (fault-schedule.ts).
const proxy = await startFaultProxy({ upstream: soakHub.hub.port, lifetimeMs: (minutes + 10) * 60_000, maxConnections: 1_000_000, maxConnectionBytes: 2 ** 31 });
const passedByKind = new Map<string, number>();
proxy.on('message', (m) => passedByKind.set(`${m.connection}:${m.direction}:${m.kind}`, m.kindIndex));
proxy.on('problem', (connection, error) => log(`proxy connection ${connection}: ${error.message}`));
/** The live proxied connection, if there is one. */
function liveLink(): LinkView | undefined {
  const view = [...proxy.connections].reverse().find((c) => c.state === 'open');
  if (view === undefined) return undefined;
  return { id: view.id, passed: (direction, kind) => passedByKind.get(`${view.id}:${direction}:${kind}`) ?? 0, inject: (action) => view.inject(action) };
}
const satellite = await SatelliteProcess.start({ root: ROOT, dir, hubPort: proxy.port, accessKey: SOAK_ACCESS_KEY, password: SOAK_PASSWORD, metricsPort });
const startedAt = performance.now();
const elapsedS = (): number => (performance.now() - startedAt) / 1000;
const mic = new PacedMic(satellite.child.stdin);
mic.start();
let died = false;
let stopping = false;
satellite.on('exit', (code, signal) => {
  if (stopping) return;
  died = true;
  log(`hivesat run exited unexpectedly (code ${code}, signal ${signal})`);
});

// Resource samples, after the warm-up only (model loading, JIT and first-use allocations are not growth).
const samples: ResourceSample[] = [];
const sampler = setInterval(() => {
  if (died || elapsedS() < warmupS) return;
  sampleResources(satellite.pid, `http://127.0.0.1:${metricsPort}/metrics`, elapsedS()).then(
    (s) => samples.push(s),
    (error: unknown) => log(`sample failed: ${String(error)}`),
  );
}, sampleEveryMs);

// Hub restarts: time-based, so they land before, during and after turns alike.
let hubRestarts = 0;
let restarting: Promise<void> = Promise.resolve();
const restarter =
  restartEveryMs > 0
    ? setInterval(() => {
        restarting = (async () => {
          hubRestarts++;
          await soakHub.hub.stop();
          await new Promise((r) => setTimeout(r, restartDownMs));
          await soakHub.hub.start();
        })().catch((error: unknown) => log(`hub restart failed: ${String(error)}`));
      }, restartEveryMs)
    : undefined;

/** The next turn report, or undefined after `ms`. */
function nextReport(ms: number): { report: Promise<TurnReport | undefined>; cancel: () => void } {
  let cancel: () => void = () => undefined;
  const report = new Promise<TurnReport | undefined>((res) => {
    const timer = setTimeout(() => done(undefined), ms);
    const done = (r: TurnReport | undefined): void => {
      clearTimeout(timer);
      satellite.off('turn', done);
      res(r);
    };
    cancel = () => done(undefined);
    satellite.on('turn', done);
  });
  return { report, cancel };
}

function verdictOf(report: TurnReport | undefined, q: SpokenQuestion): TurnRecord['verdict'] {
  if (report === undefined) return 'lost';
  if (report.outcome === 'not-understood') return 'reason';
  if (report.outcome !== 'answered') return 'wrong';
  if (report.route === 'hub') return report.answers.includes(`you said ${q.text}`) ? 'answered' : 'wrong';
  return report.answers.some((a) => q.localAnswer.test(a)) ? 'answered' : 'wrong';
}

const turns: TurnRecord[] = [];
let extraReports = 0;
const deadline = minutes * 60;
let lastProgress = 0;
for (let n = 1; elapsedS() < deadline && !died; n++) {
  const q = questions[(n - 1) % questions.length] as SpokenQuestion;
  const fault = faultForTurn(n, faultEvery);
  if (fault?.when === 'before-turn') await soakHub.faultNow(fault.action).catch((error: unknown) => log(`fault failed: ${String(error)}`));
  if (fault?.when === 'at-upload') soakHub.armUpload(fault.upload);
  if (fault?.when === 'on-link') {
    const link = liveLink();
    if (link === undefined) log(`turn ${n}: no live link for "${fault.name}"`);
    else fault.apply(proxy, link);
  }
  const t = elapsedS();
  const waiting = nextReport(TURN_WAIT_MS + (q.audio.length / 16));
  await mic.play(q.audio);
  const report = await waiting.report;
  const verdict = verdictOf(report, q);
  soakHub.disarm(); // a fault the hub never reached (it was down) is not carried over to the next turn
  turns.push({
    n, question: q.text, fault: fault?.name, t, verdict, route: report?.route, outcome: report?.outcome, failover: report?.failover,
    answers: report?.answers ?? [], responseMs: report?.figures.responseMs, overheadMs: report?.figures.overheadMs,
  });
  if (verdict !== 'answered') log(`turn ${n} (${q.text}${fault === undefined ? '' : `, fault: ${fault.name}`}): ${verdict} ${JSON.stringify({ route: report?.route, outcome: report?.outcome, failover: report?.failover, answers: report?.answers })}`);
  // Reports that arrive between turns belong to no spoken turn: a phantom wake or a duplicate.
  const stray = nextReport(TURN_GAP_MS);
  const extra = await stray.report;
  if (extra !== undefined) {
    extraReports++;
    log(`report with no turn: ${JSON.stringify({ id: extra.id, route: extra.route, outcome: extra.outcome })}`);
  }
  if (elapsedS() - lastProgress >= 60) {
    lastProgress = elapsedS();
    const last = samples[samples.length - 1];
    log(`${turns.length} turns, ${turns.filter((x) => x.verdict === 'lost').length} lost, ${hubRestarts} hub restarts${last === undefined ? '' : `, RSS ${(last.rssBytes / 2 ** 20).toFixed(1)} MiB (peak ${(last.peakRssBytes / 2 ** 20).toFixed(1)}), ${last.fds} fds`}`);
  }
}

clearInterval(sampler);
if (restarter !== undefined) clearInterval(restarter);
await restarting;
mic.stop();
stopping = true;
const exitCode = died ? null : await satellite.stop();
await soakHub.hub.stop();
await proxy.close();
const summary = summarise({ minutes: elapsedS() / 60, turns, samples, hubRestarts, exitCode });
const report = {
  ...summary, extraReports, proxyConnections: proxy.attempts, proxyFaultsFired: proxy.fired.length, micBackpressureEvents: mic.backpressureEvents, uploads: soakHub.uploads, unmatchedUploads: soakHub.unmatchedUploads,
  problems: Object.fromEntries(satellite.problemCounts), samples, turns,
};
await writeFile(values.out, `${JSON.stringify(report, null, 1)}\n`);
await rm(dir, { recursive: true, force: true });

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
process.stdout.write(
  [
    `soak: ${summary.minutes.toFixed(1)} min, ${summary.turns} turns, ${hubRestarts} hub restarts, ${Object.values(summary.faults).reduce((n, f) => n + f.injected, 0)} injected faults`,
    `verdicts: ${JSON.stringify(summary.verdicts)}  routes: ${JSON.stringify(summary.byRoute)}  reports with no turn: ${extraReports}`,
    `response ms by route (end of speech → first sample): ${JSON.stringify(summary.responseMs)}`,
    `satellite overhead ms (hub turns without fault): ${JSON.stringify(summary.overheadMs)}`,
    `CPU: ${summary.cpuPercentOfOneCore?.toFixed(2) ?? '?'} % of one core`,
    `RSS ${summary.growth.rss === undefined ? '?' : `${mib(summary.growth.rss.start)} → ${mib(summary.growth.rss.end)}`} (peak, VmHWM: ${samples.length === 0 ? '?' : mib(Math.max(...samples.map((x) => x.peakRssBytes)))}), heap ${summary.growth.heap === undefined ? '?' : `${mib(summary.growth.heap.start)} → ${mib(summary.growth.heap.end)}`}, fds ${summary.growth.fds?.start ?? '?'} → ${summary.growth.fds?.end ?? '?'}, handles ${summary.growth.handles?.start ?? '?'} → ${summary.growth.handles?.end ?? '?'}`,
    'faults (injected / answered / spoken reason / not answered):',
    ...Object.entries(summary.faults).map(([name, f]) => `  ${name}: ${f.injected} / ${f.answered} / ${f.reason} / ${f.notAnswered}`),
    'checks:',
    ...summary.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.value}`),
    `full report: ${values.out}`,
    '',
  ].join('\n'),
);
process.exitCode = summary.checks.every((c) => c.ok) ? 0 : 1;
