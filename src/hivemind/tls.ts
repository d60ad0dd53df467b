/**
 * TLS for `wss://` hubs (HIVEMIND.md §1.2).
 *
 * Certificates are verified by default. Hubs usually run a self-signed certificate (hivemind-core generates one),
 * so `selfSigned: true` accepts a certificate that does not chain to a trusted CA — ideally pinned by its SHA-256
 * fingerprint. The pin is checked on `secureConnect`, **before** the upgrade request leaves: the socket is corked
 * until then, so a wrong server never sees the request, whose URL carries the access key.
 *
 * @module
 */
import type { createConnection as netCreateConnection } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { HiveConnectionError } from './connection-errors.js';

/** TLS options of a hub connection. */
export interface HubTlsOptions {
  /** Accept a certificate that does not chain to a trusted CA (hivemind-core's self-signed one). Default false. */
  readonly selfSigned?: boolean;
  /** SHA-256 fingerprint of the hub certificate (hex, colons optional); when set, any other certificate is refused. */
  readonly certFingerprint256?: string;
}

/**
 * Normalise a SHA-256 fingerprint to Node's form (`AB:CD:…`, upper case).
 *
 * @throws {RangeError} unless it is 32 bytes of hex, with or without `:` separators.
 */
export function normalizeFingerprint(fingerprint: string): string {
  const hex = fingerprint.replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new RangeError(`certFingerprint256: expected 64 hex digits (colons optional), got ${hex.length} characters`);
  return hex.toUpperCase().match(/../g)?.join(':') ?? '';
}

/**
 * The `createConnection` option for `ws` when a pin or self-signed certificates are configured, else `undefined`
 * (then `ws` verifies certificates itself).
 *
 * @throws {RangeError} for a malformed fingerprint.
 */
export function tlsCreateConnection(options: HubTlsOptions): typeof netCreateConnection | undefined {
  const selfSigned = options.selfSigned === true;
  const pin = options.certFingerprint256 === undefined ? undefined : normalizeFingerprint(options.certFingerprint256);
  if (!selfSigned && pin === undefined) return undefined;
  const create = (opts: ConnectionOptions): ReturnType<typeof tlsConnect> => {
    const socket = tlsConnect({ ...opts, rejectUnauthorized: !selfSigned });
    // Hold back everything written (the upgrade request) until the certificate has been checked.
    socket.cork();
    socket.once('secureConnect', () => {
      if (pin !== undefined) {
        const got = socket.getPeerCertificate().fingerprint256;
        if (got !== pin) {
          socket.destroy(new HiveConnectionError('HM_ERR_TLS', `expected the hub certificate with the pinned SHA-256 fingerprint ${pin.slice(0, 11)}…, got ${String(got).slice(0, 11)}…`));
          return;
        }
      }
      socket.uncork();
    });
    return socket;
  };
  // `ws` types the option as net.createConnection (all its overloads); it only ever calls it with an options object.
  return create as unknown as typeof netCreateConnection;
}
