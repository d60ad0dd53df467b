// RSS and start-up time of the front end (Silero VAD + openWakeWord hey_jarvis + listener) as it runs in
// production: compiled JavaScript, no tsx loader (which alone adds ~20 MiB). Run: npm run build && node --expose-gc bench/frontend-rss.mjs
import { performance } from 'node:perf_hooks';

const { createListener } = await import(new URL('../dist/listener/index.js', import.meta.url).href);
const before = process.memoryUsage().rss;
const t0 = performance.now();
const listener = await createListener({});
const readyMs = performance.now() - t0;
const chunk = new Int16Array(1280);
for (let i = 0; i < 500; i++) listener.feed(chunk); // 40 s of audio, so the inference arenas are warm
await listener.drained();
globalThis.gc?.();
const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
console.log(JSON.stringify({ rssBeforeLoadMiB: mib(before), rssAfterLoadAndRunMiB: mib(process.memoryUsage().rss), readyMs: Math.round(readyMs) }));
await listener.close();
