import { describe, expect, it } from 'vitest';
import { loadOnnxRuntime, readModel } from '../../src/models/index.js';
import { createSileroVad, INT16_SCALE, SILERO_CONTEXT_SAMPLES, SILERO_WINDOW_SAMPLES, type VadEvent } from '../../src/vad/index.js';
import { activeSpan, concat, ensureModels, feed, noise, RATE, silence, speak } from './fixtures.js';

const models = await ensureModels(['silero_vad_v5', 'silero_vad_v6']);
const MS = RATE / 1000;

/** Run a fresh VAD over `audio` in chunks of `size`; return events and per-window probabilities. */
async function analyse(model: string, audio: Int16Array, size: number, minSilenceMs = 500) {
  const probs: number[] = [];
  const vad = await createSileroVad({ model, minSilenceMs, onProbability: (p) => probs.push(p) });
  const events = await feed<VadEvent>(vad, audio, size);
  await vad.close();
  return { events, probs };
}

/**
 * The obvious, allocating implementation of Silero streaming, written independently of src/vad: fresh tensors per
 * window, context and state copied explicitly.
 */
async function reference(model: string, audio: Int16Array): Promise<number[]> {
  const ort = await loadOnnxRuntime();
  const file = await readModel(model, 'vad');
  const session = await ort.InferenceSession.create(file.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  let context = new Float32Array(SILERO_CONTEXT_SAMPLES);
  let state = new Float32Array(256);
  const out: number[] = [];
  for (let at = 0; at + SILERO_WINDOW_SAMPLES <= audio.length; at += SILERO_WINDOW_SAMPLES) {
    const x = new Float32Array(SILERO_CONTEXT_SAMPLES + SILERO_WINDOW_SAMPLES);
    x.set(context);
    for (let i = 0; i < SILERO_WINDOW_SAMPLES; i++) x[SILERO_CONTEXT_SAMPLES + i] = (audio[at + i] as number) * INT16_SCALE;
    const r = await session.run({
      input: new ort.Tensor('float32', x, [1, x.length]),
      state: new ort.Tensor('float32', state, [2, 1, 128]),
      sr: new ort.Tensor('int64', BigInt64Array.of(16000n), []),
    });
    out.push((r.output?.data as Float32Array)[0] as number);
    state = new Float32Array(r.stateN?.data as Float32Array);
    context = x.slice(x.length - SILERO_CONTEXT_SAMPLES);
  }
  await session.release();
  return out;
}

describe.skipIf(!models.ok)('Silero VAD with real models and espeak-ng speech', () => {
  const first = speak('Hello there, this is a test of the voice activity detector');
  const second = speak('Turn on the kitchen lights, please', { voice: 'en-gb' });
  const { audio, starts } = concat(silence(1), first, silence(2), second, silence(1.5));
  // Parts: [silence, first, silence, second, silence]; where each utterance is loud, in stream samples.
  const spans = [
    { clip: first, at: starts[1] as number },
    { clip: second, at: starts[3] as number },
  ].map(({ clip, at }) => {
    const span = activeSpan(clip);
    return { first: at + span.first, end: at + span.end };
  });

  it.each(['silero_vad_v5', 'silero_vad_v6'])('%s finds both utterances at roughly the right sample positions', async (model) => {
    const { events } = await analyse(model, audio, 1280);
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-end', 'speech-start', 'speech-end']);
    for (const [k, span] of spans.entries()) {
      const start = events[2 * k] as VadEvent;
      const end = events[2 * k + 1] as VadEvent;
      // Onset: within 100 ms before (padding) to 150 ms after the first loud sample.
      expect(start.sample).toBeGreaterThanOrEqual(span.first - 100 * MS);
      expect(start.sample).toBeLessThanOrEqual(span.first + 150 * MS);
      // Offset: within 250 ms before the last loud sample (quiet word endings) to 150 ms after it.
      expect(end.sample).toBeGreaterThanOrEqual(span.end - 250 * MS);
      expect(end.sample).toBeLessThanOrEqual(span.end + 150 * MS);
      // The end is decided only after the 500 ms hangover (less the 30 ms padding).
      expect(end.decidedAt - end.sample).toBeGreaterThanOrEqual(500 * MS - 30 * MS);
    }
  });

  it('gives the same probabilities and events whatever the chunk size (1, 317, 512, 1280, 4000, whole)', async () => {
    const clip = concat(silence(0.5), first, silence(1)).audio;
    const base = await analyse('silero_vad_v5', clip, clip.length);
    expect(base.probs).toHaveLength(Math.floor(clip.length / SILERO_WINDOW_SAMPLES));
    for (const size of [1, 317, 512, 1280, 4000]) {
      const other = await analyse('silero_vad_v5', clip, size);
      expect(other.probs).toEqual(base.probs);
      expect(other.events).toEqual(base.events);
    }
  });

  it.each(['silero_vad_v5', 'silero_vad_v6'])('%s matches an independent, allocating implementation exactly', async (model) => {
    const clip = concat(silence(0.3), second, silence(0.5)).audio;
    const { probs } = await analyse(model, clip, 999);
    expect(probs).toEqual(await reference(model, clip));
  });

  it('stays silent on digital silence and on steady noise', async () => {
    for (const clip of [silence(3), noise(3, 'whitenoise', 0.05), noise(3, 'pinknoise', 0.1), noise(3, 'brownnoise', 0.3)]) {
      const { events, probs } = await analyse('silero_vad_v5', clip, 1280);
      expect(events).toEqual([]);
      expect(Math.max(...probs)).toBeLessThan(0.5);
    }
  });

  it('reset() makes the same audio give the same probabilities again', async () => {
    const probs: number[] = [];
    const vad = await createSileroVad({ onProbability: (p) => probs.push(p) });
    const clip = concat(silence(0.2), first).audio;
    await vad.process(clip);
    const once = probs.splice(0);
    expect(vad.position).toBe(clip.length);
    vad.reset();
    expect(vad.position).toBe(0);
    expect(vad.speaking).toBe(false);
    await vad.process(clip);
    expect(probs).toEqual(once);
    await vad.close();
  });

  it('tracks position, speaking and the last probability', async () => {
    const vad = await createSileroVad();
    await vad.process(silence(0.1));
    expect(vad.position).toBe(1600);
    expect(vad.speaking).toBe(false);
    await vad.process(concat(silence(0.5), first.subarray(0, RATE / 2)).audio);
    expect(vad.speaking).toBe(true);
    expect(vad.probability).toBeGreaterThan(0.5);
    await vad.close();
  });

  it('rejects overlapping process() calls with MODEL_ERR_BUSY, and use after close() with MODEL_ERR_CLOSED', async () => {
    const vad = await createSileroVad();
    const pending = vad.process(silence(1));
    await expect(vad.process(silence(0.1))).rejects.toMatchObject({ code: 'MODEL_ERR_BUSY' });
    expect(() => vad.reset()).toThrow(expect.objectContaining({ code: 'MODEL_ERR_BUSY' }));
    await expect(vad.close()).rejects.toMatchObject({ code: 'MODEL_ERR_BUSY' });
    await pending;
    await vad.close();
    await vad.close(); // idempotent
    await expect(vad.process(silence(0.1))).rejects.toMatchObject({ code: 'MODEL_ERR_CLOSED' });
  });

  it('rejects a model that is not Silero v5/v6 with MODEL_ERR_SIGNATURE', async () => {
    const wake = await ensureModels(['oww_embedding']);
    if (!wake.ok) return;
    const other = await readModel('oww_embedding', 'wake-features');
    await expect(createSileroVad({ modelPath: other.path })).rejects.toMatchObject({
      code: 'MODEL_ERR_SIGNATURE',
      message: expect.stringContaining(other.path),
    });
  });
});
