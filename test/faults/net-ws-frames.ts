/**
 * Just enough of RFC 6455 to know where WebSocket messages start and end in a byte stream that is being proxied:
 * the HTTP upgrade head (up to the blank line), then frames (§5.2: FIN, opcode, MASK, 7/16/64-bit payload length,
 * masking key). Payload bytes are never unmasked or interpreted: the proxy forwards them as they are.
 *
 * The parser turns each chunk into tokens that cover every input byte exactly once, in order. A frame header is
 * emitted whole even when it arrives split across chunks (it is held back until complete, ≤ 14 bytes), so a fault
 * can act before the first byte of a message whose kind is only known from its header.
 *
 * @module
 */

/** Parser states (declared `as const`, no `const enum`, as the ws parser does). */
export const PARSER_STATES = {
  /** Reading the HTTP request/response head, up to and including CRLF CRLF. */
  HTTP: 0,
  /** Reading a frame header (2 to 14 bytes). */
  HEADER: 1,
  /** Inside a frame's payload. */
  PAYLOAD: 2,
  /** Gave up (head too long, length over 2^53): the rest of the stream is opaque bytes. */
  OPAQUE: 3,
} as const;

/** A parser state. */
export type ParserState = (typeof PARSER_STATES)[keyof typeof PARSER_STATES];

