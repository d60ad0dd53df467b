/**
 * The `authorization` query argument and hub URL (HIVEMIND.md §1.1, P16, P17), against handshake_vectors.json
 * `authorization_url` and the §1.1 example.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HUB_PORT, buildAuthorization, buildHubUrl, parseAuthorization } from '../../src/hivemind/authorization.js';
import { HiveProtocolError } from '../../src/hivemind/errors.js';
import { loadReferenceVectors } from '../helpers/vectors.js';

interface HandshakeVectors {
  authorization_url: { build_url: string; rule: string };
}
const { authorization_url: recorded } = loadReferenceVectors<HandshakeVectors>('handshake_vectors.json');
const code = (c: string): unknown => expect.objectContaining({ code: c });

/** Useragents of printable ASCII, BMP and astral characters, without ":". */
const useragents = fc
  .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xd7ff }), fc.integer({ min: 0x1_0000, max: 0x10_ffff })), {
    minLength: 1,
    maxLength: 40,
  })
  .map((codePoints) => String.fromCodePoint(...codePoints))
  .filter((s) => !s.includes(':'));

describe('buildAuthorization / buildHubUrl', () => {
  it('reproduces the reference build_url byte for byte', () => {
    // The recorded capture used useragent "RefpeerCaptureClient" and access key "refpeer-test-access-key".
    const auth = buildAuthorization('RefpeerCaptureClient', 'refpeer-test-access-key');
    expect(auth.useragent).toBe('RefpeerCaptureClient');
    expect(buildHubUrl('127.0.0.1', DEFAULT_HUB_PORT, auth.authorization)).toBe(recorded.build_url);
    expect(recorded.rule).toContain("split('/?authorization=')");
    // What a WebSocket client puts on the request line: the "/?authorization=" both server generations look for.
    const url = new URL(recorded.build_url);
    expect(`${url.pathname}${url.search}`).toBe(`/?authorization=${auth.authorization}`);
  });

  it('reproduces the HIVEMIND.md §1.1 example', () => {
    expect(buildAuthorization('TSSat', '0123456789abcdef0123456789abcdef')).toEqual({
      useragent: 'TSSat',
      authorization: 'VFNTYXQ6MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
    });
  });

  it('appends to a useragent when the "+" comes from the ":" or key alignment', () => {
    expect(Buffer.from('a:>').toString('base64')).toBe('YTo+');
    const auth = buildAuthorization('a', '>');
    expect(auth).toEqual({ useragent: 'a0', authorization: 'YTA6Pg==' });
  });

  it('replaces ">", "~" and non-ASCII characters only when the useragent itself encodes to "+"', () => {
    expect(Buffer.from('ab>').toString('base64')).toBe('YWI+');
    const auth = buildAuthorization('ab>', 'k');
    expect(auth.authorization).not.toContain('+');
    expect(auth.useragent).toBe('ab_');
    expect(Buffer.from(auth.authorization, 'base64').toString('utf8')).toBe('ab_:k');
    expect(buildAuthorization('a>b', 'k').useragent.startsWith('a>b')).toBe(true);
  });

  it('refuses an access key that encodes to "+" in every alignment', () => {
    expect(() => buildAuthorization('Sat', '>>>~~~>>>')).toThrow(code('HM_ERR_HANDSHAKE'));
  });

  it('never emits "+", keeps plain useragents as a prefix, and decodes to useragent:key (property)', () => {
    fc.assert(
      fc.property(
        useragents,
        fc.stringMatching(/^[0-9a-f]{1,64}$/),
        (useragent, key) => {
          const auth = buildAuthorization(useragent, key);
          expect(auth.authorization).not.toContain('+');
          if (/^[A-Za-z0-9._-]+$/.test(useragent)) expect(auth.useragent.startsWith(useragent)).toBe(true);
          expect(parseAuthorization(auth.authorization)).toEqual({ useragent: auth.useragent, accessKey: key });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a useragent with ":" or empty parts, without echoing the key', () => {
    expect(() => buildAuthorization('Voice:Sat', 'secret-key')).toThrow(HiveProtocolError);
    expect(() => buildAuthorization('Voice:Sat', 'secret-key')).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => buildAuthorization('', 'secret-key')).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => buildAuthorization('Sat', '')).toThrow(code('HM_ERR_HANDSHAKE'));
    try {
      buildAuthorization('Voice:Sat', 'secret-key');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-key');
    }
  });

  it('takes the scheme from the host prefix or the tls option, and brackets IPv6', () => {
    expect(buildHubUrl('wss://hub.local', 5678, 'QQ==')).toBe('wss://hub.local:5678?authorization=QQ==');
    expect(buildHubUrl('ws://hub.local/', 5678, 'QQ==')).toBe('ws://hub.local:5678?authorization=QQ==');
    expect(buildHubUrl('hub.local', 443, 'QQ==', { tls: true })).toBe('wss://hub.local:443?authorization=QQ==');
    expect(buildHubUrl('::1', 5678, 'QQ==')).toBe('ws://[::1]:5678?authorization=QQ==');
    expect(() => buildHubUrl('hub', 0, 'QQ==')).toThrow(RangeError);
    expect(() => buildHubUrl('hub', 65_536, 'QQ==')).toThrow(RangeError);
    expect(() => buildHubUrl('wss://', 5678, 'QQ==')).toThrow(RangeError);
  });
});

describe('parseAuthorization (test hub side)', () => {
  it('decodes the recorded value and splits on the first ":"', () => {
    const value = recorded.build_url.split('?authorization=')[1] ?? '';
    expect(parseAuthorization(value)).toEqual({ useragent: 'RefpeerCaptureClient', accessKey: 'refpeer-test-access-key' });
    expect(parseAuthorization(Buffer.from('ua:a:b').toString('base64'))).toEqual({ useragent: 'ua', accessKey: 'a:b' });
  });

  it('refuses bad base64 and missing parts', () => {
    expect(() => parseAuthorization('abc')).toThrow(code('HM_ERR_BAD_ENCODING'));
    expect(() => parseAuthorization('ab c')).toThrow(code('HM_ERR_BAD_ENCODING'));
    expect(() => parseAuthorization(Buffer.from('nocolon').toString('base64'))).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => parseAuthorization(Buffer.from(':key').toString('base64'))).toThrow(code('HM_ERR_HANDSHAKE'));
    expect(() => parseAuthorization(Buffer.from([0xff, 0x3a, 0x41]).toString('base64'))).toThrow(code('HM_ERR_BAD_ENCODING'));
  });
});
