/**
 * The HiveMind layer of protocol v3: offer parsing, pattern/suite selection, HANDSHAKE payload codecs, pinning,
 * negotiation failures, PSK helpers, and a full password-derived exchange between HiveNoiseClient and HiveNoiseServer.
 */
import { describe, expect, it } from 'vitest';
import { HiveAuthError, HiveProtocolError } from '../../src/hivemind/errors.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import {
  HiveNoiseClient,
  HiveNoiseServer,
  decodeNoiseHandshakePayload,
  decodeNoiseMsg1Payload,
  decodeNoiseMsg2Payload,
  parseNoiseOffer,
  resolveNoisePsk,
  selectNoiseOptions,
  toPsk,
  x25519PublicKey,
} from '../../src/hivemind/noise/index.js';
import { systemRandom } from '../../src/hivemind/random.js';
import { hex, loadReferenceVectors, toHex } from '../helpers/vectors.js';

interface Case {
  id: string;
  pattern: string;
  hello_payload: JsonObject;
  handshake_request_payload: JsonObject;
  psk_hex: string;
  psk_derivation: { password: string } | null;
  initiator_static_private_hex: string;
  responder_static_private_hex: string;
  responder_static_public_hex: string;
}

const cases = loadReferenceVectors<{ handshake_cases: Case[] }>('noise_vectors.json').handshake_cases;
const code = (c: string): unknown => expect.objectContaining({ code: c });
const utf8 = new TextEncoder();

const hello: JsonObject = { pubkey: '', peer: 'tcp4:127.0.0.1:40000', node_id: 'hivesat-test-hub' };
const request = (patterns: string[], suites: string[] = ['25519_ChaChaPoly_SHA256', '25519_AESGCM_SHA256']): JsonObject => ({
  handshake: true,
  min_protocol_version: 2,
  max_protocol_version: 3,
  password: true,
  encodings: ['JSON-B64', 'JSON-HEX'],
  noise: { patterns, suites },
});
const psk = new Uint8Array(32).fill(7);

function client(req: JsonObject, extra: Partial<ConstructorParameters<typeof HiveNoiseClient>[0]> = {}): HiveNoiseClient {
  return new HiveNoiseClient({
    helloPayload: hello,
    requestPayload: req,
    psk,
    staticPrivateKey: systemRandom.bytes(32),
    binarize: false,
    encodings: ['JSON-HEX'],
    ...extra,
  });
}

describe('parseNoiseOffer / selectNoiseOptions', () => {
  it('reads the offer, dropping names it does not know', () => {
    expect(parseNoiseOffer({ handshake: true })).toBeUndefined();
    expect(parseNoiseOffer(request(['KKpsk0', 'NNpsk0', 'XXpsk2'], ['25519_AESGCM_SHA256', '448_AESGCM_SHA512']))).toEqual({
      patterns: ['KKpsk0', 'XXpsk2'],
      suites: ['25519_AESGCM_SHA256'],
    });
    expect(() => parseNoiseOffer({ noise: 'yes' })).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => parseNoiseOffer({ noise: { patterns: [1] } })).toThrow(code('HM_ERR_HANDSHAKE'));
  });

  it('prefers ChaChaPoly, and KKpsk0 only when the hub key is pinned and KKpsk0 is offered', () => {
    const offer = { patterns: ['KKpsk0', 'XXpsk2'], suites: ['25519_AESGCM_SHA256', '25519_ChaChaPoly_SHA256'] } as const;
    expect(selectNoiseOptions(offer, { serverKeyPinned: false })).toEqual({ pattern: 'XXpsk2', suite: '25519_ChaChaPoly_SHA256' });
    expect(selectNoiseOptions(offer, { serverKeyPinned: true })).toEqual({ pattern: 'KKpsk0', suite: '25519_ChaChaPoly_SHA256' });
    expect(selectNoiseOptions({ patterns: ['XXpsk2'], suites: ['25519_AESGCM_SHA256'] }, { serverKeyPinned: true })).toEqual({
      pattern: 'XXpsk2',
      suite: '25519_AESGCM_SHA256',
    });
    expect(selectNoiseOptions(offer, { serverKeyPinned: false, suitePreference: ['25519_AESGCM_SHA256'] }).suite).toBe('25519_AESGCM_SHA256');
  });

  it('fails negotiation without a common suite or usable pattern', () => {
    expect(() => selectNoiseOptions({ patterns: ['XXpsk2'], suites: [] }, { serverKeyPinned: false })).toThrow(HiveProtocolError);
    expect(() => selectNoiseOptions({ patterns: ['XXpsk2'], suites: [] }, { serverKeyPinned: false })).toThrow(code('HM_ERR_NEGOTIATION'));
    expect(() => selectNoiseOptions({ patterns: ['KKpsk0'], suites: ['25519_AESGCM_SHA256'] }, { serverKeyPinned: false })).toThrow(code('HM_ERR_NEGOTIATION'));
    expect(() => client({ handshake: true })).toThrow(code('HM_ERR_HANDSHAKE'));
  });
});

