/**
 * HIVEMIND.md §3.3–3.4: JSON encrypted frames. Every `json[]` entry of crypto_vectors.json (7 encodings × AES-GCM
 * with 32-byte, 16-byte and str keys × ChaCha20-Poly1305), the §3.4 worked example, and malformed frames.
 */
import { describe, expect, it } from 'vitest';
import { HiveCryptoError, HiveProtocolError } from '../../src/hivemind/errors.js';
import { MAX_FRAME_BYTES } from '../../src/hivemind/constants.js';
import { recordedRandom, systemRandom } from '../../src/hivemind/random.js';
import { type HiveCipher, HIVE_CIPHERS, assertHiveCipher, nonceLength, presharedKeyBytes } from '../../src/hivemind/aead.js';
import { HIVE_ENCODINGS, type HiveEncoding, assertHiveEncoding, decodeField, encodeField } from '../../src/hivemind/encodings.js';
import { SENDABLE_ENCODINGS, decryptJsonFrame, encryptJsonFrame, isEncryptedJsonFrame } from '../../src/hivemind/json-frame.js';
import { hex, loadReferenceVectors } from '../helpers/vectors.js';

interface JsonVector {
  cipher: string;
  encoding: string;
  key_hex: string;
  key_is_str: boolean;
  nonce_hex: string;
  plaintext: string;
  expected: string;
  expected_parsed: { ciphertext: string; tag: string; nonce: string };
  decrypt_from_json_roundtrip_ok: boolean;
  decrypt_from_json_error?: string;
}

const crypto = loadReferenceVectors<{ json: JsonVector[] }>('crypto_vectors.json');

const code = (c: string): unknown => expect.objectContaining({ code: c });
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

function vectorKey(v: JsonVector): Uint8Array {
  return v.key_is_str ? presharedKeyBytes(Buffer.from(v.key_hex, 'hex').toString('utf8')) : hex(v.key_hex);
}

const rows = crypto.json.map((v, i) => ({ i, ...v }));

describe('crypto_vectors.json json[] (encrypt_as_json / decrypt_from_json of hivemind_bus_client 0.4.3)', () => {
  it('has 112 vectors: 16 per encoding', () => {
    expect(crypto.json).toHaveLength(112);
    for (const encoding of HIVE_ENCODINGS) expect(crypto.json.filter((v) => v.encoding === encoding)).toHaveLength(16);
  });

  it.each(rows)('#$i $cipher $encoding key_is_str=$key_is_str: encrypts byte-exactly', (v) => {
    const cipher = assertHiveCipher(v.cipher);
    const encoding = assertHiveEncoding(v.encoding);
    const key = vectorKey(v);
    const options = { allowUndecodableByHubs: encoding === 'JSON-Z85P' };
    const random = recordedRandom([hex(v.nonce_hex), hex(v.nonce_hex)]);
    expect(encryptJsonFrame(cipher, encoding, key, v.plaintext, random, options)).toBe(v.expected);
    expect(encryptJsonFrame(cipher, encoding, key, new Uint8Array(Buffer.from(v.plaintext, 'utf8')), random, options)).toBe(v.expected);
    expect(random.remaining).toBe(0);
  });

  it.each(rows)('#$i $cipher $encoding key_is_str=$key_is_str: decrypts, in any key order and layout', (v) => {
    const cipher = assertHiveCipher(v.cipher);
    const encoding = assertHiveEncoding(v.encoding);
    const key = vectorKey(v);
    // The reference hub can decode every encoding except Z85P (pitfall P10); we decode all seven.
    expect(v.decrypt_from_json_roundtrip_ok).toBe(encoding !== 'JSON-Z85P');
    if (encoding === 'JSON-Z85P') expect(v.decrypt_from_json_error).toContain('Invalid Z85 character');
    expect(JSON.parse(v.expected)).toEqual(v.expected_parsed);

    expect(text(decryptJsonFrame(cipher, encoding, key, v.expected))).toBe(v.plaintext);
    expect(text(decryptJsonFrame(cipher, encoding, key, { ...v.expected_parsed }))).toBe(v.plaintext);
    const { ciphertext, tag, nonce } = v.expected_parsed;
    const reordered = JSON.stringify({ nonce, extra: [1, { x: null }], tag, ciphertext }, null, 2);
    expect(text(decryptJsonFrame(cipher, encoding, key, reordered))).toBe(v.plaintext);
    expect(text(decryptJsonFrame(cipher, encoding, key, `\n\t{ "tag":${JSON.stringify(tag)} ,"nonce" :${JSON.stringify(nonce)},"ciphertext":${JSON.stringify(ciphertext)}}  `))).toBe(v.plaintext);
  });

  it.each(rows)('#$i $cipher $encoding: accepts the tag-less WebCrypto form (tag appended to the ciphertext)', (v) => {
    const cipher = assertHiveCipher(v.cipher);
    const encoding = assertHiveEncoding(v.encoding);
    const key = vectorKey(v);
    const ct = decodeField(encoding, v.expected_parsed.ciphertext);
    const tag = decodeField(encoding, v.expected_parsed.tag);
    const joined = encodeField(encoding, Uint8Array.from([...ct, ...tag]));
    expect(text(decryptJsonFrame(cipher, encoding, key, JSON.stringify({ ciphertext: joined, nonce: v.expected_parsed.nonce })))).toBe(v.plaintext);
    expect(text(decryptJsonFrame(cipher, encoding, key, { ciphertext: joined, tag: null, nonce: v.expected_parsed.nonce }))).toBe(v.plaintext);
  });

  it.each(rows.filter((v) => v.encoding === 'JSON-Z85P'))('#$i $cipher JSON-Z85P is refused for sending without the explicit option', (v) => {
    const cipher = assertHiveCipher(v.cipher);
    const send = (options?: { allowUndecodableByHubs: boolean }) => () =>
      encryptJsonFrame(cipher, 'JSON-Z85P', vectorKey(v), v.plaintext, recordedRandom([hex(v.nonce_hex)]), options);
    expect(send()).toThrow(HiveProtocolError);
    expect(send()).toThrow(code('HM_ERR_NEGOTIATION'));
    expect(send({ allowUndecodableByHubs: false })).toThrow(code('HM_ERR_NEGOTIATION'));
  });
});

