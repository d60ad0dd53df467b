/**
 * Noise building blocks and misuse: nonces, CipherState (checked against @noble/ciphers as an independent oracle),
 * HandshakeState rules, transport framing and limits.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { gcm } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { HiveCryptoError, HiveProtocolError } from '../../src/hivemind/errors.js';
import {
  CipherState,
  HandshakeState,
  NOISE_MAX_MESSAGE_BYTES,
  NOISE_MAX_PLAINTEXT_BYTES,
  NoiseTransport,
  type NoiseCipherName,
  decodeTransportPlaintext,
  encodeTransportPlaintext,
  noiseNonce,
  x25519,
  x25519PublicKey,
} from '../../src/hivemind/noise/index.js';
import { type RandomSource, recordedRandom, systemRandom } from '../../src/hivemind/random.js';
import { hex, loadReferenceVectors, toHex } from '../helpers/vectors.js';

interface Case {
  id: string;
  pattern: 'XXpsk2' | 'KKpsk0';
  suite: '25519_ChaChaPoly_SHA256' | '25519_AESGCM_SHA256';
  prologue_hex: string;
  psk_hex: string;
  initiator_static_private_hex: string;
  initiator_static_public_hex: string;
  initiator_ephemeral_private_hex: string;
  responder_static_private_hex: string;
  responder_static_public_hex: string;
  responder_ephemeral_private_hex: string;
  msg1_hex: string;
  msg2_hex: string;
  transport_keys: { initiator_to_responder_key_hex: string };
}

const cases = loadReferenceVectors<{ handshake_cases: Case[] }>('noise_vectors.json').handshake_cases;
const xx = cases.find((c) => c.pattern === 'XXpsk2');
const kk = cases.find((c) => c.pattern === 'KKpsk0');
if (xx === undefined || kk === undefined) throw new Error('noise_vectors.json lacks an XXpsk2 or KKpsk0 case');

const code = (c: string): unknown => expect.objectContaining({ code: c });

function side(c: Case, initiator: boolean, random: RandomSource = recordedRandom([hex(initiator ? c.initiator_ephemeral_private_hex : c.responder_ephemeral_private_hex)])): HandshakeState {
  return new HandshakeState({
    pattern: c.pattern,
    suite: c.suite,
    initiator,
    prologue: hex(c.prologue_hex),
    psk: hex(c.psk_hex),
    staticPrivateKey: hex(initiator ? c.initiator_static_private_hex : c.responder_static_private_hex),
    ...(c.pattern === 'KKpsk0' ? { remoteStaticPublicKey: hex(initiator ? c.responder_static_public_hex : c.initiator_static_public_hex) } : {}),
    random,
  });
}

function completedPair(c: Case): { client: NoiseTransport; hub: NoiseTransport } {
  const i = side(c, true, systemRandom);
  const r = side(c, false, systemRandom);
  r.readMessage(i.writeMessage());
  i.readMessage(r.writeMessage());
  if (!i.isComplete) r.readMessage(i.writeMessage());
  return { client: new NoiseTransport(i.split()), hub: new NoiseTransport(r.split()) };
}

describe('noiseNonce', () => {
  it('is 4 zero bytes then the counter, little-endian for ChaChaPoly and big-endian for AESGCM', () => {
    expect(toHex(noiseNonce('ChaChaPoly', 0x0102030405060708n))).toBe('000000000807060504030201');
    expect(toHex(noiseNonce('AESGCM', 0x0102030405060708n))).toBe('000000000102030405060708');
    expect(toHex(noiseNonce('AESGCM', 1n))).toBe('000000000000000000000001');
  });

  it('refuses counters outside 64 bits', () => {
    expect(() => noiseNonce('ChaChaPoly', -1n)).toThrow(RangeError);
    expect(() => noiseNonce('AESGCM', 1n << 64n)).toThrow(RangeError);
  });
});

describe('CipherState', () => {
  const key = hex(xx.transport_keys.initiator_to_responder_key_hex);
  const ad = new TextEncoder().encode('associated');
  const plaintext = new TextEncoder().encode('plaintext for the oracle');
  const oracle = (cipher: NoiseCipherName, nonce: string, k: Uint8Array, data: Uint8Array, aad: Uint8Array): Uint8Array =>
    cipher === 'ChaChaPoly' ? chacha20poly1305(k, hex(nonce), aad).encrypt(data) : gcm(k, hex(nonce), aad).encrypt(data);

  it.each([
    ['ChaChaPoly', '000000000807060504030201'],
    ['AESGCM', '000000000102030405060708'],
  ] as const)('%s matches @noble/ciphers at a large counter and advances n', (cipher, nonce) => {
    const cs = new CipherState(cipher, key);
    cs.setNonce(0x0102030405060708n);
    const out = cs.encryptWithAd(ad, plaintext);
    expect(toHex(out)).toBe(toHex(oracle(cipher, nonce, key, plaintext, ad)));
    expect(cs.nonce).toBe(0x0102030405060709n);
    const rx = new CipherState(cipher, key);
    rx.setNonce(0x0102030405060708n);
    expect(toHex(rx.decryptWithAd(ad, out))).toBe(toHex(plaintext));
  });

  it.each(['ChaChaPoly', 'AESGCM'] as const)('%s Rekey() takes the first 32 bytes of ENCRYPT(k, 2^64-1, "", zeros)', (cipher) => {
    const newKey = oracle(cipher, '00000000ffffffffffffffff', key, new Uint8Array(32), new Uint8Array(0)).subarray(0, 32);
    const cs = new CipherState(cipher, key);
    cs.setNonce(5n);
    cs.rekey();
    expect(cs.nonce).toBe(5n);
    const reference = new CipherState(cipher, newKey);
    reference.setNonce(5n);
    expect(toHex(cs.encryptWithAd(ad, plaintext))).toBe(toHex(reference.encryptWithAd(ad, plaintext)));
    expect(() => new CipherState(cipher).rekey()).toThrow(code('HM_ERR_NOISE'));
  });

  it('passes data through while it has no key', () => {
    const cs = new CipherState('ChaChaPoly');
    expect(cs.hasKey()).toBe(false);
    expect(cs.encryptWithAd(ad, plaintext)).toEqual(plaintext);
    expect(cs.decryptWithAd(ad, plaintext)).toEqual(plaintext);
  });

  it('does not advance n after an authentication failure', () => {
    const tx = new CipherState('ChaChaPoly', key);
    const rx = new CipherState('ChaChaPoly', key);
    const frame = tx.encryptWithAd(ad, plaintext);
    const bad = frame.slice();
    bad[0] = (bad[0] ?? 0) ^ 1;
    expect(() => rx.decryptWithAd(ad, bad)).toThrow(HiveCryptoError);
    expect(() => rx.decryptWithAd(ad, bad)).toThrow(code('HM_ERR_BAD_TAG'));
    expect(rx.nonce).toBe(0n);
    expect(toHex(rx.decryptWithAd(ad, frame))).toBe(toHex(plaintext));
    expect(rx.nonce).toBe(1n);
  });

  it('refuses a ciphertext shorter than a tag, and wrong key lengths', () => {
    expect(() => new CipherState('AESGCM', key).decryptWithAd(ad, new Uint8Array(15))).toThrow(code('HM_ERR_NOISE'));
    expect(() => new CipherState('AESGCM', new Uint8Array(16))).toThrow(code('HM_ERR_BAD_KEY'));
  });

  it('is exhausted at n = 2^64-1 (reserved)', () => {
    const cs = new CipherState('ChaChaPoly', key);
    cs.setNonce(0xffff_ffff_ffff_fffen);
    cs.encryptWithAd(ad, plaintext);
    expect(() => cs.encryptWithAd(ad, plaintext)).toThrow(code('HM_ERR_NOISE'));
    expect(() => cs.decryptWithAd(ad, new Uint8Array(32))).toThrow(code('HM_ERR_NOISE'));
    expect(() => cs.setNonce(1n << 64n)).toThrow(RangeError);
  });
});

describe('x25519', () => {
  it('refuses small-order public keys and wrong lengths', () => {
    const priv = hex(xx.initiator_static_private_hex);
    expect(() => x25519(priv, new Uint8Array(32))).toThrow(code('HM_ERR_NOISE'));
    expect(() => x25519(priv, new Uint8Array(31))).toThrow(code('HM_ERR_BAD_KEY'));
    expect(() => x25519PublicKey(new Uint8Array(33))).toThrow(code('HM_ERR_BAD_KEY'));
  });
});

describe('HandshakeState rules', () => {
  it('enforces whose turn it is and refuses use after completion', () => {
    const i = side(xx, true);
    const r = side(xx, false);
    expect(() => i.readMessage(hex(xx.msg2_hex))).toThrow(code('HM_ERR_NOISE'));
    expect(() => r.writeMessage()).toThrow(code('HM_ERR_NOISE'));
    expect(() => i.split()).toThrow(code('HM_ERR_NOISE'));
    expect(() => i.transportKeys()).toThrow(code('HM_ERR_NOISE'));
    expect(i.isMyTurn).toBe(true);
    r.readMessage(i.writeMessage(hex('00')));
    expect(i.isMyTurn).toBe(false);
    expect(r.isMyTurn).toBe(true);
  });

  it('splits once only (a second Split would reuse nonces)', () => {
    const i = side(kk, true, systemRandom);
    const r = side(kk, false, systemRandom);
    r.readMessage(i.writeMessage());
    i.readMessage(r.writeMessage());
    expect(i.isComplete).toBe(true);
    i.split();
    expect(() => i.split()).toThrow(code('HM_ERR_NOISE'));
    expect(() => i.writeMessage()).toThrow(code('HM_ERR_NOISE'));
    expect(() => i.readMessage(new Uint8Array(48))).toThrow(code('HM_ERR_NOISE'));
  });

  it('requires the peer static key for KKpsk0, refuses it for XXpsk2, and checks key sizes', () => {
    const base = { prologue: new Uint8Array(0), psk: hex(xx.psk_hex), staticPrivateKey: hex(xx.initiator_static_private_hex), initiator: true } as const;
    expect(() => new HandshakeState({ ...base, pattern: 'KKpsk0', suite: '25519_ChaChaPoly_SHA256' })).toThrow(code('HM_ERR_NOISE'));
    expect(() => new HandshakeState({ ...base, pattern: 'XXpsk2', suite: '25519_ChaChaPoly_SHA256', remoteStaticPublicKey: new Uint8Array(32) })).toThrow(code('HM_ERR_NOISE'));
    expect(() => new HandshakeState({ ...base, pattern: 'KKpsk0', suite: '25519_AESGCM_SHA256', remoteStaticPublicKey: new Uint8Array(31) })).toThrow(code('HM_ERR_BAD_KEY'));
    expect(() => new HandshakeState({ ...base, pattern: 'XXpsk2', suite: '25519_AESGCM_SHA256', psk: new Uint8Array(16) })).toThrow(code('HM_ERR_BAD_KEY'));
    expect(() => new HandshakeState({ ...base, pattern: 'XXpsk2', suite: '25519_AESGCM_SHA256', staticPrivateKey: new Uint8Array(8) })).toThrow(code('HM_ERR_BAD_KEY'));
  });

  it('limits handshake messages to 65535 bytes', () => {
    // XXpsk2 msg1 = e (32) + encrypted payload (+16).
    expect(side(xx, true).writeMessage(new Uint8Array(NOISE_MAX_MESSAGE_BYTES - 48))).toHaveLength(NOISE_MAX_MESSAGE_BYTES);
    expect(() => side(xx, true).writeMessage(new Uint8Array(NOISE_MAX_MESSAGE_BYTES - 47))).toThrow(code('HM_ERR_NOISE'));
    expect(() => side(xx, false).readMessage(new Uint8Array(NOISE_MAX_MESSAGE_BYTES + 1))).toThrow(code('HM_ERR_NOISE'));
  });

  it('refuses truncated messages', () => {
    expect(() => side(xx, false).readMessage(hex(xx.msg1_hex).subarray(0, 20))).toThrow(code('HM_ERR_NOISE'));
    expect(() => side(xx, false).readMessage(hex(xx.msg1_hex).subarray(0, 40))).toThrow(code('HM_ERR_NOISE'));
    const i = side(xx, true);
    i.writeMessage();
    expect(() => i.readMessage(hex(xx.msg2_hex).subarray(0, 60))).toThrow(code('HM_ERR_NOISE'));
  });

  it('refuses a small-order ephemeral key from the peer', () => {
    const msg1 = hex(kk.msg1_hex);
    msg1.fill(0, 0, 32);
    expect(() => side(kk, false).readMessage(msg1)).toThrow(code('HM_ERR_NOISE'));
  });
});

describe('transport plaintext markers', () => {
  it('frames JSON as 0x00 + UTF-8 and binary as 0x01 + bytes', () => {
    expect(toHex(encodeTransportPlaintext({ kind: 'json', text: '{"a":"é"}' }))).toBe('007b2261223a22c3a9227d');
    expect(toHex(encodeTransportPlaintext({ kind: 'binary', bytes: hex('8202') }))).toBe('018202');
    expect(decodeTransportPlaintext(hex('007b7d'))).toEqual({ kind: 'json', text: '{}' });
    const plaintext = hex('01aabb');
    const body = decodeTransportPlaintext(plaintext);
    expect(body.kind === 'binary' && body.bytes.buffer === plaintext.buffer && toHex(body.bytes) === 'aabb').toBe(true);
    expect(decodeTransportPlaintext(hex('01'))).toEqual({ kind: 'binary', bytes: new Uint8Array(0) });
  });

  it('refuses an unknown marker, an empty plaintext and non-UTF-8 JSON', () => {
    expect(() => decodeTransportPlaintext(hex('02aa'))).toThrow(HiveProtocolError);
    expect(() => decodeTransportPlaintext(hex('02aa'))).toThrow(code('HM_ERR_BAD_ENVELOPE'));
    expect(() => decodeTransportPlaintext(new Uint8Array(0))).toThrow(code('HM_ERR_BAD_ENVELOPE'));
    expect(() => decodeTransportPlaintext(hex('00ff'))).toThrow(code('HM_ERR_MALFORMED_JSON'));
  });
});

describe('NoiseTransport', () => {
  it('round-trips both directions with independent counters', () => {
    const { client, hub } = completedPair(xx);
    const a = client.seal({ kind: 'json', text: '{"msg_type":"hello"}' });
    const b = client.seal({ kind: 'binary', bytes: hex('8202') });
    expect(hub.open(a)).toEqual({ kind: 'json', text: '{"msg_type":"hello"}' });
    expect(toHex(hub.decrypt(b))).toBe('018202');
    expect([client.sendNonce, hub.receiveNonce, hub.sendNonce, client.receiveNonce]).toEqual([2n, 2n, 0n, 0n]);
  });

  it('limits plaintexts to 65519 bytes and messages to 65535 bytes', () => {
    const { client, hub } = completedPair(kk);
    const max = client.encrypt(new Uint8Array(NOISE_MAX_PLAINTEXT_BYTES));
    expect(max).toHaveLength(NOISE_MAX_MESSAGE_BYTES);
    expect(hub.decrypt(max)).toHaveLength(NOISE_MAX_PLAINTEXT_BYTES);
    expect(() => client.encrypt(new Uint8Array(NOISE_MAX_PLAINTEXT_BYTES + 1))).toThrow(code('HM_ERR_NOISE'));
    expect(() => hub.decrypt(new Uint8Array(NOISE_MAX_MESSAGE_BYTES + 1))).toThrow(code('HM_ERR_NOISE'));
  });

  it('refuses every frame after an authentication failure, and replays', () => {
    const { client, hub } = completedPair(xx);
    const first = client.seal({ kind: 'json', text: '{}' });
    const second = client.seal({ kind: 'json', text: '[]' });
    hub.open(first);
    let error: unknown;
    try {
      hub.open(first);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HiveCryptoError);
    expect(error).toMatchObject({ code: 'HM_ERR_BAD_TAG' });
    expect(() => hub.open(second)).toThrow(code('HM_ERR_NOISE'));
  });

  it('refuses to send once the nonces are exhausted', () => {
    const i = side(kk, true, systemRandom);
    const r = side(kk, false, systemRandom);
    r.readMessage(i.writeMessage());
    i.readMessage(r.writeMessage());
    const split = i.split();
    split.send.setNonce(0xffff_ffff_ffff_ffffn);
    expect(() => new NoiseTransport(split).encrypt(new Uint8Array(1))).toThrow(code('HM_ERR_NOISE'));
  });
});
