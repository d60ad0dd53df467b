/**
 * The vocabulary of the fault-injection proxy: directions, triggers, actions, events and options. Re-exported by
 * `proxy.ts`, which is the import surface.
 *
 * @module
 */
import { HivesatError } from '../../src/errors.js';
import type { Timers } from '../../src/timers.js';
import type { FrameKind } from './net-ws-frames.js';

/** `up`: client → upstream (the satellite talking to the hub); `down`: upstream → client. */
export type Direction = 'up' | 'down';

/** Where in a message a message trigger fires. */
export type MessagePoint =
  /** Before the first byte of the message's first frame: nothing of it passes. */
  | 'start'
  /** After the header and half the payload of its first frame: the peer holds a partial message. */
  | 'middle'
  /** After the last byte of its final frame: the peer has it whole. */
  | 'end';

/** When a fault fires. Offsets and message numbers count per connection and per direction. */
export type FaultTrigger =
  /** At TCP accept, before the upstream is dialled and before any byte passes. */
  | { readonly kind: 'accept' }
  /** When exactly `offset` bytes of `direction` have passed (0 = before the first byte). */
  | { readonly kind: 'bytes'; readonly direction: Direction; readonly offset: number }
  /**
   * At message number `index` (1-based) of `direction`, counting data messages (text and binary; control frames are
   * not messages) — or, with `of`, only messages of that kind. Default point `start`.
   */
  | { readonly kind: 'message'; readonly direction: Direction; readonly index: number; readonly of?: 'text' | 'binary'; readonly at?: MessagePoint };

/** What the proxy does when a fault fires. */
export type FaultAction =
  /** Drop both TCP connections without a close frame (the client sees 1006): `end` sends FIN, `reset` sends RST. */
  | { readonly kind: 'drop'; readonly how?: 'end' | 'reset' }
  /**
   * Play the server: write a close frame to the client (`code` absent = an empty close frame, seen as 1005), end the
   * client connection and drop the upstream. Well-formed only at a frame boundary of the `down` stream.
   */
  | { readonly kind: 'close'; readonly code?: number; readonly reason?: string }
  /** Half-open: stop forwarding both ways and keep both sockets open (bytes that arrive are read and discarded). */
  | { readonly kind: 'stall' }
  /** XOR the byte at the trigger point with `mask` (default 0x01), in the trigger's direction; forwarding goes on. */
  | { readonly kind: 'corrupt'; readonly mask?: number }
  /** From now on hold every chunk `ms` before forwarding it (fixed latency), in `direction` (default both). */
  | { readonly kind: 'delay'; readonly ms: number; readonly direction?: Direction | 'both' }
  /** From now on forward at most `bytesPerSecond`, in `direction` (default both). */
  | { readonly kind: 'throttle'; readonly bytesPerSecond: number; readonly direction?: Direction | 'both' }
  /**
   * Not a WebSocket server: (at accept) never dial the upstream; answer `reply` (default: nothing at all) and, if
   * `end`, close the connection after it.
   */
  | { readonly kind: 'notWebSocket'; readonly reply?: string | Uint8Array; readonly end?: boolean };

/** A fault armed for matching connections. */
export interface ProxyFault {
  readonly when: FaultTrigger;
  readonly action: FaultAction;
  /** 1-based connection numbers it applies to (e.g. `[1]`: the first connection only, reconnects pass). Default all. */
  readonly connections?: readonly number[];
}

/** A fault that fired (also for {@link FaultAction}s injected by hand, with `when` undefined). */
export interface FiredFault {
  /** Connection number. */
  readonly connection: number;
  readonly action: FaultAction;
  readonly when: FaultTrigger | undefined;
  /** Direction and byte offset of the trigger point (absent for accept and injected faults). */
  readonly direction?: Direction;
  readonly offset?: number;
}

