// The audio both memory benchmarks feed: one minute of spoken turns over −55 dBFS pink noise ("hey jarvis", a
// command, silence; a turn every 6 s), 16 kHz mono s16, made with espeak-ng and sox. Or any WAV, converted by sox.
import { execFileSync } from 'node:child_process';

/** The one sample rate the front end takes, hertz. */
export const RATE = 16_000;

/** Raw 16 kHz mono s16 samples of `wav` (any format sox reads). */
export function wavSamples(wav) {
  const raw = execFileSync('sox', ['-R', wav, '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-'], { maxBuffer: 1 << 30 });
  return new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2).slice();
}

/** espeak-ng speech, 16 kHz mono s16. */
function speak(text, voice = 'en-us') {
  const wav = execFileSync('espeak-ng', ['-v', voice, '--stdout', text], { maxBuffer: 1 << 24 });
  const raw = execFileSync('sox', ['-R', '-t', 'wav', '-', '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'raw', '-'], { input: wav, maxBuffer: 1 << 24 });
  return new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2).slice();
}

/** One minute of turns over −55 dBFS pink noise: "hey jarvis", a command, and silence, a turn every 6 s. */
export function minuteOfTurns() {
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