describe('HANDSHAKE payload codecs', () => {
  it('refuses malformed noise objects and payloads', () => {
    expect(() => decodeNoiseHandshakePayload({})).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => decodeNoiseHandshakePayload({ noise: { msg: 'abc' } })).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => decodeNoiseHandshakePayload({ noise: { msg: 'zz' } })).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => decodeNoiseHandshakePayload({ noise: { msg: '', pattern: 3 } })).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(decodeNoiseHandshakePayload({ noise: { msg: 'A0ff' } })).toEqual({ msg: hex('a0ff') });
    expect(() => decodeNoiseMsg1Payload(utf8.encode('[1]'))).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => decodeNoiseMsg1Payload(hex('ff'))).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => decodeNoiseMsg1Payload(utf8.encode('{"binarize":1}'))).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(decodeNoiseMsg1Payload(utf8.encode('{"encodings":["JSON-HEX"]}'))).toEqual({ binarize: false, encodings: ['JSON-HEX'] });
    expect(() => decodeNoiseMsg2Payload(utf8.encode('{"encoding":null}'))).toThrow(code('HM_ERR_HANDSHAKE'));
  });
});

describe('pinning and negotiation failures', () => {
  const hubKey = systemRandom.bytes(32);

  it('the client refuses a hub static key that differs from the pinned one, before sending msg3', () => {
    const req = request(['XXpsk2']);
    const c = client(req, { pinnedServerKey: x25519PublicKey(systemRandom.bytes(32)) });
    const hub = new HiveNoiseServer({ helloPayload: hello, requestPayload: req, psk, staticPrivateKey: hubKey });
    hub.readMsg1(c.writeMsg1());
    const msg2 = hub.writeMsg2('JSON-HEX').payload;
    expect(() => c.readMsg2(msg2)).toThrow(HiveAuthError);
  });

  it('reports the pin mismatch as HM_ERR_PIN_MISMATCH', () => {
    const req = request(['XXpsk2']);
    const c = client(req, { pinnedServerKey: x25519PublicKey(systemRandom.bytes(32)) });
    const hub = new HiveNoiseServer({ helloPayload: hello, requestPayload: req, psk, staticPrivateKey: hubKey });
    hub.readMsg1(c.writeMsg1());
    expect(() => c.readMsg2(hub.writeMsg2('JSON-HEX').payload)).toThrow(code('HM_ERR_PIN_MISMATCH'));
  });

  it('the hub refuses a client key that differs from its pin after msg3', () => {
    const req = request(['XXpsk2']);
    const c = client(req);
    const hub = new HiveNoiseServer({ helloPayload: hello, requestPayload: req, psk, staticPrivateKey: hubKey, pinnedClientKey: x25519PublicKey(systemRandom.bytes(32)) });
    hub.readMsg1(c.writeMsg1());
    const result = c.readMsg2(hub.writeMsg2('JSON-HEX').payload);
    expect(() => hub.readMsg3(result.msg3Payload ?? {})).toThrow(code('HM_ERR_PIN_MISMATCH'));
  });

  it('the client refuses an encoding it did not offer', () => {
    const req = request(['XXpsk2']);
    const c = client(req);
    const hub = new HiveNoiseServer({ helloPayload: hello, requestPayload: req, psk, staticPrivateKey: hubKey });
    hub.readMsg1(c.writeMsg1());
    expect(() => c.readMsg2(hub.writeMsg2('JSON-B91').payload)).toThrow(code('HM_ERR_NEGOTIATION'));
  });

  it('the hub refuses what it did not offer, KKpsk0 without a pin, a second msg1 and steps out of order', () => {
    const offered = request(['XXpsk2'], ['25519_ChaChaPoly_SHA256']);
    const hub = (req: JsonObject, pinned?: Uint8Array): HiveNoiseServer =>
      new HiveNoiseServer({ helloPayload: hello, requestPayload: req, psk, staticPrivateKey: hubKey, ...(pinned ? { pinnedClientKey: pinned } : {}) });
    const aes = client(request(['XXpsk2'], ['25519_AESGCM_SHA256'])).writeMsg1();
    expect(() => hub(offered).readMsg1(aes)).toThrow(code('HM_ERR_NEGOTIATION'));
    const kkMsg1 = client(request(['KKpsk0']), { pinnedServerKey: x25519PublicKey(hubKey) }).writeMsg1();
    expect(() => hub(request(['KKpsk0'])).readMsg1(kkMsg1)).toThrow(code('HM_ERR_NEGOTIATION'));
    expect(() => hub(offered).writeMsg2('JSON-HEX')).toThrow(code('HM_ERR_HANDSHAKE'));
    const h = hub(offered);
    const msg1 = client(offered).writeMsg1();
    h.readMsg1(msg1);
    expect(() => h.readMsg1(msg1)).toThrow(code('HM_ERR_HANDSHAKE'));
  });

  it('a wrong PSK fails authentication at the hub (KKpsk0) or at the client (XXpsk2)', () => {
    const kkReq = request(['KKpsk0']);
    const clientKey = systemRandom.bytes(32);
    const kkClient = client(kkReq, { staticPrivateKey: clientKey, pinnedServerKey: x25519PublicKey(hubKey) });
    const kkHub = new HiveNoiseServer({ helloPayload: hello, requestPayload: kkReq, psk: new Uint8Array(32), staticPrivateKey: hubKey, pinnedClientKey: x25519PublicKey(clientKey) });
    expect(() => kkHub.readMsg1(kkClient.writeMsg1())).toThrow(code('HM_ERR_BAD_TAG'));
    const xxReq = request(['XXpsk2']);
    const xxClient = client(xxReq);
    const xxHub = new HiveNoiseServer({ helloPayload: hello, requestPayload: xxReq, psk: new Uint8Array(32), staticPrivateKey: hubKey });
    xxHub.readMsg1(xxClient.writeMsg1());
    expect(() => xxClient.readMsg2(xxHub.writeMsg2('JSON-HEX').payload)).toThrow(code('HM_ERR_BAD_TAG'));
  });
});

