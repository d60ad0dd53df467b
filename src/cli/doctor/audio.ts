/**
 * Audio checks: ALSA devices are listed, the microphone opens and delivers sound (level over 2 s), and a short
 * tone plays. Without a device (no card, no `--capture-device`) the capture and playback checks are skipped.
 *
 * @module
 */
import { DeviceError, listDevices } from '../../audio/index.js';
import type { CheckOutcome, DoctorCheck, DoctorContext } from './types.js';

/** Length of the level measurement, seconds. */
export const LEVEL_SECONDS = 2;
/** Sample rate of the measurement and the tone, hertz. */
const RATE_HZ = 16_000;
/** Length of the test tone, seconds; its frequency, hertz; its peak, relative to full scale. */
const TONE_SECONDS = 0.4;
const TONE_HZ = 880;
const TONE_PEAK = 0.125; // −18 dBFS: audible, never startling
/** A capture process must finish within this, ms (2 s of audio, plus opening the device). */
const CAPTURE_TIMEOUT_MS = 8_000;
/** A level below this is "very quiet", dBFS. */
const QUIET_DBFS = -60;
const FULL_SCALE = 32_768;

function dbfs(value: number): number {
  return value > 0 ? Math.round(20 * Math.log10(value / FULL_SCALE) * 10) / 10 : -Infinity;
}

/** RMS and peak of s16le bytes. */
export function levels(bytes: Uint8Array): { rmsDbfs: number; peakDbfs: number; peak: number; samples: number } {
  const samples = Math.floor(bytes.byteLength / 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, samples * 2);
  let sum = 0;
  let peak = 0;
  for (let i = 0; i < samples; i++) {
    const s = view.getInt16(i * 2, true);
    sum += s * s;
    const a = Math.abs(s);
    if (a > peak) peak = a;
  }
  const rms = samples === 0 ? 0 : Math.sqrt(sum / samples);
  return { rmsDbfs: dbfs(rms), peakDbfs: dbfs(peak), peak, samples };
}

/** A short sine tone with 20 ms fades, s16le mono at 16 kHz. */
export function testTone(): Buffer {
  const n = Math.round(TONE_SECONDS * RATE_HZ);
  const fade = Math.round(0.02 * RATE_HZ);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const envelope = Math.min(1, i / fade, (n - 1 - i) / fade);
    out.writeInt16LE(Math.round(Math.sin((2 * Math.PI * TONE_HZ * i) / RATE_HZ) * TONE_PEAK * envelope * (FULL_SCALE - 1)), i * 2);
  }
  return out;
}

const ALSA_ARGS = ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', String(RATE_HZ), '-c', '1'];

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}

function deviceFix(stderr: string, flag: string): string {
  if (/busy/i.test(stderr)) return `another program holds the device (PulseAudio/PipeWire, another hivesat?); stop it or choose another with ${flag}`;
  if (/no such|not found|unknown pcm|cannot find card/i.test(stderr)) return `no such device: "hivesat devices" lists the names ${flag} accepts (e.g. plughw:CARD=Device,DEV=0)`;
  if (/permission|EACCES/i.test(stderr)) return 'permission denied: the user must be in the "audio" group (sudo usermod -aG audio $USER, then log in again)';
  return `check the device with "hivesat devices" and choose one with ${flag}`;
}

/** ALSA capture and playback devices. */
export const devicesCheck: DoctorCheck = {
  id: 'audio-devices',
  group: 'audio',
  title: 'Audio devices',
  run: async (ctx) => {
    try {
      const devices = await listDevices({ env: ctx.env });
      ctx.state.devices = devices;
      const names = (list: readonly { cardName: string; device: number }[]): string => (list.length === 0 ? 'none' : list.map((d) => `${d.cardName} #${d.device}`).join(', '));
      const capture = devices.capture.hardware;
      const playback = devices.playback.hardware;
      const summary = `capture: ${names(capture)}; playback: ${names(playback)}`;
      const details = { capture: capture.length, playback: playback.length };
      if (capture.length === 0 && ctx.captureDevice === undefined) return { status: 'warn', summary, details, fix: 'no microphone found: plug in a USB microphone (or pass --capture-device for a software device)' };
      if (playback.length === 0 && ctx.playbackDevice === undefined) return { status: 'warn', summary, details, fix: 'no speaker found: plug in a USB speaker or headphones (or pass --playback-device)' };
      return { status: 'ok', summary, details };
    } catch (error) {
      if (error instanceof DeviceError && error.code === 'AUDIO_ERR_DEVICE_SPAWN') {
        return { status: 'fail', summary: 'arecord/aplay are not installed', fix: 'sudo apt-get install alsa-utils' };
      }
      return { status: 'fail', summary: `cannot list devices: ${(error as Error).message}`, fix: 'check ALSA (aplay -l, arecord -l)' };
    }
  },
};

