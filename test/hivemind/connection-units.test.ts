/**
 * The pure parts of the connection client: preference lists and CPU detection, branch choice, the hub's
 * negotiated reply, backoff, the state table, session/HELLO/BUS building and the frame codec's edge cases.
 */
import { describe, expect, it } from 'vitest';
import { presharedKeyBytes } from '../../src/hivemind/aead.js';
import { Backoff } from '../../src/hivemind/backoff.js';
import { CONNECTION_STATES, assertTransition, canTransition } from '../../src/hivemind/connection-state.js';
import { type LegacyKeys, decodeFrame, encodeFrame } from '../../src/hivemind/frame-codec.js';
import { createHiveMessage } from '../../src/hivemind/message.js';
import {
  chooseBranch,
  cpuInfoHasAes,
  defaultCiphers,
  offersNoise,
  readNegotiated,
  resolvePreferences,
} from '../../src/hivemind/negotiation.js';
import { systemRandom } from '../../src/hivemind/random.js';
import { buildBus, buildHello, sessionIdOrNew, toOvosMessage } from '../../src/hivemind/session.js';
import { decodeWire1 } from '../../src/hivemind/wire1.js';
import { decryptBinFrame } from '../../src/hivemind/aead.js';

const code = (c: string): unknown => expect.objectContaining({ code: c });

describe('preferences', () => {
  it('reads the AES flag of x86 and ARM /proc/cpuinfo', () => {
    expect(cpuInfoHasAes('processor\t: 0\nflags\t\t: fpu vme sse2 aes avx\n')).toBe(true);
    expect(cpuInfoHasAes('processor\t: 0\nflags\t\t: fpu vme sse2 avx\n')).toBe(false);
    expect(cpuInfoHasAes('processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32\n')).toBe(true);
    expect(cpuInfoHasAes('processor\t: 0\nFeatures\t: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt\n')).toBe(false);
    expect(cpuInfoHasAes('model name : aes-less cpu\nflags : sse\n')).toBe(false);
  });

  it('orders ciphers by CPU and offers B64/HEX by default; one name = only that', () => {
    expect(defaultCiphers(true)).toEqual(['AES-GCM', 'CHACHA20-POLY1305']);
    expect(defaultCiphers(false)).toEqual(['CHACHA20-POLY1305', 'AES-GCM']);
    expect(resolvePreferences({ cpuHasAes: false })).toMatchObject({ ciphers: ['CHACHA20-POLY1305', 'AES-GCM'], encodings: ['JSON-B64', 'JSON-HEX'], binarize: false, warnings: [] });
    expect(resolvePreferences({ ciphers: ['CHACHA20-POLY1305'], encodings: ['JSON-HEX'], binarize: true })).toMatchObject({ ciphers: ['CHACHA20-POLY1305'], encodings: ['JSON-HEX'], binarize: true });
  });

  it('offers JSON-Z85P only when configured, with a warning; refuses unknown names and empty lists', () => {
    expect(resolvePreferences({}).encodings).not.toContain('JSON-Z85P');
    const z = resolvePreferences({ encodings: ['JSON-Z85P', 'JSON-HEX'] });
    expect(z.allowZ85P).toBe(true);
    expect(z.warnings[0]).toContain('JSON-Z85P');
    expect(() => resolvePreferences({ encodings: ['JSON-B65'] })).toThrow(code('HM_ERR_NEGOTIATION'));
    expect(() => resolvePreferences({ ciphers: [] })).toThrow(code('HM_ERR_NEGOTIATION'));
  });
});

