/**
 * Every command with bad inputs, against the built CLI (`tsc` into a temporary package that links the real models,
 * node_modules and sounds): a missing file, a directory, an empty file, a truncated WAV, a file in the wrong format,
 * an output that cannot be written, a closed stdout. Each must end with exactly one line on stderr (or none, for a
 * closed stdout), the exit code docs/errors.md documents for it, and no stack trace.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/index.js';
import { silence, speak } from '../vad/fixtures.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

let pkg: string; // the temporary package with the build
let work: string; // inputs, outputs, HOME
const EXIT_CODES_DOCUMENTED = [0, 1, 2, 3];

beforeAll(async () => {
  pkg = await mkdtemp(join(tmpdir(), 'hivesat-built-'));
  work = await mkdtemp(join(tmpdir(), 'hivesat-bad-inputs-'));
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', join(pkg, 'dist')], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc failed: ${tsc.stdout}${tsc.stderr}`);
  for (const name of ['package.json', 'models', 'node_modules', 'snd']) await symlink(join(root, name), join(pkg, name));
  await mkdir(join(work, 'home'));
  await mkdir(join(work, 'folder'));
  await writeFile(join(work, 'empty.wav'), new Uint8Array(0));
  await writeFile(join(work, 'text.wav'), 'this is not a WAV file, just text\n');
  await writeFile(join(work, 'empty.json'), '');
  await writeFile(join(work, 'broken.json'), '{"hub": ');
  const turn = encodeWav(Int16Array.from([...silence(0.3), ...speak('hey jarvis'), ...silence(1.5)]));
  await writeFile(join(work, 'turn.wav'), turn);
  await writeFile(join(work, 'truncated.wav'), turn.subarray(0, 30)); // inside the header
  await writeFile(join(work, 'short-data.wav'), turn.subarray(0, 3_000)); // the data it declares is not there
}, 180_000);

afterAll(async () => {
  await rm(pkg, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function hivesat(args: readonly string[], options: { closeStdout?: boolean } = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(process.execPath, [join(pkg, 'dist/cli/main.js'), ...args], {
      cwd: work,
      env: { PATH: process.env['PATH'] ?? '', HOME: join(work, 'home'), XDG_CONFIG_HOME: join(work, 'home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    if (options.closeStdout === true) child.stdout?.destroy(); // the reader went away (`| head -1` after its line)
    else child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function expectOneLine(result: Result, exitCode: number, mentions: RegExp): void {
  expect(EXIT_CODES_DOCUMENTED).toContain(exitCode);
  expect(result.code, result.stderr).toBe(exitCode);
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(mentions);
  expect(result.stderr).not.toMatch(/^\s+at |node:internal|Unhandled|TypeError|ReferenceError/m);
}

const w = (name: string): string => join(work, name);

describe('bad inputs → one line on stderr, a documented exit code, no stack trace', () => {
  const inputCases = (command: 'listen' | 'run' | 'demo'): [string, () => string[], RegExp][] => [
    ['missing file', () => [command, '--input', w('missing.wav')], /cannot read .*missing\.wav: no such file/],
    ['directory', () => [command, '--input', w('folder')], /folder is a directory, expected a WAV file/],
    ['empty file', () => [command, '--input', w('empty.wav')], /empty\.wav: truncated WAV: the input is empty/],
    ['truncated header', () => [command, '--input', w('truncated.wav')], /truncated\.wav: truncated WAV: the input ended at byte 30/],
    ['truncated data', () => [command, '--input', w('short-data.wav')], /short-data\.wav: truncated WAV: header says \d+ bytes of data, file has 2956/],
    ['wrong format', () => [command, '--input', w('text.wav')], /text\.wav: malformed WAV: expected 'RIFF' at byte 0/],
  ];

  describe.each(['listen', 'run', 'demo'] as const)('%s --input', (command) => {
    it.each(inputCases(command))('%s → exit 1', async (_name, args, mentions) => {
      expectOneLine(await hivesat(args()), 1, new RegExp(`^hivesat ${command}: .*${mentions.source}`));
    });
  });

  it.each([
    ['run', ['run', '--input', 'TURN', '--output', 'OUT']],
    ['demo', ['demo', '--output', 'OUT']],
  ])('%s --output in a missing folder → exit 1 naming the path', async (command, args) => {
    const out = join(w('no-such-folder'), 'answer.wav');
    const result = await hivesat(args.map((a) => (a === 'TURN' ? w('turn.wav') : a === 'OUT' ? out : a)));
    expectOneLine(result, 1, new RegExp(`^hivesat ${command}: --output .*no-such-folder/answer\\.wav: the folder .*no-such-folder does not exist$`));
  });

  it('listen --save where a file is in the way → exit 1 naming the folder', async () => {
    expectOneLine(await hivesat(['listen', '--input', w('turn.wav'), '--save', join(w('turn.wav'), 'utterances')]), 1, /^hivesat listen: --save .*turn\.wav\/utterances: cannot create or write the folder \(a file is in the way\)$/);
  });

  it.each([
    ['ask', ['ask', '--config', 'CFG', 'what time is it']],
    ['serve', ['serve', '--config', 'CFG']],
    ['config check', ['config', 'check', '--config', 'CFG']],
  ])('%s with a missing, directory, empty or broken config file → exit 1 naming it', async (_name, args) => {
    for (const [file, mentions] of [
      [w('missing.json'), /missing\.json.*(ENOENT|no such file)/],
      [w('folder'), /folder.*(EISDIR|directory)/],
      [w('empty.json'), /empty\.json: .*expected JSON/],
      [w('broken.json'), /broken\.json: .*expected JSON/],
    ] as const) {
      expectOneLine(await hivesat(args.map((a) => (a === 'CFG' ? file : a))), 1, mentions);
    }
  });

  it('identity show with a directory or a broken file → exit 1 naming it', async () => {
    expectOneLine(await hivesat(['identity', 'show', '--identity', w('folder')]), 1, /^hivesat identity: .*folder: cannot read the identity file/);
    expectOneLine(await hivesat(['identity', 'show', '--identity', w('broken.json')]), 1, /^hivesat identity: .*broken\.json: expected JSON/);
  });

  it('a closed stdout ends listen, run --help and config defaults quietly with exit 0', async () => {
    for (const args of [['listen', '--input', w('turn.wav')], ['run', '--help'], ['config', 'defaults']]) {
      const result = await hivesat(args, { closeStdout: true });
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.code, args.join(' ')).toBe(0);
    }
  });

  // What sox and arecord write into a pipe (they cannot seek back to fix the sizes), in the RIFF and data fields.
  it.each([0, 0x7fff_ffff, 0xffff_ffff, 0x8000_0000, 0x7fff_f000])('a WAV whose sizes are %s (unknown) is read to its end, from stdin and from a file', async (size) => {
    const bytes = Buffer.from(await readFile(w('turn.wav')));
    bytes.writeUInt32LE(size, 4);
    bytes.writeUInt32LE(size, 40);
    const file = w(`unknown-${size.toString(16)}.wav`);
    await writeFile(file, bytes);
    for (const command of [`cat ${file} | ${process.execPath} ${join(pkg, 'dist/cli/main.js')} listen --json --input -`, `${process.execPath} ${join(pkg, 'dist/cli/main.js')} listen --json --input ${file}`]) {
      const child = spawn('sh', ['-c', command], { cwd: work, env: { PATH: process.env['PATH'] ?? '', HOME: join(work, 'home') } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise((r) => child.on('close', r));
      expect(stderr, command).toBe('');
      expect(code, command).toBe(0);
      const events = stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; t?: number });
      expect(events[0]).toMatchObject({ type: 'wake', keyword: 'hey_jarvis' });
      // Read to the end: the last event is at the end of the 1.5 s of silence after the wake word, not earlier.
      expect(events.at(-1)?.type).toBe('no_speech');
    }
  });
});
