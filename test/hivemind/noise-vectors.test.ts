/**
 * Protocol v3 (Noise) against test/vectors/noise_vectors.json: all 12 handshake cases from both sides (Noise layer
 * and HiveMind layer), every transport frame in both directions, all 20 negative cases, and every argon2id PSK.
 */
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { describe, expect, it } from 'vitest';
import { HiveCryptoError } from '../../src/hivemind/errors.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import {
  HandshakeState,
  HiveNoiseClient,
  HiveNoiseServer,
  NoiseTransport,
  type NoisePatternName,
  type NoiseSuiteName,
  buildNoisePrologue,
  decodeTransportPlaintext,
  deriveHiveMindPsk,
  encodeNoiseMsg1Payload,
  encodeTransportPlaintext,
  noiseNonce,
  noiseProtocolName,
  pskSalt,
  x25519PublicKey,
} from '../../src/hivemind/noise/index.js';
import { canonicalJson } from '../../src/hivemind/json.js';
import { recordedRandom } from '../../src/hivemind/random.js';
import { hex, loadReferenceVectors, toHex } from '../helpers/vectors.js';

interface Frame {
  n: number;
  nonce_hex: string;
  marker: string;
  kind: 'json' | 'binary';
  json_text?: string;
  plaintext_hex: string;
  ciphertext_hex: string;
}
interface PskDerivation {
  password: string;
  node_id: string;
  salt_hex: string;
  time_cost: number;
  memory_cost_kib: number;
  parallelism: number;
  hash_len: number;
}
interface HandshakeCase {
  id: string;
  protocol_name: string;
  pattern: NoisePatternName;
  suite: NoiseSuiteName;
  hello_payload: JsonObject;
  handshake_request_payload: JsonObject;
  hello_canonical_hex: string;
  handshake_request_canonical_hex: string;
  prologue_hex: string;
  psk_hex: string;
  psk_derivation: PskDerivation | null;
  initiator_static_private_hex: string;
  initiator_static_public_hex: string;
  initiator_ephemeral_private_hex: string;
  initiator_ephemeral_public_hex: string;
  responder_static_private_hex: string;
  responder_static_public_hex: string;
  responder_ephemeral_private_hex: string;
  responder_ephemeral_public_hex: string;
  msg1_payload: string;
  msg1_payload_hex: string;
  msg1_hex: string;
  msg2_payload: string;
  msg2_payload_hex: string;
  msg2_hex: string;
  msg3_payload_hex?: string;
  msg3_hex?: string;
  handshake_hash_hex: string;
  transport_keys: { initiator_to_responder_key_hex: string; responder_to_initiator_key_hex: string };
  transport: { initiator_to_responder: Frame[]; responder_to_initiator: Frame[] };
}
interface NegativeCase {
  id: string;
  base_case: string;
  protocol_name: string;
  kind: 'wrong_psk' | 'bit_flip' | 'tag_bit_flip' | 'replay' | 'prologue_mismatch';
  stage: 'msg1' | 'msg2' | 'transport';
  receiver: 'initiator' | 'responder';
  direction?: 'initiator_to_responder' | 'responder_to_initiator';
  n?: number;
  wrong_psk_hex?: string;
  tampered_handshake_request_payload?: JsonObject;
  tampered_prologue_hex?: string;
  input_hex: string;
  expected: string;
}
interface Argon2Vector {
  password: string;
  password_utf8_hex: string;
  node_id: string;
  salt_hex: string;
  time_cost: number;
  memory_cost_kib: number;
  parallelism: number;
  hash_len: number;
  expected_psk_hex: string;
}
interface NoiseVectors {
  conventions: { nonce: string };
  handshake_cases: HandshakeCase[];
  negative_cases: NegativeCase[];
  argon2id_psk_vectors: Argon2Vector[];
}

const vectors = loadReferenceVectors<NoiseVectors>('noise_vectors.json');
const byId = new Map(vectors.handshake_cases.map((c) => [c.id, c]));
const utf8 = new TextEncoder();

