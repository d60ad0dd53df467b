/**
 * Which addresses count as loopback: the only ones `hivesat serve` may listen on, or accept as `Host`, without a
 * token.
 *
 * @module
 */
import { isIP } from 'node:net';

/** True for loopback addresses and `localhost`: 127.0.0.0/8, `::1`, `::ffff:127.x.x.x`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** The host part of a `Host` header: `127.0.0.1:8337` → `127.0.0.1`, `[::1]:8337` → `::1`, `localhost` as it is. */
export function hostOfHeader(value: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (m !== null) return m[1] ?? '';
  const colon = value.lastIndexOf(':');
  return colon >= 0 && value.indexOf(':') === colon ? value.slice(0, colon) : value;
}
