import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertManifest, defaultModelDirs, MANIFEST_PATH, type ModelManifest, PACKAGE_ROOT, readManifest, readModel, readModelPath } from '../../src/models/index.js';
import { createSileroVad } from '../../src/vad/index.js';
import { ensureModels } from '../vad/fixtures.js';

const run = promisify(execFile);
const FETCH = join(PACKAGE_ROOT, 'scripts', 'fetch-models');

let manifest: ModelManifest;
const dirs: string[] = [];
beforeAll(async () => {
  manifest = await readManifest();
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hivesat-models-'));
  dirs.push(dir);
  return dir;
}

describe('models/manifest.json', () => {
  it('is valid and lists the VAD, the openWakeWord feature models and the default head', () => {
    expect(manifest.schema).toBe(1);
    const names = manifest.models.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['silero_vad_v5', 'silero_vad_v6', 'oww_melspectrogram', 'oww_embedding', 'hey_jarvis']));
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(manifest.models.map((m) => m.file)).size).toBe(names.length);
  });

  it('commits only MIT models, each with its license text next to it', async () => {
    for (const m of manifest.models.filter((x) => x.committed)) {
      expect(m.license).toBe('MIT');
      const bytes = await readFile(join(PACKAGE_ROOT, 'models', m.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(m.sha256);
      expect(bytes.byteLength).toBe(m.size);
    }
    expect(await readFile(join(PACKAGE_ROOT, 'models', 'LICENSE.silero-vad'), 'utf8')).toContain('MIT License');
    // The openWakeWord models are CC BY-NC-SA 4.0: they must never be committed.
    for (const m of manifest.models.filter((x) => x.kind !== 'vad')) expect(m.committed).toBe(false);
  });

  it.each([
    [null, 'expected a JSON object'],
    [{ schema: 2, models: [] }, 'expected schema 1'],
    [{ schema: 1 }, '"models" to be an array'],
    [{ schema: 1, models: [{ name: 'x' }] }, 'models[0] is not a valid entry'],
  ])('rejects a malformed manifest %j with MODEL_ERR_MANIFEST', (doc, why) => {
    expect(() => assertManifest(doc)).toThrow(expect.objectContaining({ code: 'MODEL_ERR_MANIFEST', message: expect.stringContaining(why) }));
  });

  it('reports an unreadable manifest file with MODEL_ERR_MANIFEST', async () => {
    await expect(readManifest(join(await tempDir(), 'nope.json'))).rejects.toMatchObject({ code: 'MODEL_ERR_MANIFEST' });
    expect(MANIFEST_PATH).toBe(join(PACKAGE_ROOT, 'models', 'manifest.json'));
  });
});

