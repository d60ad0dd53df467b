/**
 * One proxied connection: the client socket, the upstream socket, a lane each way, the WebSocket tokenizer of each
 * direction, and the faults armed for this connection number. Faults fire at exact byte positions: each token is cut
 * at the trigger points, the bytes before a point are queued, then the action is queued behind them.
 *
 * @module
 */
import { type Socket, connect } from 'node:net';
import type { Timers } from '../../src/timers.js';
import { Lane } from './net-lane.js';
import {
  type Direction, type FaultAction, FaultProxyError, type FaultTrigger, type FiredFault, type PassedControl, type PassedMessage, type ProxyConnectionView,
  type ProxyFault,
} from './net-proxy-types.js';
import { type FrameInfo, type WsToken, WsStreamParser, serverCloseFrame } from './net-ws-frames.js';

/** After a FIN, how long the proxy waits for the peer to close before destroying the socket, ms. */
const LINGER_MS = 1_000;
const DEFAULT_CORRUPT_MASK = 0x01;
const DIRECTIONS: readonly Direction[] = ['up', 'down'];

/** What a connection reports to its proxy. */
export interface ConnectionHooks {
  readonly upstream: { readonly host: string; readonly port: number };
  readonly timers: Timers;
  readonly maxBufferedBytes: number;
  readonly maxConnectionBytes: number;
  message(message: PassedMessage): void;
  control(frame: PassedControl): void;
  fault(fault: FiredFault): void;
  received(connection: number, direction: Direction, bytes: number): void;
  ended(connection: ProxyConnection): void;
  problem(connection: number, error: Error): void;
}

interface Armed {
  readonly fault: ProxyFault;
  /** Absolute offset of the trigger point, once known. */
  at: number | undefined;
  /** Waiting for the final frame of this message number (an `end` trigger on a fragmented message). */
  endOf: number | undefined;
  done: boolean;
}

/** True for actions after which nothing more is forwarded. */
function isTerminal(action: FaultAction): boolean {
  return action.kind === 'drop' || action.kind === 'close' || action.kind === 'stall' || action.kind === 'notWebSocket';
}

function messageMatch(t: Extract<FaultTrigger, { kind: 'message' }>, f: FrameInfo): boolean {
  if (!f.first) return false;
  return t.of === undefined ? f.message === t.index : f.kind === t.of && f.kindIndex === t.index;
}

/** A client connection and its upstream, forwarded with faults. */
export class ProxyConnection implements ProxyConnectionView {
  readonly id: number;
  readonly bytes: { received: Record<Direction, number>; forwarded: Record<Direction, number>; queued: Readonly<Record<Direction, number>> };
  readonly messages = { up: 0, down: 0 };
  state: ProxyConnectionView['state'] = 'open';
  readonly #h: ConnectionHooks;
  readonly #client: Socket;
  #upstream: Socket | undefined;
  readonly #parsers: Record<Direction, WsStreamParser> = { up: new WsStreamParser(), down: new WsStreamParser() };
  readonly #lanes: Partial<Record<Direction, Lane>> = {};
  readonly #armed: Record<Direction, Armed[]> = { up: [], down: [] };
  readonly #accept: ProxyFault[] = [];
  readonly #corrupt: Record<Direction, Map<number, { mask: number; fault: ProxyFault }>> = { up: new Map(), down: new Map() };
  readonly #payloadSoFar: Record<Direction, number> = { up: 0, down: 0 };
  #open = 0;
  /** Shaping set at accept, for the down lane that exists only once the upstream is dialled. */
  #pendingShape: { delayMs?: number; bytesPerSecond?: number } = {};
  #linger: NodeJS.Timeout | undefined;

  constructor(id: number, client: Socket, faults: readonly ProxyFault[], hooks: ConnectionHooks) {
    this.id = id;
    const lanes = this.#lanes;
    this.bytes = {
      received: { up: 0, down: 0 },
      forwarded: { up: 0, down: 0 },
      queued: {
        get up(): number {
          return lanes.up?.queuedBytes ?? 0;
        },
        get down(): number {
          return lanes.down?.queuedBytes ?? 0;
        },
      },
    };
    this.#client = client;
    this.#h = hooks;
    for (const fault of faults) {
      const w = fault.when;
      if (w.kind === 'accept') this.#accept.push(fault);
      else if (w.kind === 'bytes' && fault.action.kind === 'corrupt') this.#corrupt[w.direction].set(w.offset, { mask: fault.action.mask ?? DEFAULT_CORRUPT_MASK, fault });
      else this.#armed[w.direction].push({ fault, at: w.kind === 'bytes' ? w.offset : undefined, endOf: undefined, done: false });
    }
  }

