/**
 * `classifyClose` for the closes a hub sends around a Noise handshake: a bare close (1005) right after our msg1 or
 * msg3 is a refusal (`HM_ERR_NOISE_REJECTED`, terminal), not a network hiccup to retry for ever.
 */
import { describe, expect, it } from 'vitest';
import { HiveAuthError } from '../../src/hivemind/errors.js';
import { type CloseFacts, classifyClose, isTerminal } from '../../src/hivemind/failure-policy.js';

const base: CloseFacts = {
  code: 1005, reason: '', opened: true, helloSeen: true, inHandshake: true, awaitingHub: true, noisePattern: 'XXpsk2', noiseUnanswered: true,
  forcedXX: false, unknownKeyCloses: 0, unknownKeyThreshold: 3, lastSocketError: undefined,
};

describe('classifyClose around a Noise handshake', () => {
  it('1005 right after our XXpsk2 msg1 → HM_ERR_NOISE_REJECTED naming both causes, terminal', () => {
    const { error } = classifyClose(base);
    expect(error).toBeInstanceOf(HiveAuthError);
    expect(error).toMatchObject({ code: 'HM_ERR_NOISE_REJECTED' });
    expect(error.message).toMatch(/password is wrong/);
    expect(error.message).toMatch(/hivemind-core reset-noise-pin/);
    expect(isTerminal(error)).toBe(true);
  });

  it('1005 right after our msg3 (keyed on our side, nothing heard since) → HM_ERR_NOISE_REJECTED', () => {
    expect(classifyClose({ ...base, inHandshake: false, awaitingHub: false }).error).toMatchObject({ code: 'HM_ERR_NOISE_REJECTED' });
  });

  it('1005 after our KKpsk0 msg1: one XXpsk2 retry first (a stale pin), then the refusal', () => {
    const first = classifyClose({ ...base, noisePattern: 'KKpsk0' });
    expect(first.forceXX).toBe(true);
    expect(first.error).toMatchObject({ code: 'HM_ERR_CONNECTION_LOST' });
    expect(classifyClose({ ...base, noisePattern: 'XXpsk2', forcedXX: true }).error).toMatchObject({ code: 'HM_ERR_NOISE_REJECTED' });
  });

  it('1005 once the hub has spoken since the handshake, or with no Noise at all, is not a refusal', () => {
    expect(classifyClose({ ...base, inHandshake: false, awaitingHub: false, noiseUnanswered: false }).error).toMatchObject({ code: 'HM_ERR_CONNECTION_LOST' });
    expect(classifyClose({ ...base, noisePattern: undefined, noiseUnanswered: false, awaitingHub: false }).error).toMatchObject({ code: 'HM_ERR_CONNECTION_LOST' });
  });

  it('1006 (TCP dropped, no close frame) right after msg1 stays a retryable loss', () => {
    const { error } = classifyClose({ ...base, code: 1006 });
    expect(error).toMatchObject({ code: 'HM_ERR_CONNECTION_LOST' });
    expect(isTerminal(error)).toBe(false);
  });
});
