/**
 * The HiveMind connection client (HIVEMIND.md §1, §2, §5, §7.1, §7.2, §10): one logical link to a hub that survives
 * socket failures.
 *
 * - States `idle → connecting → handshaking → ready → closing → closed`, plus `backing-off` between sockets
 *   (connection-state.ts); every transition is logged and emitted as `state`.
 * - Every failure goes through one path, `#fail`: log, `error` event, close the socket, `close` event, then either a
 *   jittered exponential backoff and a fresh socket with a fresh handshake, or — for terminal failures (wrong
 *   password, pin mismatch, close 1008, unknown access key, negotiation/config errors, too many attempts) — `closed`
 *   for good, with the reason in `closeError`.
 * - Handlers are attached as soon as the socket exists: the hub pushes HELLO and its HANDSHAKE request at once (P22).
 * - Frames are processed one at a time, in order, per socket (the handshake steps are asynchronous).
 * - Once keyed we send our HELLO (encrypted) with a session id kept across reconnects; every BUS message carries that
 *   session (session.ts). Messages sent while not ready are queued (bounded) or refused, by configuration.
 * - Keep-alive pings every 25 s, pong within 10 s; handshake within 10 s (PSK derivation excluded). These deadlines
 *   count only time in which the event loop ran (`attentiveDeadline`): a stalled process does not blame the hub.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { type AskOptions, type AskResult, runAsk, waitForBus } from './ask-tracker.js';
import { CLOSE_GOING_AWAY, CLOSE_NORMAL } from './connection-constants.js';
import { HiveConnectionError } from './connection-errors.js';
import { type HubSocket, SOCKET_OPEN, type TimerHandle, attentiveDeadline } from './connection-io.js';
import {
  type HubConnectionEvents,
  type HubConnectionOptions,
  type ReadyInfo,
  type ResolvedConnectionOptions,
  resolveConnectionOptions,
} from './connection-options.js';
import { type ConnectionState, assertTransition } from './connection-state.js';
import { CLOSE_POLICY_VIOLATION, HiveAuthError, HiveProtocolError } from './errors.js';
import { classifyClose, cut, deniedError, isTerminal, resetsBackoff } from './failure-policy.js';
import { type Outgoing, type SessionKeys, decodeFrame, encodeFrame } from './frame-codec.js';
import { ClientHandshake, type HandshakeInfo, type HandshakeResult } from './handshake.js';
import type { JsonObject } from './json.js';
import { KeepAlive } from './keepalive.js';
import type { LogLevel } from './log.js';
import type { HiveMessage } from './message.js';
import { type BinaryPayloadType, HiveMessageType } from './message-types.js';
import { SendQueue } from './send-queue.js';
import { type OvosMessage, buildBus, buildHello, toOvosMessage } from './session.js';
import { errorCode } from '../errors.js';

export type { CloseInfo, HubConnectionEvents, HubConnectionOptions, ReadyInfo, StateChange } from './connection-options.js';

interface Attempt {
  readonly id: number;
  readonly socket: HubSocket;
  readonly handshake: ClientHandshake;
  keys: SessionKeys | undefined;
  info: HandshakeInfo | undefined;
  opened: boolean;
  /** A frame or a pong came from the hub after the session was keyed. */
  heardSinceKeyed: boolean;
  /** The session reached `ready` (its failure may start the backoff afresh, see `resetsBackoff`). */
  wasReady: boolean;
  helloSeen: boolean;
  hubPeer: string | undefined;
  lastSocketError: Error | undefined;
  inbox: Promise<void>;
  /** Cancels the upgrade deadline (or, while closing, the wait for the hub's close frame). */
  cancelOpenDeadline: (() => void) | undefined;
  /** Cancels the handshake deadline. */
  cancelHandshakeDeadline: (() => void) | undefined;
  keepAlive: KeepAlive | undefined;
}

