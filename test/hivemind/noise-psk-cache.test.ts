/**
 * The in-process argon2id PSK cache: one derivation per (password, node_id), shared by concurrent callers, copies
 * handed out, failures not cached. `hash-wasm` is wrapped (not replaced) so the call count can be observed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearPskCache, getHiveMindPsk } from '../../src/hivemind/noise/psk.js';
import { loadReferenceVectors, toHex } from '../helpers/vectors.js';

const calls = vi.hoisted(() => ({ count: 0, failNext: false }));

vi.mock('hash-wasm', async (importOriginal) => {
  const actual = await importOriginal<typeof import('hash-wasm')>();
  return {
    ...actual,
    argon2id: (async (options: Parameters<typeof actual.argon2id>[0]) => {
      calls.count++;
      if (calls.failNext) {
        calls.failNext = false;
        throw new Error('simulated allocation failure');
      }
      return actual.argon2id(options);
    }) as typeof actual.argon2id,
  };
});

interface Argon2Vector {
  password: string;
  node_id: string;
  expected_psk_hex: string;
}
const [v] = loadReferenceVectors<{ argon2id_psk_vectors: Argon2Vector[] }>('noise_vectors.json').argon2id_psk_vectors;
if (v === undefined) throw new Error('no argon2id vector');

afterEach(() => {
  clearPskCache();
  calls.count = 0;
});

describe('getHiveMindPsk cache', () => {
  it('derives once for concurrent and later callers, and hands out independent copies', async () => {
    const [a, b] = await Promise.all([getHiveMindPsk(v.password, v.node_id), getHiveMindPsk(v.password, v.node_id)]);
    const c = await getHiveMindPsk(v.password, v.node_id);
    expect(calls.count).toBe(1);
    expect([toHex(a), toHex(b), toHex(c)]).toEqual([v.expected_psk_hex, v.expected_psk_hex, v.expected_psk_hex]);
    a.fill(0);
    expect(toHex(await getHiveMindPsk(v.password, v.node_id))).toBe(v.expected_psk_hex);
    expect(calls.count).toBe(1);
  });

  it('does not cache a failure, and wraps it as HM_ERR_NOISE', async () => {
    calls.failNext = true;
    await expect(getHiveMindPsk(v.password, v.node_id)).rejects.toThrow(expect.objectContaining({ code: 'HM_ERR_NOISE' }));
    expect(toHex(await getHiveMindPsk(v.password, v.node_id))).toBe(v.expected_psk_hex);
    expect(calls.count).toBe(2);
  });

  it('clearPskCache forces a new derivation', async () => {
    await getHiveMindPsk(v.password, v.node_id);
    clearPskCache();
    await getHiveMindPsk(v.password, v.node_id);
    expect(calls.count).toBe(2);
  });
});
