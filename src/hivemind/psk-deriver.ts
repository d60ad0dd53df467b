/**
 * The Noise v3 PSK for a (password, node_id) pair, derived in a worker thread (`psk-worker.ts`) so the event loop
 * never stalls, and cached per process like `getHiveMindPsk` (the derivation costs seconds on a Pi; a reconnecting
 * satellite pays it once).
 *
 * Under TypeScript sources (tests, `tsx`, the benchmarks) the worker is the `.ts` file and is started through tsx's
 * loader; from the built package it is the compiled `.js`.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HiveCryptoError } from './errors.js';
import { createPskCache } from './noise/psk.js';
import type { PskWorkerInput, PskWorkerOutput } from './psk-worker.js';

/** Derives the PSK of a hub from our password and the hub's HELLO `node_id`. */
export type PskDeriver = (password: string, nodeId: string) => Promise<Uint8Array>;

const RUNNING_FROM_TS = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(RUNNING_FROM_TS ? './psk-worker.ts' : './psk-worker.js', import.meta.url);

/** tsx's loader API, resolved from this file (an eval'd worker would resolve a bare name from the cwd). */
function tsxApiUrl(): string {
  // The ESM entry of `tsx/esm/api` sits beside the CommonJS one that require.resolve finds.
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  return pathToFileURL(cjs.replace(/\.cjs$/, '.mjs')).href;
}

function startWorker(input: PskWorkerInput): Worker {
  if (!RUNNING_FROM_TS) return new Worker(WORKER_URL, { workerData: input });
  // tsx's ESM hooks must be registered inside the worker before the .ts entry is imported.
  const bootstrap = `import(${JSON.stringify(tsxApiUrl())}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: input });
}

/**
 * Derive the PSK once in a fresh worker thread (uncached).
 *
 * @throws {HM_ERR_NOISE} (HiveCryptoError) if the worker fails or argon2id fails.
 */
export function derivePskInWorker(password: string, nodeId: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const worker = startWorker({ password, nodeId });
    const finish = (error: Error | undefined, psk?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      if (error !== undefined) reject(error);
      else if (psk !== undefined) resolve(psk);
    };
    worker.once('message', (out: PskWorkerOutput) => {
      if ('psk' in out && out.psk instanceof Uint8Array) finish(undefined, new Uint8Array(out.psk));
      else finish(new HiveCryptoError('HM_ERR_NOISE', `expected the PSK worker to derive the PSK, got: ${'error' in out ? out.error : 'no result'}`));
    });
    worker.once('error', (cause) => finish(new HiveCryptoError('HM_ERR_NOISE', 'expected the PSK worker to run, got a crash', { cause })));
    worker.once('exit', (code) => finish(new HiveCryptoError('HM_ERR_NOISE', `expected the PSK worker to post the PSK, got exit code ${code}`)));
  });
}

const workerCache = createPskCache(derivePskInWorker);

/**
 * The PSK for (password, node_id), derived in a worker once per process, then cached (see `createPskCache`).
 *
 * @throws {HM_ERR_NOISE} (HiveCryptoError) if the derivation fails.
 */
export const workerPskDeriver: PskDeriver = (password, nodeId) => workerCache.get(password, nodeId);

/** Forget every PSK derived by {@link workerPskDeriver} (after a password change; between tests). */
export function clearWorkerPskCache(): void {
  workerCache.clear();
}