interface FailContext {
  /** The socket already closed with this code/reason (else we close it). */
  readonly socketClosed?: { readonly code: number; readonly reason: string };
  /** Kill the socket without a close handshake (it is presumed dead). */
  readonly terminate?: boolean;
}

const ABNORMAL_CLOSURE = 1006;

/** A connection to one HiveMind hub, reconnecting until closed. */
export class HubConnection extends EventEmitter<HubConnectionEvents> {
  readonly sessionId: string;
  readonly #o: ResolvedConnectionOptions;
  readonly #queue: SendQueue<Outgoing>;
  #state: ConnectionState = 'idle';
  #attempt: Attempt | undefined;
  #attemptCount = 0;
  #failuresWithoutReady = 0;
  #unknownKeyCount = 0;
  #forceXX = false;
  #backoffTimer: TimerHandle | undefined;
  #closeError: Error | undefined;
  #ready: { promise: Promise<ReadyInfo>; resolve: (info: ReadyInfo) => void; reject: (error: Error) => void } | undefined;
  #readyInfo: ReadyInfo | undefined;
  #closeWaiters: (() => void)[] = [];
  #askChain: Promise<unknown> = Promise.resolve();

  /**
   * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) for an empty access key or a useragent containing `:`.
   * @throws {HM_ERR_NEGOTIATION} (HiveProtocolError) for unknown cipher/encoding names.
   * @throws {RangeError} for a bad port, host, session id, fingerprint or timing option.
   * @throws {ConfigError} `CFG_ERR_MISSING` when there is neither a password, a PSK nor a pre-shared key.
   */
  constructor(options: HubConnectionOptions) {
    super();
    const o = resolveConnectionOptions(options);
    this.#o = o;
    this.sessionId = o.identity.sessionId;
    this.#queue = new SendQueue(o.queueMaxMessages);
    for (const warning of o.warnings) this.#log('warn', warning);
  }

  /** Current state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** What was negotiated for the current session (undefined unless ready). */
  get info(): ReadyInfo | undefined {
    return this.#state === 'ready' ? this.#readyInfo : undefined;
  }

  /** Why the connection closed for good, if a failure closed it. */
  get closeError(): Error | undefined {
    return this.#closeError;
  }

  /** Messages waiting for the connection. */
  get queuedMessages(): number {
    return this.#queue.length;
  }

