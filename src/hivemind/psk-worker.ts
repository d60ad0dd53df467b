/**
 * Worker-thread entry that derives the Noise v3 PSK (argon2id, 64 MiB, HIVEMIND.md §2.9) off the main thread.
 *
 * `hash-wasm` runs argon2id synchronously inside WebAssembly on whichever thread calls it: ~1 s on a desktop core,
 * several seconds on a Pi. On the main thread that would stall the event loop, and with it the audio path and the
 * keep-alive pings. `psk-deriver.ts` starts this module with `workerData = { password, nodeId }`; it posts back
 * `{ psk }` (32 bytes) or `{ error }` (a message without secrets) and exits, so the 64 MiB are returned at once.
 *
 * @module
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { deriveHiveMindPsk } from './noise/psk.js';

/** What the deriver sends to the worker. */
export interface PskWorkerInput {
  readonly password: string;
  readonly nodeId: string;
}

/** What the worker posts back. */
export type PskWorkerOutput = { readonly psk: Uint8Array } | { readonly error: string };

function isInput(value: unknown): value is PskWorkerInput {
  const v = value as Partial<PskWorkerInput> | null;
  return typeof v === 'object' && v !== null && typeof v.password === 'string' && typeof v.nodeId === 'string';
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  let out: PskWorkerOutput;
  if (!isInput(workerData)) {
    out = { error: 'expected workerData {password, nodeId}, got something else' };
  } else {
    try {
      out = { psk: await deriveHiveMindPsk(workerData.password, workerData.nodeId) };
    } catch (error) {
      out = { error: error instanceof Error ? error.message : 'argon2id failed' };
    }
  }
  port.postMessage(out);
}

if (!isMainThread) await main();