describe('HIVEMIND.md §3.4 worked example (JSON-HEX, AES-256-GCM)', () => {
  it('reproduces the frame and decrypts it', () => {
    const key = hex('831231218d8f5549c2d657ce51ef63ef776834aaa068d85a5f33ff3797ba06d2');
    const plaintext =
      '{"msg_type": "hello", "payload": {"session": {"session_id": "11111111-2222-3333-4444-555555555555", "site_id": "kitchen", "lang": "en-US"}, "site_id": "kitchen"}, "metadata": {}, "route": [], "node": null, "target_site_id": null, "target_pubkey": null, "source_peer": null}';
    const expected =
      '{"ciphertext": "7e502b09740bf4fbd583c058037cd426b70bb18a48c5fbf8081d36734d1898cd17d548b21dca0d46a0ff03d906f4dc411cf1f194cb43e1666a129b0ce302f61c0520f8ee2f0f5b56671162b9460aba3f889aece4105e7773d71bcbb27abe3ada5a3336035da6d31709426ac63217b5a23c91be4d646ad333bdfeb805fd7406402f1e347e38f95be92f1dd590f4a9d03547b6842877a1096bf3a91777b4c832364bbd949d4a33df1e5cf97611f354258e6c3926cb21267737370df558136681a92022c0fa9dcfff6d54fa4ae6be9c0ccb26a8e1a8cfc4254290df493a329a0608cc08df3b88c867ad6e46a008b51b88bf273050ddf751322c3d4c81676b6a6b0ad245f75c0902cfe2cecaf4d89b09396ce5", "tag": "d1d750429780d055bdb437db52fb9724", "nonce": "000102030405060708090a0b0c0d0e0f"}';
    const random = recordedRandom([hex('000102030405060708090a0b0c0d0e0f')]);
    expect(encryptJsonFrame('AES-GCM', 'JSON-HEX', key, plaintext, random)).toBe(expected);
    expect(text(decryptJsonFrame('AES-GCM', 'JSON-HEX', key, expected))).toBe(plaintext);
  });
});

