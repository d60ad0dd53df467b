/**
 * The `authorization` query argument of the HiveMind WebSocket URL (HIVEMIND.md §1.1, pitfalls P16, P17).
 *
 * `AUTH = base64(utf8(useragent + ":" + access_key))`, standard alphabet with `=` padding. Two server generations
 * read it differently: hivemind-websocket-plugin 0.0.3 splits the raw URI on `/?authorization=` (no
 * percent-decoding) and then `split(":")` into exactly two parts; newer plugins use Tornado's query parsing, which
 * turns `+` into a space. So the useragent must not contain `:`, and the base64 must not contain `+` (neither raw
 * nor `%2B` works on both); `/` and `=` are safe. We avoid `+` by appending characters to the useragent until the
 * base64 is clean (this moves the `:` and the access key to another byte alignment), and report the useragent
 * actually used. Appending cannot help when the useragent's own bytes encode to `+` — in UTF-8 only `>`, `~` and
 * non-ASCII characters can — so those are then replaced by `_` first.
 *
 * @module
 */
import { HiveProtocolError } from './errors.js';

/** Default port of the hivemind-websocket-plugin (HIVEMIND.md §1.1). */
export const DEFAULT_HUB_PORT = 5678;

/** Characters appended to a useragent to move a `+` out of the base64 (URL-safe and `:`-free). */
const USERAGENT_SUFFIX_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** How many useragent variants {@link buildAuthorization} tries per base useragent (1 + 36 + 36²). */
const MAX_USERAGENT_VARIANTS = 1 + 36 + 36 * 36;

/** Useragent characters that can never put a `+` in the base64 (everything else is replaced in the fallback). */
const UNSAFE_USERAGENT_CHARS = /[^A-Za-z0-9._-]/g;

/** The result of {@link buildAuthorization}. */
export interface Authorization {
  /** The useragent actually encoded: the one given, possibly with a suffix that keeps `+` out of the base64. */
  readonly useragent: string;
  /** `base64(utf8(useragent:accessKey))`, free of `+`. */
  readonly authorization: string;
}

function suffixFor(index: number): string {
  let suffix = '';
  let i = index;
  while (i > 0) {
    i -= 1;
    suffix = (USERAGENT_SUFFIX_ALPHABET[i % USERAGENT_SUFFIX_ALPHABET.length] ?? '') + suffix;
    i = Math.floor(i / USERAGENT_SUFFIX_ALPHABET.length);
  }
  return suffix;
}

function firstCleanVariant(useragent: string, accessKey: string): Authorization | undefined {
  // The base64 of the useragent's leading whole 3-byte groups is a prefix of every variant: if it holds a "+",
  // no suffix can remove it.
  const bytes = Buffer.from(useragent, 'utf8');
  if (bytes.subarray(0, bytes.length - (bytes.length % 3)).toString('base64').includes('+')) return undefined;
  for (let i = 0; i < MAX_USERAGENT_VARIANTS; i++) {
    const candidate = useragent + suffixFor(i);
    const authorization = Buffer.from(`${candidate}:${accessKey}`, 'utf8').toString('base64');
    if (!authorization.includes('+')) return { useragent: candidate, authorization };
  }
  return undefined;
}

/**
 * Build the `authorization` value for a useragent and access key, adjusting the useragent so the base64 holds no `+`
 * (suffix first; `>`, `~` and non-ASCII characters replaced by `_` only if a suffix cannot help).
 *
 * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) if the useragent is empty or contains `:`, the access key is empty,
 *   or no useragent variant avoids `+` (only possible when the access key itself encodes to `+`).
 */
export function buildAuthorization(useragent: string, accessKey: string): Authorization {
  if (typeof useragent !== 'string' || useragent.length === 0 || useragent.includes(':')) {
    const got = typeof useragent !== 'string' ? typeof useragent : useragent.length === 0 ? 'an empty one' : 'one containing ":"';
    throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected a non-empty useragent without ":", got ${got}`);
  }
  if (typeof accessKey !== 'string' || accessKey.length === 0) {
    throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected a non-empty access key, got ${typeof accessKey === 'string' ? 'an empty one' : typeof accessKey}`);
  }
  const found = firstCleanVariant(useragent, accessKey) ?? firstCleanVariant(useragent.replace(UNSAFE_USERAGENT_CHARS, '_'), accessKey);
  if (found !== undefined) return found;
  throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected an access key whose base64 can avoid "+", got one that cannot (${accessKey.length} chars)`);
}

/** Options of {@link buildHubUrl}. */
export interface HubUrlOptions {
  /** Use `wss://` (default: `wss` if `host` starts with `wss://`, else `ws`). */
  readonly tls?: boolean;
}

/**
 * The hub URL as the reference client builds it: `ws://host:port?authorization=AUTH` (`build_url`, no `/` before
 * `?`). WebSocket clients, `ws` included, send the request target `/?authorization=AUTH` for it, which is exactly
 * what both server generations look for, so the two spellings are equivalent on the wire. `host` may carry a
 * `ws://` or `wss://` prefix (as in the reference identity file); IPv6 literals are bracketed.
 *
 * @throws {RangeError} if `port` is not an integer in 1..65535 or `host` is empty.
 */
export function buildHubUrl(host: string, port: number, authorization: string, options: HubUrlOptions = {}): string {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new RangeError(`expected a port in 1..65535, got ${port}`);
  let bare = host;
  let tls = options.tls;
  const prefix = /^(wss?):\/\//i.exec(host);
  if (prefix !== null) {
    bare = host.slice(prefix[0].length);
    tls ??= (prefix[1] ?? '').toLowerCase() === 'wss';
  }
  bare = bare.replace(/\/+$/, '');
  if (bare.length === 0) throw new RangeError('expected a hub host name, got an empty one');
  if (bare.includes(':') && !bare.startsWith('[')) bare = `[${bare}]`;
  return `${tls === true ? 'wss' : 'ws'}://${bare}:${port}?authorization=${authorization}`;
}

/**
 * Decode an `authorization` value as a newer hub does (`b64decode(validate=True)`, then `split(":", 1)`), for a
 * test hub. The value must already be URL-decoded.
 *
 * @throws {HM_ERR_BAD_ENCODING} (HiveProtocolError) if it is not strict padded standard base64 of UTF-8;
 *   {HM_ERR_HANDSHAKE} if there is no `:` or either part is empty.
 */
export function parseAuthorization(authorization: string): { readonly useragent: string; readonly accessKey: string } {
  const value = authorization.trim();
  if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw new HiveProtocolError('HM_ERR_BAD_ENCODING', `expected padded standard base64, got ${value.length} chars that are not`);
  }
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'base64'));
  } catch (cause) {
    throw new HiveProtocolError('HM_ERR_BAD_ENCODING', 'expected base64 of UTF-8 text, got other bytes', undefined, { cause });
  }
  const colon = decoded.indexOf(':');
  const useragent = colon < 0 ? '' : decoded.slice(0, colon);
  const accessKey = colon < 0 ? '' : decoded.slice(colon + 1);
  if (useragent.length === 0 || accessKey.length === 0) {
    throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected "useragent:access_key" with both parts non-empty, got ${colon < 0 ? 'no ":"' : 'an empty part'}`);
  }
  return { useragent, accessKey };
}