describe('model directories', () => {
  it('searches $HIVESAT_MODEL_DIR, then models/cache, then models/', () => {
    expect(defaultModelDirs({ HIVESAT_MODEL_DIR: '/srv/m' })).toEqual(['/srv/m', join(PACKAGE_ROOT, 'models/cache'), join(PACKAGE_ROOT, 'models')]);
    expect(defaultModelDirs({})).toEqual([join(PACKAGE_ROOT, 'models/cache'), join(PACKAGE_ROOT, 'models')]);
  });

  it('finds the committed Silero v5 model without any fetch', async () => {
    const file = await readModel('silero_vad_v5', 'vad', { env: {} });
    expect(file.entry?.name).toBe('silero_vad_v5');
    expect(file.bytes.byteLength).toBe(file.entry?.size);
  });

  it('a missing model is MODEL_ERR_MISSING naming the file and the fix', async () => {
    const empty = await tempDir();
    const error = await readModel('silero_vad_v5', 'vad', { modelDirs: [empty] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ModelError', code: 'MODEL_ERR_MISSING' });
    expect((error as Error).message).toContain('silero_vad_v5.onnx');
    expect((error as Error).message).toContain(empty);
    expect((error as Error).message).toContain('run scripts/fetch-models');
    await expect(createSileroVad({ modelDirs: [empty] })).rejects.toMatchObject({ code: 'MODEL_ERR_MISSING' });
    await expect(readModelPath(join(empty, 'mine.onnx'))).rejects.toMatchObject({ code: 'MODEL_ERR_MISSING' });
  });

  it('a corrupt model (wrong sha256) is MODEL_ERR_CORRUPT naming the file and the fix', async () => {
    const d = await tempDir();
    const good = await readFile(join(PACKAGE_ROOT, 'models', 'silero_vad_v5.onnx'));
    const bad = Buffer.from(good);
    const mid = bad.length >> 1;
    bad[mid] = (bad[mid] as number) ^ 0xff; // same size, one flipped byte
    await writeFile(join(d, 'silero_vad_v5.onnx'), bad);
    const error = await createSileroVad({ modelDirs: [d] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ModelError', code: 'MODEL_ERR_CORRUPT' });
    expect((error as Error).message).toMatch(/silero_vad_v5\.onnx .*expected sha256 2623a295.*got [0-9a-f]{64}; run scripts\/fetch-models/);
  });

  it('a truncated model is MODEL_ERR_CORRUPT (size check)', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'silero_vad_v5.onnx'), Buffer.from('not a model'));
    await expect(createSileroVad({ modelDirs: [d] })).rejects.toMatchObject({
      code: 'MODEL_ERR_CORRUPT',
      message: expect.stringContaining('expected 2327524 bytes, got 11'),
    });
  });

  it('a file onnxruntime cannot load is MODEL_ERR_LOAD', async () => {
    const d = await tempDir();
    const path = join(d, 'garbage.onnx');
    await writeFile(path, Buffer.alloc(4096, 7));
    await expect(createSileroVad({ modelPath: path })).rejects.toMatchObject({ code: 'MODEL_ERR_LOAD', message: expect.stringContaining(path) });
    // Unverified manifest model: the load itself fails.
    await writeFile(join(d, 'silero_vad_v5.onnx'), Buffer.alloc(4096, 7));
    await expect(createSileroVad({ modelDirs: [d], verify: false })).rejects.toMatchObject({ code: 'MODEL_ERR_LOAD' });
  });

  it('an unknown model name is MODEL_ERR_UNKNOWN listing the known ones', async () => {
    await expect(createSileroVad({ model: 'silero_vad_v9' })).rejects.toMatchObject({
      code: 'MODEL_ERR_UNKNOWN',
      message: expect.stringContaining('silero_vad_v5, silero_vad_v6'),
    });
    // A wake-word head is not a VAD model.
    await expect(createSileroVad({ model: 'hey_jarvis' })).rejects.toMatchObject({ code: 'MODEL_ERR_UNKNOWN' });
  });
});

const fetchable = await ensureModels(['silero_vad_v6']);

describe.skipIf(!fetchable.ok)('scripts/fetch-models', () => {
  it('fetches into --dir, verifies, and is idempotent', { timeout: 300_000 }, async () => {
    const d = await tempDir();
    const first = await run(FETCH, ['--dir', d, '--only', 'silero_vad_v6']);
    expect(first.stdout).toContain(`fetched  silero_vad_v6 -> ${d}/silero_vad_v6.onnx`);
    const entry = manifest.models.find((m) => m.name === 'silero_vad_v6');
    const bytes = await readFile(join(d, 'silero_vad_v6.onnx'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry?.sha256);
    const mtime = (await stat(join(d, 'silero_vad_v6.onnx'))).mtimeMs;
    const second = await run(FETCH, ['--dir', d, '--only', 'silero_vad_v6']);
    expect(second.stdout).toContain('ok       silero_vad_v6');
    expect((await stat(join(d, 'silero_vad_v6.onnx'))).mtimeMs).toBe(mtime);
  });

  it('replaces a corrupt file, and --check reports missing/corrupt files with exit status 1', { timeout: 300_000 }, async () => {
    const d = await tempDir();
    await expect(run(FETCH, ['--check', '--dir', d, '--only', 'silero_vad_v6'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('MISSING  silero_vad_v6'),
    });
    await writeFile(join(d, 'silero_vad_v6.onnx'), 'junk');
    await expect(run(FETCH, ['--check', '--dir', d, '--only', 'silero_vad_v6'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('CORRUPT  silero_vad_v6'),
    });
    await run(FETCH, ['--dir', d, '--only', 'silero_vad_v6']);
    await expect(readModel('silero_vad_v6', 'vad', { modelDirs: [d] })).resolves.toMatchObject({ path: join(d, 'silero_vad_v6.onnx') });
    await expect(run(FETCH, ['--check', '--dir', d, '--only', 'silero_vad_v6'])).resolves.toBeDefined();
  });

  it('a committed model counts as present', async () => {
    const d = await tempDir();
    const { stdout } = await run(FETCH, ['--dir', d, '--only', 'silero_vad_v5']);
    expect(stdout).toContain('committed');
  });

  it('rejects unknown models and arguments with exit status 2', async () => {
    await expect(run(FETCH, ['--only', 'nope'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown model "nope"') });
    await expect(run(FETCH, ['--frobnicate'])).rejects.toMatchObject({ code: 2 });
  });

  it('a fetched model can be copied to a model directory and used from there', async () => {
    const d = await tempDir();
    const src = await readModel('silero_vad_v6', 'vad');
    await copyFile(src.path, join(d, 'silero_vad_v6.onnx'));
    const vad = await createSileroVad({ model: 'silero_vad_v6', modelDirs: [d] });
    await vad.close();
  });
});
