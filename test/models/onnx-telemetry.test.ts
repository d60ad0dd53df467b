/**
 * onnxruntime 1.30 starts a telemetry client when it loads, which writes a device id and an event store under
 * $XDG_CACHE_HOME (else ~/.cache)/Microsoft/DeveloperTools/.onnxruntime/. loadOnnxRuntime() turns it off (unless the
 * environment chose otherwise), so a satellite writes nothing outside its state directory. Each case is a fresh
 * node process: the switch is read by the native library when it loads.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'hivesat-ort-home-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LOAD_A_MODEL = `
  import { readFileSync } from 'node:fs';
  import { createSession, loadOnnxRuntime } from './src/models/index.ts';
  const bytes = readFileSync('models/silero_vad_v5.onnx');
  const session = await createSession(await loadOnnxRuntime(), { path: 'models/silero_vad_v5.onnx', bytes, entry: undefined });
  console.log(session.inputNames.join(','));
`;

/** Files under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

function loadWithHome(name: string, telemetry: string | undefined): { home: string; stdout: string } {
  const home = join(work, name);
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env['XDG_CACHE_HOME'];
  delete env['ORT_DISABLE_TELEMETRY'];
  // onnxruntime's telemetry client stays quiet on CI machines (it reads CI and similar variables), which would hide
  // what the first case must show: the users' machines have none of them.
  for (const key of Object.keys(env)) if (key === 'CI' || key.startsWith('CI_') || key === 'CONTINUOUS_INTEGRATION' || key === 'BUILD_NUMBER' || key === 'RUN_ID' || key === 'TF_BUILD' || key === 'GITHUB_ACTIONS') delete env[key];
  if (telemetry !== undefined) env['ORT_DISABLE_TELEMETRY'] = telemetry;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', LOAD_A_MODEL], { cwd: ROOT, env, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  rmSync(join(home, '.cache', 'tsx'), { recursive: true, force: true }); // tsx's own compile cache, not onnxruntime's
  return { home, stdout: run.stdout };
}

describe('onnxruntime telemetry', () => {
  it('writes nothing under HOME when hivesat loads a model', () => {
    const { home, stdout } = loadWithHome('off', undefined);
    expect(stdout).toBe('input,state,sr\n');
    expect(filesUnder(home)).toEqual([]);
  }, 60_000);

  it('is onnxruntime’s own behaviour when the user allows it (ORT_DISABLE_TELEMETRY=0)', () => {
    const { home } = loadWithHome('on', '0');
    expect(filesUnder(home)).toEqual(expect.arrayContaining([join('.cache/Microsoft/DeveloperTools/.onnxruntime', 'onnxruntime.db')]));
  }, 60_000);
});
