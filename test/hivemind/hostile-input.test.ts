/**
 * Hostile input: well over 100 000 random and mutated frames fed to every decoder of the protocol layer. Each must
 * return or throw one of our coded errors (HiveProtocolError / HiveCryptoError / HiveAuthError) — never another
 * exception, never hang — and memory must stay bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HivesatError } from '../../src/errors.js';
import { type HiveCipher, HIVE_CIPHERS, decryptBinFrame, encryptBinFrame } from '../../src/hivemind/aead.js';
import { type HiveEncoding, HIVE_ENCODINGS, decodeField } from '../../src/hivemind/encodings.js';
import { decryptJsonFrame, encryptJsonFrame } from '../../src/hivemind/json-frame.js';
import { type JsonObject } from '../../src/hivemind/json.js';
import { parseHiveMessage } from '../../src/hivemind/message.js';
import { HiveNoiseClient, decodeNoiseHandshakePayload, decodeTransportPlaintext } from '../../src/hivemind/noise/index.js';
import { PasswordHandshakeClient } from '../../src/hivemind/password-handshake.js';
import { recordedRandom, systemRandom } from '../../src/hivemind/random.js';
import { decodeWire1, encodeWire1 } from '../../src/hivemind/wire1.js';
import { createHiveMessage, serializeHiveMessage } from '../../src/hivemind/message.js';
import { hex, loadReferenceVectors } from '../helpers/vectors.js';

/** Run `decode` and accept only success or a coded HivesatError. */
function survives(decode: () => unknown): boolean {
  try {
    decode();
    return true;
  } catch (error) {
    if (error instanceof HivesatError) return true;
    throw new Error(`decoder threw an uncoded ${String((error as Error)?.name)}: ${String((error as Error)?.message)}`, { cause: error });
  }
}

let totalInputs = 0;
function check<T>(arbitrary: fc.Arbitrary<T>, runs: number, decode: (input: T) => unknown): void {
  fc.assert(
    fc.property(arbitrary, (input) => survives(() => decode(input))),
    { numRuns: runs, seed: 20261124 },
  );
  totalInputs += runs;
}

/** Mutations of a valid byte string: truncation, bit flips, byte overwrites, insertions, junk appended. */
function mutatedBytes(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.nat({ max: valid.length }).map((n) => valid.slice(0, n)),
    fc.tuple(fc.nat({ max: valid.length * 8 - 1 }), fc.nat({ max: 3 })).map(([bit, extra]) => {
      const out = valid.slice();
      for (let k = 0; k <= extra; k++) {
        const b = (bit + k * 13) % (valid.length * 8);
        out[b >> 3] = (out[b >> 3] ?? 0) ^ (0x80 >> (b & 7));
      }
      return out;
    }),
    fc.tuple(fc.nat({ max: Math.max(0, valid.length - 1) }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, junk]) => {
      const out = valid.slice();
      out.set(junk.subarray(0, Math.max(0, out.length - at)), at);
      return out;
    }),
    fc.uint8Array({ maxLength: 64 }).map((junk) => Uint8Array.from([...valid, ...junk])),
    fc.uint8Array({ maxLength: 256 }),
  );
}

/** Mutations of a valid text: truncation, character edits, deep nesting, junk. */
function mutatedText(valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.nat({ max: valid.length }).map((n) => valid.slice(0, n)),
    fc.tuple(fc.nat({ max: Math.max(0, valid.length - 1) }), fc.string({ minLength: 1, maxLength: 4, unit: 'binary' })).map(
      ([at, s]) => valid.slice(0, at) + s + valid.slice(at + s.length),
    ),
    fc.nat({ max: 5000 }).map((depth) => `{"ciphertext": ${'['.repeat(depth)}1${']'.repeat(depth)}, "tag": "", "nonce": ""}`),
    fc.string({ maxLength: 300, unit: 'binary' }),
    fc.json({ maxDepth: 6 }),
  );
}

const KEY32 = hex('831231218d8f5549c2d657ce51ef63ef776834aaa068d85a5f33ff3797ba06d2');
const sample = serializeHiveMessage(
  createHiveMessage('bus', { type: 'recognizer_loop:utterance', data: { utterances: ['what time is it'], lang: 'en-US' }, context: { session: { session_id: 'x' } } }),
);

