/**
 * The legacy password handshake (HIVEMIND.md §2.5.3) against test/vectors/handshake_vectors.json (every field),
 * the public HiveMind-js hsub/pbkdf2 vectors, and the full exchange worked in §2.5.3.
 */
import { describe, expect, it } from 'vitest';
import { HiveAuthError, HiveProtocolError } from '../../src/hivemind/errors.js';
import { createHiveMessage, serializeHiveMessage } from '../../src/hivemind/message.js';
import {
  PasswordHandshakeClient,
  PasswordHandshakeServer,
  createHsub,
  deriveSessionKey,
  deriveSessionKeySync,
  ivFromHsub,
  matchHsub,
  xorIvs,
} from '../../src/hivemind/password-handshake.js';
import { recordedRandom } from '../../src/hivemind/random.js';
import { describeWithPublicVectors, hex, loadReferenceVectors, toHex } from '../helpers/vectors.js';

interface HandshakeVectors {
  password: string;
  client: {
    iv_hex: string;
    envelope_sent: string;
    received_server_envelope: string;
    'verify_server_envelope (match_hsub)': boolean;
    salt_hex: string;
    session_key_hex: string;
  };
  server: { iv_hex: string; envelope_reply: string; received_client_envelope: string; salt_hex: string; session_key_hex: string };
  manual_recomputation: { sha256_iv_client_password_hex: string; envelope_client: string; salt_hex: string; pbkdf2_hex: string };
  negative: { wrong_password_verifies_server_envelope: boolean; match_hsub_too_short: boolean };
  hive_messages: { client_handshake_json: string; server_handshake_reply_json: string };
}
interface PublicVectors {
  hsub: { password: string; iv_hex: string; expected_hsub: string };
  pbkdf2: { password: string; salt_hex: string; expected_key_hex: string };
}

const v = loadReferenceVectors<HandshakeVectors>('handshake_vectors.json');
const code = (c: string): unknown => expect.objectContaining({ code: c });

/** Run `fn`, return what it threw. */
async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('handshake_vectors.json', () => {
  it('client: envelope, verification of the hub envelope, salt and session key', async () => {
    const client = new PasswordHandshakeClient(v.password, recordedRandom([hex(v.client.iv_hex)]));
    expect(client.generateEnvelope()).toBe(v.client.envelope_sent);
    expect(matchHsub(v.client.received_server_envelope, v.password)).toBe(v.client['verify_server_envelope (match_hsub)']);
    expect(toHex(xorIvs(hex(v.client.iv_hex), ivFromHsub(v.client.received_server_envelope)))).toBe(v.client.salt_hex);
    expect(toHex(await client.receiveAndVerify(v.client.received_server_envelope))).toBe(v.client.session_key_hex);
    expect(toHex(client.receiveAndVerifySync(v.client.received_server_envelope))).toBe(v.client.session_key_hex);
  });

  it('server (hivemind-core 4.0 order: generate, then receive without verifying)', async () => {
    const server = new PasswordHandshakeServer(v.password, recordedRandom([hex(v.server.iv_hex)]));
    expect(server.generateEnvelope()).toBe(v.server.envelope_reply);
    expect(v.server.received_client_envelope).toBe(v.client.envelope_sent);
    expect(toHex(xorIvs(hex(v.server.iv_hex), ivFromHsub(v.server.received_client_envelope)))).toBe(v.server.salt_hex);
    expect(toHex(await server.receive(v.server.received_client_envelope))).toBe(v.server.session_key_hex);
    expect(v.server.session_key_hex).toBe(v.client.session_key_hex);
  });

  it('server in verifying mode accepts the genuine client envelope', () => {
    const server = new PasswordHandshakeServer(v.password, recordedRandom([hex(v.server.iv_hex)]), { verifyClient: true });
    server.generateEnvelope();
    expect(toHex(server.receiveSync(v.server.received_client_envelope))).toBe(v.server.session_key_hex);
  });

  it('manual recomputation', () => {
    const iv = hex(v.client.iv_hex);
    expect(createHsub(v.password, iv, 80)).toBe(v.client.iv_hex + v.manual_recomputation.sha256_iv_client_password_hex);
    expect(createHsub(v.password, iv)).toBe(v.manual_recomputation.envelope_client);
    expect(toHex(xorIvs(iv, hex(v.server.iv_hex)))).toBe(v.manual_recomputation.salt_hex);
    expect(toHex(deriveSessionKeySync(v.password, hex(v.manual_recomputation.salt_hex)))).toBe(v.manual_recomputation.pbkdf2_hex);
  });

  it('negative: a wrong password does not verify the hub envelope', async () => {
    expect(matchHsub(v.client.received_server_envelope, `${v.password}x`)).toBe(v.negative.wrong_password_verifies_server_envelope);
    const client = new PasswordHandshakeClient(`${v.password}x`, recordedRandom([hex(v.client.iv_hex)]));
    client.generateEnvelope();
    const error = await caught(() => client.receiveAndVerify(v.client.received_server_envelope));
    expect(error).toBeInstanceOf(HiveAuthError);
    expect(error).toMatchObject({ code: 'HM_ERR_WRONG_PASSWORD' });
    const message = (error as Error).message;
    for (const secret of [v.password, v.client.received_server_envelope, v.client.envelope_sent]) expect(message).not.toContain(secret);
    expect(() => client.receiveAndVerifySync(v.client.received_server_envelope)).toThrow(code('HM_ERR_WRONG_PASSWORD'));
  });

  it('negative: a truncated envelope does not match and is refused as malformed', async () => {
    const short = v.client.received_server_envelope.slice(0, 47);
    expect(matchHsub(short, v.password)).toBe(v.negative.match_hsub_too_short);
    const client = new PasswordHandshakeClient(v.password, recordedRandom([hex(v.client.iv_hex)]));
    client.generateEnvelope();
    const error = await caught(() => client.receiveAndVerify(short));
    expect(error).toBeInstanceOf(HiveProtocolError);
    expect(error).toMatchObject({ code: 'HM_ERR_HANDSHAKE' });
    expect((error as Error).message).not.toContain(short);
  });

  it('hive_messages: our HANDSHAKE messages serialise to the recorded JSON text byte for byte', () => {
    const client = new PasswordHandshakeClient(v.password, recordedRandom([hex(v.client.iv_hex)]));
    const request = createHiveMessage('shake', { binarize: false, encodings: ['JSON-B64'], ciphers: ['AES-GCM'], envelope: client.generateEnvelope() });
    expect(serializeHiveMessage(request)).toBe(v.hive_messages.client_handshake_json);
    const server = new PasswordHandshakeServer(v.password, recordedRandom([hex(v.server.iv_hex)]));
    const reply = createHiveMessage('shake', { envelope: server.generateEnvelope(), encoding: 'JSON-B64', cipher: 'AES-GCM' });
    expect(serializeHiveMessage(reply)).toBe(v.hive_messages.server_handshake_reply_json);
  });
});

