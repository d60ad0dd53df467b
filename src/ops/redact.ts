/**
 * Secret redaction for logs and hook output: secrets never reach the journal (STYLE.md §6.9).
 *
 * Two nets, because a secret can arrive either way:
 * - **by key name**: a field called `password`, `accessKey`, `noise_psk`, `authorization`, `envelope`… has its
 *   value replaced whatever it is (names are compared in snake_case, so `accessKey` and `access-key` match too);
 * - **by value pattern**, in every string (messages included): `?authorization=…` query values, `Authorization:`
 *   headers and `Bearer` tokens, `password=…` / `"password": "…"` pairs, and long hex runs (hSub envelopes are 48–80
 *   hex characters, PSKs and keys 64), plus the exact values registered with {@link Redactor.addSecret} (the
 *   configured password and access key).
 *
 * The long-hex rule also hides sha256 digests in log lines; `hivesat doctor` prints those on stdout, not in logs.
 *
 * @module
 */
import { SECRET_MIN_CHARS } from './constants.js';
import { errorCode } from '../errors.js';

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

/** Secret words, matched against the last part(s) of a snake_case field name. */
const SECRET_NAME =
  /(?:^|_)(?:password|passwd|pwd|passphrase|secret|token|psk|authorization|auth|cookie|set_cookie|envelope|hsub|credentials?|(?:access|api|private|secret|crypto|preshared|session|noise|master|encryption)_?key|key)$/;

/** `?authorization=…`, `&access_key=…` in URLs. */
const QUERY_SECRET = /([?&;](?:authorization|access_?key|api_?key|password|passwd|token|psk|key|secret)=)[^&#\s"'<>]*/gi;
/** `Authorization: Basic …`, `authorization=…` (not in a query: covered above), `Proxy-Authorization: …`. */
const AUTH_HEADER = /(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?)((?:basic|bearer|digest|token)\s+)?(?!\[REDACTED\])[^\s,;"'}&]+/gi;
/** `Bearer <token>` anywhere. */
const BEARER = /\b(bearer\s+)(?!\[REDACTED\])[A-Za-z0-9\-._~+/]+=*/gi;
/** `password=x`, `password: x`, `"password": "x"`, `'psk':'x'` and the like, in free text. */
const PAIR =
  /((["']?)\b(?:password|passwd|passphrase|secret|token|access[_-]?key|api[_-]?key|psk|noise[_-]?psk|preshared[_-]?key|crypto[_-]?key|private[_-]?key|secret[_-]?key|session[_-]?key|envelope|hsub)\2\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|(?!\[REDACTED\])[^\s,;&}\])"']+)/gi;
/** 48 or more hex digits in a row: envelopes, PSKs, keys. */
const LONG_HEX = /\b[0-9a-fA-F]{48,}\b/g;

/** Redacts secrets from strings and structured values. */
export interface Redactor {
  /** True if a field of this name holds a secret. */
  isSecretKey(key: string): boolean;
  /** `text` with every secret pattern and registered secret value replaced by {@link REDACTED}. */
  redactString(text: string): string;
  /** A copy of `value` with secret fields and secret-looking strings replaced (depth-limited; cycles cut). */
  redactValue(value: unknown, maxDepth?: number): unknown;
  /** Redact this exact value wherever it appears from now on (ignored below {@link SECRET_MIN_CHARS} characters). */
  addSecret(value: string | undefined): void;
}

/** Options of {@link createRedactor}. */
export interface RedactorOptions {
  /** Secret values known up front (the configured password, access key, PSK). */
  readonly secrets?: readonly (string | undefined)[];
  /** Additional field names to treat as secret, compared in snake_case. */
  readonly secretKeys?: readonly string[];
}

/** `accessKey` / `Access-Key` / `access key` → `access_key`. */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A {@link Redactor}. */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const extraKeys = new Set((options.secretKeys ?? []).map(snakeCase));
  const secrets = new Set<string>();
  let secretPattern: RegExp | undefined;

  const isSecretKey = (key: string): boolean => {
    const snake = snakeCase(key);
    return SECRET_NAME.test(snake) || extraKeys.has(snake);
  };

  const redactString = (text: string): string => {
    let out = text;
    if (secretPattern !== undefined) out = out.replace(secretPattern, REDACTED);
    return out
      .replace(QUERY_SECRET, `$1${REDACTED}`)
      .replace(AUTH_HEADER, (_m, head: string, scheme: string | undefined) => `${head}${scheme ?? ''}${REDACTED}`)
      .replace(BEARER, `$1${REDACTED}`)
      .replace(PAIR, (_m, head: string, _q: string, value: string) => {
        const quote = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
        return `${head}${quote}${REDACTED}${quote}`;
      })
      .replace(LONG_HEX, REDACTED);
  };

  const redactValue = (value: unknown, maxDepth = 6): unknown => {
    const seen = new WeakSet<object>();
    const walk = (v: unknown, depth: number): unknown => {
      if (typeof v === 'string') return redactString(v);
      if (typeof v !== 'object' || v === null) return v;
      if (seen.has(v)) return '[Circular]';
      if (depth >= maxDepth) return Array.isArray(v) ? '[Array]' : '[Object]';
      seen.add(v);
      if (v instanceof Error) {
        const code = errorCode(v);
        return { name: v.name, ...(typeof code === 'string' ? { code } : {}), message: redactString(v.message) };
      }
      if (v instanceof Uint8Array) return `[${v.byteLength} bytes]`;
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) out[key] = isSecretKey(key) && item !== undefined && item !== null ? REDACTED : walk(item, depth + 1);
      return out;
    };
    return walk(value, 0);
  };

  const addSecret = (value: string | undefined): void => {
    if (value === undefined || value.length < SECRET_MIN_CHARS || secrets.has(value)) return;
    secrets.add(value);
    // Longest first, so a secret that contains another is replaced whole.
    const sorted = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    secretPattern = new RegExp(sorted.join('|'), 'g');
  };

  for (const secret of options.secrets ?? []) addSecret(secret);
  return { isSecretKey, redactString, redactValue, addSecret };
}