function side(c: HandshakeCase, initiator: boolean, prologue = hex(c.prologue_hex), psk = hex(c.psk_hex)): HandshakeState {
  const kk = c.pattern === 'KKpsk0';
  return new HandshakeState({
    pattern: c.pattern,
    suite: c.suite,
    initiator,
    prologue,
    psk,
    staticPrivateKey: hex(initiator ? c.initiator_static_private_hex : c.responder_static_private_hex),
    ...(kk ? { remoteStaticPublicKey: hex(initiator ? c.responder_static_public_hex : c.initiator_static_public_hex) } : {}),
    random: recordedRandom([hex(initiator ? c.initiator_ephemeral_private_hex : c.responder_ephemeral_private_hex)]),
  });
}

/** Run a whole handshake between the two sides, checking every recorded message on the way. */
function handshake(c: HandshakeCase): { initiator: HandshakeState; responder: HandshakeState } {
  const initiator = side(c, true);
  const responder = side(c, false);
  const msg1 = initiator.writeMessage(hex(c.msg1_payload_hex));
  expect(toHex(msg1)).toBe(c.msg1_hex);
  expect(toHex(responder.readMessage(hex(c.msg1_hex)))).toBe(c.msg1_payload_hex);
  const msg2 = responder.writeMessage(hex(c.msg2_payload_hex));
  expect(toHex(msg2)).toBe(c.msg2_hex);
  expect(toHex(initiator.readMessage(hex(c.msg2_hex)))).toBe(c.msg2_payload_hex);
  if (c.msg3_hex !== undefined) {
    const msg3 = initiator.writeMessage(hex(c.msg3_payload_hex ?? ''));
    expect(toHex(msg3)).toBe(c.msg3_hex);
    expect(toHex(responder.readMessage(hex(c.msg3_hex)))).toBe(c.msg3_payload_hex);
  }
  expect(initiator.isComplete && responder.isComplete).toBe(true);
  return { initiator, responder };
}

