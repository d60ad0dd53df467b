/**
 * `hivesat listen`: spawned as a real process on WAV files made at test time (espeak-ng + sox), in-process for the
 * flag handling, and in microphone mode with a stand-in `arecord` on PATH, stopped by SIGINT.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../src/cli/cli-io.js';
import { listenCommand, runListen } from '../../src/cli/commands/listen.js';
import { readWavFile } from '../../src/audio/index.js';
import { makeTempDir, run } from '../fixtures/audio.js';
import { activeSpan, concat, ensureModels, silence, speak } from '../vad/fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = join(ROOT, 'test/listener/listen-entry.ts');
const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);

let dir = '';
let cleanup: () => Promise<void> = async () => undefined;
/** "hey jarvis" 0.8 s "what time is it" 2 s after 1.5 s, 16 kHz mono, and where the command really is (seconds). */
let wav16 = '';
let raw16 = '';
let cmd = { first: 0, end: 0 };

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('hivesat-listen-'));
  const c = speak('what time is it');
  const { audio, starts } = concat(silence(1.5), speak('hey jarvis'), silence(0.8), c, silence(2));
  const span = activeSpan(c);
  cmd = { first: ((starts[3] as number) + span.first) / 16_000, end: ((starts[3] as number) + span.end) / 16_000 };
  raw16 = join(dir, 'in.raw');
  await writeFile(raw16, new Uint8Array(audio.buffer, audio.byteOffset, audio.byteLength));
  wav16 = join(dir, 'in16.wav');
  await run('sox', ['-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', raw16, wav16]);
});

afterAll(() => cleanup());

/** Output sinks for in-process runs. */
function sinks() {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        into.push(chunk.toString());
        done();
      },
    });
  return { io: { stdout: stream(out), stderr: stream(err) }, out: () => out.join(''), err: () => err.join('') };
}

/** Run the entry as a real process; resolve with its exit code and output. */
function spawnListen(args: readonly string[], env: NodeJS.ProcessEnv = process.env, onStdout?: (text: string, child: ChildProcess) => void) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`listen did not finish: ${stderr}`));
    }, 50_000);
    child.once('error', fail);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

const LINE = {
  wake: /^\{"type":"wake","keyword":"hey_jarvis","score":0\.\d{1,2},"t":\d+(\.\d{1,3})?\}$/,
  speech_start: /^\{"type":"speech_start","t":\d+(\.\d{1,3})?\}$/,
  speech_end: /^\{"type":"speech_end","t":\d+(\.\d{1,3})?\}$/,
  utterance: /^\{"type":"utterance","start":\d+(\.\d{1,3})?,"end":\d+(\.\d{1,3})?,"duration":\d+(\.\d{1,3})?\}$/,
  no_speech: /^\{"type":"no_speech","t":\d+(\.\d{1,3})?\}$/,
} as const;

function parse(stdout: string): Record<string, number | string>[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const obj = JSON.parse(line) as Record<string, number | string>;
      expect(line).toMatch(LINE[obj.type as keyof typeof LINE]);
      return obj;
    });
}

/** 1 s, "hey jarvis", 4 s of silence: a WAV (made by sox) in the test folder, named `name`.wav. */
async function wakeThenSilence(name: string): Promise<string> {
  const { audio } = concat(silence(1), speak('hey jarvis'), silence(4));
  const raw = join(dir, `${name}.raw`);
  await writeFile(raw, new Uint8Array(audio.buffer));
  const wav = join(dir, `${name}.wav`);
  await run('sox', ['-t', 'raw', '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', raw, wav]);
  return wav;
}

