/**
 * The second-stage verifier: its file format and validation (a corrupt file is a ModelError), its arithmetic, the
 * shipped models/hey_jarvis_verifier.json (listed with its sha256 in models/manifest.json), and its place in the
 * REAL openWakeWord detector on REAL espeak-ng speech: it can only remove detections.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/models/index.js';
import {
  createOpenWakeWord,
  DEFAULT_VERIFIER,
  loadWakeVerifier,
  ModelError,
  type OpenWakeWordOptions,
  parseVerifier,
  VERIFIER_FORMAT,
  type WakeDetection,
  WakeVerifier,
} from '../../src/wake/index.js';
import { concat, ensureModels, feed, silence, speak } from '../vad/fixtures.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis']);

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A verifier document: `frames` embeddings, weight i = i / 1000, bias −1. */
function doc(overrides: Record<string, unknown> = {}, frames = 1): Record<string, unknown> {
  return { format: VERIFIER_FORMAT, keyword: 'hey_jarvis', frames, dim: 96, weights: Array.from({ length: frames * 96 }, (_, i) => i / 1000), bias: -1, threshold: 0.5, ...overrides };
}

/** A constant verifier over the last embedding: probability σ(bias) whatever the audio. */
function constant(bias: number, keyword = 'hey_jarvis', frames = 1): WakeVerifier {
  return new WakeVerifier({ keyword, frames, dim: 96, weights: new Float32Array(frames * 96), bias, threshold: 0.5 }, `constant ${bias}`);
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('verifier file', () => {
  it('computes σ(w · newest frames + b) and ignores older rows of the window', () => {
    const v = parseVerifier(JSON.stringify(doc()), 'test');
    expect(v).toMatchObject({ keyword: 'hey_jarvis', frames: 1, threshold: 0.5, source: 'test' });
    const window = new Float32Array(2 * 96);
    window.fill(100, 0, 96); // an older embedding: not read by a 1-frame verifier
    window.fill(1, 96);
    let z = -1;
    for (let i = 0; i < 96; i++) z += Math.fround(i / 1000);
    expect(v.probability(window)).toBe(1 / (1 + Math.exp(-z)));
    expect(v.probability(new Float32Array(96))).toBe(1 / (1 + Math.exp(1)));
  });

  it.each<[string, string]>([
    ['not JSON', '{"format":'],
    ['not an object', '[]'],
    ['another format', JSON.stringify(doc({ format: 'hivesat-wake-verifier/2' }))],
    ['no keyword', JSON.stringify(doc({ keyword: '' }))],
    ['too few weights', JSON.stringify(doc({ weights: [1, 2, 3] }))],
    ['a non-number weight', JSON.stringify(doc({ weights: [...Array.from({ length: 95 }, () => 0), null] }))],
    ['a wrong embedding size', JSON.stringify(doc({ dim: 95 }))],
    ['a threshold of 1', JSON.stringify(doc({ threshold: 1 }))],
    ['zero frames', JSON.stringify(doc({ frames: 0, weights: [] }))],
    ['a missing bias', JSON.stringify({ ...doc(), bias: undefined })],
  ])('rejects %s as MODEL_ERR_CORRUPT naming the file', (_name, text) => {
    const error = thrown(() => parseVerifier(text, '/x/bad.json'));
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ code: 'MODEL_ERR_CORRUPT' });
    expect((error as Error).message).toMatch(/^wake verifier \/x\/bad\.json is invalid: expected /);
  });

  it('loads from a path; a missing file is MODEL_ERR_MISSING, a truncated one MODEL_ERR_CORRUPT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hivesat-verifier-'));
    dirs.push(dir);
    const good = join(dir, 'good.json');
    const text = JSON.stringify(doc());
    await writeFile(good, text);
    expect((await loadWakeVerifier(good)).frames).toBe(1);
    await expect(loadWakeVerifier(join(dir, 'absent.json'))).rejects.toMatchObject({ name: 'ModelError', code: 'MODEL_ERR_MISSING' });
    const truncated = join(dir, 'truncated.json');
    await writeFile(truncated, text.slice(0, text.length / 2));
    await expect(loadWakeVerifier(truncated)).rejects.toMatchObject({ name: 'ModelError', code: 'MODEL_ERR_CORRUPT' });
  });

  it('ships hey_jarvis_verifier, listed in models/manifest.json with its size and sha256', async () => {
    const path = join(PACKAGE_ROOT, 'models', 'hey_jarvis_verifier.json');
    const bytes = await readFile(path);
    const manifest = JSON.parse(await readFile(join(PACKAGE_ROOT, 'models', 'manifest.json'), 'utf8')) as { verifiers: { name: string; file: string; sha256: string; size: number; license: string }[] };
    const entry = manifest.verifiers.find((v) => v.name === DEFAULT_VERIFIER);
    expect(entry).toMatchObject({ file: 'hey_jarvis_verifier.json', size: bytes.length, license: 'MIT', sha256: createHash('sha256').update(bytes).digest('hex') });
    const v = await loadWakeVerifier(DEFAULT_VERIFIER);
    expect(v).toMatchObject({ keyword: 'hey_jarvis', frames: 8, threshold: 0.7 });
  });
});

