/**
 * HIVEMIND.md §3.1–3.2: AEAD ciphers and binary frames. Reference vectors (crypto_vectors.json `bin[]`), the
 * HiveMind-js AES-GCM vector, HIVEMIND.md Appendix B frames, misuse, and a cross-check against @noble/ciphers.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { HiveCryptoError, HiveProtocolError } from '../../src/hivemind/errors.js';
import { MAX_FRAME_BYTES } from '../../src/hivemind/constants.js';
import { type RandomSource, recordedRandom, systemRandom } from '../../src/hivemind/random.js';
import {
  DEFAULT_CIPHER,
  HIVE_CIPHERS,
  type HiveCipher,
  assertHiveCipher,
  assertKey,
  decryptBinFrame,
  encryptBinFrame,
  isHiveCipher,
  nonceLength,
  open,
  presharedKeyBytes,
  seal,
} from '../../src/hivemind/aead.js';
import { describeWithPublicVectors, hex, loadReferenceVectors, toHex } from '../helpers/vectors.js';

interface BinVector {
  cipher: string;
  key_hex: string;
  key_is_str: boolean;
  key_note: string;
  nonce_hex: string;
  plaintext: string;
  plaintext_hex: string;
  expected_hex: string;
  layout: { nonce_hex: string; ciphertext_hex: string; tag_hex: string };
  decrypt_bin_roundtrip_ok: boolean;
}
interface PublicVectors {
  aes_gcm: { key_hex: string; plaintext: string; nonce_hex: string; ciphertext_hex: string; tag_hex: string };
}

const crypto = loadReferenceVectors<{ bin: BinVector[] }>('crypto_vectors.json');

const code = (c: string): unknown => expect.objectContaining({ code: c });
const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** The key as the reference used it: a str key is its UTF-8 bytes (legacy pre-shared key, §2.8). */
function vectorKey(v: { key_hex: string; key_is_str: boolean }): Uint8Array {
  if (!v.key_is_str) return hex(v.key_hex);
  const key = presharedKeyBytes(Buffer.from(v.key_hex, 'hex').toString('utf8'));
  expect(toHex(key)).toBe(v.key_hex);
  return key;
}

describe('crypto_vectors.json bin[] (encrypt_bin / decrypt_bin of hivemind_bus_client 0.4.3)', () => {
  it('has 16 vectors: 12 AES-GCM (32-byte, 16-byte and str keys) and 4 ChaCha20-Poly1305', () => {
    expect(crypto.bin).toHaveLength(16);
    expect(crypto.bin.filter((v) => v.key_is_str)).toHaveLength(4);
  });

  it.each(crypto.bin.map((v, i) => ({ i, ...v })))('#$i $cipher, $key_note, plaintext of $plaintext_hex.length hex digits', (v) => {
    const cipher = assertHiveCipher(v.cipher);
    const key = vectorKey(v);
    const plaintext = hex(v.plaintext_hex);
    expect(toHex(utf8(v.plaintext))).toBe(v.plaintext_hex);
    expect(v.decrypt_bin_roundtrip_ok).toBe(true);
    expect(v.expected_hex).toBe(v.layout.nonce_hex + v.layout.ciphertext_hex + v.layout.tag_hex);
    expect(v.nonce_hex).toBe(v.layout.nonce_hex);

    const random = recordedRandom([hex(v.nonce_hex)]);
    expect(toHex(encryptBinFrame(cipher, key, plaintext, random))).toBe(v.expected_hex);
    expect(random.remaining).toBe(0);
    expect(toHex(decryptBinFrame(cipher, key, hex(v.expected_hex)))).toBe(v.plaintext_hex);

    const box = seal(cipher, key, hex(v.nonce_hex), plaintext);
    expect(toHex(box.ciphertext)).toBe(v.layout.ciphertext_hex);
    expect(toHex(box.tag)).toBe(v.layout.tag_hex);
    expect(toHex(open(cipher, key, hex(v.nonce_hex), hex(v.layout.ciphertext_hex), hex(v.layout.tag_hex)))).toBe(v.plaintext_hex);
  });
});

describeWithPublicVectors<PublicVectors>('HiveMind-js test/vectors.json aes_gcm (HIVEMIND.md §3.4)', 'hivemind-js_vectors.json', (publicVectors) => {
  it('seals and opens byte-exactly', () => {
    const v = publicVectors.aes_gcm;
    const box = seal('AES-GCM', hex(v.key_hex), hex(v.nonce_hex), utf8(v.plaintext));
    expect(toHex(box.ciphertext)).toBe(v.ciphertext_hex);
    expect(toHex(box.tag)).toBe(v.tag_hex);
    const frame = hex(v.nonce_hex + v.ciphertext_hex + v.tag_hex);
    expect(Buffer.from(decryptBinFrame('AES-GCM', hex(v.key_hex), frame)).toString('utf8')).toBe(v.plaintext);
  });
});