/** Opcodes of RFC 6455 §5.2. */
export const OPCODES = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** Longest HTTP head we wait for before treating the stream as opaque, bytes (ws's own limit is 16 KiB). */
export const MAX_HTTP_HEAD_BYTES = 16_384;

/** Largest payload length we track: beyond 2^53 − 1 the stream is treated as opaque. */
const MAX_TRACKED_PAYLOAD = Number.MAX_SAFE_INTEGER;

/** What a frame carries. */
export type FrameKind = 'text' | 'binary' | 'control';

/** A parsed frame header and where its frame sits in the stream. */
export interface FrameInfo {
  /** Absolute offset of the frame's first header byte in this direction's stream. */
  readonly start: number;
  readonly headerLength: number;
  readonly payloadLength: number;
  readonly fin: boolean;
  readonly opcode: number;
  readonly masked: boolean;
  /** `text`/`binary` for data frames (continuations inherit their message's kind), else `control`. */
  readonly kind: FrameKind;
  /** 1-based number of the data message this frame belongs to (0 for control frames). */
  readonly message: number;
  /** 1-based number of that message among messages of the same kind (0 for control frames). */
  readonly kindIndex: number;
  /** This frame starts its message (a TEXT or BINARY opcode, not a continuation). */
  readonly first: boolean;
  /** This frame ends its message (FIN on a data frame). */
  readonly last: boolean;
}

/** A piece of the stream; tokens of one stream cover it exactly once, in order. */
export type WsToken =
  | { readonly kind: 'http'; readonly at: number; readonly bytes: Buffer; readonly complete: boolean }
  | { readonly kind: 'header'; readonly at: number; readonly bytes: Buffer; readonly frame: FrameInfo }
  | { readonly kind: 'payload'; readonly at: number; readonly bytes: Buffer; readonly frame: FrameInfo; readonly offset: number }
  | { readonly kind: 'opaque'; readonly at: number; readonly bytes: Buffer };

const CRLFCRLF = [0x0d, 0x0a, 0x0d, 0x0a] as const;

/** Options of {@link WsStreamParser}. */
export interface WsStreamParserOptions {
  /** The stream starts with an HTTP head (true for both directions of a WebSocket connection). Default true. */
  readonly http?: boolean;
  /** Default {@link MAX_HTTP_HEAD_BYTES}. */
  readonly maxHttpHeadBytes?: number;
}

/** An incremental tokenizer of one direction of a WebSocket connection. */
export class WsStreamParser {
  readonly #maxHead: number;
  #state: ParserState;
  #position = 0;
  #crlf = 0;
  #headBytes = 0;
  readonly #header = Buffer.alloc(14);
  #headerHave = 0;
  #headerNeed = 2;
  #frame: FrameInfo | undefined;
  #payloadDone = 0;
  #messages = 0;
  #kindCounts = { text: 0, binary: 0 };
  #current: { kind: 'text' | 'binary'; message: number; kindIndex: number } | undefined;

  constructor(options: WsStreamParserOptions = {}) {
    this.#state = options.http === false ? PARSER_STATES.HEADER : PARSER_STATES.HTTP;
    this.#maxHead = options.maxHttpHeadBytes ?? MAX_HTTP_HEAD_BYTES;
  }

  /** Current state. */
  get state(): ParserState {
    return this.#state;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#position;
  }

  /** Data messages whose first frame header has been seen. */
  get messages(): number {
    return this.#messages;
  }

  /** The stream stands between frames (not inside a header or payload). */
  get atFrameBoundary(): boolean {
    return this.#state === PARSER_STATES.HEADER && this.#headerHave === 0;
  }

  /** Tokenize `chunk`; header bytes that do not complete a header are held back until they do. */
  push(chunk: Buffer): WsToken[] {
    const out: WsToken[] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.#state) {
        case PARSER_STATES.HTTP:
          i = this.#http(chunk, i, out);
          break;
        case PARSER_STATES.HEADER:
          i = this.#headerBytes(chunk, i, out);
          break;
        case PARSER_STATES.PAYLOAD:
          i = this.#payload(chunk, i, out);
          break;
        case PARSER_STATES.OPAQUE:
          out.push({ kind: 'opaque', at: this.#position, bytes: chunk.subarray(i) });
          this.#position += chunk.length - i;
          i = chunk.length;
          break;
        default:
          throw new Error(`ws parser: expected a known state, got ${String(this.#state)}`);
      }
    }
    return out;
  }

  #http(chunk: Buffer, from: number, out: WsToken[]): number {
    let i = from;
    let complete = false;
    while (i < chunk.length && !complete) {
      const byte = chunk[i] as number;
      // CRLF CRLF has no proper prefix that is also a suffix except "\r", so this restart rule is exact.
      this.#crlf = byte === CRLFCRLF[this.#crlf] ? this.#crlf + 1 : byte === 0x0d ? 1 : 0;
      i++;
      complete = this.#crlf === CRLFCRLF.length;
    }
    const bytes = chunk.subarray(from, i);
    out.push({ kind: 'http', at: this.#position, bytes, complete });
    this.#position += bytes.length;
    this.#headBytes += bytes.length;
    if (complete) this.#state = PARSER_STATES.HEADER;
    else if (this.#headBytes > this.#maxHead) this.#state = PARSER_STATES.OPAQUE;
    return i;
  }

  #headerBytes(chunk: Buffer, from: number, out: WsToken[]): number {
    let i = from;
    while (i < chunk.length && this.#headerHave < this.#headerNeed) {
      this.#header[this.#headerHave++] = chunk[i++] as number;
      if (this.#headerHave === 2) {
        const len7 = (this.#header[1] as number) & 0x7f;
        const masked = ((this.#header[1] as number) & 0x80) !== 0;
        this.#headerNeed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
      }
    }
    if (this.#headerHave < this.#headerNeed) return i;
    this.#emitHeader(out);
    return i;
  }

  #emitHeader(out: WsToken[]): void {
    const h = this.#header;
    const b0 = h[0] as number;
    const b1 = h[1] as number;
    const len7 = b1 & 0x7f;
    let payloadLength = len7;
    if (len7 === 126) payloadLength = h.readUInt16BE(2);
    else if (len7 === 127) {
      const high = h.readUInt32BE(2);
      payloadLength = high * 2 ** 32 + h.readUInt32BE(6);
    }
    const bytes = Buffer.from(h.subarray(0, this.#headerHave));
    const at = this.#position;
    this.#position += bytes.length;
    this.#headerHave = 0;
    this.#headerNeed = 2;
    if (payloadLength > MAX_TRACKED_PAYLOAD) {
      this.#state = PARSER_STATES.OPAQUE;
      out.push({ kind: 'opaque', at, bytes });
      return;
    }
    const frame = this.#describe(at, bytes.length, payloadLength, (b0 & 0x80) !== 0, b0 & 0x0f, (b1 & 0x80) !== 0);
    out.push({ kind: 'header', at, bytes, frame });
    if (payloadLength === 0) return;
    this.#frame = frame;
    this.#payloadDone = 0;
    this.#state = PARSER_STATES.PAYLOAD;
  }

  #describe(start: number, headerLength: number, payloadLength: number, fin: boolean, opcode: number, masked: boolean): FrameInfo {
    const base = { start, headerLength, payloadLength, fin, opcode, masked };
    if (opcode === OPCODES.TEXT || opcode === OPCODES.BINARY) {
      const kind = opcode === OPCODES.TEXT ? 'text' : 'binary';
      this.#messages += 1;
      this.#kindCounts[kind] += 1;
      this.#current = { kind, message: this.#messages, kindIndex: this.#kindCounts[kind] };
      const info: FrameInfo = { ...base, kind, message: this.#messages, kindIndex: this.#kindCounts[kind], first: true, last: fin };
      if (fin) this.#current = undefined;
      return info;
    }
    if (opcode === OPCODES.CONTINUATION && this.#current !== undefined) {
      const { kind, message, kindIndex } = this.#current;
      if (fin) this.#current = undefined;
      return { ...base, kind, message, kindIndex, first: false, last: fin };
    }
    // Control frames, and continuations without a message (a protocol error the peer will report): not messages.
    return { ...base, kind: 'control', message: 0, kindIndex: 0, first: false, last: false };
  }

  #payload(chunk: Buffer, from: number, out: WsToken[]): number {
    const frame = this.#frame as FrameInfo;
    const take = Math.min(chunk.length - from, frame.payloadLength - this.#payloadDone);
    const bytes = chunk.subarray(from, from + take);
    out.push({ kind: 'payload', at: this.#position, bytes, frame, offset: this.#payloadDone });
    this.#position += take;
    this.#payloadDone += take;
    if (this.#payloadDone === frame.payloadLength) {
      this.#frame = undefined;
      this.#state = PARSER_STATES.HEADER;
    }
    return from + take;
  }
}

/** The bytes of a server-to-client close frame (unmasked, RFC 6455 §5.5.1); no code = an empty body (seen as 1005). */
export function serverCloseFrame(code?: number, reason = ''): Buffer {
  if (code === undefined) return Buffer.from([0x80 | OPCODES.CLOSE, 0]);
  const text = Buffer.from(reason, 'utf8');
  if (text.length > 123) throw new RangeError(`close reason: expected at most 123 bytes, got ${text.length}`);
  const out = Buffer.alloc(4 + text.length);
  out[0] = 0x80 | OPCODES.CLOSE;
  out[1] = 2 + text.length;
  out.writeUInt16BE(code, 2);
  text.copy(out, 4);
  return out;
}