function captureDeviceOf(ctx: DoctorContext): string | undefined {
  if (ctx.captureDevice !== undefined) return ctx.captureDevice;
  return (ctx.state.devices?.capture.hardware.length ?? 0) > 0 ? 'default' : undefined;
}

function playbackDeviceOf(ctx: DoctorContext): string | undefined {
  if (ctx.playbackDevice !== undefined) return ctx.playbackDevice;
  return (ctx.state.devices?.playback.hardware.length ?? 0) > 0 ? 'default' : undefined;
}

/** Opens the microphone and measures the input level over {@link LEVEL_SECONDS}. */
export const captureCheck: DoctorCheck = {
  id: 'capture',
  group: 'audio',
  title: 'Microphone level',
  run: (ctx) =>
    new Promise<CheckOutcome>((resolve) => {
      const device = captureDeviceOf(ctx);
      if (device === undefined) {
        resolve({ status: 'skip', summary: 'no capture device' });
        return;
      }
      const chunks: Buffer[] = [];
      let stderr = '';
      const child = ctx.spawn('arecord', ['-D', device, ...ALSA_ARGS, '-d', String(LEVEL_SECONDS)], { env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), CAPTURE_TIMEOUT_MS);
      child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        resolve({ status: 'fail', summary: `cannot run arecord: ${error.message}`, fix: 'sudo apt-get install alsa-utils' });
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        const bytes = Buffer.concat(chunks);
        const seconds = Math.round((bytes.byteLength / 2 / RATE_HZ) * 100) / 100;
        if (code !== 0 && bytes.byteLength === 0) {
          const said = lastLine(stderr);
          resolve({ status: 'fail', summary: `${device} did not open: ${said || (signal === 'SIGKILL' ? 'no audio in time' : `arecord exited with ${code ?? signal}`)}`, details: { device }, fix: deviceFix(stderr, '--capture-device') });
          return;
        }
        const level = levels(bytes);
        const details = { device, seconds, rms_dbfs: Number.isFinite(level.rmsDbfs) ? level.rmsDbfs : null, peak_dbfs: Number.isFinite(level.peakDbfs) ? level.peakDbfs : null };
        if (seconds < LEVEL_SECONDS / 2) {
          resolve({ status: 'warn', summary: `${device} delivered only ${seconds} s of audio in ${LEVEL_SECONDS} s`, details, fix: deviceFix(stderr, '--capture-device') });
        } else if (level.peak === 0) {
          resolve({ status: 'warn', summary: `${device}: digital silence for ${seconds} s`, details, fix: 'the microphone is muted or its capture volume is 0: alsamixer (F4 for capture), or choose another device' });
        } else if (level.rmsDbfs < QUIET_DBFS) {
          resolve({ status: 'warn', summary: `${device}: very quiet, ${level.rmsDbfs} dBFS RMS (peak ${level.peakDbfs} dBFS) over ${seconds} s`, details, fix: 'raise the capture volume in alsamixer (F4) and speak near the microphone' });
        } else if (level.peak >= FULL_SCALE - 1) {
          resolve({ status: 'warn', summary: `${device}: clipping (peak at full scale), ${level.rmsDbfs} dBFS RMS`, details, fix: 'lower the capture volume in alsamixer (F4): clipped audio hurts wake-word detection' });
        } else {
          resolve({ status: 'ok', summary: `${device}: ${level.rmsDbfs} dBFS RMS, peak ${level.peakDbfs} dBFS over ${seconds} s`, details });
        }
      });
    }),
};

/** Plays a short tone. */
export const playbackCheck: DoctorCheck = {
  id: 'playback',
  group: 'audio',
  title: 'Speaker test tone',
  run: (ctx) =>
    new Promise<CheckOutcome>((resolve) => {
      const device = playbackDeviceOf(ctx);
      if (device === undefined || ctx.noTone === true) {
        resolve({ status: 'skip', summary: ctx.noTone === true ? 'test tone not requested (--no-tone)' : 'no playback device' });
        return;
      }
      let stderr = '';
      const child = ctx.spawn('aplay', ['-D', device, ...ALSA_ARGS], { env: ctx.env, stdio: ['pipe', 'ignore', 'pipe'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), CAPTURE_TIMEOUT_MS);
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.stdin?.on('error', () => undefined); // EPIPE when aplay fails to open: reported through its exit status
      child.once('error', (error) => {
        clearTimeout(timer);
        resolve({ status: 'fail', summary: `cannot run aplay: ${error.message}`, fix: 'sudo apt-get install alsa-utils' });
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) {
          resolve({ status: 'ok', summary: `played a ${TONE_SECONDS} s ${TONE_HZ} Hz tone on ${device} (did you hear it?)`, details: { device } });
        } else {
          const said = lastLine(stderr);
          resolve({ status: 'fail', summary: `${device} did not play: ${said || `aplay exited with ${code ?? signal}`}`, details: { device }, fix: deviceFix(stderr, '--playback-device') });
        }
      });
      child.stdin?.end(testTone());
    }),
};