describe('noise_vectors.json handshake cases', () => {
  it('has the 12 cases, 20 negative cases and 4 argon2id vectors', () => {
    expect(vectors.handshake_cases).toHaveLength(12);
    expect(vectors.negative_cases).toHaveLength(20);
    expect(vectors.argon2id_psk_vectors).toHaveLength(4);
  });

  describe.each(vectors.handshake_cases)('$id', (c) => {
    it('reproduces the canonical JSON parts and the prologue', () => {
      expect(toHex(canonicalJson(c.hello_payload))).toBe(c.hello_canonical_hex);
      expect(toHex(canonicalJson(c.handshake_request_payload))).toBe(c.handshake_request_canonical_hex);
      expect(noiseProtocolName(c.pattern, c.suite)).toBe(c.protocol_name);
      expect(toHex(buildNoisePrologue(c.hello_payload, c.handshake_request_payload, c.protocol_name))).toBe(c.prologue_hex);
    });

    it('has consistent keys and payload texts', () => {
      expect(toHex(x25519PublicKey(hex(c.initiator_static_private_hex)))).toBe(c.initiator_static_public_hex);
      expect(toHex(x25519PublicKey(hex(c.responder_static_private_hex)))).toBe(c.responder_static_public_hex);
      expect(toHex(x25519PublicKey(hex(c.initiator_ephemeral_private_hex)))).toBe(c.initiator_ephemeral_public_hex);
      expect(toHex(x25519PublicKey(hex(c.responder_ephemeral_private_hex)))).toBe(c.responder_ephemeral_public_hex);
      expect(toHex(utf8.encode(c.msg1_payload))).toBe(c.msg1_payload_hex);
      expect(toHex(utf8.encode(c.msg2_payload))).toBe(c.msg2_payload_hex);
    });

    it('reproduces msg1/msg2/msg3, the handshake hash, the split keys and every transport frame', () => {
      const { initiator, responder } = handshake(c);
      expect(toHex(initiator.handshakeHash)).toBe(c.handshake_hash_hex);
      expect(toHex(responder.handshakeHash)).toBe(c.handshake_hash_hex);
      expect(toHex(initiator.remoteStaticPublicKey ?? new Uint8Array())).toBe(c.responder_static_public_hex);
      expect(toHex(responder.remoteStaticPublicKey ?? new Uint8Array())).toBe(c.initiator_static_public_hex);
      for (const keys of [initiator.transportKeys(), responder.transportKeys()]) {
        expect(toHex(keys.initiatorToResponder)).toBe(c.transport_keys.initiator_to_responder_key_hex);
        expect(toHex(keys.responderToInitiator)).toBe(c.transport_keys.responder_to_initiator_key_hex);
      }
      const client = new NoiseTransport(initiator.split());
      const hub = new NoiseTransport(responder.split());
      const cipher = c.suite === '25519_ChaChaPoly_SHA256' ? 'ChaChaPoly' : 'AESGCM';
      const directions = [
        [c.transport.initiator_to_responder, client, hub],
        [c.transport.responder_to_initiator, hub, client],
      ] as const;
      for (const [frames, sender, receiver] of directions) {
        for (const frame of frames) {
          expect(toHex(noiseNonce(cipher, BigInt(frame.n)))).toBe(frame.nonce_hex);
          expect(sender.sendNonce).toBe(BigInt(frame.n));
          const body =
            frame.kind === 'json'
              ? ({ kind: 'json', text: frame.json_text ?? '' } as const)
              : ({ kind: 'binary', bytes: hex(frame.plaintext_hex).subarray(1) } as const);
          expect(toHex(encodeTransportPlaintext(body))).toBe(frame.plaintext_hex);
          expect(frame.marker).toBe(frame.kind === 'json' ? '0x00' : '0x01');
          expect(toHex(sender.seal(body))).toBe(frame.ciphertext_hex);
          const opened = receiver.open(hex(frame.ciphertext_hex));
          expect(opened.kind).toBe(frame.kind);
          if (opened.kind === 'json') expect(opened.text).toBe(frame.json_text);
          else expect(toHex(opened.bytes)).toBe(frame.plaintext_hex.slice(2));
          expect(toHex(encodeTransportPlaintext(decodeTransportPlaintext(hex(frame.plaintext_hex))))).toBe(frame.plaintext_hex);
        }
      }
    });

    it('reproduces the HiveMind layer (HANDSHAKE payloads) from both sides', () => {
      const msg1 = JSON.parse(c.msg1_payload) as { binarize: boolean; encodings: string[] };
      expect(toHex(encodeNoiseMsg1Payload(msg1))).toBe(c.msg1_payload_hex);
      const kk = c.pattern === 'KKpsk0';
      const client = new HiveNoiseClient({
        helloPayload: c.hello_payload,
        requestPayload: c.handshake_request_payload,
        psk: hex(c.psk_hex),
        staticPrivateKey: hex(c.initiator_static_private_hex),
        ...(kk ? { pinnedServerKey: hex(c.responder_static_public_hex) } : {}),
        binarize: msg1.binarize,
        encodings: msg1.encodings,
        suitePreference: [c.suite],
        random: recordedRandom([hex(c.initiator_ephemeral_private_hex)]),
      });
      expect(client.selection).toEqual({ pattern: c.pattern, suite: c.suite });
      const hub = new HiveNoiseServer({
        helloPayload: c.hello_payload,
        requestPayload: c.handshake_request_payload,
        psk: hex(c.psk_hex),
        staticPrivateKey: hex(c.responder_static_private_hex),
        ...(kk ? { pinnedClientKey: hex(c.initiator_static_public_hex) } : {}),
        random: recordedRandom([hex(c.responder_ephemeral_private_hex)]),
      });
      const shake1 = client.writeMsg1();
      expect(shake1).toEqual({ noise: { pattern: c.pattern, suite: c.suite, msg: c.msg1_hex } });
      expect(hub.readMsg1(shake1)).toEqual({ pattern: c.pattern, suite: c.suite, ...msg1 });
      const encoding = (JSON.parse(c.msg2_payload) as { encoding: string }).encoding;
      const shake2 = hub.writeMsg2(encoding);
      expect(shake2.payload).toEqual({ noise: { msg: c.msg2_hex } });
      const result = client.readMsg2(shake2.payload);
      expect(result.encoding).toBe(encoding);
      expect(toHex(result.serverStaticKey)).toBe(c.responder_static_public_hex);
      let hubTransport = shake2.transport;
      if (c.msg3_hex === undefined) {
        expect(result.msg3Payload).toBeUndefined();
      } else {
        expect(shake2.transport).toBeUndefined();
        expect(result.msg3Payload).toEqual({ noise: { msg: c.msg3_hex } });
        const done = hub.readMsg3(result.msg3Payload ?? {});
        expect(toHex(done.clientStaticKey)).toBe(c.initiator_static_public_hex);
        hubTransport = done.transport;
      }
      expect(toHex(result.handshakeHash)).toBe(c.handshake_hash_hex);
      expect(toHex(hub.handshakeHash ?? new Uint8Array())).toBe(c.handshake_hash_hex);
      const first = c.transport.initiator_to_responder[0];
      const reply = c.transport.responder_to_initiator[0];
      expect(first?.kind === 'json' && reply?.kind === 'json').toBe(true);
      expect(toHex(result.transport.seal({ kind: 'json', text: first?.json_text ?? '' }))).toBe(first?.ciphertext_hex);
      expect(hubTransport?.open(hex(first?.ciphertext_hex ?? ''))).toEqual({ kind: 'json', text: first?.json_text });
      expect(toHex(hubTransport?.seal({ kind: 'json', text: reply?.json_text ?? '' }) ?? new Uint8Array())).toBe(reply?.ciphertext_hex);
    });
  });
});