describe('chooseBranch', () => {
  const v4 = { password: true, preshared_key: true, max_protocol_version: 1 };
  const vNew = { password: true, max_protocol_version: 3, noise: { patterns: ['XXpsk2'], suites: ['25519_ChaChaPoly_SHA256'] } };
  const v5 = { max_protocol_version: 3, noise: { patterns: ['XXpsk2'], suites: ['25519_ChaChaPoly_SHA256'] } };
  const pw = { hasPassword: true, hasNoisePsk: false, hasPresharedKey: false };
  const psk16 = { hasPassword: false, hasNoisePsk: false, hasPresharedKey: true };

  it.each([
    ['4.0 hub, password', v4, pw, 'auto', 'password'],
    ['new hub, auto', vNew, pw, 'auto', 'noise'],
    ['new hub, password mode', vNew, pw, 'password', 'password'],
    ['new hub, Noise PSK only', vNew, { ...pw, hasPassword: false, hasNoisePsk: true }, 'auto', 'noise'],
    ['5.x hub', v5, pw, 'auto', 'noise'],
    ['4.0 hub, pre-shared key only', v4, psk16, 'auto', 'preshared'],
  ] as const)('%s → %s', (_name, request, creds, mode, branch) => {
    expect(chooseBranch(request, creds, mode)).toBe(branch);
  });

  it.each([
    ['noise mode on a 4.0 hub', v4, pw, 'noise'],
    ['password mode on a 5.x hub', v5, pw, 'password'],
    ['no password, hub wants one', { ...v4, preshared_key: false }, psk16, 'auto'],
    ['hub has no password for us', { ...v4, password: false, preshared_key: false }, pw, 'auto'],
    ['noise offer below v3', { ...vNew, max_protocol_version: 2, password: false }, pw, 'auto'],
  ] as const)('%s → HM_ERR_NEGOTIATION', (_name, request, creds, mode) => {
    expect(() => chooseBranch(request, creds, mode)).toThrow(code('HM_ERR_NEGOTIATION'));
  });

  it('needs max_protocol_version >= 3 for Noise', () => {
    expect(offersNoise(vNew)).toBe(true);
    expect(offersNoise({ ...vNew, max_protocol_version: 2 })).toBe(false);
    expect(offersNoise(v4)).toBe(false);
  });
});

describe('readNegotiated', () => {
  const prefs = resolvePreferences({ ciphers: ['AES-GCM'], encodings: ['JSON-B64'] });
  it('uses the hub choice, falls back to AES-GCM / JSON-HEX, warns about unoffered choices', () => {
    expect(readNegotiated({ cipher: 'AES-GCM', encoding: 'JSON-B64' }, prefs)).toEqual({ cipher: 'AES-GCM', encoding: 'JSON-B64', warnings: [] });
    expect(readNegotiated({}, prefs)).toEqual({ cipher: 'AES-GCM', encoding: 'JSON-HEX', warnings: [] });
    expect(readNegotiated({ cipher: 'CHACHA20-POLY1305', encoding: 'JSON-B32' }, prefs).warnings).toHaveLength(2);
    expect(() => readNegotiated({ cipher: 'DES' }, prefs)).toThrow(code('HM_ERR_NEGOTIATION'));
    expect(() => readNegotiated({ encoding: 'JSON-B65' }, prefs)).toThrow(code('HM_ERR_NEGOTIATION'));
  });
});