  /** Start: accept faults first, then dial the upstream unless one of them ended the story. */
  start(): void {
    this.#watch(this.#client, 'up');
    this.#lanes.up = this.#lane(this.#client, 'up');
    for (const fault of this.#accept) {
      this.#fire(fault.action, { connection: this.id, action: fault.action, when: fault.when });
      if (isTerminal(fault.action)) return;
    }
    const upstream = connect({ host: this.#h.upstream.host, port: this.#h.upstream.port });
    this.#upstream = upstream;
    this.#watch(upstream, 'down');
    const down = this.#lane(upstream, 'down');
    down.delayMs = this.#pendingShape.delayMs ?? 0;
    if (this.#pendingShape.bytesPerSecond !== undefined) down.bytesPerSecond = this.#pendingShape.bytesPerSecond;
    this.#lanes.down = down;
    down.attach(this.#client);
    this.#lanes.up.attach(upstream);
  }

  inject(action: FaultAction): void {
    if (action.kind === 'corrupt') throw new FaultProxyError('PROXY_ERR_OPTIONS', 'expected a positioned trigger for corrupt, got an injected one');
    if (this.state === 'ended') return;
    this.#fire(action, { connection: this.id, action, when: undefined });
  }

  /** Destroy both sockets (proxy shutdown). */
  destroy(): void {
    this.#client.destroy();
    this.#upstream?.destroy();
  }

  // ------------------------------------------------------------------------------------------ plumbing

  #lane(src: Socket, direction: Direction): Lane {
    return new Lane(src, { timers: this.#h.timers, maxBufferedBytes: this.#h.maxBufferedBytes, written: (n) => (this.bytes.forwarded[direction] += n) });
  }


  #watch(socket: Socket, direction: Direction): void {
    this.#open += 1;
    socket.on('data', (chunk: Buffer) => this.#onData(direction, chunk));
    socket.on('error', (error) => {
      if (direction === 'down' && this.bytes.received.down === 0) this.#h.problem(this.id, error);
    });
    socket.on('end', () => {
      if (this.state === 'stalled') this.destroy(); // a half-open connection ends when either side gives up
      const other = direction === 'up' ? this.#upstream : this.#client;
      if (this.state !== 'open' || other === undefined) return;
      this.#lanes[direction]?.call(() => other.end());
    });
    socket.on('close', () => {
      this.#open -= 1;
      const other = direction === 'up' ? this.#upstream : this.#client;
      const lane = this.#lanes[direction];
      if (this.state === 'open' && lane !== undefined && other !== undefined) lane.call(() => other.destroy());
      else other?.destroy();
      if (this.#open === 0) this.#ended();
    });
  }

  #ended(): void {
    this.state = 'ended';
    for (const d of DIRECTIONS) this.#lanes[d]?.stop();
    if (this.#linger !== undefined) clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#h.ended(this);
  }

  #onData(direction: Direction, chunk: Buffer): void {
    if (this.state !== 'open') return; // stalled or torn down: read and discard
    this.bytes.received[direction] += chunk.length;
    if (this.bytes.received.up + this.bytes.received.down > this.#h.maxConnectionBytes) {
      this.#h.problem(this.id, new FaultProxyError('PROXY_ERR_LIMIT', `expected at most ${this.#h.maxConnectionBytes} bytes on connection ${this.id}, got more: dropped`));
      this.#fire({ kind: 'drop', how: 'reset' }, undefined);
      return;
    }
    for (const token of this.#parsers[direction].push(chunk)) {
      if (!this.#route(direction, token)) break;
    }
    this.#h.received(this.id, direction, chunk.length);
  }

  /** Queue one token, cut at trigger points. False once a terminal fault was queued (the rest is discarded). */
  #route(d: Direction, token: WsToken): boolean {
    const lane = this.#lanes[d] as Lane;
    const end = token.at + token.bytes.length;
    if (token.kind === 'header') this.#resolve(d, token.at, token.frame);
    const points = this.#armed[d].filter((a) => !a.done && a.at !== undefined && a.at >= token.at && a.at <= end).sort((a, b) => (a.at as number) - (b.at as number));
    let cursor = token.at;
    const passPoint = (a: Armed): boolean => {
      a.done = true;
      const fired: FiredFault = { connection: this.id, action: a.fault.action, when: a.fault.when, direction: d, offset: a.at as number };
      lane.call(() => this.#fire(a.fault.action, fired));
      return !isTerminal(a.fault.action);
    };
    for (const a of points) {
      if ((a.at as number) === end) continue;
      this.#pushBytes(d, cursor, token.bytes.subarray(cursor - token.at, (a.at as number) - token.at));
      cursor = a.at as number;
      if (!passPoint(a)) return false;
    }
    this.#pushBytes(d, cursor, token.bytes.subarray(cursor - token.at));
    this.#afterToken(d, token);
    for (const a of points) if (!a.done && !passPoint(a)) return false;
    return true;
  }

  /** Resolve message triggers on a frame header; corrupt faults become byte positions. */
  #resolve(d: Direction, at: number, f: FrameInfo): void {
    for (const a of this.#armed[d]) {
      const w = a.fault.when;
      if (a.done || a.at !== undefined || w.kind !== 'message') continue;
      const frameEnd = at + f.headerLength + f.payloadLength;
      if (a.endOf !== undefined) {
        if (f.message === a.endOf && f.last) a.at = frameEnd;
        continue;
      }
      if (!messageMatch(w, f)) continue;
      const point = w.at ?? 'start';
      if (point === 'start') a.at = at;
      else if (point === 'middle') a.at = at + f.headerLength + Math.floor(f.payloadLength / 2);
      else if (f.last) a.at = frameEnd;
      else a.endOf = f.message;
    }
    for (const a of this.#armed[d]) {
      if (a.done || a.at === undefined || a.fault.action.kind !== 'corrupt') continue;
      a.done = true;
      this.#corrupt[d].set(a.at, { mask: a.fault.action.mask ?? DEFAULT_CORRUPT_MASK, fault: a.fault });
    }
  }

  #pushBytes(d: Direction, at: number, bytes: Buffer): void {
    if (bytes.length === 0) return;
    const lane = this.#lanes[d] as Lane;
    let out = bytes;
    const fired: FiredFault[] = [];
    for (const [offset, c] of this.#corrupt[d]) {
      if (offset < at || offset >= at + bytes.length) continue;
      if (out === bytes) out = Buffer.from(bytes);
      out[offset - at] = (out[offset - at] as number) ^ c.mask;
      this.#corrupt[d].delete(offset);
      fired.push({ connection: this.id, action: c.fault.action, when: c.fault.when, direction: d, offset });
    }
    lane.push(out);
    for (const f of fired) lane.call(() => this.#h.fault(f));
  }

  /** Message and control-frame bookkeeping once a token's last byte is queued. */
  #afterToken(d: Direction, token: WsToken): void {
    if (token.kind !== 'header' && token.kind !== 'payload') return;
    const f = token.frame;
    const frameDone = token.kind === 'header' ? f.payloadLength === 0 : token.offset + token.bytes.length === f.payloadLength;
    if (token.kind === 'payload' && f.kind !== 'control') this.#payloadSoFar[d] += token.bytes.length;
    if (!frameDone) return;
    const lane = this.#lanes[d] as Lane;
    if (f.kind === 'control') {
      lane.call(() => this.#h.control({ connection: this.id, direction: d, opcode: f.opcode }));
      return;
    }
    if (!f.last) return;
    const payloadBytes = this.#payloadSoFar[d];
    this.#payloadSoFar[d] = 0;
    const kind = f.kind;
    const end = token.at + token.bytes.length;
    lane.call(() => {
      this.messages[d] += 1;
      this.#h.message({ connection: this.id, direction: d, index: f.message, kindIndex: f.kindIndex, kind, payloadBytes, end });
    });
  }

  // ------------------------------------------------------------------------------------------ actions

  #fire(action: FaultAction, fired: FiredFault | undefined): void {
    if (this.state === 'ended') return;
    switch (action.kind) {
      case 'delay':
      case 'throttle':
        this.#shape(action);
        break;
      case 'stall':
        this.state = 'stalled';
        for (const d of DIRECTIONS) this.#lanes[d]?.stop();
        break;
      case 'drop':
        this.#teardown();
        if (action.how === 'reset') {
          this.#client.resetAndDestroy();
          this.#upstream?.resetAndDestroy();
        } else {
          this.#client.end();
          this.#upstream?.end();
          this.#lingerThenDestroy();
        }
        break;
      case 'close':
        this.#teardown();
        this.#client.end(serverCloseFrame(action.code, action.reason));
        this.#upstream?.destroy();
        this.#lingerThenDestroy();
        break;
      case 'notWebSocket':
        this.#teardown();
        if (action.reply !== undefined) this.#client.write(action.reply);
        if (action.end === true) {
          this.#client.end();
          this.#lingerThenDestroy();
        }
        break;
      case 'corrupt':
        break; // positioned: handled in #pushBytes
      default:
        action satisfies never;
    }
    if (fired !== undefined) this.#h.fault(fired);
  }

  #shape(action: Extract<FaultAction, { kind: 'delay' | 'throttle' }>): void {
    const dirs = action.direction === undefined || action.direction === 'both' ? DIRECTIONS : [action.direction];
    for (const d of dirs) {
      const lane = this.#lanes[d];
      if (action.kind === 'delay') {
        if (lane !== undefined) lane.delayMs = action.ms;
        else if (d === 'down') this.#pendingShape.delayMs = action.ms;
      } else if (lane !== undefined) lane.bytesPerSecond = action.bytesPerSecond;
      else if (d === 'down') this.#pendingShape.bytesPerSecond = action.bytesPerSecond;
    }
  }

  #teardown(): void {
    this.state = 'closing';
    for (const d of DIRECTIONS) this.#lanes[d]?.stop();
  }

  #lingerThenDestroy(): void {
    this.#linger ??= setTimeout(() => this.destroy(), LINGER_MS);
    this.#linger.unref();
  }
}