describe('noise_vectors.json psk_derivation entries (argon2id, ~0.4 s each)', () => {
  const derived = vectors.handshake_cases.filter((c): c is HandshakeCase & { psk_derivation: PskDerivation } => c.psk_derivation !== null);

  it('has derivations to check', () => {
    expect(derived.length).toBeGreaterThan(0);
  });

  it.each(derived)('$id', async (c) => {
    const d = c.psk_derivation;
    expect(d.node_id).toBe(c.hello_payload['node_id']);
    expect([d.time_cost, d.memory_cost_kib, d.parallelism, d.hash_len]).toEqual([3, 65536, 1, 32]);
    expect(toHex(pskSalt(d.node_id))).toBe(d.salt_hex);
    expect(toHex(await deriveHiveMindPsk(d.password, d.node_id))).toBe(c.psk_hex);
  });
});

describe('noise_vectors.json argon2id_psk_vectors', () => {
  it.each(vectors.argon2id_psk_vectors)('$node_id', async (v) => {
    expect(toHex(utf8.encode(v.password))).toBe(v.password_utf8_hex);
    expect([v.time_cost, v.memory_cost_kib, v.parallelism, v.hash_len]).toEqual([3, 65536, 1, 32]);
    expect(toHex(pskSalt(v.node_id))).toBe(v.salt_hex);
    expect(toHex(await deriveHiveMindPsk(v.password, v.node_id))).toBe(v.expected_psk_hex);
  });

  it('agrees with @noble/hashes argon2id (independent implementation)', () => {
    const v = vectors.argon2id_psk_vectors[0];
    if (v === undefined) throw new Error('no argon2id vector');
    const out = nobleArgon2id(utf8.encode(v.password), hex(v.salt_hex), { t: v.time_cost, m: v.memory_cost_kib, p: v.parallelism, dkLen: v.hash_len });
    expect(toHex(out)).toBe(v.expected_psk_hex);
  });
});

/** Put the receiver of a negative case in its documented state, then feed it `input`. */
function runNegative(n: NegativeCase, input: Uint8Array): void {
  const c = byId.get(n.base_case);
  if (c === undefined) throw new Error(`unknown base case ${n.base_case}`);
  if (n.stage === 'msg1') {
    // The receiver is the genuine responder before any message.
    side(c, false).readMessage(input);
    return;
  }
  if (n.stage === 'msg2') {
    const initiator = side(c, true);
    initiator.writeMessage(hex(c.msg1_payload_hex));
    initiator.readMessage(input);
    return;
  }
  const { initiator, responder } = handshake(c);
  const transports = { initiator: new NoiseTransport(initiator.split()), responder: new NoiseTransport(responder.split()) };
  const receiver = transports[n.receiver];
  const frames = c.transport[n.direction ?? 'initiator_to_responder'];
  for (const frame of frames.slice(0, n.n ?? 0)) receiver.decrypt(hex(frame.ciphertext_hex));
  expect(receiver.receiveNonce).toBe(BigInt(n.n ?? 0));
  receiver.decrypt(input);
}