describe('sending', () => {
  it('SENDABLE_ENCODINGS is every encoding but JSON-Z85P, in SupportedEncodings order', () => {
    expect(SENDABLE_ENCODINGS).toEqual(['JSON-B91', 'JSON-Z85B', 'JSON-B64', 'JSON-URLSAFE-B64', 'JSON-B32', 'JSON-HEX']);
  });

  it.each(HIVE_CIPHERS.flatMap((cipher) => SENDABLE_ENCODINGS.map((encoding) => [cipher, encoding] as const)))(
    '%s %s: round-trips with fresh randomness, including text that needs escaping in the plaintext',
    (cipher, encoding) => {
      const key = new Uint8Array(32).fill(9);
      for (const plaintext of ['', '{"msg_type": "bus", "payload": {"utterance": "ol\u00e1 \\"quoted\\" \u2713 \ud83d\udc1d"}}', 'x'.repeat(5000)]) {
        const frame = encryptJsonFrame(cipher, encoding, key, plaintext, systemRandom);
        expect(Object.keys(JSON.parse(frame) as object)).toEqual(['ciphertext', 'tag', 'nonce']);
        expect(text(decryptJsonFrame(cipher, encoding, key, frame))).toBe(plaintext);
      }
    },
  );

  it('refuses unknown encodings and ciphers, and bad keys', () => {
    const key = new Uint8Array(32);
    expect(() => encryptJsonFrame('AES-GCM', 'JSON-B85' as HiveEncoding, key, 'x', systemRandom)).toThrow(code('HM_ERR_NEGOTIATION'));
    expect(() => encryptJsonFrame('AES' as HiveCipher, 'JSON-HEX', key, 'x', systemRandom)).toThrow(code('HM_ERR_UNKNOWN_CIPHER'));
    expect(() => encryptJsonFrame('CHACHA20-POLY1305', 'JSON-HEX', new Uint8Array(16), 'x', systemRandom)).toThrow(code('HM_ERR_BAD_KEY'));
  });

  it('refuses plaintexts whose frame would exceed MAX_FRAME_BYTES', () => {
    const key = new Uint8Array(32);
    expect(() => encryptJsonFrame('AES-GCM', 'JSON-B64', key, new Uint8Array(MAX_FRAME_BYTES + 1), systemRandom)).toThrow(code('HM_ERR_FRAME_TOO_LARGE'));
    // Fits as bytes, but hex doubles it.
    expect(() => encryptJsonFrame('AES-GCM', 'JSON-HEX', key, new Uint8Array(MAX_FRAME_BYTES / 2), systemRandom)).toThrow(code('HM_ERR_FRAME_TOO_LARGE'));
  });
});