  /**
   * Start connecting (and reconnecting). Resolves at the first `ready`; rejects if the connection closes for good
   * before that. Calling it again returns the same promise.
   *
   * @throws {HM_ERR_CLOSED} (HiveConnectionError), as a rejection, once the connection has closed.
   */
  connect(): Promise<ReadyInfo> {
    if (this.#ready !== undefined) return this.#ready.promise;
    if (this.#state !== 'idle') return Promise.reject(new HiveConnectionError('HM_ERR_CLOSED', 'expected a connection that was not closed, got a closed one'));
    let resolve!: (info: ReadyInfo) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<ReadyInfo>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // a caller that ignores the promise must not crash the process
    this.#ready = { promise, resolve, reject };
    this.#openSocket();
    return promise;
  }

  /** Close for good. Pending and queued sends fail with `HM_ERR_CLOSED`. Resolves once the socket is closed. */
  close(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    if (this.#state === 'closing') return done;
    const attempt = this.#attempt;
    if (attempt === undefined) {
      this.#finish(undefined, 'closed by the client');
      return done;
    }
    this.#transition('closing', 'closed by the client');
    this.#stopAttemptTimers(attempt);
    this.#queue.rejectAll(new HiveConnectionError('HM_ERR_CLOSED', 'expected the message to be sent, got the connection closed by the client'));
    attempt.socket.close(CLOSE_NORMAL, 'client closing');
    // A hub that never answers our close frame: give up after the open timeout and destroy the socket.
    attempt.cancelOpenDeadline = attentiveDeadline(this.#o.timers, this.#o.timeouts.open, () => attempt.socket.terminate());
    return done;
  }

  /**
   * Send an OVOS message as BUS, with our session in its context (queued while not ready, per `sendQueue`).
   *
   * @throws (as rejections) {HM_ERR_CLOSED}, {HM_ERR_NOT_READY}, {HM_ERR_QUEUE_FULL} (HiveConnectionError);
   *   {HM_ERR_FRAME_TOO_LARGE} (HiveProtocolError), {HM_ERR_NOISE} (HiveCryptoError) for an oversized message.
   */
  sendBus(type: string, data: JsonObject = {}, context: JsonObject = {}): Promise<void> {
    return this.#send({ kind: 'message', message: buildBus(this.#o.identity, type, data, context) });
  }

  /**
   * Send a BINARY message (always binarized; HIVEMIND.md §4.1), e.g. RAW_AUDIO with `{sample_rate, sample_width}`.
   *
   * @throws as {@link sendBus}, plus {HM_ERR_METADATA_TOO_LARGE} (HiveProtocolError) over 255 bytes of metadata.
   */
  sendBinary(binaryType: BinaryPayloadType, payload: Uint8Array, metadata: JsonObject = {}): Promise<void> {
    return this.#send({ kind: 'binary', binaryType, payload, metadata });
  }

  /**
   * Wait for a BUS message matching `predicate`.
   *
   * @throws (as rejections) {HM_ERR_TIMEOUT} after `timeoutMs`; {HM_ERR_CLOSED} if the connection closes for good.
   */
  waitFor(predicate: (message: OvosMessage) => boolean, timeoutMs: number): Promise<OvosMessage> {
    return waitForBus(this, this.#o.timers, predicate, timeoutMs, () => this.#closeError);
  }

  /**
   * Send an utterance and collect the spoken answers (see ask-tracker.ts). Asks on one connection run one at a time.
   *
   * @throws (as rejections) {HM_ERR_NO_ANSWER} with no `speak` in time, {HM_ERR_CONNECTION_LOST} if the link drops,
   *   {HM_ERR_DENIED} (HivePolicyDeniedError) if the hub refuses the utterance, and the errors of {@link sendBus}.
   */
  ask(text: string, options: AskOptions = {}): Promise<AskResult> {
    const run = this.#askChain.then(() => runAsk(this, this.#o.timers, text, { lang: this.#o.identity.lang, ...options }));
    this.#askChain = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------------------------------------- sending

  #send(outgoing: Outgoing): Promise<void> {
    const attempt = this.#attempt;
    if (this.#state === 'ready' && attempt !== undefined) return this.#write(attempt, outgoing);
    if (this.#state === 'closed' || this.#state === 'closing') {
      return Promise.reject(new HiveConnectionError('HM_ERR_CLOSED', `expected an open connection, got state '${this.#state}'`, { cause: this.#closeError }));
    }
    if (this.#o.queueMode === 'reject') return Promise.reject(new HiveConnectionError('HM_ERR_NOT_READY', `expected a ready connection, got state '${this.#state}'`));
    return this.#queue.push(outgoing);
  }

  #write(attempt: Attempt, outgoing: Outgoing): Promise<void> {
    let frame;
    try {
      frame = encodeFrame(outgoing, attempt.keys, { binarize: attempt.info?.binarize ?? false, random: this.#o.random });
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      if (attempt.socket.readyState !== SOCKET_OPEN) {
        reject(new HiveConnectionError('HM_ERR_CONNECTION_LOST', 'expected an open socket to write to, got a closing one'));
        return;
      }
      attempt.socket.send(frame, (error) => (error === undefined || error === null ? resolve() : reject(new HiveConnectionError('HM_ERR_CONNECTION_LOST', 'expected the frame to be written, got a socket error', { cause: error }))));
    });
  }

  // ---------------------------------------------------------------------------------------------- sockets

  #openSocket(): void {
    this.#transition('connecting', this.#attemptCount === 0 ? 'connect()' : 'reconnecting');
    this.#attemptCount += 1;
    const id = this.#attemptCount;
    const handshake = new ClientHandshake(
      this.#o.handshake,
      {
        send: (message) => this.#sendHandshake(id, message),
        slowStep: (active) => this.#onSlowStep(id, active),
        log: (level, message) => this.#log(level, message),
      },
      this.#forceXX,
    );
    let socket: HubSocket;
    try {
      socket = this.#o.createSocket(this.#o.url, this.#o.socketOptions);
    } catch (error) {
      // The factory threw synchronously (bad URL, TLS options): as good as a refused connection.
      this.#attempt = undefined;
      this.#scheduleOrFinish(new HiveConnectionError('HM_ERR_UNREACHABLE', 'expected to open a WebSocket, got an error', { cause: error }), 'socket creation failed');
      return;
    }
    const attempt: Attempt = {
      id, socket, handshake, keys: undefined, info: undefined, opened: false, heardSinceKeyed: false, wasReady: false, helloSeen: false, hubPeer: undefined,
      lastSocketError: undefined, inbox: Promise.resolve(), cancelOpenDeadline: undefined, cancelHandshakeDeadline: undefined, keepAlive: undefined,
    };
    this.#attempt = attempt;
    // Handlers go on before the socket can open: the hub speaks first (P22).
    socket.on('open', () => this.#onOpen(attempt));
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
      attempt.inbox = attempt.inbox.then(() => this.#onFrame(attempt, bytes, isBinary));
    });
    // Through the inbox, so frames that arrived before the close are handled first (a HELLO changes what a 1005 means).
    socket.on('close', (code: number, reason: Buffer) => {
      const text = reason.toString('utf8');
      attempt.inbox = attempt.inbox.then(() => this.#onSocketClose(attempt, code, text));
    });
    socket.on('error', (error: Error) => {
      attempt.lastSocketError = error;
      this.#log('debug', 'socket error', { attempt: id, error: cut(error.message) });
    });
    socket.on('pong', () => {
      if (attempt.keys !== undefined) attempt.heardSinceKeyed = true;
      attempt.keepAlive?.pong();
    });
    attempt.cancelOpenDeadline = attentiveDeadline(this.#o.timers, this.#o.timeouts.open, () => {
      attempt.cancelOpenDeadline = undefined;
      this.#fail(new HiveConnectionError('HM_ERR_UNREACHABLE', `expected the WebSocket upgrade within ${this.#o.timeouts.open} ms, got none`), { terminate: true });
    });
  }

  #onOpen(attempt: Attempt): void {
    if (attempt !== this.#attempt || this.#state !== 'connecting') return;
    attempt.opened = true;
    attempt.cancelOpenDeadline?.();
    attempt.cancelOpenDeadline = undefined;
    this.#transition('handshaking', 'socket open');
    this.#startHandshakeTimer(attempt);
  }

  #startHandshakeTimer(attempt: Attempt): void {
    attempt.cancelHandshakeDeadline?.();
    attempt.cancelHandshakeDeadline = attentiveDeadline(this.#o.timers, this.#o.timeouts.handshake, () => {
      attempt.cancelHandshakeDeadline = undefined;
      this.#fail(new HiveConnectionError('HM_ERR_HANDSHAKE_TIMEOUT', `expected the handshake to complete within ${this.#o.timeouts.handshake} ms, got no session`));
    });
  }

  #onSlowStep(id: number, active: boolean): void {
    const attempt = this.#attempt;
    if (attempt?.id !== id || this.#state !== 'handshaking') return;
    if (active) {
      attempt.cancelHandshakeDeadline?.();
      attempt.cancelHandshakeDeadline = undefined;
      this.#log('info', 'deriving the Noise PSK (argon2id) in a worker thread');
    } else {
      this.#startHandshakeTimer(attempt);
    }
  }

  #sendHandshake(id: number, message: HiveMessage): void {
    const attempt = this.#attempt;
    if (attempt?.id !== id) return;
    const frame = encodeFrame({ kind: 'message', message }, undefined, { binarize: false, random: this.#o.random });
    attempt.socket.send(frame, (error) => {
      if (error !== undefined && error !== null) this.#log('debug', 'HANDSHAKE write failed', { attempt: id, error: cut(error.message) });
    });
    this.#log('debug', 'sent HANDSHAKE', { attempt: id, bytes: typeof frame === 'string' ? frame.length : frame.byteLength });
  }

  async #onFrame(attempt: Attempt, data: Uint8Array, isBinary: boolean): Promise<void> {
    if (attempt !== this.#attempt) return;
    if (attempt.keys !== undefined) attempt.heardSinceKeyed = true;
    try {
      const decoded = decodeFrame(data, isBinary, attempt.keys, this.#o.limits);
      if (decoded.kind === 'binary') {
        if (!decoded.encrypted) throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected an encrypted BINARY frame, got a plaintext one (${data.byteLength} bytes)`);
        const { binaryType, payload, metadata } = decoded;
        this.emit('binary', { binaryType, payload, metadata });
        return;
      }
      const { message } = decoded;
      if (attempt.keys !== undefined && !decoded.encrypted && message.msg_type !== HiveMessageType.HELLO && message.msg_type !== HiveMessageType.HANDSHAKE) {
        throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected only encrypted frames once keyed, got a plaintext "${message.msg_type}"`);
      }
      await this.#onMessage(attempt, message);
    } catch (error) {
      if (attempt !== this.#attempt) return;
      const err = error instanceof Error ? error : new Error(String(error));
      if (!isTerminal(err)) {
        this.#log('warn', 'frame from the hub refused', { attempt: attempt.id, bytes: data.byteLength, binary: isBinary, code: errorCode(err) });
      }
      this.#fail(err);
    }
  }

  async #onMessage(attempt: Attempt, message: HiveMessage): Promise<void> {
    switch (message.msg_type) {
      case HiveMessageType.HELLO: {
        if (attempt.keys !== undefined) return;
        attempt.helloSeen = true;
        const peer = message.payload['peer'];
        attempt.hubPeer = typeof peer === 'string' ? peer : undefined;
        attempt.handshake.onHello(message.payload);
        this.#log('debug', 'hub HELLO', { attempt: attempt.id, peer: attempt.hubPeer });
        return;
      }
      case HiveMessageType.HANDSHAKE: {
        if (attempt.keys !== undefined) {
          this.#log('warn', 'ignoring a HANDSHAKE on a keyed session (never handshake twice)', { attempt: attempt.id });
          return;
        }
        const result = await attempt.handshake.onShake(message.payload);
        if (result !== undefined && attempt === this.#attempt) this.#onKeyed(attempt, result);
        return;
      }
      case HiveMessageType.BUS: {
        if (attempt.keys === undefined) {
          this.#log('warn', 'dropping a BUS message received before the session was keyed', { attempt: attempt.id });
          return;
        }
        const ovos = toOvosMessage(message.payload);
        if (ovos.type === 'hive.policy.denied') this.#onDenied(ovos);
        this.emit('bus', ovos, message);
        return;
      }
      default:
        if (attempt.keys === undefined) return;
        this.emit('hive', message);
    }
  }

  #onDenied(message: OvosMessage): void {
    const error = deniedError(message);
    this.#log('warn', 'the hub denied a message', { denied_type: error.denial.deniedType, code: error.denial.denyCode });
    this.emit('denied', error);
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #onKeyed(attempt: Attempt, result: HandshakeResult): void {
    attempt.keys = result.keys;
    attempt.info = result.info;
    attempt.cancelHandshakeDeadline?.();
    attempt.cancelHandshakeDeadline = undefined;
    // Our HELLO, encrypted (§2.5.4): it registers us with the hub; without it no reply ever reaches us (P4).
    const hello = encodeFrame({ kind: 'message', message: buildHello(this.#o.identity) }, attempt.keys, { binarize: false, random: this.#o.random });
    attempt.socket.send(hello, () => undefined);
    const info: ReadyInfo = { ...result.info, sessionId: this.sessionId, hubPeer: attempt.hubPeer, useragent: this.#o.identity.useragent };
    this.#readyInfo = info;
    // The backoff is reset when this session ends, depending on how (#fail): a hub that closes every fresh session
    // with 1013 must not be retried at the first delay for ever.
    attempt.wasReady = true;
    this.#failuresWithoutReady = 0;
    this.#unknownKeyCount = 0;
    this.#forceXX = false;
    this.#transition('ready', `${info.protocol}${info.noisePattern === undefined ? '' : ` ${info.noisePattern}`}, ${info.cipher}, ${info.encoding}${info.binarize ? ', binarized' : ''}`);
    attempt.keepAlive = new KeepAlive({
      timers: this.#o.timers,
      ping: () => {
        if (attempt.socket.readyState === SOCKET_OPEN) attempt.socket.ping();
      },
      onDead: () => this.#fail(new HiveConnectionError('HM_ERR_PONG_TIMEOUT', 'expected a pong from the hub, got none in time: the hub is presumed dead'), { terminate: true }),
      ...(this.#o.timeouts.ping === undefined ? {} : { intervalMs: this.#o.timeouts.ping }),
      ...(this.#o.timeouts.pong === undefined ? {} : { timeoutMs: this.#o.timeouts.pong }),
    });
    attempt.keepAlive.start();
    for (const entry of this.#queue.drain()) this.#write(attempt, entry.item).then(entry.resolve, entry.reject);
    this.#ready?.resolve(info);
    this.emit('ready', info);
  }

  #onSocketClose(attempt: Attempt, code: number, reason: string): void {
    if (attempt !== this.#attempt) return;
    if (this.#state === 'closing') {
      this.#stopAttemptTimers(attempt);
      this.emit('close', { code, reason: cut(reason), willReconnect: false });
      this.#finish(undefined, 'socket closed');
      return;
    }
    const verdict = classifyClose({
      code,
      reason,
      opened: attempt.opened,
      helloSeen: attempt.helloSeen,
      inHandshake: this.#state === 'handshaking' || this.#state === 'connecting',
      awaitingHub: attempt.handshake.awaitingHub,
      noisePattern: attempt.handshake.noisePattern,
      // Our msg1 awaits msg2, or our XXpsk2 msg3 was the last word and the hub has said nothing since.
      noiseUnanswered:
        attempt.handshake.noisePattern !== undefined &&
        (attempt.handshake.awaitingHub || (attempt.keys?.kind === 'noise' && attempt.handshake.noisePattern === 'XXpsk2' && !attempt.heardSinceKeyed)),
      forcedXX: this.#forceXX,
      unknownKeyCloses: this.#unknownKeyCount,
      unknownKeyThreshold: this.#o.unknownKeyCloses,
      lastSocketError: attempt.lastSocketError,
    });
    this.#forceXX = verdict.forceXX;
    this.#unknownKeyCount = verdict.unknownKeyCloses;
    const { error } = verdict;
    if (error instanceof HiveProtocolError) this.#log('warn', 'frame from the hub refused', { attempt: attempt.id, code: error.code });
    this.#fail(error, { socketClosed: { code, reason } });
  }

  // ---------------------------------------------------------------------------------------------- failure

  /** The one failure path: log, report, drop the socket, then back off or close for good. */
  #fail(error: Error, context: FailContext = {}): void {
    const attempt = this.#attempt;
    if (attempt === undefined || this.#state === 'closing' || this.#state === 'closed' || this.#state === 'backing-off') return;
    const terminal = isTerminal(error) || !this.#o.reconnect;
    const code = errorCode(error) ?? error.name;
    this.#log(terminal ? 'error' : 'info', error.message, { attempt: attempt.id, code, state: this.#state });
    this.#attempt = undefined;
    this.#stopAttemptTimers(attempt);
    let closeCode: number = ABNORMAL_CLOSURE;
    let closeReason = '';
    if (context.socketClosed !== undefined) {
      closeCode = context.socketClosed.code;
      closeReason = cut(context.socketClosed.reason);
    } else if (context.terminate === true) {
      attempt.socket.terminate();
    } else {
      closeCode = error instanceof HiveProtocolError ? error.closeCode : error instanceof HiveAuthError ? CLOSE_POLICY_VIOLATION : CLOSE_GOING_AWAY;
      closeReason = code;
      attempt.socket.close(closeCode, closeReason);
    }
    if (this.listenerCount('error') > 0) this.emit('error', error);
    if (attempt.wasReady && resetsBackoff(context.socketClosed?.code)) this.#o.backoff.reset();
    const willReconnect = !terminal && this.#failuresWithoutReady + 1 < this.#o.maxAttempts;
    this.emit('close', { code: closeCode, reason: closeReason, willReconnect, error });
    this.#scheduleOrFinish(terminal ? error : undefined, error.message, error);
  }

  #scheduleOrFinish(terminalError: Error | undefined, reason: string, cause?: Error): void {
    if (terminalError !== undefined || !this.#o.reconnect) {
      this.#finish(terminalError ?? cause, reason);
      return;
    }
    this.#failuresWithoutReady += 1;
    if (this.#failuresWithoutReady >= this.#o.maxAttempts) {
      const last = cause ?? terminalError;
      const error =
        last instanceof HiveConnectionError && last.code === 'HM_ERR_UNREACHABLE'
          ? last
          : new HiveConnectionError('HM_ERR_UNREACHABLE', `expected a session within ${this.#o.maxAttempts} attempt(s), got none (last: ${last?.message ?? 'unknown'})`, { cause: last });
      this.#finish(error, 'too many attempts');
      return;
    }
    const delay = this.#o.backoff.next();
    this.#transition('backing-off', `${cut(reason)}; retry in ${delay} ms`);
    this.#backoffTimer = this.#o.timers.setTimeout(() => {
      this.#backoffTimer = undefined;
      if (this.#state === 'backing-off') this.#openSocket();
    }, delay);
  }

  #finish(error: Error | undefined, reason: string): void {
    if (this.#backoffTimer !== undefined) this.#o.timers.clearTimeout(this.#backoffTimer);
    this.#backoffTimer = undefined;
    this.#attempt = undefined;
    if (error !== undefined) this.#closeError = error;
    this.#queue.rejectAll(new HiveConnectionError('HM_ERR_CLOSED', 'expected the message to be sent, got the connection closed', { cause: error }));
    this.#transition('closed', error === undefined ? reason : `${errorCode(error) ?? error.name}: ${cut(error.message)}`);
    this.#ready?.reject(error ?? new HiveConnectionError('HM_ERR_CLOSED', 'expected a session, got the connection closed by the client'));
    for (const waiter of this.#closeWaiters.splice(0)) waiter();
  }

  #stopAttemptTimers(attempt: Attempt): void {
    attempt.cancelOpenDeadline?.();
    attempt.cancelHandshakeDeadline?.();
    attempt.cancelOpenDeadline = undefined;
    attempt.cancelHandshakeDeadline = undefined;
    attempt.keepAlive?.stop();
  }

  #transition(to: ConnectionState, reason: string): void {
    const from = this.#state;
    assertTransition(from, to);
    this.#state = to;
    this.#log(to === 'ready' || to === 'closed' ? 'info' : 'debug', `connection ${from} → ${to}`, { reason: cut(reason) });
    this.emit('state', { from, to, reason });
  }

  #log(level: LogLevel, message: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>): void {
    this.#o.logger.log(level, message, fields);
  }
}
