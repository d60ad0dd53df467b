// Memory and start-up time of the front end (Silero VAD + openWakeWord hey_jarvis + verifier + listener) as it runs in
// production: compiled JavaScript, no tsx loader (which alone adds ~20 MiB), the config file's defaults.
//
// Reports PEAK resident memory (VmHWM from /proc/self/status: the kernel's high-water mark, what an OOM killer or a
// 512 MB Pi sees) next to the current RSS and the after-gc figure, stage by stage, so it is clear where memory goes:
// node itself, loading onnxruntime, each model's session, and a long run of spoken turns over room noise (wake word,
// command, pauses; the energy gate opening and closing; utterances built). The run is fed flat out in 80 ms chunks.
//
// Run: npm run build && node --expose-gc bench/frontend-rss.mjs [MINUTES]   (default 10 minutes of audio)
// As the service runs (docs/operations.md, "Memory"):
//      MALLOC_ARENA_MAX=1 node --expose-gc --max-semi-space-size=2 bench/frontend-rss.mjs [MINUTES]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { minuteOfTurns } from './turn-track.mjs';

const minutes = Number(process.argv[2] ?? process.env.HIVESAT_RSS_MINUTES ?? 10);
const mib = (kib) => Math.round((kib / 1024) * 10) / 10;

/** VmHWM, VmRSS, RssAnon and RssFile of this process, MiB. */
function status() {
  const out = {};
  for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const m = /^(VmHWM|VmRSS|RssAnon|RssFile):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = mib(Number(m[2]));
  }
  return out;
}

const stages = [];
const stage = (name) => {
  globalThis.gc?.();
  const s = status();
  const m = process.memoryUsage();
  stages.push({ stage: name, peakMiB: s.VmHWM, rssMiB: s.VmRSS, anonMiB: s.RssAnon, fileMiB: s.RssFile, heapMiB: mib(m.heapUsed / 1024), externalMiB: mib(m.external / 1024) });
};

const audio = minuteOfTurns();
stage('node + 1 min of test audio');
await import('onnxruntime-node');
stage('onnxruntime-node imported');
const { createListener } = await import(new URL('../dist/listener/index.js', import.meta.url).href);
const { createSileroVad } = await import(new URL('../dist/vad/index.js', import.meta.url).href);
const { defaultSatelliteConfig } = await import(new URL('../dist/config/satellite-config.js', import.meta.url).href);
const { listenerOptionsFromConfig } = await import(new URL('../dist/config/index.js', import.meta.url).href);
const probe = await createSileroVad({});
stage('+ one Silero session (onnxruntime initialised)');
await probe.close();
const t0 = performance.now();
const listener = await createListener(listenerOptionsFromConfig(defaultSatelliteConfig()));
const readyMs = performance.now() - t0;
stage('+ listener (VAD, wake features, head, verifier)');
let utterances = 0;
let wakes = 0;
listener.on('utterance', () => utterances++);
listener.on('wake', () => wakes++);
let peakDuring = 0;
const cpu0 = process.cpuUsage();
for (let m = 0; m < minutes; m++) {
  for (let i = 0; i < audio.length; i += 1280) {
    listener.feed(audio.subarray(i, i + 1280));
    await listener.drained();
  }
  peakDuring = Math.max(peakDuring, status().VmRSS);
}
const cpu = process.cpuUsage(cpu0);
stage(`after ${minutes} min of turns`);
await listener.close();
const gate = listener.gateStats;
console.log(
  JSON.stringify({
    minutes,
    readyMs: Math.round(readyMs),
    wakes,
    utterances,
    peakRssMiB: status().VmHWM,
    highestSampledRssMiB: peakDuring,
    cpuSecondsPerAudioSecond: Math.round(((cpu.user + cpu.system) / 1e6 / (minutes * 60)) * 10_000) / 10_000,
    gate: gate && { live: gate.detectedSamples, replayed: gate.replayedSamples, skipped: gate.skippedSamples, openings: gate.openings },
    node: process.version,
    execArgv: process.execArgv,
  }),
);
console.table(stages);