describe('PSK helpers', () => {
  const fixed = cases.find((c) => c.psk_derivation === null);
  if (fixed === undefined) throw new Error('no fixed-PSK case');

  it('accepts a pre-computed PSK as bytes or hex and refuses other lengths', async () => {
    expect(toHex(await resolveNoisePsk({ psk: fixed.psk_hex }, fixed.hello_payload))).toBe(fixed.psk_hex);
    expect(toHex(await resolveNoisePsk({ psk: hex(fixed.psk_hex) }, {}))).toBe(fixed.psk_hex);
    expect(() => toPsk('abcd')).toThrow(code('HM_ERR_BAD_KEY'));
    expect(() => toPsk('zz'.repeat(32))).toThrow(code('HM_ERR_BAD_KEY'));
    expect(() => toPsk(new Uint8Array(31))).toThrow(code('HM_ERR_BAD_KEY'));
  });

  it('needs a string node_id to derive from a password', async () => {
    await expect(resolveNoisePsk({ password: 'x' }, { node_id: null })).rejects.toThrow(code('HM_ERR_HANDSHAKE'));
  });
});

describe('a full v3 exchange from a password (argon2id), then KKpsk0 with the keys pinned on first use', () => {
  const c = cases.find((x) => x.psk_derivation !== null && x.pattern === 'XXpsk2');
  if (c === undefined || c.psk_derivation === null) throw new Error('no XXpsk2 case with a password');
  const password = c.psk_derivation.password;

  it('completes, and both sides exchange transport frames', async () => {
    const clientPsk = await resolveNoisePsk({ password }, c.hello_payload);
    expect(toHex(clientPsk)).toBe(c.psk_hex);
    const hubPsk = await resolveNoisePsk({ password }, c.hello_payload);
    const clientKey = hex(c.initiator_static_private_hex);
    const hubKey = hex(c.responder_static_private_hex);
    const req = { ...c.handshake_request_payload, noise: { patterns: ['KKpsk0', 'XXpsk2'], suites: ['25519_ChaChaPoly_SHA256', '25519_AESGCM_SHA256'] } };

    const first = new HiveNoiseClient({ helloPayload: c.hello_payload, requestPayload: req, psk: clientPsk, staticPrivateKey: clientKey, binarize: true, encodings: ['JSON-B64'] });
    expect(first.selection).toEqual({ pattern: 'XXpsk2', suite: '25519_ChaChaPoly_SHA256' });
    const hub1 = new HiveNoiseServer({ helloPayload: c.hello_payload, requestPayload: req, psk: hubPsk, staticPrivateKey: hubKey });
    expect(hub1.readMsg1(first.writeMsg1())).toEqual({ pattern: 'XXpsk2', suite: '25519_ChaChaPoly_SHA256', binarize: true, encodings: ['JSON-B64'] });
    const r1 = first.readMsg2(hub1.writeMsg2('JSON-B64').payload);
    const h1 = hub1.readMsg3(r1.msg3Payload ?? {});
    expect(toHex(r1.serverStaticKey)).toBe(c.responder_static_public_hex);
    expect(h1.transport.open(r1.transport.seal({ kind: 'json', text: '{"msg_type":"hello"}' }))).toEqual({ kind: 'json', text: '{"msg_type":"hello"}' });
    expect(r1.transport.open(h1.transport.seal({ kind: 'binary', bytes: hex('8202') }))).toEqual({ kind: 'binary', bytes: hex('8202') });

    const second = new HiveNoiseClient({
      helloPayload: c.hello_payload,
      requestPayload: req,
      psk: clientPsk,
      staticPrivateKey: clientKey,
      pinnedServerKey: r1.serverStaticKey,
      binarize: false,
      encodings: ['JSON-HEX'],
    });
    expect(second.selection.pattern).toBe('KKpsk0');
    const hub2 = new HiveNoiseServer({ helloPayload: c.hello_payload, requestPayload: req, psk: hubPsk, staticPrivateKey: hubKey, pinnedClientKey: h1.clientStaticKey });
    hub2.readMsg1(second.writeMsg1());
    const w2 = hub2.writeMsg2('JSON-HEX');
    const r2 = second.readMsg2(w2.payload);
    expect(r2.msg3Payload).toBeUndefined();
    expect(toHex(r2.handshakeHash)).toBe(toHex(hub2.handshakeHash ?? new Uint8Array()));
    expect(w2.transport?.open(r2.transport.seal({ kind: 'json', text: '{}' }))).toEqual({ kind: 'json', text: '{}' });
  });
});