describe('HIVEMIND.md Appendix B binary frames (same plaintext under both ciphers)', () => {
  const key = hex('831231218d8f5549c2d657ce51ef63ef776834aaa068d85a5f33ff3797ba06d2');
  const frames: Record<HiveCipher, string> = {
    'CHACHA20-POLY1305':
      '000102030405060708090a0bcbfee5707ccfc8eea473991031713b7b5cefacbef33c28693a55050575a842f68c11d024bd6058ad667b0d55e232daa4a83cd35f33b8309c30de783170272569d686b30b75ba8c823768ac27bac57ef8e9f962475cb8ba3d841b551bff7a2af4d684113233351ccffd4f3ecc4f046850ebf3d29ffec6a61183dd3f4a5a23de5d76ea06373e6ce504b9b40f3a7dc5de537d109f7f1ed8de545a53fcd1cbc5',
    'AES-GCM':
      '000102030405060708090a0b0c0d0e0f86783ee6b8fa8582a493e29b5bc2f1cf166d1ce8686186eda0bd46e097888f33a4e6631a28ba4b74b9b27428983457ba8db94ff1bb1e3db248b6876c27abbdb803f6bf97774e7702c96a6c495379ce549263288fb6bc490ad59c9ef5a8ab2a67aec4c7a2cb8ab43a9d6181485b61ff7ce3178bcf5e2b542b260cb7976a1d8f7ec9056e6ba66c0cd0a07f28fbe030174b9af5d0af88fe18dddd5d4370ae6b',
  };

  it('authenticates both, they carry the same plaintext, and re-encryption with the nonce reproduces them', () => {
    const plain = HIVE_CIPHERS.map((cipher) => {
      const frame = hex(frames[cipher]);
      const plaintext = decryptBinFrame(cipher, key, frame);
      const nonce = frame.subarray(0, nonceLength(cipher));
      expect(toHex(encryptBinFrame(cipher, key, plaintext, recordedRandom([nonce])))).toBe(frames[cipher]);
      return toHex(plaintext);
    });
    expect(plain[0]).toBe(plain[1]);
  });
});

describe('cipher registry', () => {
  it('names and sizes', () => {
    expect(HIVE_CIPHERS).toEqual(['AES-GCM', 'CHACHA20-POLY1305']);
    expect(DEFAULT_CIPHER).toBe('AES-GCM');
    expect(nonceLength('AES-GCM')).toBe(16);
    expect(nonceLength('CHACHA20-POLY1305')).toBe(12);
    for (const name of ['aes-gcm', 'AES-CBC', 'CHACHA20', '', 7, null]) {
      expect(isHiveCipher(name)).toBe(false);
      expect(() => assertHiveCipher(name)).toThrow(code('HM_ERR_UNKNOWN_CIPHER'));
    }
  });
});