/** The unmodified message a negative case's receiver expects at that point. */
function genuineInput(n: NegativeCase): Uint8Array {
  const c = byId.get(n.base_case);
  if (c === undefined) throw new Error(`unknown base case ${n.base_case}`);
  if (n.stage === 'msg1') return hex(c.msg1_hex);
  if (n.stage === 'msg2') return hex(c.msg2_hex);
  const frame = c.transport[n.direction ?? 'initiator_to_responder'][n.n ?? 0];
  if (frame === undefined) throw new Error(`no frame ${n.n} in ${n.base_case}`);
  return hex(frame.ciphertext_hex);
}

describe('noise_vectors.json negative cases', () => {
  it.each(vectors.negative_cases)('$id is rejected with HM_ERR_BAD_TAG', (n) => {
    expect(n.expected).toBe('reject');
    const c = byId.get(n.base_case);
    expect(c?.protocol_name).toBe(n.protocol_name);
    expect(() => runNegative(n, hex(n.input_hex))).toThrow(HiveCryptoError);
    expect(() => runNegative(n, hex(n.input_hex))).toThrow(expect.objectContaining({ code: 'HM_ERR_BAD_TAG' }));
  });

  it.each(vectors.negative_cases)('$id: the genuine input is accepted in the same receiver state', (n) => {
    expect(() => runNegative(n, genuineInput(n))).not.toThrow();
  });

  it.each(vectors.negative_cases.filter((n) => n.kind === 'prologue_mismatch'))('$id: the tampered prologue is what the faulty initiator saw', (n) => {
    const c = byId.get(n.base_case);
    if (c === undefined || n.tampered_handshake_request_payload === undefined) throw new Error('incomplete case');
    const tampered = buildNoisePrologue(c.hello_payload, n.tampered_handshake_request_payload, c.protocol_name);
    expect(toHex(tampered)).toBe(n.tampered_prologue_hex);
    // An initiator holding that prologue (all else as in the base case) writes exactly input_hex.
    expect(toHex(side(c, true, tampered).writeMessage(hex(c.msg1_payload_hex)))).toBe(n.input_hex);
  });

  it.each(vectors.negative_cases.filter((n) => n.kind === 'wrong_psk'))('$id: a peer holding wrong_psk_hex writes input_hex', (n) => {
    const c = byId.get(n.base_case);
    if (c === undefined || n.wrong_psk_hex === undefined) throw new Error('incomplete case');
    if (n.stage === 'msg1') {
      expect(toHex(side(c, true, undefined, hex(n.wrong_psk_hex)).writeMessage(hex(c.msg1_payload_hex)))).toBe(n.input_hex);
    } else {
      const responder = side(c, false, undefined, hex(n.wrong_psk_hex));
      responder.readMessage(hex(c.msg1_hex));
      expect(toHex(responder.writeMessage(hex(c.msg2_payload_hex)))).toBe(n.input_hex);
    }
  });

  it('aborts the handshake after a rejected message', () => {
    const n = vectors.negative_cases.find((x) => x.stage === 'msg2');
    const c = n === undefined ? undefined : byId.get(n.base_case);
    if (n === undefined || c === undefined) throw new Error('no msg2 negative case');
    const initiator = side(c, true);
    initiator.writeMessage(hex(c.msg1_payload_hex));
    expect(() => initiator.readMessage(hex(n.input_hex))).toThrow(expect.objectContaining({ code: 'HM_ERR_BAD_TAG' }));
    expect(() => initiator.readMessage(hex(c.msg2_hex))).toThrow(expect.objectContaining({ code: 'HM_ERR_NOISE' }));
  });
});
