import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_RATE_HZ, readWavFile } from '../../src/audio/index.js';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { EspeakNgTts, writeWavForTest } from './demo-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hivesat-demo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture(): { io: Parameters<typeof demoCommand.run>[1]; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env: process.env },
    out: () => out,
    err: () => err,
  };
}

function rms(pcm: Int16Array): number {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

describe('hivesat demo (no hub, no microphone)', () => {
  it('hears "hey jarvis … what time is it", answers with the time and writes the spoken answer', async () => {
    const output = join(dir, 'answer.wav');
    const { io, out, err } = capture();
    const code = await demoCommand.run(['--output', output, '--json'], io);
    expect(err()).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out()) as { transcript: string; answer: string; outcome: string; wake: { keyword: string }; timings: Record<string, number> };
    expect(report.wake.keyword).toBe('hey_jarvis');
    expect(report.transcript).toBe('what time is it');
    expect(report.outcome).toBe('answered');
    expect(report.answer).toMatch(/^It's \d{1,2}:\d{2}( [AP]M)?\.$/);
    for (const value of Object.values(report.timings)) expect(value).toBeGreaterThan(0);

    const answer = await readWavFile(output);
    expect(answer.length / SAMPLE_RATE_HZ).toBeGreaterThan(0.5);
    expect(rms(answer)).toBeGreaterThan(300);
    // The question it made is kept beside the answer.
    expect((await readWavFile(join(dir, 'demo-question.wav'))).length).toBeGreaterThan(SAMPLE_RATE_HZ * 2);
  });

  it('says why when the input has no wake word, and exits non-zero', async () => {
    const input = join(dir, 'no-wake.wav');
    await writeWavForTest(input, await new EspeakNgTts({ voice: 'en-us' }).synthesize('what time is it', { lang: 'en-us' }));
    const { io, err } = capture();
    expect(await demoCommand.run(['--input', input, '--output', join(dir, 'x.wav')], io)).toBe(1);
    expect(err()).toContain('the wake word "hey jarvis" was not heard');
  });

  it('refuses a truncated WAV with a clear message', async () => {
    const input = join(dir, 'truncated.wav');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(input, Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '));
    const { io, err } = capture();
    expect(await demoCommand.run(['--input', input, '--output', join(dir, 'y.wav')], io)).toBe(1);
    expect(err()).toMatch(/AUDIO_ERR_WAV_(TRUNCATED|MALFORMED)/);
  });
});
