/**
 * `wss://` hubs: certificates are verified by default; `selfSigned` accepts hivemind-core's self-signed certificate;
 * a pinned SHA-256 fingerprint is checked before the upgrade request (which carries the access key) is sent.
 * A TLS-terminating proxy in front of the test hub plays the hub.
 */
import { connect as netConnect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type Server, createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { HubConnection, type HubConnectionOptions } from '../../src/hivemind/connection.js';
import { normalizeFingerprint } from '../../src/hivemind/tls.js';
import { type TestHub, startTestHub } from '../hub/index.js';

/** A self-signed test certificate (CN=hivesat-test-hub, SAN 127.0.0.1 and localhost, valid until 2126). */
const CERT = `-----BEGIN CERTIFICATE-----
MIIBqjCCAU+gAwIBAgIUZ19kiuAFd3X8DTHCciWZOFEDJtEwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQaGl2ZXNhdC10ZXN0LWh1YjAgFw0yNjExMjQxNzQzNTJaGA8y
MTI2MTAzMTE3NDM1MlowGzEZMBcGA1UEAwwQaGl2ZXNhdC10ZXN0LWh1YjBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABEwDrZS7X8pP6f2AgX+TPddShISK8I2PS2B4
PovSAgMUK3ByjCanJCod1QYLtswmlS/y1k9dSAq0BU/58JqV6jejbzBtMB0GA1Ud
DgQWBBT9tIPQ0UF0ncTGPuO3PHFOYCLwszAfBgNVHSMEGDAWgBT9tIPQ0UF0ncTG
PuO3PHFOYCLwszAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGHBH8AAAGCCWxv
Y2FsaG9zdDAKBggqhkjOPQQDAgNJADBGAiEA7/dH5pS2vT4K+eDr82n2kuM15x31
hbzvkEZa/BluZF0CIQDdfOGwXx6b7eCSKZRS21txaLGhMDWLVxR9q9Noc8Acqw==
-----END CERTIFICATE-----`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjIYcOXeSvwzKjodo
Vqh27N3Yuh9y6+hBn/IDKGGWZYehRANCAARMA62Uu1/KT+n9gIF/kz3XUoSEivCN
j0tgeD6L0gIDFCtwcowmpyQqHdUGC7bMJpUv8tZPXUgKtAVP+fCaleo3
-----END PRIVATE KEY-----`;
const FINGERPRINT = '2B:F5:1E:3F:5C:C9:59:57:62:35:D1:B2:F4:97:A4:6B:62:CF:92:DC:13:6D:78:D6:71:A6:32:4F:BC:54:FE:47';

const ACCESS_KEY = 'tls-access-key';
const PASSWORD = 'tls password 1234';
const code = (c: string): unknown => expect.objectContaining({ code: c });

let hub: TestHub | undefined;
let proxy: Server | undefined;
const conns: HubConnection[] = [];
afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.close()));
  await new Promise((resolve) => (proxy === undefined ? resolve(undefined) : proxy.close(resolve)));
  await hub?.stop();
  proxy = undefined;
  hub = undefined;
});

/** The test hub behind a TLS proxy; resolves with the proxy's port. */
async function tlsHub(): Promise<number> {
  hub = await startTestHub({ clients: [{ accessKey: ACCESS_KEY, password: PASSWORD }] });
  const port = hub.port;
  proxy = createTlsServer({ cert: CERT, key: KEY }, (socket) => {
    const upstream = netConnect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
  return (proxy.address() as AddressInfo).port;
}

function client(port: number, options: Partial<HubConnectionOptions> = {}): HubConnection {
  const conn = new HubConnection({ host: 'wss://127.0.0.1', port, accessKey: ACCESS_KEY, password: PASSWORD, handshake: 'password', reconnect: { initialDelayMs: 20 }, ...options });
  conn.on('error', () => undefined);
  conns.push(conn);
  return conn;
}

describe('TLS', () => {
  it('verifies certificates by default: a self-signed hub is refused for good (HM_ERR_TLS)', async () => {
    const port = await tlsHub();
    await expect(client(port).connect()).rejects.toThrow(code('HM_ERR_TLS'));
    expect(hub?.counts.attempts).toBe(0);
  });

  it('accepts the self-signed certificate with selfSigned', async () => {
    const port = await tlsHub();
    expect(await client(port, { selfSigned: true }).connect()).toMatchObject({ protocol: 'password' });
  });

  it('accepts the pinned fingerprint (any spelling) and refuses another before sending the access key', async () => {
    const port = await tlsHub();
    const pinned = FINGERPRINT.replace(/:/g, '').toLowerCase();
    expect(await client(port, { selfSigned: true, certFingerprint256: pinned }).connect()).toMatchObject({ protocol: 'password' });
    expect(hub?.counts.attempts).toBe(1);
    const wrong = client(port, { selfSigned: true, certFingerprint256: 'AA'.repeat(32) });
    await expect(wrong.connect()).rejects.toThrow(code('HM_ERR_TLS'));
    expect(hub?.counts.attempts).toBe(1); // the upgrade request never reached the hub
  });

  it('normalises fingerprints and refuses malformed ones', () => {
    expect(normalizeFingerprint(FINGERPRINT.toLowerCase())).toBe(FINGERPRINT);
    expect(normalizeFingerprint(FINGERPRINT.replace(/:/g, ''))).toBe(FINGERPRINT);
    expect(() => normalizeFingerprint('AB:CD')).toThrow(RangeError);
  });
});