/** A data message that passed whole. */
export interface PassedMessage {
  readonly connection: number;
  readonly direction: Direction;
  /** 1-based number among this direction's data messages, and among those of its kind. */
  readonly index: number;
  readonly kindIndex: number;
  readonly kind: Exclude<FrameKind, 'control'>;
  /** Payload bytes over all its frames. */
  readonly payloadBytes: number;
  /** Offset in this direction's stream just after its last byte. */
  readonly end: number;
}

/** A control frame (ping, pong, close) that passed. */
export interface PassedControl {
  readonly connection: number;
  readonly direction: Direction;
  readonly opcode: number;
}

/** Events of a fault proxy. */
export type FaultProxyEvents = {
  /** A TCP connection was accepted (attempt number `connection.id`). */
  connection: [connection: ProxyConnectionView];
  /** A data message was forwarded whole. */
  message: [message: PassedMessage];
  /** A control frame was forwarded. */
  control: [frame: PassedControl];
  /** A fault fired. */
  fault: [fault: FiredFault];
  /** Both sockets of a connection are closed. */
  ended: [connection: ProxyConnectionView];
  /** Bytes arrived from one side (before any shaping). */
  received: [connection: number, direction: Direction, bytes: number];
  /** The proxy closed (by `close()` or at the end of its lifetime). */
  closed: [];
  /** Something went wrong inside the proxy (upstream refused, a bound was hit); never thrown. */
  problem: [connection: number, error: Error];
};

/** What tests see of one proxied connection. */
export interface ProxyConnectionView {
  /** 1-based attempt number. */
  readonly id: number;
  /** Bytes received from each side and forwarded to the other. */
  readonly bytes: {
    readonly received: Readonly<Record<Direction, number>>;
    readonly forwarded: Readonly<Record<Direction, number>>;
    /** Held back by delay/throttle right now. */
    readonly queued: Readonly<Record<Direction, number>>;
  };
  /** Data messages forwarded whole, per direction. */
  readonly messages: Readonly<Record<Direction, number>>;
  /** `open` (forwarding), `stalled`, `closing` (a fault or close is tearing it down) or `ended`. */
  readonly state: 'open' | 'stalled' | 'closing' | 'ended';
  /** Apply an action now (not `corrupt`, which needs a position). Bytes held back by delay/throttle are discarded. */
  inject(action: FaultAction): void;
}

/** Options of `startFaultProxy`. */
export interface FaultProxyOptions {
  /** The upstream (the test hub): a loopback host (default 127.0.0.1) and a port. */
  readonly upstream: { readonly host?: string; readonly port: number } | number;
  readonly faults?: readonly ProxyFault[];
  /** Bytes a direction may hold back (delay/throttle) before the sender is paused. Default 8 MiB. */
  readonly maxBufferedBytes?: number;
  /** Bytes one connection may carry in both directions together before it is dropped. Default 256 MiB. */
  readonly maxConnectionBytes?: number;
  /** Connections accepted over the proxy's life; later ones are refused (reset at once, still counted). Default 1,000. */
  readonly maxConnections?: number;
  /** The proxy closes itself this long after it started, ms. Default 120,000. */
  readonly lifetimeMs?: number;
  /** Timers of delay and throttle (not of the lifetime). Default the system timers. */
  readonly timers?: Timers;
}

/** Codes of {@link FaultProxyError}. */
export type FaultProxyErrorCode =
  /** An address that is not loopback (the proxy never listens or dials anywhere else). */
  | 'PROXY_ERR_NOT_LOOPBACK'
  /** A fault or option that cannot work (negative offset, corrupt injected without a position…). */
  | 'PROXY_ERR_OPTIONS'
  /** An awaited event did not come in time. */
  | 'PROXY_ERR_TIMEOUT'
  /** A bound was hit (volume, connections) or the proxy is closed. */
  | 'PROXY_ERR_LIMIT';

/** Misuse of the proxy, or a wait that timed out. */
export class FaultProxyError extends HivesatError<FaultProxyErrorCode> {
  override readonly name = 'FaultProxyError';
}
