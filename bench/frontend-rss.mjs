// Memory and start-up time of the front end (Silero VAD + openWakeWord hey_jarvis + verifier + listener) as it runs in
// production: compiled JavaScript, no tsx loader (which alone adds ~20 MiB), the config file's defaults.
//
// Reports PEAK resident memory (VmHWM from /proc/self/status: the kernel's high-water mark, what an OOM killer or a
// 512 MB Pi sees) next to the current RSS and the after-gc figure, stage by stage, so it is clear where memory goes:
// node itself, loading onnxruntime, each model's session, and a long run of spoken turns over room noise (wake word,
// command, pauses; the energy gate opening and closing; utterances built). The run is fed flat out in 80 ms chunks.
//
// Run: npm run build && node --expose-gc bench/frontend-rss.mjs [MINUTES]   (default 10 minutes of audio)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const RATE = 16_000;
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

/** espeak-ng speech, 16 kHz mono s16. */
function speak(text, voice = 'en-us') {
  const wav = execFileSync('espeak-ng', ['-v', voice, '--stdout', text], { maxBuffer: 1 << 24 });
  const raw = execFileSync('sox', ['-R', '-t', 'wav', '-', '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-'], { input: wav, maxBuffer: 1 << 24 });
  return new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2).slice();
}

/** One minute of turns over −55 dBFS pink noise: "hey jarvis", a command, and silence, a turn every 6 s. */
function minuteOfTurns() {
  const commands = ['what time is it', 'turn on the kitchen lights', 'set a timer for ten minutes', 'play some music'];
  const jarvis = speak('hey jarvis');
  const out = new Int16Array(60 * RATE);
  let at = 0;
  for (let i = 0; at < out.length; i++) {
    at += RATE;
    for (const clip of [jarvis, null, speak(commands[i % commands.length])]) {
      if (clip === null) {
        at += Math.round(0.8 * RATE);
        continue;
      }
      if (at < out.length) out.set(clip.subarray(0, Math.min(clip.length, out.length - at)), at);
      at += clip.length;
    }
    at += 3 * RATE;
  }
  const noise = execFileSync('sox', ['-R', '-n', '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-', 'synth', '60', 'pinknoise', 'vol', '0.003'], {
    maxBuffer: 1 << 24,
  });
  const n = new Int16Array(noise.buffer, noise.byteOffset, noise.byteLength / 2);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-32768, Math.min(32767, out[i] + (n[i] ?? 0)));
  return out;
}

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
for (let m = 0; m < minutes; m++) {
  for (let i = 0; i < audio.length; i += 1280) {
    listener.feed(audio.subarray(i, i + 1280));
    await listener.drained();
  }
  peakDuring = Math.max(peakDuring, status().VmRSS);
}
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
    gate: gate && { live: gate.detectedSamples, replayed: gate.replayedSamples, skipped: gate.skippedSamples, openings: gate.openings },
    node: process.version,
    execArgv: process.execArgv,
  }),
);
console.table(stages);
