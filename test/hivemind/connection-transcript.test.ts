/**
 * Conformance against the recorded reference sessions (test/vectors/session_transcripts.json): a scripted `ws`
 * server replays the recorded hub frames byte for byte, and the client must
 * - send the upgrade request with the recorded `authorization`,
 * - send a HANDSHAKE text frame byte-equal to the recorded one (same IV, same preference lists),
 * - send HELLO and the utterance encrypted so that they decrypt with the recorded session key,
 * - decrypt the recorded `ovos.utterance.handled` and `speak` frames, so that `ask()` resolves with the recorded
 *   utterance.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { type HiveCipher } from '../../src/hivemind/aead.js';
import { type CloseInfo, HubConnection } from '../../src/hivemind/connection.js';
import type { HiveEncoding } from '../../src/hivemind/encodings.js';
import { decryptJsonFrame } from '../../src/hivemind/json-frame.js';
import { parseHiveMessage } from '../../src/hivemind/message.js';
import { type RandomSource, systemRandom } from '../../src/hivemind/random.js';
import { hex, loadReferenceVectors } from '../helpers/vectors.js';

interface Frame {
  dir: 'c2s' | 's2c';
  kind?: 'http';
  text?: string;
  frame_type?: 'text' | 'binary' | 'close';
  wire_text?: string;
  wire_hex?: string;
}
interface Session {
  name: string;
  expected_failure: boolean;
  session: {
    access_key: string;
    password: string;
    useragent: string;
    session_id: string;
    client_sent_encodings: string[];
    client_sent_ciphers: string[];
    negotiated_cipher: HiveCipher;
    negotiated_encoding: HiveEncoding;
    client_binarize_enabled: boolean;
    client_iv_hex: string;
    session_key_hex: string;
    speak_received: { utterance: string } | null;
  };
  frames: Frame[];
}

const sessions = loadReferenceVectors<{ sessions: Session[] }>('session_transcripts.json').sessions;

/** The recorded client IV first, then fresh randomness (AEAD nonces). */
function ivThenSystem(iv: Uint8Array): RandomSource {
  let first = true;
  return {
    bytes(length: number): Uint8Array {
      if (first) {
        first = false;
        expect(length).toBe(iv.length);
        return iv.slice();
      }
      return systemRandom.bytes(length);
    },
  };
}

const servers: WebSocketServer[] = [];
const connections: HubConnection[] = [];
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function replayServer(): Promise<{ server: WebSocketServer; port: number; accepted: Promise<{ socket: ServerSocket; url: string }> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  await once(server, 'listening');
  const accepted = new Promise<{ socket: ServerSocket; url: string }>((resolve) => {
    server.once('connection', (socket, request) => resolve({ socket, url: request.url ?? '' }));
  });
  return { server, port: (server.address() as AddressInfo).port, accepted };
}

/** Next message from the client, as text. */
function nextMessage(socket: ServerSocket): Promise<{ text: string; isBinary: boolean }> {
  return new Promise((resolve) => socket.once('message', (data: Buffer, isBinary: boolean) => resolve({ text: data.toString('utf8'), isBinary })));
}

function s2c(session: Session, from: number): Frame[] {
  return session.frames.slice(from).filter((f) => f.dir === 's2c' && (f.frame_type === 'text' || f.frame_type === 'binary'));
}

describe.each(sessions.map((s) => [s.name, s] as const))('recorded session %s', (_name, session) => {
  it('handshakes byte for byte, keys the session and (where the hub answered) asks', async () => {
    const { port, accepted } = await replayServer();
    const s = session.session;
    const key = hex(s.session_key_hex);
    const conn = new HubConnection({
      host: '127.0.0.1',
      port,
      accessKey: s.access_key,
      password: s.password,
      useragent: s.useragent,
      sessionId: s.session_id,
      ciphers: s.client_sent_ciphers,
      encodings: s.client_sent_encodings,
      binarize: s.client_binarize_enabled,
      random: ivThenSystem(hex(s.client_iv_hex)),
      reconnect: { enabled: false },
    });
    connections.push(conn);
    conn.on('error', () => undefined);
    const ready = conn.connect();

    const { socket, url } = await accepted;
    const recordedUpgrade = session.frames.find((f) => f.dir === 'c2s' && f.kind === 'http')?.text ?? '';
    expect(recordedUpgrade.startsWith(`GET ${url} HTTP/1.1`)).toBe(true);

    // The hub speaks first: HELLO and the HANDSHAKE request, recorded bytes.
    const firstC2s = session.frames.findIndex((f) => f.dir === 'c2s' && f.frame_type === 'text');
    const greeting = session.frames.slice(0, firstC2s).filter((f) => f.dir === 's2c' && f.frame_type === 'text');
    expect(greeting).toHaveLength(2);
    const shakeFromClient = nextMessage(socket);
    for (const f of greeting) socket.send(f.wire_text ?? '');

    const shake = await shakeFromClient;
    expect(shake.isBinary).toBe(false);
    expect(shake.text).toBe(session.frames[firstC2s]?.wire_text);

    // The hub's envelope, then our encrypted HELLO.
    const envelope = session.frames.slice(firstC2s + 1).find((f) => f.dir === 's2c' && f.frame_type === 'text');
    const helloFromClient = nextMessage(socket);
    socket.send(envelope?.wire_text ?? '');
    const info = await ready;
    expect(info).toMatchObject({ protocol: 'password', cipher: s.negotiated_cipher, encoding: s.negotiated_encoding, binarize: false, sessionId: s.session_id });

    const hello = await helloFromClient;
    expect(hello.isBinary).toBe(false);
    const helloMessage = parseHiveMessage(new TextDecoder().decode(decryptJsonFrame(s.negotiated_cipher, s.negotiated_encoding, key, hello.text)));
    expect(helloMessage.msg_type).toBe('hello');
    expect(helloMessage.payload).toEqual({ session: { session_id: s.session_id, site_id: 'unknown', lang: 'en-US' }, site_id: 'unknown' });

    if (session.expected_failure) {
      // s08: the real hub dropped the connection at this HELLO (JSON-Z85P). The client survives the drop.
      const closed = new Promise<CloseInfo>((resolve) => conn.once('close', resolve));
      socket.terminate();
      expect((await closed).code).toBe(1006);
      expect(conn.state).toBe('closed');
      return;
    }

    const utteranceFromClient = nextMessage(socket);
    const asked = conn.ask('what time is it', { settleMs: 50, timeoutMs: 10_000 });
    const utterance = await utteranceFromClient;
    const busMessage = parseHiveMessage(new TextDecoder().decode(decryptJsonFrame(s.negotiated_cipher, s.negotiated_encoding, key, utterance.text)));
    expect(busMessage.msg_type).toBe('bus');
    expect(busMessage.payload).toMatchObject({
      type: 'recognizer_loop:utterance',
      data: { utterances: ['what time is it'], lang: 'en-US' },
      context: { session: { session_id: s.session_id }, destination: 'HiveMind', source: s.useragent },
    });
    expect(JSON.stringify(busMessage.payload)).not.toContain('pipeline');

    // The recorded replies, byte for byte (ovos.utterance.handled arrives before speak, as recorded).
    for (const f of s2c(session, session.frames.indexOf(envelope ?? greeting[0]!) + 1)) {
      if (f.frame_type === 'text') socket.send(f.wire_text ?? '');
      else socket.send(hex(f.wire_hex ?? ''));
    }
    const result = await asked;
    expect(result.utterances).toEqual([s.speak_received?.utterance]);
    expect(result.utterances).toEqual(['you said what time is it']);
    expect(result.end).toBe('handled');
  });
});
