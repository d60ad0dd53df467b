/**
 * Training a {@link WakeVerifier}: weighted, L2-regularised logistic regression by full-batch Adam on standardised
 * features, deterministic (starts from zero or from a prior verifier), with the standardisation folded back into
 * the stored weights. Used by `hivesat wake enroll` (seconds on a Pi: a few hundred windows × 768 features) and by
 * `scripts/train-verifier` (thousands of windows).
 *
 * @module
 */
import { EMBEDDING_DIM, VERIFIER_FORMAT } from './constants.js';
import type { WakeVerifier } from './verifier.js';

/** One training window: the newest `frames` embeddings a head read, and whether it is the keyword. */
export interface VerifierSample {
  readonly x: Float32Array;
  readonly label: 0 | 1;
  /**
   * Weighting group: every (label, group) pair gets the same total weight, so that e.g. noisy windows cannot teach
   * "noise → keyword" just by being more numerous. Default 0.
   */
  readonly group?: number;
}

/** Options of {@link trainVerifier}. */
export interface VerifierTrainingOptions {
  /** Embeddings per window (the verifier's `frames`). */
  readonly frames: number;
  /** L2 strength (towards the prior when there is one, else towards zero). */
  readonly l2: number;
  readonly epochs: number;
  readonly learningRate: number;
  /**
   * Start from this verifier and pull towards it instead of zero: what it learnt from a large corpus stays, and the
   * new samples move it only as far as they must.
   */
  readonly prior?: WakeVerifier;
}

/** Trained parameters, on the raw (unstandardised) features. */
export interface TrainedVerifier {
  readonly weights: Float32Array;
  readonly bias: number;
  /** σ(w · x + b) of a window. */
  probability(x: Float32Array): number;
}

/** Train by full-batch Adam; see the module comment. */
export function trainVerifier(samples: readonly VerifierSample[], options: VerifierTrainingOptions): TrainedVerifier {
  const n = samples.length;
  const d = options.frames * EMBEDDING_DIM;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const s of samples) for (let i = 0; i < d; i++) mean[i] = (mean[i] as number) + (s.x[i] as number) / n;
  for (const s of samples) for (let i = 0; i < d; i++) sd[i] = (sd[i] as number) + ((s.x[i] as number) - (mean[i] as number)) ** 2 / n;
  for (let i = 0; i < d; i++) sd[i] = Math.sqrt(sd[i] as number) + 1e-3;
  const z = samples.map((s) => Float64Array.from(s.x.subarray(0, d), (v, i) => (v - (mean[i] as number)) / (sd[i] as number)));
  const key = (s: VerifierSample) => `${s.label}/${s.group ?? 0}`;
  const counts = new Map<string, number>();
  for (const s of samples) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
  const weightOf = samples.map((s) => n / (counts.size * (counts.get(key(s)) as number)));
  // The prior in standardised coordinates: w_std = w_raw · sd, b_std = b_raw + Σ w_raw · mean.
  const w0 = new Float64Array(d + 1);
  const prior = options.prior === undefined ? undefined : priorParameters(options.prior, d);
  if (prior !== undefined) {
    let b = prior.bias;
    for (let i = 0; i < d; i++) {
      w0[i] = (prior.weights[i] as number) * (sd[i] as number);
      b += (prior.weights[i] as number) * (mean[i] as number);
    }
    w0[d] = b;
  }
  const w = Float64Array.from(w0);
  const m = new Float64Array(d + 1);
  const v = new Float64Array(d + 1);
  const g = new Float64Array(d + 1);
  const { l2, learningRate: lr } = options;
  for (let step = 1; step <= options.epochs; step++) {
    g.fill(0);
    for (let k = 0; k < n; k++) {
      const x = z[k] as Float64Array;
      let a = w[d] as number;
      for (let i = 0; i < d; i++) a += (w[i] as number) * (x[i] as number);
      const e = (weightOf[k] as number) * (1 / (1 + Math.exp(-a)) - (samples[k] as VerifierSample).label);
      for (let i = 0; i < d; i++) g[i] = (g[i] as number) + e * (x[i] as number);
      g[d] = (g[d] as number) + e;
    }
    for (let i = 0; i <= d; i++) {
      const gi = (g[i] as number) / n + (i < d ? l2 * ((w[i] as number) - (w0[i] as number)) : 0);
      m[i] = 0.9 * (m[i] as number) + 0.1 * gi;
      v[i] = 0.999 * (v[i] as number) + 0.001 * gi * gi;
      w[i] = (w[i] as number) - (lr * ((m[i] as number) / (1 - 0.9 ** step))) / (Math.sqrt((v[i] as number) / (1 - 0.999 ** step)) + 1e-8);
    }
  }
  const weights = new Float32Array(d);
  let bias = w[d] as number;
  for (let i = 0; i < d; i++) {
    weights[i] = (w[i] as number) / (sd[i] as number);
    bias -= ((w[i] as number) * (mean[i] as number)) / (sd[i] as number);
  }
  return {
    weights,
    bias,
    probability: (x) => {
      let a = bias;
      for (let i = 0; i < d; i++) a += (weights[i] as number) * (x[i] as number);
      return 1 / (1 + Math.exp(-a));
    },
  };
}

/** A prior's weights over `d` features: a prior reading fewer embeddings gets zeros for the older ones. */
function priorParameters(prior: WakeVerifier, d: number): { weights: Float32Array; bias: number } {
  const { weights, bias } = prior.parameters();
  const out = new Float32Array(d);
  const n = Math.min(d, weights.length);
  // Both are aligned on the newest embedding (the end of the window).
  out.set(weights.subarray(weights.length - n), d - n);
  return { weights: out, bias };
}

/** A verifier file's document (src/wake/verifier.ts format), weights rounded to 7 significant digits. */
export function verifierDocument(
  keyword: string,
  frames: number,
  threshold: number,
  trained: Pick<TrainedVerifier, 'weights' | 'bias'>,
  training: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return {
    format: VERIFIER_FORMAT,
    keyword,
    frames,
    dim: EMBEDDING_DIM,
    threshold,
    bias: Number(trained.bias.toPrecision(7)),
    weights: Array.from(trained.weights, (x) => Number(x.toPrecision(7))),
    training,
  };
}