describe('Backoff', () => {
  it('doubles from the first delay up to the cap, with jitter bounds, and resets', () => {
    let r = 0.5;
    const b = new Backoff({ initialDelayMs: 1_000, maxDelayMs: 5_000, random: () => r });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([1_000, 2_000, 4_000, 5_000]);
    r = 0;
    expect(b.next()).toBe(2_500);
    r = 0.999_999;
    expect(b.next()).toBeCloseTo(7_500, -1);
    expect(b.failures).toBe(6);
    b.reset();
    r = 0.5;
    expect(b.next()).toBe(1_000);
  });

  it('refuses nonsense', () => {
    expect(() => new Backoff({ initialDelayMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
    expect(() => new Backoff({ factor: 0.5 })).toThrow(RangeError);
    expect(() => new Backoff({ jitter: 1 })).toThrow(RangeError);
  });
});

describe('connection states', () => {
  it('allows only the documented transitions; closed is final', () => {
    expect(canTransition('idle', 'connecting')).toBe(true);
    expect(canTransition('ready', 'handshaking')).toBe(false);
    expect(canTransition('backing-off', 'connecting')).toBe(true);
    for (const to of CONNECTION_STATES) expect(canTransition('closed', to)).toBe(false);
    expect(() => assertTransition('idle', 'ready')).toThrow(/expected a transition out of 'idle'/);
  });
});

describe('session', () => {
  const identity = { sessionId: 'abc', siteId: 'kitchen', lang: 'en-US', useragent: 'UA' };
  it('builds the HELLO and BUS messages of §2.5.4 and §5.4', () => {
    expect(buildHello(identity).payload).toEqual({ session: { session_id: 'abc', site_id: 'kitchen', lang: 'en-US' }, site_id: 'kitchen' });
    expect(buildBus(identity, 't', { a: 1 }).payload).toEqual({
      type: 't',
      data: { a: 1 },
      context: { session: { session_id: 'abc', site_id: 'kitchen', lang: 'en-US' }, source: 'UA', platform: 'UA', destination: 'HiveMind' },
    });
  });

  it('never uses "default" as a session id', () => {
    expect(sessionIdOrNew()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
    expect(() => sessionIdOrNew('default')).toThrow(RangeError);
    expect(sessionIdOrNew('mine')).toBe('mine');
  });

  it('validates incoming OVOS messages', () => {
    expect(toOvosMessage({ type: 'speak' })).toEqual({ type: 'speak', data: {}, context: {} });
    expect(() => toOvosMessage({ data: {} })).toThrow(code('HM_ERR_BAD_ENVELOPE'));
    expect(() => toOvosMessage({ type: 'x', data: [] })).toThrow(code('HM_ERR_BAD_ENVELOPE'));
  });
});

describe('frame codec', () => {
  const keys: LegacyKeys = { kind: 'legacy', cipher: 'AES-GCM', encoding: 'JSON-HEX', key: presharedKeyBytes('0123456789abcdef'), allowZ85P: false };
  const options = { binarize: true, random: systemRandom };

  it('sends only HANDSHAKE/HELLO before keying, refuses anything else', () => {
    expect(typeof encodeFrame({ kind: 'message', message: createHiveMessage('shake', {}) }, undefined, options)).toBe('string');
    expect(() => encodeFrame({ kind: 'message', message: createHiveMessage('bus', {}) }, undefined, options)).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => encodeFrame({ kind: 'binary', binaryType: 1, payload: new Uint8Array(1), metadata: {} }, undefined, options)).toThrow(code('HM_ERR_HANDSHAKE'));
  });

  it('binarizes when asked, never HELLO, and falls back to JSON when metadata exceeds 255 bytes (P11)', () => {
    const bus = createHiveMessage('bus', { type: 't', data: {}, context: {} });
    expect(encodeFrame({ kind: 'message', message: bus }, keys, options)).toBeInstanceOf(Uint8Array);
    expect(typeof encodeFrame({ kind: 'message', message: createHiveMessage('hello', {}) }, keys, options)).toBe('string');
    const bigMeta = createHiveMessage('bus', { type: 't', data: {}, context: {} }, { metadata: { blob: systemRandom.bytes(400).toString() } });
    const frame = encodeFrame({ kind: 'message', message: bigMeta }, keys, options);
    expect(typeof frame).toBe('string');
    expect(() => encodeFrame({ kind: 'binary', binaryType: 6, payload: new Uint8Array(1), metadata: { blob: systemRandom.bytes(400).toString() } }, keys, options)).toThrow(code('HM_ERR_METADATA_TOO_LARGE'));
  });

  it('round-trips binary messages and reports what was encrypted', () => {
    const frame = encodeFrame({ kind: 'binary', binaryType: 1, payload: new Uint8Array([9, 8, 7]), metadata: { sample_rate: 16000 } }, keys, options);
    expect(decodeWire1(decryptBinFrame('AES-GCM', keys.key, frame as Uint8Array))).toMatchObject({ kind: 'binary', binaryType: 1 });
    expect(decodeFrame(frame as Uint8Array, true, keys)).toMatchObject({ kind: 'binary', encrypted: true, binaryType: 1, payload: new Uint8Array([9, 8, 7]) });
    const plain = new TextEncoder().encode(JSON.stringify({ msg_type: 'hello', payload: {} }));
    expect(decodeFrame(plain, false, keys)).toMatchObject({ kind: 'message', encrypted: false });
    expect(() => decodeFrame(new TextEncoder().encode(JSON.stringify({ ciphertext: 'aa', nonce: 'bb' })), false, undefined)).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => decodeFrame(new Uint8Array([0xff, 0xfe]), false, keys)).toThrow(code('HM_ERR_MALFORMED_JSON'));
  });
});
