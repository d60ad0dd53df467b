/**
 * `hivesat devices`, run in-process with the real arecord/aplay (ALSA file-plugin devices give `-L` something to
 * list on a machine without sound cards), and without alsa-utils on PATH.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { devicesCommand } from '../../src/cli/commands/devices.js';
import { alsaFileConfig, hasProgram, makeTempDir } from '../fixtures/audio.js';

let dir: string;
let cleanup: () => Promise<void>;
let env: NodeJS.ProcessEnv;
let haveAlsa = false;

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('hivesat-devices-'));
  env = await alsaFileConfig(dir, join(dir, 'IN.raw'), join(dir, 'OUT.raw'));
  haveAlsa = await hasProgram('arecord');
});
afterAll(async () => cleanup());

async function devices(args: readonly string[], runEnv: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: runEnv };
  return { code: await devicesCommand.run(args, io), stdout, stderr };
}

describe('hivesat devices', () => {
  it('lists capture and playback devices with the names -D accepts', async (t) => {
    if (!haveAlsa) t.skip();
    const run = await devices([], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Capture \(microphones\):\n/);
    expect(run.stdout).toContain('\nPlayback (speakers):\n');
    expect(run.stdout).toMatch(/PCM names: .*hintmic/); // the test config's PCM with a description
  });

  it('--json prints the parsed lists', async (t) => {
    if (!haveAlsa) t.skip();
    const run = await devices(['--json'], env);
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout) as { capture: { hardware: unknown[]; pcms: { name: string }[] }; playback: { hardware: unknown[] } };
    expect(Array.isArray(parsed.capture.hardware)).toBe(true);
    expect(parsed.capture.pcms.map((p) => p.name)).toContain('hintmic');
    expect(Array.isArray(parsed.playback.hardware)).toBe(true);
  });

  it('says how to install alsa-utils when arecord is missing', async () => {
    const run = await devices([], { PATH: join(dir, 'empty-bin') });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('hivesat devices: arecord/aplay are not installed: sudo apt-get install alsa-utils\n');
  });

  it('refuses unknown options', async () => {
    const run = await devices(['--frobnicate'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--frobnicate');
  });
});