describe('hostile input to every decoder', () => {
  const heapBefore = process.memoryUsage().heapUsed;

  it('HiveMessage JSON parsing', () => {
    check(mutatedText(sample), 15_000, (text) => parseHiveMessage(text));
  });

  it.each([...HIVE_ENCODINGS])('%s field decoding', (encoding: HiveEncoding) => {
    check(fc.oneof(fc.string({ maxLength: 120, unit: 'binary' }), fc.string({ maxLength: 120 })), 2_000, (text) => decodeField(encoding, text));
  });

  it.each([...HIVE_CIPHERS])('%s JSON frames, every sendable encoding', (cipher: HiveCipher) => {
    for (const encoding of ['JSON-B64', 'JSON-HEX', 'JSON-B91', 'JSON-Z85B', 'JSON-B32', 'JSON-URLSAFE-B64', 'JSON-Z85P'] as const) {
      const valid = encryptJsonFrame(cipher, encoding, KEY32, sample, systemRandom, { allowUndecodableByHubs: true });
      check(mutatedText(valid), 2_000, (text) => decryptJsonFrame(cipher, encoding, KEY32, text));
    }
  });

  it.each([...HIVE_CIPHERS])('%s binary frames', (cipher: HiveCipher) => {
    const valid = encryptBinFrame(cipher, KEY32, new TextEncoder().encode(sample), systemRandom);
    check(mutatedBytes(valid), 10_000, (bytes) => decryptBinFrame(cipher, KEY32, bytes));
  });

  it('WIRE-1 bitstrings', () => {
    const bus = encodeWire1({ kind: 'json', message: parseHiveMessage(sample) });
    const bin = encodeWire1({ kind: 'binary', binaryType: 5, payload: new Uint8Array(64), metadata: { lang: 'en-US', sample_rate: 16000, sample_width: 2 } });
    check(fc.oneof(mutatedBytes(bus), mutatedBytes(bin)), 15_000, (bytes) => decodeWire1(bytes));
  });

  it('password handshake envelopes from the hub', () => {
    check(fc.oneof(fc.string({ maxLength: 100 }), fc.string({ minLength: 40, maxLength: 90, unit: fc.constantFrom(...'0123456789abcdef') }), fc.anything()), 2_000, (envelope) => {
      const client = new PasswordHandshakeClient('pw', recordedRandom([hex('0011223344556677')]));
      client.generateEnvelope();
      // Random envelopes never verify, so PBKDF2 never runs: each input costs one SHA-256.
      return client.receiveAndVerifySync(envelope);
    });
  });

  it('Noise HANDSHAKE payloads and msg2', () => {
    interface Case {
      hello_payload: JsonObject;
      handshake_request_payload: JsonObject;
      psk_hex: string;
      initiator_static_private_hex: string;
      initiator_ephemeral_private_hex: string;
      msg2_hex: string;
      pattern: string;
    }
    const base = loadReferenceVectors<{ handshake_cases: Case[] }>('noise_vectors.json').handshake_cases.find((c) => c.pattern === 'XXpsk2');
    if (base === undefined) throw new Error('no XXpsk2 case in noise_vectors.json');
    const msg2 = hex(base.msg2_hex);
    check(fc.oneof(mutatedBytes(msg2), fc.anything().map((x) => ({ noise: x }) as unknown as Uint8Array)), 1_500, (input) => {
      const client = new HiveNoiseClient({
        helloPayload: base.hello_payload,
        requestPayload: base.handshake_request_payload,
        psk: hex(base.psk_hex),
        staticPrivateKey: hex(base.initiator_static_private_hex),
        binarize: false,
        encodings: ['JSON-HEX'],
        random: recordedRandom([hex(base.initiator_ephemeral_private_hex)]),
      });
      client.writeMsg1();
      const payload = input instanceof Uint8Array ? { noise: { msg: Buffer.from(input).toString('hex') } } : (input as unknown as JsonObject);
      return client.readMsg2(payload);
    });
    check(fc.anything(), 3_000, (value) => decodeNoiseHandshakePayload(value as JsonObject));
  });

  it('Noise transport plaintexts', () => {
    check(fc.uint8Array({ maxLength: 200 }), 8_000, (bytes) => decodeTransportPlaintext(bytes));
  });

  it('fed more than 100 000 hostile inputs in all, with bounded memory', () => {
    expect(totalInputs).toBeGreaterThanOrEqual(100_000);
    globalThis.gc?.();
    const growthMiB = (process.memoryUsage().heapUsed - heapBefore) / (1024 * 1024);
    expect(growthMiB).toBeLessThan(256);
  });
});