describe('receiving malformed frames', () => {
  const v = rows.find((r) => r.cipher === 'AES-GCM' && r.encoding === 'JSON-B64' && !r.key_is_str && r.plaintext === 'hello');
  if (v === undefined) throw new Error('vector missing');
  const key = hex(v.key_hex);
  const { ciphertext, tag, nonce } = v.expected_parsed;
  const decrypt = (frame: string | Record<string, unknown>, encoding: HiveEncoding = 'JSON-B64', k = key) => () =>
    decryptJsonFrame('AES-GCM', encoding, k, frame as string);

  it.each([
    ['HM_ERR_MALFORMED_JSON', 'not json'],
    ['HM_ERR_MALFORMED_JSON', ''],
    ['HM_ERR_MALFORMED_JSON', '{"ciphertext": "QsZP0Hc=",'],
    ['HM_ERR_BAD_ENVELOPE', '[]'],
    ['HM_ERR_BAD_ENVELOPE', '"ciphertext"'],
    ['HM_ERR_BAD_ENVELOPE', 'null'],
    ['HM_ERR_BAD_ENVELOPE', '42'],
    ['HM_ERR_BAD_ENVELOPE', JSON.stringify({ tag, nonce })],
    ['HM_ERR_BAD_ENVELOPE', JSON.stringify({ ciphertext, tag })],
    ['HM_ERR_BAD_ENVELOPE', JSON.stringify({ ciphertext: 5, tag, nonce })],
    ['HM_ERR_BAD_ENVELOPE', JSON.stringify({ ciphertext, tag: 5, nonce })],
    ['HM_ERR_BAD_ENVELOPE', JSON.stringify({ ciphertext, tag: [tag], nonce })],
    ['HM_ERR_BAD_ENVELOPE', JSON.stringify({ ciphertext, tag, nonce: null })],
    ['HM_ERR_BAD_ENCODING', JSON.stringify({ ciphertext: 'QsZP0Hc', tag, nonce })],
    ['HM_ERR_BAD_ENCODING', JSON.stringify({ ciphertext, tag: `${tag} `, nonce })],
    ['HM_ERR_BAD_ENCODING', JSON.stringify({ ciphertext, tag, nonce: 'oKGio6SlpqeoqaqrrK2urw' })],
    ['HM_ERR_BAD_NONCE', JSON.stringify({ ciphertext, tag, nonce: 'oKGio6SlpqeoqaqrrK2u' })],
    ['HM_ERR_BAD_NONCE', JSON.stringify({ ciphertext: 'QsZP0Hc=', nonce })],
    ['HM_ERR_BAD_TAG', JSON.stringify({ ciphertext, tag: '', nonce })],
    ['HM_ERR_BAD_TAG', JSON.stringify({ ciphertext, tag: 'nfIkn+6gyOXurV7fK63r', nonce })],
    ['HM_ERR_BAD_TAG', JSON.stringify({ ciphertext, tag: 'nfIkn+6gyOXurV7fK63rKQ==', nonce })],
    ['HM_ERR_BAD_TAG', JSON.stringify({ ciphertext: 'QsZP0HY=', tag, nonce })],
    ['HM_ERR_BAD_TAG', JSON.stringify({ ciphertext, tag, nonce: 'oKGio6SlpqeoqaqrrK2urg==' })],
    ['HM_ERR_BAD_TAG', JSON.stringify({ ciphertext: 'QsZP', tag, nonce })],
  ])('%s: %s', (expected, frame) => {
    expect(decrypt(frame)).toThrow(code(expected));
    const cls = expected.startsWith('HM_ERR_BAD_TAG') || expected === 'HM_ERR_BAD_NONCE' ? HiveCryptoError : HiveProtocolError;
    expect(decrypt(frame)).toThrow(cls);
  });

  it('wrong key, wrong encoding, wrong cipher', () => {
    const frame = v.expected;
    const wrong = key.slice();
    wrong[31] = (wrong[31] ?? 0) ^ 0x80;
    expect(decrypt(frame, 'JSON-B64', wrong)).toThrow(code('HM_ERR_BAD_TAG'));
    expect(decrypt(frame, 'JSON-HEX')).toThrow(code('HM_ERR_BAD_ENCODING'));
    expect(decrypt(frame, 'JSON-B85' as HiveEncoding)).toThrow(code('HM_ERR_NEGOTIATION'));
    expect(() => decryptJsonFrame('CHACHA20-POLY1305', 'JSON-B64', key, frame)).toThrow(code('HM_ERR_BAD_NONCE'));
    expect(() => decryptJsonFrame('AES-GCMX' as HiveCipher, 'JSON-B64', key, frame)).toThrow(code('HM_ERR_UNKNOWN_CIPHER'));
    expect(decrypt(frame, 'JSON-B64', new Uint8Array(31))).toThrow(code('HM_ERR_BAD_KEY'));
  });

  it('refuses text above MAX_FRAME_BYTES before parsing', () => {
    const huge = `{"ciphertext": "${'A'.repeat(MAX_FRAME_BYTES)}", "tag": "${tag}", "nonce": "${nonce}"}`;
    expect(decrypt(huge)).toThrow(code('HM_ERR_FRAME_TOO_LARGE'));
  });

  it('handles deeply nested garbage without overflowing the stack', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(decrypt(deep)).toThrow(code('HM_ERR_BAD_ENVELOPE'));
    const deepObject = `{"ciphertext": ${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}, "tag": "${tag}", "nonce": "${nonce}"}`;
    expect(decrypt(deepObject)).toThrow(code('HM_ERR_BAD_ENVELOPE'));
  });

  it('flipping any character of the frame fields fails closed', () => {
    const frame = JSON.parse(v.expected) as Record<string, string>;
    for (const field of ['ciphertext', 'tag', 'nonce']) {
      const value = frame[field] ?? '';
      for (let i = 0; i < value.length; i++) {
        if (value[i] === '=') continue;
        const swapped = value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1);
        expect(decrypt({ ...frame, [field]: swapped })).toThrow(expect.objectContaining({ code: expect.stringMatching(/^HM_ERR_BAD_(TAG|ENCODING)$/) }));
      }
    }
  });
});

describe('isEncryptedJsonFrame (P15: test the parsed key, never a substring)', () => {
  it('is true only for objects with a ciphertext key', () => {
    expect(isEncryptedJsonFrame({ ciphertext: 'x', nonce: 'y' })).toBe(true);
    expect(isEncryptedJsonFrame({ msg_type: 'bus', payload: { utterance: '"ciphertext"' } })).toBe(false);
    expect(isEncryptedJsonFrame(['ciphertext'])).toBe(false);
    expect(isEncryptedJsonFrame('ciphertext')).toBe(false);
    expect(isEncryptedJsonFrame(null)).toBe(false);
  });
});

describe('nonce sizes in frames', () => {
  it.each(HIVE_CIPHERS)('%s frames carry a nonce of the cipher size', (cipher) => {
    const frame = JSON.parse(encryptJsonFrame(cipher, 'JSON-HEX', new Uint8Array(32), 'x', systemRandom)) as { nonce: string };
    expect(frame.nonce).toHaveLength(nonceLength(cipher) * 2);
  });
});
