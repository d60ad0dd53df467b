/**
 * Protocol v3 (Noise) against the official public vectors (skipped when the shared folder's public vectors are absent):
 * HiveMind-js `hivemind-js_noise_vectors.json` and hivemind-micropython-client `micropython_noise_fixtures.json`.
 * Both publish only the initiator's private keys, so the initiator side is reproduced byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { HiveCryptoError } from '../../src/hivemind/errors.js';
import { type JsonObject, canonicalJson } from '../../src/hivemind/json.js';
import {
  HandshakeState,
  NoiseTransport,
  type NoisePatternName,
  type NoiseSuiteName,
  buildNoisePrologue,
  deriveHiveMindPsk,
  derivePbkdf2Psk,
  encodeTransportPlaintext,
  isNoisePatternName,
  isNoiseSuiteName,
  noiseProtocolName,
  pskSalt,
  x25519PublicKey,
} from '../../src/hivemind/noise/index.js';
import { recordedRandom } from '../../src/hivemind/random.js';
import { describeWithPublicVectors, hex, toHex } from '../helpers/vectors.js';

interface JsCase {
  suite: string;
  protocol_name: string;
  hello_payload?: JsonObject;
  handshake_payload?: JsonObject;
  prologue_hex: string;
  psk_hex: string;
  initiator_static_hex: string;
  initiator_ephemeral_hex: string;
  responder_static_pub_hex: string;
  msg1_payload: string;
  msg1_hex: string;
  msg2_hex: string;
  msg2_payload: string;
  msg3_hex?: string;
  handshake_hash_hex: string;
  server_transport_frame_hex: string;
  server_transport_plaintext: string;
  client_transport_plaintext: string;
  expected_client_transport_frame_hex: string;
  msg2_wrong_psk_hex?: string;
}
interface JsNoiseVectors {
  xxpsk2_chacha: JsCase;
  kkpsk0_chacha: JsCase;
  xxpsk2_aesgcm: JsCase;
  kkpsk0_aesgcm: JsCase;
  xxpsk2: JsCase;
  kkpsk0: JsCase;
  argon2id_psk: {
    password: string;
    node_id: string;
    salt_hex: string;
    time_cost: number;
    memory_cost_kib: number;
    parallelism: number;
    hash_len: number;
    expected_psk_hex: string;
  };
  pbkdf2_psk: { password: string; node_id: string; iterations: number; expected_psk_hex: string };
}
interface MicroCase {
  protocol_name: string;
  prologue: string;
  msg1: string;
  msg2: string;
  msg3: string;
  handshake_hash: string;
  ct_c2s: string;
  ct_c2s_2: string;
  ct_s2c: string;
  ct_s2c_bin: string;
}
interface MicroFixtures {
  canonical_hello: string;
  canonical_handshake: string;
  hello_payload: JsonObject;
  handshake_payload: JsonObject;
  psk: string;
  s_initiator_priv: string;
  s_initiator_pub: string;
  e_initiator_priv: string;
  s_responder_pub: string;
  msg1_payload: string;
  msg2_payload: string;
  transport_c2s: string;
  transport_c2s_2: string;
  transport_s2c: string;
  transport_s2c_bin: string;
  xx: MicroCase;
  kk: MicroCase;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function parseName(protocolName: string): { pattern: NoisePatternName; suite: NoiseSuiteName } {
  const [, pattern, ...rest] = protocolName.split('_');
  const suite = rest.join('_');
  if (!isNoisePatternName(pattern) || !isNoiseSuiteName(suite)) throw new Error(`unexpected protocol name ${protocolName}`);
  return { pattern, suite };
}

function initiator(protocolName: string, prologue: string, psk: string, staticKey: string, ephemeral: string, responderStatic: string): HandshakeState {
  const { pattern, suite } = parseName(protocolName);
  return new HandshakeState({
    pattern,
    suite,
    initiator: true,
    prologue: hex(prologue),
    psk: hex(psk),
    staticPrivateKey: hex(staticKey),
    ...(pattern === 'KKpsk0' ? { remoteStaticPublicKey: hex(responderStatic) } : {}),
    random: recordedRandom([hex(ephemeral)]),
  });
}

describeWithPublicVectors<JsNoiseVectors>('hivemind-js_noise_vectors.json', 'hivemind-js_noise_vectors.json', (v) => {
  const cases = (['xxpsk2_chacha', 'kkpsk0_chacha', 'xxpsk2_aesgcm', 'kkpsk0_aesgcm', 'xxpsk2', 'kkpsk0'] as const).map((name) => ({ name, c: v[name] }));

  describe.each(cases)('$name', ({ c }) => {
    it('names its protocol and reproduces the prologue', () => {
      const { pattern, suite } = parseName(c.protocol_name);
      expect(noiseProtocolName(pattern, suite)).toBe(c.protocol_name);
      expect(suite).toBe(c.suite);
      if (c.hello_payload !== undefined && c.handshake_payload !== undefined) {
        expect(toHex(buildNoisePrologue(c.hello_payload, c.handshake_payload, c.protocol_name))).toBe(c.prologue_hex);
      }
    });

    it('reproduces the initiator: msg1, msg2 payload, msg3, hash, both transport frames', () => {
      const hs = initiator(c.protocol_name, c.prologue_hex, c.psk_hex, c.initiator_static_hex, c.initiator_ephemeral_hex, c.responder_static_pub_hex);
      expect(toHex(hs.writeMessage(utf8.encode(c.msg1_payload)))).toBe(c.msg1_hex);
      expect(utf8Decoder.decode(hs.readMessage(hex(c.msg2_hex)))).toBe(c.msg2_payload);
      expect(toHex(hs.remoteStaticPublicKey ?? new Uint8Array())).toBe(c.responder_static_pub_hex);
      if (c.msg3_hex !== undefined) expect(toHex(hs.writeMessage())).toBe(c.msg3_hex);
      expect(hs.isComplete).toBe(true);
      expect(toHex(hs.handshakeHash)).toBe(c.handshake_hash_hex);
      const transport = new NoiseTransport(hs.split());
      expect(transport.open(hex(c.server_transport_frame_hex))).toEqual({ kind: 'json', text: c.server_transport_plaintext });
      expect(toHex(transport.seal({ kind: 'json', text: c.client_transport_plaintext }))).toBe(c.expected_client_transport_frame_hex);
    });
  });

  it.each(cases.filter(({ c }) => c.msg2_wrong_psk_hex !== undefined))('$name: rejects the wrong-PSK msg2 (HM_ERR_BAD_TAG) and aborts', ({ c }) => {
    const hs = initiator(c.protocol_name, c.prologue_hex, c.psk_hex, c.initiator_static_hex, c.initiator_ephemeral_hex, c.responder_static_pub_hex);
    hs.writeMessage(utf8.encode(c.msg1_payload));
    const read = (): Uint8Array => hs.readMessage(hex(c.msg2_wrong_psk_hex ?? ''));
    let error: unknown;
    try {
      read();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HiveCryptoError);
    expect(error).toMatchObject({ code: 'HM_ERR_BAD_TAG' });
    expect(() => hs.readMessage(hex(c.msg2_hex))).toThrow(expect.objectContaining({ code: 'HM_ERR_NOISE' }));
  });

  it('argon2id_psk', async () => {
    const a = v.argon2id_psk;
    expect([a.time_cost, a.memory_cost_kib, a.parallelism, a.hash_len]).toEqual([3, 65536, 1, 32]);
    expect(toHex(pskSalt(a.node_id))).toBe(a.salt_hex);
    expect(toHex(await deriveHiveMindPsk(a.password, a.node_id))).toBe(a.expected_psk_hex);
  });

  it('pbkdf2_psk (PBKDF2-HMAC-SHA256 over SHA-256(node_id))', async () => {
    const p = v.pbkdf2_psk;
    expect(p.iterations).toBe(100_000);
    expect(toHex(await derivePbkdf2Psk(p.password, p.node_id))).toBe(p.expected_psk_hex);
  });
});

describeWithPublicVectors<MicroFixtures>('micropython_noise_fixtures.json', 'micropython_noise_fixtures.json', (m) => {

  it('reproduces the canonical HELLO and HANDSHAKE payloads and the static public key', () => {
    expect(toHex(canonicalJson(m.hello_payload))).toBe(m.canonical_hello);
    expect(toHex(canonicalJson(m.handshake_payload))).toBe(m.canonical_handshake);
    expect(toHex(x25519PublicKey(hex(m.s_initiator_priv)))).toBe(m.s_initiator_pub);
  });

  describe.each([
    { name: 'xx', c: m.xx },
    { name: 'kk', c: m.kk },
  ])('$name', ({ c }) => {
    it('reproduces the prologue', () => {
      expect(toHex(buildNoisePrologue(m.hello_payload, m.handshake_payload, c.protocol_name))).toBe(c.prologue);
    });

    it('reproduces the initiator: msg1, msg2 payload, msg3, hash and the transport frames at counters 0 and 1', () => {
      const hs = initiator(c.protocol_name, c.prologue, m.psk, m.s_initiator_priv, m.e_initiator_priv, m.s_responder_pub);
      expect(toHex(hs.writeMessage(hex(m.msg1_payload)))).toBe(c.msg1);
      expect(toHex(hs.readMessage(hex(c.msg2)))).toBe(m.msg2_payload);
      expect(toHex(hs.remoteStaticPublicKey ?? new Uint8Array())).toBe(m.s_responder_pub);
      if (hs.isComplete) expect(c.msg3).toBe('');
      else expect(toHex(hs.writeMessage())).toBe(c.msg3);
      expect(toHex(hs.handshakeHash)).toBe(c.handshake_hash);
      const transport = new NoiseTransport(hs.split());
      expect(toHex(transport.encrypt(hex(m.transport_c2s)))).toBe(c.ct_c2s);
      expect(toHex(transport.encrypt(hex(m.transport_c2s_2)))).toBe(c.ct_c2s_2);
      expect(toHex(transport.decrypt(hex(c.ct_s2c)))).toBe(m.transport_s2c);
      const bin = transport.open(hex(c.ct_s2c_bin));
      expect(bin.kind).toBe('binary');
      expect(toHex(encodeTransportPlaintext(bin))).toBe(m.transport_s2c_bin);
    });
  });
});
