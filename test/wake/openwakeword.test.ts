import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnxRuntime, PACKAGE_ROOT, readModel } from '../../src/models/index.js';
import {
  createOpenWakeWord,
  EMBEDDING_DIM,
  EMBEDDING_WINDOW_FRAMES,
  HOP_SAMPLES,
  MEL_BINS,
  type OpenWakeWordOptions,
  type WakeDetection,
} from '../../src/wake/index.js';
import { activeSpan, concat, ensureModels, feed, noise, RATE, silence, speak } from '../vad/fixtures.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'alexa', 'hey_rhasspy', 'weather', 'silero_vad_v5']);

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hivesat-wake-'));
  dirs.push(dir);
  return dir;
}

/** Run a fresh detector over `audio` in chunks of `size`; return detections and the per-hop scores of each keyword. */
async function analyse(audio: Int16Array, size = HOP_SAMPLES, options: OpenWakeWordOptions = {}) {
  const scores: Record<string, number[]> = {};
  const det = await createOpenWakeWord({ ...options, onScore: (k, s) => (scores[k] ??= []).push(s) });
  const detections = await feed<WakeDetection>(det, audio, size);
  await det.close();
  return { detections, scores };
}

/** `clip` with silence around it; also where the clip's loud part is, in stream samples. */
function padded(clip: Int16Array, before = 1.5, after = 1.5) {
  const { audio, starts } = concat(silence(before), clip, silence(after));
  const span = activeSpan(clip);
  return { audio, first: (starts[1] as number) + span.first, end: (starts[1] as number) + span.end };
}

/**
 * Scores computed by an independent, allocating implementation of the feature bookkeeping: the melspectrogram of every
 * hop (the hop plus the previous 480 samples; 1,280 samples for the first hop) laid end to end as one frame array,
 * then for hop h the embedding of frames [8h - 71, 8h + 5) and the head over embeddings h - 15 … h. Defined once the
 * streaming buffers hold only real audio (h ≥ 24).
 *
 * The melspectrogram cannot be computed once over the whole clip: the graph clips its output relative to the
 * loudest frame of each call (its `Clip` node), so frames depend on what else is in the same call. openWakeWord
 * defines the features by this per-hop computation.
 */
async function offlineScores(audio: Int16Array): Promise<Map<number, number>> {
  const ort = await loadOnnxRuntime();
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 } as const;
  const [melF, embF, headF] = await Promise.all([
    readModel('oww_melspectrogram', 'wake-features'),
    readModel('oww_embedding', 'wake-features'),
    readModel('hey_jarvis', 'wake-head'),
  ]);
  const mel = await ort.InferenceSession.create(melF.bytes, opts);
  const emb = await ort.InferenceSession.create(embF.bytes, opts);
  const head = await ort.InferenceSession.create(headF.bytes, opts);
  const melFrames: number[] = [];
  for (let h = 0; (h + 1) * HOP_SAMPLES <= audio.length; h++) {
    const x = Float32Array.from(audio.subarray(Math.max(0, h * HOP_SAMPLES - 480), (h + 1) * HOP_SAMPLES));
    const out = await mel.run({ input: new ort.Tensor('float32', x, [1, x.length]) });
    for (const v of out.output?.data as Float32Array) melFrames.push(v / 10 + 2);
  }
  const frames = Float32Array.from(melFrames);
  const hops = Math.floor(audio.length / HOP_SAMPLES);
  const embeddings = new Map<number, Float32Array>();
  for (let h = 9; h < hops; h++) {
    const from = (8 * h - 71) * MEL_BINS;
    const window = frames.slice(from, from + EMBEDDING_WINDOW_FRAMES * MEL_BINS);
    const out = await emb.run({ input_1: new ort.Tensor('float32', window, [1, EMBEDDING_WINDOW_FRAMES, MEL_BINS, 1]) });
    embeddings.set(h, Float32Array.from(Object.values(out)[0]?.data as Float32Array));
  }
  const scores = new Map<number, number>();
  for (let h = 24; h < hops; h++) {
    const x = new Float32Array(16 * EMBEDDING_DIM);
    for (let k = 0; k < 16; k++) x.set(embeddings.get(h - 15 + k) as Float32Array, k * EMBEDDING_DIM);
    const out = await head.run({ [head.inputNames[0] as string]: new ort.Tensor('float32', x, [1, 16, EMBEDDING_DIM]) });
    scores.set(h, (Object.values(out)[0]?.data as Float32Array)[0] as number);
  }
  await Promise.all([mel.release(), emb.release(), head.release()]);
  return scores;
}