describe('envelope rules', () => {
  it('matches envelopes of 48..80 hex characters only, in constant-time string equality', () => {
    const iv = hex(v.client.iv_hex);
    for (const length of [48, 63, 64, 80]) expect(matchHsub(createHsub(v.password, iv, length), v.password)).toBe(true);
    expect(matchHsub(createHsub(v.password, iv, 80).slice(0, 47), v.password)).toBe(false);
    expect(matchHsub(`${createHsub(v.password, iv, 80)}0`, v.password)).toBe(false);
    expect(matchHsub(v.client.envelope_sent.toUpperCase(), v.password)).toBe(false);
    expect(matchHsub(`${v.client.envelope_sent.slice(0, 47)}\u0130`, v.password)).toBe(false);
    expect(() => createHsub(v.password, iv, 81)).toThrow(RangeError);
    expect(() => createHsub(v.password, iv.subarray(0, 7))).toThrow(RangeError);
  });

  it('refuses a peer envelope before our own was generated, and non-string envelopes', () => {
    const client = new PasswordHandshakeClient(v.password, recordedRandom([hex(v.client.iv_hex)]));
    expect(() => client.receiveAndVerifySync(v.client.received_server_envelope)).toThrow(code('HM_ERR_HANDSHAKE'));
    client.generateEnvelope();
    expect(() => client.receiveAndVerifySync(42)).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => client.receiveAndVerifySync(`zz${v.client.received_server_envelope.slice(2)}`)).toThrow(code('HM_ERR_HANDSHAKE'));
  });

  it('server in verifying mode refuses a client envelope made with another password', async () => {
    const other = new PasswordHandshakeClient('another password', recordedRandom([hex(v.client.iv_hex)]));
    const server = new PasswordHandshakeServer(v.password, recordedRandom([hex(v.server.iv_hex)]), { verifyClient: true });
    server.generateEnvelope();
    await expect(server.receive(other.generateEnvelope())).rejects.toThrow(code('HM_ERR_WRONG_PASSWORD'));
  });

  it('the server draws a fresh IV for every HANDSHAKE', () => {
    const server = new PasswordHandshakeServer(v.password, recordedRandom([hex(v.server.iv_hex), hex(v.client.iv_hex)]));
    expect(server.generateEnvelope()).toBe(v.server.envelope_reply);
    expect(server.generateEnvelope()).toBe(v.client.envelope_sent);
  });
});

describe('HIVEMIND.md §2.5.3 full exchange (VERIFIED-EXEC values)', () => {
  it('client iv deadbeefcafebabe, server iv 0011223344556677', async () => {
    const password = 'test-password-123';
    const client = new PasswordHandshakeClient(password, recordedRandom([hex('deadbeefcafebabe')]));
    const server = new PasswordHandshakeServer(password, recordedRandom([hex('0011223344556677')]), { verifyClient: true });
    const clientEnvelope = client.generateEnvelope();
    expect(clientEnvelope).toBe('deadbeefcafebabe47f0753a5a76dd104638641f6f108805');
    const serverEnvelope = server.generateEnvelope();
    expect(serverEnvelope).toBe('0011223344556677cd957563f47f8d356e41cd794a5b6739');
    expect(toHex(xorIvs(hex('deadbeefcafebabe'), hex('0011223344556677')))).toBe('debc9cdc8eabdcc9');
    const [clientKey, serverKey] = await Promise.all([client.receiveAndVerify(serverEnvelope), server.receive(clientEnvelope)]);
    expect(toHex(clientKey)).toBe('831231218d8f5549c2d657ce51ef63ef776834aaa068d85a5f33ff3797ba06d2');
    expect(toHex(serverKey)).toBe('831231218d8f5549c2d657ce51ef63ef776834aaa068d85a5f33ff3797ba06d2');
  });
});

describeWithPublicVectors<PublicVectors>('hivemind-js_vectors.json (hsub, pbkdf2)', 'hivemind-js_vectors.json', (p) => {

  it('hsub', () => {
    expect(createHsub(p.hsub.password, hex(p.hsub.iv_hex))).toBe(p.hsub.expected_hsub);
    expect(matchHsub(p.hsub.expected_hsub, p.hsub.password)).toBe(true);
  });

  it('pbkdf2', async () => {
    expect(toHex(await deriveSessionKey(p.pbkdf2.password, hex(p.pbkdf2.salt_hex)))).toBe(p.pbkdf2.expected_key_hex);
  });
});