describe.skipIf(!models.ok)('verifier in the openWakeWord detector (real models, real speech)', () => {
  /** Detections and, per hop, [score, verifier probability]. */
  async function run(audio: Int16Array, options: OpenWakeWordOptions) {
    const hops: [number, number | undefined][] = [];
    const det = await createOpenWakeWord({ ...options, onScore: (_k, s, _e, v) => hops.push([s, v]) });
    const detections = await feed<WakeDetection>(det, audio, 1_280);
    await det.close();
    return { detections, hops };
  }
  const heyJarvis = () => concat(silence(1.5), speak('hey jarvis'), silence(1.5)).audio;

  it('an accepting verifier changes nothing; a rejecting one removes the detection', async () => {
    const audio = heyJarvis();
    const bare = await run(audio, {});
    expect(bare.detections).toHaveLength(1);
    expect(bare.hops.every(([, v]) => v === undefined)).toBe(true);

    const yes = await run(audio, { keywords: [{ model: 'hey_jarvis', verifier: constant(10) }] });
    expect(yes.detections).toEqual(bare.detections);
    const no = await run(audio, { keywords: [{ model: 'hey_jarvis', verifier: constant(-10) }] });
    expect(no.detections).toEqual([]);
    // Scored on every hop the head scores (not on the warm-up hops, which are 0).
    expect(no.hops.filter(([s]) => s > 0).every(([, v]) => v === 1 / (1 + Math.exp(10)))).toBe(true);
    expect(no.hops.map(([s]) => s)).toEqual(bare.hops.map(([s]) => s));
  });

  it('the per-keyword verifier threshold overrides the one in the file', async () => {
    const audio = heyJarvis();
    // σ(0) = 0.5: refused at 0.6, accepted at 0.4.
    expect((await run(audio, { keywords: [{ model: 'hey_jarvis', verifier: constant(0), verifierThreshold: 0.6 }] })).detections).toEqual([]);
    expect((await run(audio, { keywords: [{ model: 'hey_jarvis', verifier: constant(0) }], verifierThreshold: 0.4 })).detections).toHaveLength(1);
  });

  it('the shipped verifier keeps "hey jarvis" at the low head threshold and refuses "hey jar" that the head alone takes', async () => {
    const options: OpenWakeWordOptions = { threshold: 0.1, keywords: [{ model: 'hey_jarvis', verifier: DEFAULT_VERIFIER }] };
    expect((await run(heyJarvis(), options)).detections).toHaveLength(1);
    const confusable = concat(silence(1.5), speak('hey jar', { speed: 175 }), silence(1.5)).audio;
    expect((await run(confusable, { threshold: 0.1 })).detections).toHaveLength(1);
    expect((await run(confusable, options)).detections).toEqual([]);
  });

  it.each<[string, () => WakeVerifier, string]>([
    ['trained for another keyword', () => constant(0, 'alexa'), 'verifier: expected one trained for "hey_jarvis", got constant 0 for "alexa"'],
    ['reading more embeddings than the head', () => constant(0, 'hey_jarvis', 17), 'verifier: constant 0 reads 17 embeddings, but head hey_jarvis has only 16'],
  ])('refuses a verifier %s (MODEL_ERR_OPTION)', async (_name, make, message) => {
    await expect(createOpenWakeWord({ keywords: [{ model: 'hey_jarvis', verifier: make() }] })).rejects.toMatchObject({ code: 'MODEL_ERR_OPTION', message });
  });

  it('refuses a verifier threshold outside (0, 1) (MODEL_ERR_OPTION)', async () => {
    await expect(createOpenWakeWord({ keywords: [{ model: 'hey_jarvis', verifier: constant(0), verifierThreshold: 1 }] })).rejects.toMatchObject({
      code: 'MODEL_ERR_OPTION',
      message: 'verifierThreshold: expected a number in (0, 1), got 1',
    });
  });
});
