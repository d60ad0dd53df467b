/**
 * Test doubles for the connection: a fake WebSocket driven by the test, and a scripted hub on top of it that keys
 * sessions with the legacy pre-shared key (synchronous crypto, so everything runs under `vi.useFakeTimers()`).
 */
import { EventEmitter } from 'node:events';
import { presharedKeyBytes } from '../../src/hivemind/aead.js';
import type { HubSocket, HubSocketOptions, WebSocketFactory } from '../../src/hivemind/connection-io.js';
import { decryptJsonFrame, encryptJsonFrame } from '../../src/hivemind/json-frame.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import { type HiveMessage, createHiveMessage, parseHiveMessage, serializeHiveMessage } from '../../src/hivemind/message.js';
import { systemRandom } from '../../src/hivemind/random.js';

/** The pre-shared key of the scripted hub (16 characters, AES-128-GCM). */
export const PSK16 = '0123456789abcdef';

/** A fake socket: records what the client does; the test opens it, feeds it frames and closes it. */
export class FakeSocket extends EventEmitter implements HubSocket {
  readyState = 0;
  readonly sent: (string | Uint8Array)[] = [];
  pings = 0;
  autoPong = true;
  closedByClient: { code: number | undefined; reason: string | undefined; terminated: boolean } | undefined;

  constructor(
    readonly url: string,
    readonly options: HubSocketOptions,
  ) {
    super();
  }

  send(data: string | Uint8Array, callback: (error?: Error) => void): void {
    this.sent.push(data);
    this.emit('client-frame', data);
    queueMicrotask(() => callback());
  }

  ping(): void {
    this.pings += 1;
    if (this.autoPong) queueMicrotask(() => this.emit('pong', Buffer.alloc(0)));
  }

  close(code?: number, reason?: string): void {
    if (this.closedByClient !== undefined || this.readyState === 3) return;
    this.closedByClient = { code, reason, terminated: false };
    this.readyState = 2;
    queueMicrotask(() => this.#closed(code ?? 1005, reason ?? ''));
  }

  terminate(): void {
    if (this.readyState === 3) return;
    this.closedByClient = { code: undefined, reason: undefined, terminated: true };
    queueMicrotask(() => this.#closed(1006, ''));
  }

  /** The upgrade succeeded. */
  open(): void {
    this.readyState = 1;
    this.emit('open');
  }

  /** The hub sends a frame. */
  serverSend(data: string | Uint8Array): void {
    this.emit('message', typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data), typeof data !== 'string');
  }

  /** The hub closes (or the network drops: 1006). */
  serverClose(code: number, reason = ''): void {
    this.#closed(code, reason);
  }

  /** The connection attempt fails (refused, DNS…): `error` then `close 1006`, as `ws` does. */
  failToConnect(message = 'connect ECONNREFUSED 127.0.0.1:5678'): void {
    this.emit('error', new Error(message));
    this.#closed(1006, '');
  }

  #closed(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', code, Buffer.from(reason, 'utf8'));
  }
}

/** A factory that records every socket. */
export function fakeFactory(onSocket?: (socket: FakeSocket) => void): { factory: WebSocketFactory; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    factory: (url, options) => {
      const socket = new FakeSocket(url, options);
      sockets.push(socket);
      onSocket?.(socket);
      return socket;
    },
  };
}

/** The hub HELLO. */
export function hubHello(peer = 'HivesatV0.1.0::1::test::default'): string {
  return serializeHiveMessage(createHiveMessage('hello', { pubkey: '', peer, node_id: 'master:0.0.0.0' }));
}

/** A 4.0-style HANDSHAKE request for a client that has only a pre-shared key. */
export function presharedRequest(extra: JsonObject = {}): string {
  return serializeHiveMessage(
    createHiveMessage('shake', {
      handshake: false,
      min_protocol_version: 0,
      max_protocol_version: 1,
      binarize: false,
      preshared_key: true,
      password: false,
      crypto_required: true,
      encodings: ['JSON-B64', 'JSON-HEX'],
      ciphers: ['CHACHA20-POLY1305', 'AES-GCM'],
      ...extra,
    }),
  );
}

const KEY = presharedKeyBytes(PSK16);

/** Encrypt a message with the pre-shared key session (AES-GCM, JSON-HEX). */
export function sealed(message: HiveMessage): string {
  return encryptJsonFrame('AES-GCM', 'JSON-HEX', KEY, serializeHiveMessage(message), systemRandom);
}

/** Decrypt a client frame of a pre-shared key session. */
export function opened(frame: string | Uint8Array): HiveMessage {
  if (typeof frame !== 'string') throw new Error('expected a text frame');
  return parseHiveMessage(new TextDecoder().decode(decryptJsonFrame('AES-GCM', 'JSON-HEX', KEY, frame)));
}

/** A BUS message from the hub, encrypted. */
export function hubBus(type: string, data: JsonObject = {}): string {
  return sealed(createHiveMessage('bus', { type, data, context: { source: 'hive', destination: 'peer' } }));
}

/** Open `socket` and greet like a 4.0 hub whose client has a pre-shared key: the client is ready afterwards. */
export function greet(socket: FakeSocket): void {
  socket.open();
  socket.serverSend(hubHello());
  socket.serverSend(presharedRequest());
}
