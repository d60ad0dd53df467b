/**
 * The HiveMind connection client (HIVEMIND.md §1, §2, §5, §7.1, §7.2, §10): one logical link to a hub that survives
 * socket failures.
 *
 * - States `idle → connecting → handshaking → ready → closing → closed`, plus `backing-off` between sockets
 *   (connection-state.ts); every transition is logged and emitted as `state`. Each state holds its own data (`Link`):
 *   the socket attempt, the session keys only while ready, its own deadline.
 * - Every end of a socket goes through one path, `#end`: log, `error` event, close the socket, `close` event, then either a
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
import { type HubSocket, SOCKET_OPEN, attentiveDeadline } from './connection-io.js';
import {
  type HubConnectionEvents,
  type HubConnectionOptions,
  type ReadyInfo,
  type ResolvedConnectionOptions,
  resolveConnectionOptions,
} from './connection-options.js';
import { type Attempt, type Ending, type HandshakingLink, type Link, type ReadyLink, attemptOf, keysOf, publicState } from './connection-link.js';
import { type ConnectionState, assertTransition } from './connection-state.js';
import { CLOSE_POLICY_VIOLATION, HiveAuthError, HiveProtocolError } from './errors.js';
import { classifyClose, cut, deniedError, isTerminal, resetsBackoff } from './failure-policy.js';
import { type Outgoing, decodeFrame, encodeFrame } from './frame-codec.js';
import { ClientHandshake, type HandshakeResult } from './handshake.js';
import type { JsonObject } from './json.js';
import { KeepAlive } from './keepalive.js';
import type { LogLevel } from './log.js';
import type { HiveMessage } from './message.js';
import { type BinaryPayloadType, HiveMessageType } from './message-types.js';
import { SendQueue } from './send-queue.js';
import { type OvosMessage, buildBus, buildHello, toOvosMessage } from './session.js';
import { assertNever, errorCode } from '../errors.js';

export type { CloseInfo, HubConnectionEvents, HubConnectionOptions, ReadyInfo, StateChange } from './connection-options.js';

const ABNORMAL_CLOSURE = 1006;

/** A connection to one HiveMind hub, reconnecting until closed. */
export class HubConnection extends EventEmitter<HubConnectionEvents> {
  readonly sessionId: string;
  readonly #o: ResolvedConnectionOptions;
  readonly #queue: SendQueue<Outgoing>;
  #link: Link = { state: 'idle' };
  #attemptCount = 0;
  #failuresWithoutReady = 0;
  #unknownKeyCount = 0;
  #forceXX = false;
  #closeError: Error | undefined;
  #ready: { promise: Promise<ReadyInfo>; resolve: (info: ReadyInfo) => void; reject: (error: Error) => void } | undefined;
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
    return publicState(this.#link);
  }