describe.skipIf(!models.ok)('openWakeWord with real models and espeak-ng speech', () => {
  const heyJarvis = speak('hey jarvis');

  it.each([
    ['en-us', 130],
    ['en-us', 170],
    ['en-gb', 130],
    ['en-gb', 170],
    ['en-gb-x-rp', 150],
    ['en-gb-scotland', 110],
  ])('detects "hey jarvis" once (voice %s, %i wpm) at the end of the utterance', async (voice, speed) => {
    const { audio, first, end } = padded(speak('hey jarvis', { voice, speed }));
    const { detections, scores } = await analyse(audio);
    expect(detections).toHaveLength(1);
    const d = detections[0] as WakeDetection;
    expect(d.keyword).toBe('hey_jarvis');
    expect(d.score).toBeGreaterThanOrEqual(0.5);
    expect(d.sample % HOP_SAMPLES).toBe(0);
    // Detected after the utterance began and no later than 0.6 s after it ended.
    expect(d.sample).toBeGreaterThan(first);
    expect(d.sample).toBeLessThanOrEqual(end + 0.6 * RATE);
    expect(Math.max(...(scores.hey_jarvis ?? []))).toBeGreaterThan(0.7);
  });

  it('detects the wake word followed by a pause and a command', async () => {
    const { audio } = padded(concat(heyJarvis, silence(0.6), speak('what time is it')).audio);
    const { detections } = await analyse(audio);
    expect(detections.map((d) => d.keyword)).toEqual(['hey_jarvis']);
  });

  it.each([
    ['the quick brown fox jumps over the lazy dog', 'en-us'],
    ['hey there, how are you doing today, is it going to rain', 'en-gb'],
    ['a jar of jam, service, harvest, hey Jason, nervous', 'en-us'],
    ['please set a timer for ten minutes and play some music', 'en-gb'],
  ])('does not trigger on "%s" (%s)', async (text, voice) => {
    const { detections, scores } = await analyse(padded(speak(text, { voice })).audio);
    expect(detections).toEqual([]);
    expect(Math.max(...(scores.hey_jarvis ?? []))).toBeLessThan(0.1);
  });

  it('does not trigger on silence or noise', async () => {
    for (const clip of [silence(5), noise(5, 'whitenoise', 0.3), noise(5, 'pinknoise', 0.5), noise(5, 'brownnoise', 0.5)]) {
      const { detections, scores } = await analyse(clip);
      expect(detections).toEqual([]);
      expect(Math.max(...(scores.hey_jarvis ?? []))).toBeLessThan(0.5);
    }
  });

  it('gives the same scores and detections whatever the chunk size (1, 317, 1280, 4000, whole)', async () => {
    const { audio } = padded(heyJarvis, 1, 0.5);
    const base = await analyse(audio, audio.length);
    expect(base.scores.hey_jarvis).toHaveLength(Math.floor(audio.length / HOP_SAMPLES));
    expect(base.detections).toHaveLength(1);
    for (const size of [1, 317, 1280, 4000]) {
      const other = await analyse(audio, size);
      expect(other.scores).toEqual(base.scores);
      expect(other.detections).toEqual(base.detections);
    }
  });

  it('matches an independent, allocating implementation once the buffers hold only real audio', async () => {
    const { audio } = padded(heyJarvis, 2.5, 1);
    const { scores } = await analyse(audio, 777);
    const offline = await offlineScores(audio);
    expect(offline.size).toBeGreaterThan(20);
    let peak = 0;
    for (const [h, want] of offline) {
      expect(scores.hey_jarvis?.[h]).toBeCloseTo(want, 6);
      peak = Math.max(peak, want);
    }
    expect(peak).toBeGreaterThan(0.9); // the comparison covers the detection itself
  });

  it('applies the refractory period on the sample clock: two utterances 0.3 s apart give one detection', async () => {
    const close = padded(concat(heyJarvis, silence(0.3), heyJarvis).audio).audio;
    expect((await analyse(close)).detections).toHaveLength(1);
    const apart = padded(concat(heyJarvis, silence(3), heyJarvis).audio).audio;
    const { detections } = await analyse(apart);
    expect(detections).toHaveLength(2);
    expect((detections[1] as WakeDetection).sample - (detections[0] as WakeDetection).sample).toBeGreaterThan(2 * RATE);
    expect((await analyse(apart, HOP_SAMPLES, { refractoryMs: 5000 })).detections).toHaveLength(1);
  });

  it('uses an injected clock for the refractory period', async () => {
    const apart = padded(concat(heyJarvis, silence(3), heyJarvis).audio).audio;
    // A clock that never advances keeps the keyword refractory after the first detection.
    expect((await analyse(apart, HOP_SAMPLES, { now: () => 0 })).detections).toHaveLength(1);
    // A clock running twice as fast as the audio: the second utterance, about 1.4 s of audio later, is 2.8 s later
    // on this clock, past the 2 s refractory period.
    let t = 0;
    const fast = { now: () => (t += 160) };
    const close = padded(concat(heyJarvis, silence(0.3), heyJarvis).audio).audio;
    expect((await analyse(close)).detections).toHaveLength(1);
    expect((await analyse(close, HOP_SAMPLES, fast)).detections).toHaveLength(2);
  });

  it('honours the trigger level and per-keyword thresholds', async () => {
    const { audio } = padded(heyJarvis);
    const { scores } = await analyse(audio);
    const run = longestRun(scores.hey_jarvis ?? [], 0.5);
    expect(run).toBeGreaterThanOrEqual(2);
    expect((await analyse(audio, HOP_SAMPLES, { triggerLevel: run })).detections).toHaveLength(1);
    expect((await analyse(audio, HOP_SAMPLES, { triggerLevel: run + 1 })).detections).toHaveLength(0);
    const high = await analyse(audio, HOP_SAMPLES, { keywords: [{ model: 'hey_jarvis', threshold: 0.9999 }] });
    expect(high.detections).toHaveLength(0);
  });

  it('listens for several keywords at once and reports which one was heard', async () => {
    const keywords = ['hey_jarvis', 'alexa', 'hey_rhasspy', 'weather'];
    const { audio, starts } = concat(silence(1.5), heyJarvis, silence(2.5), speak('alexa'), silence(2.5), speak('what is the weather today'), silence(1.5));
    const { detections, scores } = await analyse(audio, 4000, { keywords });
    expect(detections.map((d) => d.keyword)).toEqual(['hey_jarvis', 'alexa', 'weather']);
    expect(detections.map((d) => d.sample)).toEqual([...detections.map((d) => d.sample)].sort((a, b) => a - b));
    expect((detections[1] as WakeDetection).sample).toBeGreaterThan(starts[3] as number);
    expect(Object.keys(scores).sort()).toEqual([...keywords].sort());
  });

  it('scores a keyword the same whether or not a longer head (weather, 22 embeddings) is loaded beside it', async () => {
    const { audio } = padded(heyJarvis);
    const alone = await analyse(audio);
    const both = await analyse(audio, HOP_SAMPLES, { keywords: ['weather', 'hey_jarvis'] });
    expect(both.scores.hey_jarvis).toEqual(alone.scores.hey_jarvis);
  });

  it('loads a user-supplied head by path and names it after the file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'my_word_v0.3.onnx');
    await copyFile((await readModel('hey_jarvis', 'wake-head')).path, path);
    const det = await createOpenWakeWord({ keywords: [path, { model: path, name: 'second', threshold: 0.6 }] });
    expect(det.keywords).toEqual(['my_word', 'second']);
    const detections = await det.process(padded(heyJarvis).audio);
    expect(detections.map((d) => d.keyword)).toEqual(['my_word', 'second']);
    await det.close();
  });

  it('reset() replays identically and rewinds the position', async () => {
    const scores: number[] = [];
    const det = await createOpenWakeWord({ onScore: (_k, s) => scores.push(s) });
    const { audio } = padded(heyJarvis);
    const first = await det.process(audio);
    const once = scores.splice(0);
    expect(det.position).toBe(audio.length);
    det.reset();
    expect(det.position).toBe(0);
    expect(await det.process(audio)).toEqual(first);
    expect(scores).toEqual(once);
    await det.close();
  });

  it('reports 0 during the first 5 hops, as openWakeWord does', async () => {
    const { scores } = await analyse(noise(1, 'whitenoise', 0.3));
    expect(scores.hey_jarvis?.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(scores.hey_jarvis?.[5]).not.toBe(0);
  });

  describe('errors', () => {
    it('missing models: MODEL_ERR_MISSING naming the file and the fix', async () => {
      const empty = await tempDir();
      const error = await createOpenWakeWord({ modelDirs: [empty] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ModelError', code: 'MODEL_ERR_MISSING' });
      expect((error as Error).message).toMatch(/(melspectrogram|embedding_model|hey_jarvis_v0\.1)\.onnx .*not found in .*run scripts\/fetch-models/);
    });

    it('a corrupt head: MODEL_ERR_CORRUPT', async () => {
      const dir = await tempDir();
      for (const name of ['oww_melspectrogram', 'oww_embedding'] as const) {
        const f = await readModel(name, 'wake-features');
        await copyFile(f.path, join(dir, f.entry?.file as string));
      }
      const head = await readFile((await readModel('hey_jarvis', 'wake-head')).path);
      await writeFile(join(dir, 'hey_jarvis_v0.1.onnx'), head.subarray(0, head.length - 100));
      await expect(createOpenWakeWord({ modelDirs: [dir] })).rejects.toMatchObject({
        code: 'MODEL_ERR_CORRUPT',
        message: expect.stringContaining(join(dir, 'hey_jarvis_v0.1.onnx')),
      });
    });

    it('a user head onnxruntime cannot load: MODEL_ERR_LOAD; a missing one: MODEL_ERR_MISSING', async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'junk.onnx'), Buffer.alloc(1000, 1));
      await expect(createOpenWakeWord({ keywords: [join(dir, 'junk.onnx')] })).rejects.toMatchObject({ code: 'MODEL_ERR_LOAD' });
      await expect(createOpenWakeWord({ keywords: [join(dir, 'nope.onnx')] })).rejects.toMatchObject({ code: 'MODEL_ERR_MISSING' });
    });

    it('a model that is not a keyword head: MODEL_ERR_SIGNATURE', async () => {
      const vad = await readModel('silero_vad_v5', 'vad');
      await expect(createOpenWakeWord({ keywords: [vad.path] })).rejects.toMatchObject({
        code: 'MODEL_ERR_SIGNATURE',
        message: expect.stringContaining(vad.path),
      });
    });

    it('unknown keyword: MODEL_ERR_UNKNOWN listing the built-in ones', async () => {
      await expect(createOpenWakeWord({ keywords: ['hey_computer'] })).rejects.toMatchObject({
        code: 'MODEL_ERR_UNKNOWN',
        message: expect.stringContaining('hey_jarvis'),
      });
    });

    it.each([
      [{ keywords: [] }, 'at least one keyword'],
      [{ keywords: ['hey_jarvis', 'hey_jarvis'] }, 'unique names'],
      [{ threshold: 2 }, 'threshold'],
      [{ keywords: [{ model: 'hey_jarvis', triggerLevel: 0 }] }, 'triggerLevel'],
      [{ refractoryMs: -5 }, 'refractoryMs'],
    ])('bad options %j: MODEL_ERR_OPTION', async (options, what) => {
      await expect(createOpenWakeWord(options as OpenWakeWordOptions)).rejects.toMatchObject({
        code: 'MODEL_ERR_OPTION',
        message: expect.stringContaining(what),
      });
    });

    it('overlapping process() calls: MODEL_ERR_BUSY; after close(): MODEL_ERR_CLOSED', async () => {
      const det = await createOpenWakeWord();
      const pending = det.process(silence(1));
      await expect(det.process(silence(0.1))).rejects.toMatchObject({ code: 'MODEL_ERR_BUSY' });
      expect(() => det.reset()).toThrow(expect.objectContaining({ code: 'MODEL_ERR_BUSY' }));
    await expect(det.close()).rejects.toMatchObject({ code: 'MODEL_ERR_BUSY' });
      await pending;
      await det.close();
      await expect(det.process(silence(0.1))).rejects.toMatchObject({ code: 'MODEL_ERR_CLOSED' });
    });
  });
});

describe('module loading', () => {
  it('importing src/models, src/vad and src/wake does not load the onnxruntime native binding', async () => {
    const script = [
      "await import('./src/models/index.ts');",
      "await import('./src/vad/index.ts');",
      "await import('./src/wake/index.ts');",
      'const libs = process.report.getReport().sharedObjects;',
      "console.log(libs.some((l) => l.includes('onnxruntime')) ? 'loaded' : 'not loaded');",
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PACKAGE_ROOT });
    expect(stdout.trim()).toBe('not loaded');
  });
});

function longestRun(scores: readonly number[], threshold: number): number {
  let best = 0;
  let run = 0;
  for (const s of scores) {
    run = s >= threshold ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}
