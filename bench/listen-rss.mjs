// Peak memory and CPU of the real `hivesat listen` on a microphone, as a user runs it: bin/hivesat (the wrapper, its
// node and V8 flags) with a stand-in `arecord` first on PATH that writes 16 kHz mono s16le at the real-time rate, 80 ms
// at a time, like a USB microphone: one minute of spoken turns over room noise (bench/turn-track.mjs) looped, or a
// WAV of your own. At the end it reads the listen process's /proc/PID/status (VmHWM: the kernel's high-water mark of
// resident memory, what a 512 MB Pi and an OOM killer see) and /proc/PID/stat (CPU time), then stops it with SIGINT.
// The stand-in arecord is a separate process: its memory is not counted, as a real arecord's would not be.
//
// Run: npm run build && node bench/listen-rss.mjs [MINUTES] [--wav FILE] [--node-flags="--max-semi-space-size=1"]
//   (default 10 minutes; --node-flags replaces the wrapper with `node FLAGS dist/cli/main.js` to compare V8 flags)
// --stdin: MINUTES of audio (e.g. 240 for four hours) streamed as one WAV of unknown length into `listen --input -`
//   as fast as it reads, so hours of listening take minutes; VmHWM is sampled every 0.5 s until the process exits.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { minuteOfTurns, RATE, wavSamples } from './turn-track.mjs';

const CHUNK = 1_280;
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--mic') {
  // The stand-in arecord: loop the raw file at the real-time rate until killed.
  const raw = readFileSync(process.argv[3]);
  const bytes = CHUNK * 2;
  const started = performance.now();
  let written = 0;
  const tick = () => {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE) * 2 - written;
    for (let n = Math.floor(due / bytes); n > 0; n--) {
      const at = written % (raw.length - (raw.length % bytes));
      process.stdout.write(raw.subarray(at, at + bytes));
      written += bytes;
    }
  };
  setInterval(tick, 20);
  process.stdout.on('error', () => process.exit(0));
} else {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { wav: { type: 'string' }, 'node-flags': { type: 'string' }, stdin: { type: 'boolean', default: false } } });
  const minutes = Number(positionals[0] ?? 10);
  const dir = mkdtempSync(join(tmpdir(), 'hivesat-listen-rss-'));
  const samples = values.wav === undefined ? minuteOfTurns() : wavSamples(values.wav);
  writeFileSync(join(dir, 'mic.raw'), samples);
  writeFileSync(join(dir, 'arecord'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(self)} --mic ${JSON.stringify(join(dir, 'mic.raw'))}\n`);
  chmodSync(join(dir, 'arecord'), 0o755);
  const root = fileURLToPath(new URL('../', import.meta.url));
  const [cmd, args] =
    values['node-flags'] === undefined
      ? [join(root, 'bin/hivesat'), []]
      : [process.execPath, [...values['node-flags'].split(' ').filter(Boolean), join(root, 'dist/cli/main.js')]];
  // An empty HOME and XDG dirs: no user config file shapes the run; the defaults are what a new user gets.
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state') };
  const input = values.stdin ? ['--input', '-'] : ['--device', 'benchmic'];
  const child = spawn(cmd, [...args, 'listen', '--json', ...input], { env, stdio: [values.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const counts = {};
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const type = JSON.parse(buffered.slice(0, nl)).type;
      counts[type] = (counts[type] ?? 0) + 1;
      buffered = buffered.slice(nl + 1);
    }
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const proc = () => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').slice(readFileSync(`/proc/${child.pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
    return { hwm: kib('VmHWM') / 1024, rss: kib('VmRSS') / 1024, anon: kib('RssAnon') / 1024, file: kib('RssFile') / 1024, cpu: (Number(stat[11]) + Number(stat[12])) / 100 };
  };
  if (values.stdin) {
    const report = await flatOut(child, samples, minutes, proc);
    rmSync(dir, { recursive: true, force: true });
    console.log(JSON.stringify({ minutes, command: [cmd, ...args, 'listen', '--json', '--input', '-'].join(' '), ...report, events: counts, stderrTail: stderr.trim().split('\n').slice(-2) }));
    process.exit(0);
  }
  const samplesTaken = [];
  await new Promise((r) => setTimeout(r, 15_000)); // start-up: models loaded, first audio in
  const warm = proc();
  const timer = setInterval(() => samplesTaken.push(proc()), 10_000);
  await new Promise((r) => setTimeout(r, minutes * 60_000));
  clearInterval(timer);
  const end = proc();
  child.kill('SIGINT');
  const code = await new Promise((r) => child.on('exit', (c, s) => r(c ?? s)));
  rmSync(dir, { recursive: true, force: true });
  const r1 = (x) => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify({
      minutes,
      command: [cmd, ...args].join(' '),
      peakRssMiB: r1(end.hwm),
      endRssMiB: r1(end.rss),
      anonMiB: r1(end.anon),
      fileMiB: r1(end.file),
      rssAfterStartupMiB: r1(warm.rss),
      peakAfterStartupMiB: r1(warm.hwm),
      highestSampledRssMiB: r1(Math.max(...samplesTaken.map((s) => s.rss))),
      cpuSecondsPerAudioSecond: Math.round(((end.cpu - warm.cpu) / (minutes * 60)) * 10_000) / 10_000,
      startupCpuSeconds: warm.cpu,
      events: counts,
      exit: code,
      stderrTail: stderr.trim().split('\n').slice(-2),
    }),
  );
}

/** Streams `minutes` of `samples` looped as one WAV of unknown length into the child's stdin; samples /proc until it exits. */
async function flatOut(child, samples, minutes, proc) {
  // The project's own WAV header with the size a writer into a pipe puts: "to the end of the stream".
  const { wavHeader } = await import(new URL('../dist/audio/index.js', import.meta.url).href);
  const header = wavHeader(0xffff_ffff, RATE, 1);
  const pcm = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const loops = Math.ceil((minutes * 60 * RATE) / samples.length);
  let last = proc();
  const timer = setInterval(() => {
    try {
      last = proc();
    } catch {
      // The process has exited between two samples; the last reading stands.
    }
  }, 500);
  const exited = new Promise((r) => child.on('exit', (c, s) => r(c ?? s)));
  child.stdin.on('error', () => {});
  child.stdin.write(header);
  for (let i = 0; i < loops; i++) if (!child.stdin.write(pcm)) await new Promise((r) => child.stdin.once('drain', r));
  try {
    last = proc();
  } catch {
    // Already gone.
  }
  child.stdin.end();
  const code = await exited;
  clearInterval(timer);
  const r1 = (x) => Math.round(x * 10) / 10;
  return { audioSeconds: (loops * samples.length) / RATE, peakRssMiB: r1(last.hwm), lastSampledRssMiB: r1(last.rss), cpuSeconds: r1(last.cpu), cpuSecondsPerAudioSecond: Math.round((last.cpu / ((loops * samples.length) / RATE)) * 10_000) / 10_000, exit: code };
}