  /** What was negotiated for the current session (undefined unless ready). */
  get info(): ReadyInfo | undefined {
    const link = this.#link;
    return link.state === 'ready' || link.state === 'ending' ? link.info : undefined;
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
    if (this.#link.state !== 'idle') return Promise.reject(new HiveConnectionError('HM_ERR_CLOSED', 'expected a connection that was not closed, got a closed one'));
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
    const link = this.#link;
    if (link.state === 'closed') return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    if (link.state === 'closing') return done;
    if (link.state === 'idle' || link.state === 'backing-off' || link.state === 'ending') {
      this.#end({ kind: 'client' });
      return done;
    }
    this.#stopTimers(link);
    const { socket } = link.attempt;
    // A hub that never answers our close frame: give up after the open timeout and destroy the socket.
    const cancelCloseWait = attentiveDeadline(this.#o.timers, this.#o.timeouts.open, () => socket.terminate());
    this.#enter({ state: 'closing', session: link, cancelCloseWait }, 'closed by the client');
    this.#queue.rejectAll(new HiveConnectionError('HM_ERR_CLOSED', 'expected the message to be sent, got the connection closed by the client'));
    socket.close(CLOSE_NORMAL, 'client closing');
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
    const link = this.#link;
    if (link.state === 'ready') return this.#write(link, outgoing);
    if (link.state === 'closed' || link.state === 'closing') {
      return Promise.reject(new HiveConnectionError('HM_ERR_CLOSED', `expected an open connection, got state '${link.state}'`, { cause: this.#closeError }));
    }
    if (this.#o.queueMode === 'reject') return Promise.reject(new HiveConnectionError('HM_ERR_NOT_READY', `expected a ready connection, got state '${link.state}'`));
    return this.#queue.push(outgoing);
  }

  #write(link: ReadyLink, outgoing: Outgoing): Promise<void> {
    const { socket } = link.attempt;
    let frame;
    try {
      frame = encodeFrame(outgoing, link.keys, { binarize: link.info.binarize, random: this.#o.random });
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      if (socket.readyState !== SOCKET_OPEN) {
        reject(new HiveConnectionError('HM_ERR_CONNECTION_LOST', 'expected an open socket to write to, got a closing one'));
        return;
      }
      socket.send(frame, (error) => (error === undefined || error === null ? resolve() : reject(new HiveConnectionError('HM_ERR_CONNECTION_LOST', 'expected the frame to be written, got a socket error', { cause: error }))));
    });
  }

  // ---------------------------------------------------------------------------------------------- sockets

  /** The current link if it owns `attempt` (events of a socket we have left are ignored). */
  #linkOf(attempt: Attempt): Link | undefined {
    return attemptOf(this.#link) === attempt ? this.#link : undefined;
  }

  #openSocket(): void {
    const reason = this.#attemptCount === 0 ? 'connect()' : 'reconnecting';
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
      this.#announce(publicState(this.#link), 'connecting', reason);
      this.#link = { state: 'ending', from: 'connecting', info: undefined };
      this.#end({ kind: 'unopened', error: new HiveConnectionError('HM_ERR_UNREACHABLE', 'expected to open a WebSocket, got an error', { cause: error }) });
      return;
    }
    const attempt: Attempt = { id, socket, handshake, hello: undefined, lastSocketError: undefined, inbox: Promise.resolve() };
    // Handlers go on before the socket can open: the hub speaks first (P22).
    socket.on('open', () => this.#onOpen(attempt));
    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
      attempt.inbox = attempt.inbox.then(() => this.#onFrame(attempt, bytes, isBinary));
    });
    // Through the inbox, so frames that arrived before the close are handled first (a HELLO changes what a 1005 means).
    socket.on('close', (code, reason) => {
      const text = reason.toString('utf8');
      attempt.inbox = attempt.inbox.then(() => this.#onSocketClose(attempt, code, text));
    });
    socket.on('error', (error) => {
      attempt.lastSocketError = error;
      this.#log('debug', 'socket error', { attempt: id, error: cut(error.message) });
    });
    socket.on('pong', () => {
      const link = this.#linkOf(attempt);
      if (link?.state === 'ready') {
        link.heardSinceKeyed = true;
        link.keepAlive.pong();
      }
    });
    const cancelUpgradeDeadline = attentiveDeadline(this.#o.timers, this.#o.timeouts.open, () => {
      this.#end({ kind: 'failed', error: new HiveConnectionError('HM_ERR_UNREACHABLE', `expected the WebSocket upgrade within ${this.#o.timeouts.open} ms, got none`), terminate: true });
    });
    this.#enter({ state: 'connecting', attempt, cancelUpgradeDeadline }, reason);
  }

  #onOpen(attempt: Attempt): void {
    const link = this.#linkOf(attempt);
    if (link?.state !== 'connecting') return;
    link.cancelUpgradeDeadline();
    const handshaking: HandshakingLink = { state: 'handshaking', attempt, cancelHandshakeDeadline: undefined };
    this.#enter(handshaking, 'socket open');
    if (this.#link === handshaking) this.#startHandshakeDeadline(handshaking);
  }

  #startHandshakeDeadline(link: HandshakingLink): void {
    link.cancelHandshakeDeadline?.();
    link.cancelHandshakeDeadline = attentiveDeadline(this.#o.timers, this.#o.timeouts.handshake, () => {
      link.cancelHandshakeDeadline = undefined;
      this.#end({ kind: 'failed', error: new HiveConnectionError('HM_ERR_HANDSHAKE_TIMEOUT', `expected the handshake to complete within ${this.#o.timeouts.handshake} ms, got no session`) });
    });
  }

  #onSlowStep(id: number, active: boolean): void {
    const link = this.#link;
    if (link.state !== 'handshaking' || link.attempt.id !== id) return;
    if (active) {
      link.cancelHandshakeDeadline?.();
      link.cancelHandshakeDeadline = undefined;
      this.#log('info', 'deriving the Noise PSK (argon2id) in a worker thread');
    } else {
      this.#startHandshakeDeadline(link);
    }
  }

  #sendHandshake(id: number, message: HiveMessage): void {
    const attempt = attemptOf(this.#link);
    if (attempt?.id !== id) return;
    const frame = encodeFrame({ kind: 'message', message }, undefined, { binarize: false, random: this.#o.random });
    attempt.socket.send(frame, (error) => {
      if (error !== undefined && error !== null) this.#log('debug', 'HANDSHAKE write failed', { attempt: id, error: cut(error.message) });
    });
    this.#log('debug', 'sent HANDSHAKE', { attempt: id, bytes: typeof frame === 'string' ? frame.length : frame.byteLength });
  }

  async #onFrame(attempt: Attempt, data: Uint8Array, isBinary: boolean): Promise<void> {
    const link = this.#linkOf(attempt);
    if (link === undefined) return;
    if (link.state === 'ready') link.heardSinceKeyed = true;
    const keys = keysOf(link);
    try {
      const decoded = decodeFrame(data, isBinary, keys, this.#o.limits);
      if (decoded.kind === 'binary') {
        if (!decoded.encrypted) throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected an encrypted BINARY frame, got a plaintext one (${data.byteLength} bytes)`);
        const { binaryType, payload, metadata } = decoded;
        this.emit('binary', { binaryType, payload, metadata });
        return;
      }
      const { message } = decoded;
      if (keys !== undefined && !decoded.encrypted && message.msg_type !== HiveMessageType.HELLO && message.msg_type !== HiveMessageType.HANDSHAKE) {
        throw new HiveProtocolError('HM_ERR_HANDSHAKE', `expected only encrypted frames once keyed, got a plaintext "${message.msg_type}"`);
      }
      await this.#onMessage(attempt, keys !== undefined, message);
    } catch (error) {
      if (this.#linkOf(attempt) === undefined) return;
      const err = error instanceof Error ? error : new Error(String(error));
      if (!isTerminal(err)) {
        this.#log('warn', 'frame from the hub refused', { attempt: attempt.id, bytes: data.byteLength, binary: isBinary, code: errorCode(err) });
      }
      this.#end({ kind: 'failed', error: err });
    }
  }

  async #onMessage(attempt: Attempt, keyed: boolean, message: HiveMessage): Promise<void> {
    switch (message.msg_type) {
      case HiveMessageType.HELLO: {
        if (keyed) return;
        const peer = message.payload['peer'];
        attempt.hello = { peer: typeof peer === 'string' ? peer : undefined };
        attempt.handshake.onHello(message.payload);
        this.#log('debug', 'hub HELLO', { attempt: attempt.id, peer: attempt.hello.peer });
        return;
      }
      case HiveMessageType.HANDSHAKE: {
        if (keyed) {
          this.#log('warn', 'ignoring a HANDSHAKE on a keyed session (never handshake twice)', { attempt: attempt.id });
          return;
        }
        const result = await attempt.handshake.onShake(message.payload);
        const link = this.#linkOf(attempt);
        if (result !== undefined && link?.state === 'handshaking') this.#onKeyed(link, result);
        return;
      }
      case HiveMessageType.BUS: {
        if (!keyed) {
          this.#log('warn', 'dropping a BUS message received before the session was keyed', { attempt: attempt.id });
          return;
        }
        const ovos = toOvosMessage(message.payload);
        if (ovos.type === 'hive.policy.denied') this.#onDenied(ovos);
        this.emit('bus', ovos, message);
        return;
      }
      default:
        if (!keyed) return;
        this.emit('hive', message);
    }
  }

  #onDenied(message: OvosMessage): void {
    const error = deniedError(message);
    this.#log('warn', 'the hub denied a message', { denied_type: error.denial.deniedType, code: error.denial.denyCode });
    this.emit('denied', error);
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #onKeyed(link: HandshakingLink, result: HandshakeResult): void {
    const { attempt } = link;
    link.cancelHandshakeDeadline?.();
    link.cancelHandshakeDeadline = undefined;
    // Our HELLO, encrypted (§2.5.4): it registers us with the hub; without it no reply ever reaches us (P4).
    const hello = encodeFrame({ kind: 'message', message: buildHello(this.#o.identity) }, result.keys, { binarize: false, random: this.#o.random });
    attempt.socket.send(hello, () => undefined);
    const info: ReadyInfo = { ...result.info, sessionId: this.sessionId, hubPeer: attempt.hello?.peer, useragent: this.#o.identity.useragent };
    this.#failuresWithoutReady = 0;
    this.#unknownKeyCount = 0;
    this.#forceXX = false;
    const keepAlive = new KeepAlive({
      timers: this.#o.timers,
      ping: () => {
        if (attempt.socket.readyState === SOCKET_OPEN) attempt.socket.ping();
      },
      onDead: () => this.#end({ kind: 'failed', error: new HiveConnectionError('HM_ERR_PONG_TIMEOUT', 'expected a pong from the hub, got none in time: the hub is presumed dead'), terminate: true }),
      ...(this.#o.timeouts.ping === undefined ? {} : { intervalMs: this.#o.timeouts.ping }),
      ...(this.#o.timeouts.pong === undefined ? {} : { timeoutMs: this.#o.timeouts.pong }),
    });
    const ready: ReadyLink = { state: 'ready', attempt, keys: result.keys, info, heardSinceKeyed: false, keepAlive };
    this.#enter(ready, `${info.protocol}${info.noisePattern === undefined ? '' : ` ${info.noisePattern}`}, ${info.cipher}, ${info.encoding}${info.binarize ? ', binarized' : ''}`);
    if (this.#link === ready) keepAlive.start(); // a `state` listener may have closed it already
    for (const entry of this.#queue.drain()) this.#write(ready, entry.item).then(entry.resolve, entry.reject);
    this.#ready?.resolve(info);
    this.emit('ready', info);
  }

  #onSocketClose(attempt: Attempt, code: number, reason: string): void {
    const link = this.#linkOf(attempt);
    if (link === undefined) return;
    if (link.state === 'closing') {
      this.#end({ kind: 'client', socketClosed: { code, reason } });
      return;
    }
    if (link.state !== 'connecting' && link.state !== 'handshaking' && link.state !== 'ready') return;
    const { handshake } = attempt;
    const verdict = classifyClose({
      code,
      reason,
      opened: link.state !== 'connecting',
      helloSeen: attempt.hello !== undefined,
      inHandshake: link.state !== 'ready',
      awaitingHub: handshake.awaitingHub,
      noisePattern: handshake.noisePattern,
      // Our msg1 awaits msg2, or our XXpsk2 msg3 was the last word and the hub has said nothing since.
      noiseUnanswered:
        handshake.noisePattern !== undefined &&
        (handshake.awaitingHub || (link.state === 'ready' && link.keys.kind === 'noise' && handshake.noisePattern === 'XXpsk2' && !link.heardSinceKeyed)),
      forcedXX: this.#forceXX,
      unknownKeyCloses: this.#unknownKeyCount,
      unknownKeyThreshold: this.#o.unknownKeyCloses,
      lastSocketError: attempt.lastSocketError,
    });
    this.#forceXX = verdict.forceXX;
    this.#unknownKeyCount = verdict.unknownKeyCloses;
    const { error } = verdict;
    if (error instanceof HiveProtocolError) this.#log('warn', 'frame from the hub refused', { attempt: attempt.id, code: error.code });
    this.#end({ kind: 'failed', error, socketClosed: { code, reason } });
  }

  // ---------------------------------------------------------------------------------------------- the one exit

  /**
   * The one way out of a socket's life: report it (log, `error`, `close`), drop the socket, then back off and retry,
   * or close for good (terminal failure, too many attempts, `close()`), with the reason in `closeError`.
   */
  #end(ending: Ending): void {
    const link = this.#link;
    if (ending.kind === 'client') {
      if (link.state === 'closing') {
        this.#stopTimers(link);
        this.emit('close', { code: ending.socketClosed?.code ?? ABNORMAL_CLOSURE, reason: cut(ending.socketClosed?.reason ?? ''), willReconnect: false });
        this.#closeForGood(undefined, 'socket closed');
      } else {
        this.#closeForGood(undefined, 'closed by the client');
      }
      return;
    }
    if (ending.kind === 'unopened') {
      this.#closeForGood(ending.error, 'socket creation failed');
      return;
    }
    if (link.state !== 'connecting' && link.state !== 'handshaking' && link.state !== 'ready') return;
    const { error, socketClosed } = ending;
    const terminal = isTerminal(error) || !this.#o.reconnect;
    const code = errorCode(error) ?? error.name;
    this.#log(terminal ? 'error' : 'info', error.message, { attempt: link.attempt.id, code, state: link.state });
    this.#stopTimers(link);
    // The socket is left before anything is emitted: its own close, and what listeners do, find it gone.
    const ended: Link = { state: 'ending', from: link.state, info: link.state === 'ready' ? link.info : undefined };
    this.#link = ended;
    let closeCode: number = ABNORMAL_CLOSURE;
    let closeReason = '';
    if (socketClosed !== undefined) {
      closeCode = socketClosed.code;
      closeReason = cut(socketClosed.reason);
    } else if (ending.terminate === true) {
      link.attempt.socket.terminate();
    } else {
      closeCode = error instanceof HiveProtocolError ? error.closeCode : error instanceof HiveAuthError ? CLOSE_POLICY_VIOLATION : CLOSE_GOING_AWAY;
      closeReason = code;
      link.attempt.socket.close(closeCode, closeReason);
    }
    if (this.listenerCount('error') > 0) this.emit('error', error);
    // A session that was ready may start the backoff afresh, depending on how it ended: a hub that closes every fresh
    // session with 1013 must not be retried at the first delay for ever.
    if (link.state === 'ready' && resetsBackoff(socketClosed?.code)) this.#o.backoff.reset();
    const willReconnect = !terminal && this.#failuresWithoutReady + 1 < this.#o.maxAttempts;
    this.emit('close', { code: closeCode, reason: closeReason, willReconnect, error });
    if (this.#link !== ended) return; // a listener closed the connection
    if (terminal) {
      this.#closeForGood(error, error.message);
      return;
    }
    this.#failuresWithoutReady += 1;
    if (this.#failuresWithoutReady >= this.#o.maxAttempts) {
      const unreachable =
        error instanceof HiveConnectionError && error.code === 'HM_ERR_UNREACHABLE'
          ? error
          : new HiveConnectionError('HM_ERR_UNREACHABLE', `expected a session within ${this.#o.maxAttempts} attempt(s), got none (last: ${error.message})`, { cause: error });
      this.#closeForGood(unreachable, 'too many attempts');
      return;
    }
    const delay = this.#o.backoff.next();
    const timer = this.#o.timers.setTimeout(() => {
      if (this.#link.state === 'backing-off') this.#openSocket();
    }, delay);
    this.#enter({ state: 'backing-off', timer }, `${cut(error.message)}; retry in ${delay} ms`);
  }

  /** Part of {@link #end}: the final state. */
  #closeForGood(error: Error | undefined, reason: string): void {
    const link = this.#link;
    if (link.state === 'backing-off') this.#stopTimers(link);
    if (error !== undefined) this.#closeError = error;
    this.#queue.rejectAll(new HiveConnectionError('HM_ERR_CLOSED', 'expected the message to be sent, got the connection closed', { cause: error }));
    this.#enter({ state: 'closed' }, error === undefined ? reason : `${errorCode(error) ?? error.name}: ${cut(error.message)}`);
    this.#ready?.reject(error ?? new HiveConnectionError('HM_ERR_CLOSED', 'expected a session, got the connection closed by the client'));
    for (const waiter of this.#closeWaiters.splice(0)) waiter();
  }

  /** Cancel the deadlines and timers that belong to `link`. */
  #stopTimers(link: Link): void {
    switch (link.state) {
      case 'connecting':
        link.cancelUpgradeDeadline();
        return;
      case 'handshaking':
        link.cancelHandshakeDeadline?.();
        link.cancelHandshakeDeadline = undefined;
        return;
      case 'ready':
        link.keepAlive.stop();
        return;
      case 'backing-off':
        this.#o.timers.clearTimeout(link.timer);
        return;
      case 'closing':
        link.cancelCloseWait();
        return;
      case 'idle':
      case 'ending':
      case 'closed':
        return;
      default:
        assertNever(link, 'connection state');
    }
  }

  /** The only writer of the state (besides `ending`, which the outside does not see). */
  #enter(link: Exclude<Link, { readonly state: 'ending' }>, reason: string): void {
    const from = publicState(this.#link);
    this.#link = link;
    this.#announce(from, link.state, reason);
  }

  /** Log and emit a transition the machine allows. */
  #announce(from: ConnectionState, to: ConnectionState, reason: string): void {
    assertTransition(from, to);
    this.#log(to === 'ready' || to === 'closed' ? 'info' : 'debug', `connection ${from} → ${to}`, { reason: cut(reason) });
    this.emit('state', { from, to, reason });
  }

  #log(level: LogLevel, message: string, fields?: Readonly<Record<string, string | number | boolean | undefined>>): void {
    this.#o.logger.log(level, message, fields);
  }
}