describe.skipIf(!models.ok)('hivesat listen', () => {
  it('--input x.wav --json, as a real process, prints the exact event sequence', async () => {
    const r = await spawnListen(['--input', wav16, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = parse(r.stdout);
    expect(events.map((e) => e.type)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance']);
    const [wake, start, end, utt] = events as [Record<string, number>, Record<string, number>, Record<string, number>, Record<string, number>];
    expect(wake.t).toBeGreaterThan(2.2);
    expect(wake.t).toBeLessThan(2.8);
    expect(Math.abs((start.t as number) - cmd.first)).toBeLessThan(0.1);
    expect(Math.abs((end.t as number) - cmd.end)).toBeLessThan(0.15);
    expect(utt.start).toBeLessThanOrEqual(cmd.first - 0.5);
    expect(utt.end).toBeGreaterThanOrEqual(cmd.end);
    expect((utt.end as number) - cmd.end).toBeLessThanOrEqual(0.85);
    expect(utt.duration).toBeCloseTo((utt.end as number) - (utt.start as number), 3);

    // The same, in-process: the very same lines.
    const s = sinks();
    expect(await runListen(['--input', wav16, '--json'], s.io)).toBe(0);
    expect(s.out()).toBe(r.stdout);
  });

  it('reads a 44.1 kHz stereo WAV (converted at the edge) with the same events at the same times', async () => {
    const wav44 = join(dir, 'in44.wav');
    await run('sox', [wav16, '-r', '44100', '-c', '2', wav44]);
    expect((await readWavFile(wav44)).length).toBeGreaterThan(0);
    const a = sinks();
    const b = sinks();
    expect(await runListen(['--input', wav16, '--json'], a.io)).toBe(0);
    expect(await runListen(['--input', wav44, '--json'], b.io)).toBe(0);
    const ref = parse(a.out());
    const got = parse(b.out());
    expect(got.map((e) => e.type)).toEqual(ref.map((e) => e.type));
    for (const [i, e] of got.entries()) {
      for (const key of ['t', 'start', 'end'] as const) {
        if (key in e) expect(Math.abs((e[key] as number) - (ref[i]?.[key] as number)), `${e.type}.${key}`).toBeLessThanOrEqual(0.1);
      }
    }
  });

  it('prints readable lines without --json, and --silence-end/--threshold/--keyword/--save are honoured', async () => {
    const s = sinks();
    expect(await runListen(['--input', wav16, '--silence-end', '400', '--threshold', '0.6', '--keyword', 'hey_jarvis', '--save', dir], s.io)).toBe(0);
    const lines = s.out().trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^ +2\.\d{3} {2}wake word "hey_jarvis" \(score 0\.\d\d\)$/);
    expect(lines[1]).toMatch(/^ +3\.\d{3} {2}speech start$/);
    expect(lines[2]).toMatch(/^ +4\.\d{3} {2}speech end$/);
    expect(lines[3]).toMatch(/^ +\d\.\d{3} {2}utterance \d\.\d{3}–\d\.\d{3} s \(\d\.\d{3} s, speech -\d+\.\d dBFS\)$/);
    const saved = await readWavFile(join(dir, 'utterance-1.wav'));
    // Shorter silence end: the utterance ends ≤ 0.4 s + 0.15 s after the speech.
    const [, range] = /utterance (\S+) s/.exec(lines[3] as string) ?? [];
    const [from, to] = (range ?? '').split('–').map(Number) as [number, number];
    expect(to - cmd.end).toBeLessThanOrEqual(0.55);
    expect(saved.length).toBe(Math.round((to - from) * 16_000));
  });

  it('wake word then silence prints no_speech', async () => {
    const wav = await wakeThenSilence('nospeech');
    const s = sinks();
    expect(await runListen(['--input', wav, '--json'], s.io)).toBe(0);
    const events = parse(s.out());
    expect(events.map((e) => e.type)).toEqual(['wake', 'no_speech']);
    expect((events[1]?.t as number) - (events[0]?.t as number)).toBeCloseTo(3, 3);
  });

  it('--config shapes the listener as for `hivesat run` (vad.no_speech_timeout_ms), and a bad config is refused', async () => {
    const wav = await wakeThenSilence('nospeech-config');
    const config = join(dir, 'listen-config.json');
    await writeFile(config, JSON.stringify({ vad: { no_speech_timeout_ms: 2000 } }));
    const s = sinks();
    expect(await runListen(['--config', config, '--input', wav, '--json'], s.io)).toBe(0);
    const events = parse(s.out());
    expect(events.map((e) => e.type)).toEqual(['wake', 'no_speech']);
    expect((events[1]?.t as number) - (events[0]?.t as number)).toBeCloseTo(2, 3);

    await writeFile(config, JSON.stringify({ wake: { treshold: 0.3 } }));
    const bad = sinks();
    expect(await runListen(['--config', config, '--input', wav, '--json'], bad.io)).toBe(1);
    expect(bad.out()).toBe('');
    expect(bad.err()).toContain('treshold');
  });

  it('microphone mode: reads arecord until SIGINT, then exits 0', async () => {
    // A stand-in arecord on PATH: it writes the speech as raw 16 kHz mono s16le, then waits like a live device.
    const bin = join(dir, 'bin');
    await run('mkdir', ['-p', bin]);
    const fake = join(bin, 'arecord');
    await writeFile(fake, `#!/bin/sh\ncat '${raw16}'\nexec sleep 60\n`);
    await chmod(fake, 0o755);
    let sent = false;
    const r = await spawnListen(['--json', '--device', 'testmic'], { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }, (stdout, child) => {
      if (!sent && stdout.includes('"utterance"')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(r.stderr).toContain('listening on testmic');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(parse(r.stdout).map((e) => e.type)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance']);
  });

  it('microphone mode in-process stops on io.signal', async () => {
    const bin = join(dir, 'bin2');
    await run('mkdir', ['-p', bin]);
    await writeFile(join(bin, 'arecord'), `#!/bin/sh\ncat '${raw16}'\nexec sleep 60\n`);
    await chmod(join(bin, 'arecord'), 0o755);
    const abort = new AbortController();
    const s = sinks();
    const stdout = new Writable({
      write(chunk: Buffer, _enc, done) {
        s.io.stdout.write(chunk);
        if (chunk.toString().includes('"utterance"')) abort.abort();
        done();
      },
    });
    const code = await runListen(['--json'], { stdout, stderr: s.io.stderr, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }, signal: abort.signal });
    expect(code).toBe(0);
    expect(parse(s.out()).map((e) => e.type)).toEqual(['wake', 'speech_start', 'speech_end', 'utterance']);
  });
});

describe('hivesat listen flags', () => {
  it('listenCommand has the shape src/cli/commands/index.ts lists', async () => {
    const command: Command = listenCommand;
    expect(command.name).toBe('listen');
    const s = sinks();
    expect(await command.run(['--help'], { ...s.io, env: process.env })).toBe(0);
  });

  it('--help prints the usage and exits 0', async () => {
    const s = sinks();
    expect(await runListen(['--help'], s.io)).toBe(0);
    expect(s.out()).toContain('Usage: hivesat listen [options]');
    expect(s.out()).toContain('--silence-end MS');
    expect(s.out()).toContain('{"type":"wake","keyword":"hey_jarvis","score":0.98,"t":1.23}');
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--threshold', '1.5'], '--threshold: expected a number in (0, 1), got "1.5"'],
    [['--threshold', 'abc'], '--threshold: expected a number in (0, 1), got "abc"'],
    [['--silence-end', '50'], '--silence-end: expected milliseconds in [200, 5000], got "50"'],
    [['stray'], "Unexpected argument 'stray'"],
    [['--input', '/nonexistent/x.wav'], 'cannot read /nonexistent/x.wav: no such file (AUDIO_ERR_INPUT)'],
  ])('%j → exit 1 with a sentence on stderr', async (args, message) => {
    const s = sinks();
    expect(await runListen(args, s.io)).toBe(1);
    expect(s.err()).toContain('hivesat listen: ');
    expect(s.err()).toContain(message);
    expect(s.out()).toBe('');
  });

  it('a file that is not a WAV → exit 1 with the WAV error', async () => {
    const { dir: d, cleanup: c } = await makeTempDir('hivesat-listen-bad-');
    try {
      const path = join(d, 'bad.wav');
      await writeFile(path, 'not a wav file at all, just text');
      const s = sinks();
      expect(await runListen(['--input', path], s.io)).toBe(1);
      expect(s.err()).toMatch(/^hivesat listen: .*\(AUDIO_ERR_WAV_[A-Z_]+\)\n$/);
    } finally {
      await c();
    }
  });
});