describe('misuse', () => {
  const plaintext = utf8('hello');
  const bogus = 'AES-CBC' as HiveCipher;
  const validKeys: Record<HiveCipher, number[]> = { 'AES-GCM': [16, 24, 32], 'CHACHA20-POLY1305': [32] };
  const invalidKeys: Record<HiveCipher, number[]> = { 'AES-GCM': [0, 15, 17, 23, 25, 31, 33, 64], 'CHACHA20-POLY1305': [0, 16, 24, 31, 33] };

  it.each(HIVE_CIPHERS)('%s: every API refuses key lengths other than the valid ones (±1) with HM_ERR_BAD_KEY', (cipher) => {
    const n = nonceLength(cipher);
    for (const length of invalidKeys[cipher]) {
      const key = new Uint8Array(length);
      expect(() => assertKey(cipher, key)).toThrow(HiveCryptoError);
      expect(() => seal(cipher, key, new Uint8Array(n), plaintext)).toThrow(code('HM_ERR_BAD_KEY'));
      expect(() => open(cipher, key, new Uint8Array(n), plaintext, new Uint8Array(16))).toThrow(code('HM_ERR_BAD_KEY'));
      expect(() => encryptBinFrame(cipher, key, plaintext, systemRandom)).toThrow(code('HM_ERR_BAD_KEY'));
      expect(() => decryptBinFrame(cipher, key, new Uint8Array(n + 16))).toThrow(code('HM_ERR_BAD_KEY'));
    }
    for (const length of validKeys[cipher]) {
      const key = new Uint8Array(length).fill(7);
      expect(toHex(decryptBinFrame(cipher, key, encryptBinFrame(cipher, key, plaintext, systemRandom)))).toBe(toHex(plaintext));
    }
    expect(() => assertKey(cipher, 'k'.repeat(32) as unknown as Uint8Array)).toThrow(code('HM_ERR_BAD_KEY'));
  });

  it('an unknown cipher is HM_ERR_UNKNOWN_CIPHER everywhere', () => {
    const key = new Uint8Array(32);
    expect(() => seal(bogus, key, new Uint8Array(16), plaintext)).toThrow(code('HM_ERR_UNKNOWN_CIPHER'));
    expect(() => open(bogus, key, new Uint8Array(16), plaintext, new Uint8Array(16))).toThrow(code('HM_ERR_UNKNOWN_CIPHER'));
    expect(() => encryptBinFrame(bogus, key, plaintext, systemRandom)).toThrow(code('HM_ERR_UNKNOWN_CIPHER'));
    expect(() => decryptBinFrame(bogus, key, new Uint8Array(64))).toThrow(code('HM_ERR_UNKNOWN_CIPHER'));
  });

  it.each(HIVE_CIPHERS)('%s: wrong nonce lengths are HM_ERR_BAD_NONCE', (cipher) => {
    const key = new Uint8Array(32);
    const n = nonceLength(cipher);
    for (const length of [0, n - 1, n + 1, 32]) {
      expect(() => seal(cipher, key, new Uint8Array(length), plaintext)).toThrow(code('HM_ERR_BAD_NONCE'));
      expect(() => open(cipher, key, new Uint8Array(length), plaintext, new Uint8Array(16))).toThrow(code('HM_ERR_BAD_NONCE'));
      const liar: RandomSource = { bytes: () => new Uint8Array(length) };
      expect(() => encryptBinFrame(cipher, key, plaintext, liar)).toThrow(code('HM_ERR_BAD_NONCE'));
    }
  });

  it.each(HIVE_CIPHERS)('%s: frames shorter than nonce + tag are HM_ERR_BAD_NONCE', (cipher) => {
    const key = new Uint8Array(32);
    const n = nonceLength(cipher);
    for (const length of [0, 1, n, n + 15]) {
      expect(() => decryptBinFrame(cipher, key, new Uint8Array(length))).toThrow(code('HM_ERR_BAD_NONCE'));
    }
    // Exactly nonce + tag is an empty plaintext: well-formed, but this one is forged.
    expect(() => decryptBinFrame(cipher, key, new Uint8Array(n + 16))).toThrow(code('HM_ERR_BAD_TAG'));
  });

  it('a tag of the wrong length is HM_ERR_BAD_TAG', () => {
    const key = new Uint8Array(32);
    const box = seal('AES-GCM', key, new Uint8Array(16), plaintext);
    for (const length of [0, 4, 12, 15, 17]) {
      const tag = new Uint8Array(length);
      tag.set(box.tag.subarray(0, length));
      expect(() => open('AES-GCM', key, new Uint8Array(16), box.ciphertext, tag)).toThrow(code('HM_ERR_BAD_TAG'));
    }
  });

  it.each(crypto.bin.filter((v) => v.plaintext === 'hello').map((v, i) => ({ i, ...v })))(
    '$cipher ($key_note): every single-bit flip in nonce, ciphertext or tag is HM_ERR_BAD_TAG',
    (v) => {
      const cipher = assertHiveCipher(v.cipher);
      const key = vectorKey(v);
      const frame = hex(v.expected_hex);
      for (let bit = 0; bit < frame.length * 8; bit++) {
        const tampered = frame.slice();
        tampered[bit >> 3] = (tampered[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(() => decryptBinFrame(cipher, key, tampered)).toThrow(code('HM_ERR_BAD_TAG'));
      }
      const wrongKey = key.slice();
      wrongKey[0] = (wrongKey[0] ?? 0) ^ 1;
      expect(() => decryptBinFrame(cipher, wrongKey, frame)).toThrow(HiveCryptoError);
      expect(() => decryptBinFrame(cipher, wrongKey, frame)).toThrow(code('HM_ERR_BAD_TAG'));
      // Truncating or extending the frame moves the tag: also a forgery.
      expect(() => decryptBinFrame(cipher, key, frame.subarray(0, frame.length - 1))).toThrow(code('HM_ERR_BAD_TAG'));
      expect(() => decryptBinFrame(cipher, key, Uint8Array.from([...frame, 0]))).toThrow(code('HM_ERR_BAD_TAG'));
    },
  );

  it('refuses frames above MAX_FRAME_BYTES before doing any work', () => {
    const key = new Uint8Array(32);
    const big = new Uint8Array(MAX_FRAME_BYTES + 1);
    expect(() => decryptBinFrame('AES-GCM', key, big)).toThrow(HiveProtocolError);
    expect(() => decryptBinFrame('AES-GCM', key, big)).toThrow(code('HM_ERR_FRAME_TOO_LARGE'));
    const plaintext = big.subarray(0, MAX_FRAME_BYTES - 16 - 16 + 1);
    expect(() => encryptBinFrame('AES-GCM', key, plaintext, systemRandom)).toThrow(code('HM_ERR_FRAME_TOO_LARGE'));
    const fits = big.subarray(0, MAX_FRAME_BYTES - 12 - 16);
    expect(encryptBinFrame('CHACHA20-POLY1305', key, fits, systemRandom)).toHaveLength(MAX_FRAME_BYTES);
  });

  it('returns plain Uint8Arrays, and fresh nonces from the random source', () => {
    const key = new Uint8Array(32);
    const a = encryptBinFrame('AES-GCM', key, plaintext, systemRandom);
    const b = encryptBinFrame('AES-GCM', key, plaintext, systemRandom);
    expect(Buffer.isBuffer(a)).toBe(false);
    expect(Buffer.isBuffer(decryptBinFrame('AES-GCM', key, a))).toBe(false);
    expect(toHex(a.subarray(0, 16))).not.toBe(toHex(b.subarray(0, 16)));
  });

  it('decrypts frames that are views into a larger buffer', () => {
    const key = new Uint8Array(32).fill(3);
    const frame = encryptBinFrame('CHACHA20-POLY1305', key, plaintext, systemRandom);
    const host = new Uint8Array(frame.length + 10);
    host.set(frame, 5);
    expect(toHex(decryptBinFrame('CHACHA20-POLY1305', key, host.subarray(5, 5 + frame.length)))).toBe(toHex(plaintext));
  });
});

describe('presharedKeyBytes (HIVEMIND.md §2.8)', () => {
  it('is the UTF-8 bytes of the 16-character string, not hex-decoded', () => {
    expect(toHex(presharedKeyBytes('0123456789abcdef'))).toBe('30313233343536373839616263646566');
  });

  it('refuses other lengths, lone surrogates, non-strings, and UTF-8 forms that are no AES key size', () => {
    for (const bad of ['', '0123456789abcde', '0123456789abcdef0', '0123456789abcde\ud800', '\u00e9'.repeat(15)]) {
      expect(() => presharedKeyBytes(bad)).toThrow(code('HM_ERR_BAD_KEY'));
    }
    expect(() => presharedKeyBytes(12 as unknown as string)).toThrow(code('HM_ERR_BAD_KEY'));
    // 17 UTF-8 bytes: Python would build it too, and AES would then refuse it.
    expect(() => presharedKeyBytes('\u00e9123456789abcdef')).toThrow(code('HM_ERR_BAD_KEY'));
  });

  it('counts characters as Python does (code points) and accepts 24- or 32-byte UTF-8 forms', () => {
    expect(presharedKeyBytes('\u00e9'.repeat(8) + 'abcdefgh')).toHaveLength(24);
    expect(presharedKeyBytes('\u2713'.repeat(8) + 'abcdefgh')).toHaveLength(32);
    // 16 astral characters are 16 code points (32 UTF-16 units) and 64 bytes: no AES key size.
    expect(() => presharedKeyBytes('\u{1F41D}'.repeat(16))).toThrow(code('HM_ERR_BAD_KEY'));
    // 16 code points but 18 UTF-16 units: 2 astral + 2 two-byte + 12 ASCII characters = 24 bytes.
    expect(presharedKeyBytes('\u{1F41D}\u{1F41D}\u00e9\u00e9abcdefghijkl')).toHaveLength(24);
  });

  it('never puts the key in the error message', () => {
    try {
      presharedKeyBytes('SECRETSECRETSECRETX');
    } catch (error) {
      expect((error as Error).message).not.toContain('SECRET');
    }
  });
});

describe('node:crypto agrees with @noble/ciphers (independent oracle)', () => {
  function noble(cipher: HiveCipher, key: Uint8Array, nonce: Uint8Array) {
    return cipher === 'AES-GCM' ? gcm(key, nonce) : chacha20poly1305(key, nonce);
  }

  it.each(HIVE_CIPHERS)('%s: 300 random keys, nonces and lengths', (cipher) => {
    const keySizes = cipher === 'AES-GCM' ? [16, 24, 32] : [32];
    for (let i = 0; i < 300; i++) {
      const key = new Uint8Array(randomBytes(keySizes[i % keySizes.length] ?? 32));
      const nonce = new Uint8Array(randomBytes(nonceLength(cipher)));
      const length = i < 280 ? i : 1000 + i * 97;
      const plaintext = new Uint8Array(randomBytes(length));
      const box = seal(cipher, key, nonce, plaintext);
      const expected = noble(cipher, key, nonce).encrypt(plaintext);
      expect(toHex(box.ciphertext) + toHex(box.tag)).toBe(toHex(expected));
      const frame = new Uint8Array(nonce.length + expected.length);
      frame.set(nonce);
      frame.set(expected, nonce.length);
      expect(toHex(decryptBinFrame(cipher, key, frame))).toBe(toHex(plaintext));
    }
  });
});
