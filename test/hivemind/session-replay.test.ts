/**
 * Replays every real session recorded between the Python client and hivemind-core 4.0.0
 * (`test/vectors/session_transcripts.json`) through our codec:
 * - the password handshake derives the recorded session key from the envelopes seen on the wire;
 * - every plaintext frame parses and re-serialises to the recorded bytes;
 * - every encrypted frame decrypts with the recorded key to the recorded plaintext, and re-encrypting that
 *   plaintext with the recorded nonce gives the recorded frame byte for byte;
 * - the client's HANDSHAKE, rebuilt from the recorded preferences and IV, equals the recorded frame;
 * - the authorization query of the HTTP upgrade matches ours.
 * Session s08 (JSON-Z85P) is the recorded server failure: we still decode its frame, but refuse to produce it.
 */
import { describe, expect, it } from 'vitest';
import { type HiveCipher } from '../../src/hivemind/aead.js';
import { buildAuthorization } from '../../src/hivemind/authorization.js';
import { type HiveEncoding, decodeField } from '../../src/hivemind/encodings.js';
import { decryptJsonFrame, encryptJsonFrame } from '../../src/hivemind/json-frame.js';
import { createHiveMessage, parseHiveMessage, serializeHiveMessage } from '../../src/hivemind/message.js';
import { PasswordHandshakeClient } from '../../src/hivemind/password-handshake.js';
import { recordedRandom } from '../../src/hivemind/random.js';
import { hex, loadReferenceVectors, toHex } from '../helpers/vectors.js';

interface Frame {
  readonly dir: 'c2s' | 's2c';
  readonly kind?: 'http';
  readonly text?: string;
  readonly frame_type?: string;
  readonly wire_text?: string;
  readonly wire_hex?: string;
  readonly encrypted?: boolean;
  readonly plaintext?: string;
  readonly json_fields_decoded_hex?: { readonly ciphertext: string; readonly tag: string; readonly nonce: string };
  readonly hive_message?: unknown;
  readonly real_library_decrypt_error?: string;
}
interface Session {
  readonly name: string;
  readonly expected_failure: boolean;
  readonly session: {
    readonly access_key: string;
    readonly password: string;
    readonly useragent: string;
    readonly client_sent_encodings: readonly string[];
    readonly client_sent_ciphers: readonly string[];
    readonly negotiated_cipher: HiveCipher;
    readonly negotiated_encoding: HiveEncoding;
    readonly client_iv_hex: string;
    readonly session_key_hex: string;
    readonly speak_received?: { readonly utterance: string } | null;
  };
  readonly password_handshake: { readonly client_envelope: string; readonly server_envelope: string };
  readonly frames: readonly Frame[];
}

const { sessions } = loadReferenceVectors<{ sessions: readonly Session[] }>('session_transcripts.json');

describe.each(sessions.map((s) => [s.name, s] as const))('recorded session %s', (_name, session) => {
  const { cipher, encoding } = { cipher: session.session.negotiated_cipher, encoding: session.session.negotiated_encoding };
  const key = hex(session.session.session_key_hex);
  const encryptedFrames = session.frames.filter((f) => f.encrypted === true);
  const plainFrames = session.frames.filter((f) => f.encrypted === false);

  it('derives the recorded session key from the recorded envelopes', async () => {
    const client = new PasswordHandshakeClient(session.session.password, recordedRandom([hex(session.session.client_iv_hex)]));
    expect(client.generateEnvelope()).toBe(session.password_handshake.client_envelope);
    expect(toHex(await client.receiveAndVerify(session.password_handshake.server_envelope))).toBe(session.session.session_key_hex);
  });

  it('builds the same authorization query as the recorded upgrade request', () => {
    const upgrade = session.frames.find((f) => f.kind === 'http' && f.dir === 'c2s')?.text ?? '';
    const { authorization } = buildAuthorization(session.session.useragent, session.session.access_key);
    expect(upgrade).toContain(`GET /?authorization=${authorization} HTTP/1.1`);
  });

  it.each(plainFrames.map((f, i) => [i, f] as const))('re-serialises plaintext frame #%i byte for byte', (_i, frame) => {
    const text = frame.wire_text ?? '';
    const message = parseHiveMessage(text);
    expect(message).toEqual(frame.hive_message);
    expect(serializeHiveMessage(message)).toBe(text);
  });

  it("rebuilds the client's HANDSHAKE from its recorded preferences and IV", () => {
    const recorded = plainFrames.find((f) => f.dir === 'c2s')?.wire_text;
    const payload = JSON.parse(recorded ?? '{}').payload as { binarize: boolean };
    const client = new PasswordHandshakeClient(session.session.password, recordedRandom([hex(session.session.client_iv_hex)]));
    const ours = createHiveMessage('shake', {
      binarize: payload.binarize,
      encodings: [...session.session.client_sent_encodings],
      ciphers: [...session.session.client_sent_ciphers],
      envelope: client.generateEnvelope(),
    });
    expect(serializeHiveMessage(ours)).toBe(recorded);
  });

  it('has encrypted frames to replay', () => {
    expect(encryptedFrames.length).toBeGreaterThanOrEqual(session.expected_failure ? 1 : 4);
  });

  it.each(encryptedFrames.map((f, i) => [i, f] as const))('decrypts and re-encrypts frame #%i byte for byte', (_i, frame) => {
    const wire = frame.wire_text ?? '';
    const plaintext = new TextDecoder().decode(decryptJsonFrame(cipher, encoding, key, wire));
    expect(plaintext).toBe(frame.plaintext);
    expect(parseHiveMessage(plaintext)).toEqual(frame.hive_message);
    expect(serializeHiveMessage(parseHiveMessage(plaintext))).toBe(plaintext);

    const nonce = decodeField(encoding, (JSON.parse(wire) as { nonce: string }).nonce);
    expect(toHex(nonce)).toBe(frame.json_fields_decoded_hex?.nonce);
    const replay = () => encryptJsonFrame(cipher, encoding, key, plaintext, recordedRandom([nonce]), { allowUndecodableByHubs: true });
    expect(replay()).toBe(wire);
    if (session.expected_failure) {
      // The reference server could not read this (JSON-Z85P): we never produce it on our own.
      expect(frame.real_library_decrypt_error).toBeDefined();
      expect(() => encryptJsonFrame(cipher, encoding, key, plaintext, recordedRandom([nonce]))).toThrow(expect.objectContaining({ code: 'HM_ERR_NEGOTIATION' }));
    }
  });

  it.skipIf(session.expected_failure)('carries the recorded spoken answer', () => {
    const speak = encryptedFrames
      .filter((f) => f.dir === 's2c')
      .map((f) => parseHiveMessage(f.plaintext ?? ''))
      .find((m) => m.payload['type'] === 'speak');
    expect((speak?.payload['data'] as { utterance?: string } | undefined)?.utterance).toBe(session.session.speak_received?.utterance);
  });
});
