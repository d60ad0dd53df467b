/**
 * One client connection of the test hub: hivemind-core's `HiveMindClientConnection` plus the handlers of
 * `HiveMindListenerProtocol` that act on it (HIVEMIND.md §2, §5.4, §5.8), with the strictness of the impersonated
 * server (profiles.ts).
 *
 * Frames are processed one at a time, in order, as Tornado's synchronous `on_message` does.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { presharedKeyBytes } from '../../src/hivemind/aead.js';
import { type JsonObject, isJsonObject } from '../../src/hivemind/json.js';
import { type HiveMessage, createHiveMessage, serializeHiveMessage } from '../../src/hivemind/message.js';
import { BinaryPayloadType, HiveMessageType } from '../../src/hivemind/message-types.js';
import type { NoisePatternName, NoiseSuiteName, NoiseTransport } from '../../src/hivemind/noise/index.js';
import type { Wire1BinaryMessage } from '../../src/hivemind/wire1.js';
import { AGENT_SOURCE, CONNECTION_DEFAULT_CIPHER, CONNECTION_DEFAULT_ENCODING, DENY_CODE_ACL, DENY_CODE_MALFORMED, POLICY_SOURCE } from './constants.js';
import { type FaultAction, type FaultStage, MALFORMED_FRAME, oversizedFrame, pingMessage, speakMessage, tamperedFrame } from './faults.js';
import { type DecodedFrame, HubFailure, type LegacyKeying, decodeLegacyFrame, decodeNoiseFrame, encodeForClient } from './frames.js';
import { HubHandshake } from './handshake.js';
import type { TestHub } from './hub.js';
import { type OvosMessage, contextSessionId, deserializeSession, injectedMessage, jsonToOvos, mergeSession, ovosToJson, withBlacklists } from './ovos.js';
import type { DropAction, ProfileRules } from './profiles.js';
import type { HubBinaryMessage, HubClientRecord, HubEvents, HubMessageEvent, HubProtocol, ResolvedServerConfig } from './types.js';

/** What a connection needs from its hub. */
export interface HubInternals {
  readonly hub: TestHub;
  readonly rules: ProfileRules;
  readonly config: ResolvedServerConfig;
  emit<K extends keyof HubEvents>(event: K, ...args: HubEvents[K]): void;
  faults(stage: FaultStage, id: number): readonly FaultAction[];
  /** Another registered live connection already has this peer id. */
  peerTaken(peer: string, self: HubConnection): boolean;
  /** A message injected on the agent bus on behalf of `connection`. */
  injected(connection: HubConnection, message: OvosMessage): void;
  binary(event: HubBinaryMessage): void;
}

/** Lifecycle of a connection. */
export type HubConnectionState = 'handshaking' | 'open' | 'closed';

const WS_OPEN = 1;

/** One admitted WebSocket. Read its state in tests; drive it through the {@link TestHub} methods. */
export class HubConnection {
  /** 1-based number of this admitted connection since the hub was created. */
  readonly id: number;
  /** Useragent from the `authorization` query. */
  readonly useragent: string;
  readonly client: HubClientRecord;
  /** Every message decoded from the client, in order. */
  readonly received: HubMessageEvent[] = [];
  /** Every message the hub sent, in order. */
  readonly sent: HiveMessage[] = [];

  readonly #ws: WebSocket;
  readonly #hub: HubInternals;
  readonly #requestPayload: JsonObject;
  #helloPayload: JsonObject = {};
  #state: HubConnectionState = 'handshaking';
  #stalled = false;
  #closedByHub = false;
  #queue: Promise<void> = Promise.resolve();
  #keying: LegacyKeying | undefined;
  #presharedInUse: boolean;
  #binarize = false;
  #protocol: HubProtocol | undefined;
  readonly #handshake: HubHandshake;
  #transport: NoiseTransport | undefined;
  #session: JsonObject;
  #registered = false;
  #peer: string;
  #processed = 0;
  /** RAW_AUDIO messages received (the `rawAudio` fault stage). */
  #rawAudio = 0;
  #closeCode: number | undefined;

  /** @internal Built by the hub after admission. */
  constructor(ws: WebSocket, hub: HubInternals, init: { id: number; useragent: string; client: HubClientRecord; requestPayload: JsonObject }) {
    this.#ws = ws;
    this.#hub = hub;
    this.id = init.id;
    this.useragent = init.useragent;
    this.client = init.client;
    this.#requestPayload = init.requestPayload;
    this.#handshake = new HubHandshake(init.client, hub.rules, hub.config, init.requestPayload);
    const { cryptoKey } = init.client;
    // A DB crypto_key is the connection key from the first byte (§2.6, §2.8).
    this.#keying = cryptoKey === undefined ? undefined : { key: presharedKeyBytes(cryptoKey), cipher: CONNECTION_DEFAULT_CIPHER, encoding: CONNECTION_DEFAULT_ENCODING };
    this.#presharedInUse = cryptoKey !== undefined;
    this.#session = deserializeSession({ session_id: hub.rules.initialSessionId() }, hub.config.sessionDefaults);
    this.#peer = this.#peerFor(this.#sessionId);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.#enqueue(() => this.#process(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), isBinary));
    });
    ws.on('close', (code: number, reason: Buffer) => this.#onClose(code, reason.toString('utf8')));
    ws.on('error', () => {
      // ws closes the socket itself (e.g. 1009 over maxPayload); 'close' reports it.
    });
  }

  /** Peer id: `useragent::client_id::name::session_id` (§2.1). */
  get peer(): string {
    return this.#peer;
  }
  /** The connection's session (`client.sess.serialize()`). */
  get session(): JsonObject {
    return this.#session;
  }
  /** The client's HELLO was processed: replies are delivered (§2.5.4). */
  get registered(): boolean {
    return this.#registered && this.#state !== 'closed';
  }
  get state(): HubConnectionState {
    return this.#state;
  }
  /** How the connection was keyed, once it is. */
  get protocol(): HubProtocol | undefined {
    return this.#protocol;
  }
  /** Legacy session key, cipher and encoding (the pre-shared key until a handshake), for decrypting frames in tests. */
  get keying(): LegacyKeying | undefined {
    return this.#keying;
  }
  /** The client asked for binarized frames. */
  get binarize(): boolean {
    return this.#binarize;
  }
  /** The HELLO payload the hub sent. */
  get helloPayload(): JsonObject {
    return this.#helloPayload;
  }
  /** The HANDSHAKE request payload the hub sent. */
  get handshakeRequestPayload(): JsonObject {
    return this.#requestPayload;
  }
  /** Close code as the hub's end saw it, once closed. */
  get closeCode(): number | undefined {
    return this.#closeCode;
  }
  /** The hub stopped reading and writing (stall fault or decode failure policy). */
  get stalled(): boolean {
    return this.#stalled;
  }

  get #sessionId(): string {
    const id = this.#session['session_id'];
    return typeof id === 'string' ? id : '';
  }

  #peerFor(sessionId: string): string {
    return `${this.useragent}::${this.client.clientId}::${this.client.name}::${sessionId}`;
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((error: unknown) => {
      // Supervision boundary: a hub bug must not leave the socket half-alive; report it and abort like Tornado.
      this.#hub.emit('agentError', { connection: this, error });
      this.#drop({ kind: 'abort' }, 'internal error');
    });
  }

  /** @internal Send HELLO and the HANDSHAKE request (`handle_new_client`), with the faults of those stages. */
  start(): void {
    this.#enqueue(async () => {
      if (await this.#faultsAt('open')) return;
      const { config } = this.#hub;
      this.#helloPayload = config.rewriteHello({ pubkey: config.pubkey, peer: this.#peer, node_id: config.nodeId });
      this.send(createHiveMessage(HiveMessageType.HELLO, this.#helloPayload));
      if (await this.#faultsAt('hello')) return;
      this.send(createHiveMessage(HiveMessageType.HANDSHAKE, this.#requestPayload));
      await this.#faultsAt('handshakeRequest');
    });
  }

  /**
   * Send a message with the server's framing (§4.1, §3): JSON or bitstring, encrypted once keyed. BUS types on
   * the client's `message_blacklist` are not sent. Returns whether a frame was written.
   */
  send(message: HiveMessage, binary?: Wire1BinaryMessage): boolean {
    const payloadType = message.payload['type'];
    if (message.msg_type === HiveMessageType.BUS && typeof payloadType === 'string' && this.client.messageBlacklist.includes(payloadType)) {
      this.#hub.emit('dropped', { connection: this, message, reason: 'message_blacklist' });
      return false;
    }
    if (this.#stalled || this.#ws.readyState !== WS_OPEN) {
      this.#hub.emit('dropped', { connection: this, message, reason: 'connection not open' });
      return false;
    }
    let encoded;
    try {
      encoded = encodeForClient(message, binary, {
        legacy: this.#keying,
        transport: this.#transport,
        binarize: this.#binarize,
        random: this.#hub.config.random,
        rules: this.#hub.rules,
      });
    } catch (error) {
      // The server's send raises in the emitting handler; the message never arrives (P11).
      this.#hub.emit('dropped', { connection: this, message, reason: error instanceof Error ? error.message : String(error) });
      return false;
    }
    this.#ws.send(encoded.data, { binary: encoded.frame === 'binary' });
    this.sent.push(message);
    this.#hub.emit('sent', { connection: this, message, frame: encoded.frame, data: encoded.data });
    return true;
  }

  /** Send an OVOS message as BUS, addressed to this client (`context.source` "hive", `destination` its peer). */
  sendBus(type: string, data: JsonObject = {}, context: JsonObject = {}): boolean {
    const ctx: JsonObject = { source: AGENT_SOURCE, destination: this.#peer, ...context };
    return this.send(createHiveMessage(HiveMessageType.BUS, ovosToJson({ type, data, context: ctx }), { source_peer: this.#peer }));
  }

  /** Send a BINARY message (always a bitstring frame). */
  sendBinary(binaryType: BinaryPayloadType, payload: Uint8Array, metadata: JsonObject = {}): boolean {
    const message = createHiveMessage(HiveMessageType.BINARY, {}, { metadata });
    return this.send(message, { kind: 'binary', binaryType, payload, metadata });
  }

  /**
   * Inject an OVOS message on the agent bus as if this client sent it, without the permission checks
   * (`handle_inject_agent_msg`, as the audio plugin does with transcriptions).
   */
  inject(type: string, data: JsonObject, context: JsonObject = {}): void {
    const session = withBlacklists(this.#session, this.client.skillBlacklist, this.client.intentBlacklist);
    this.#hub.injected(this, injectedMessage({ type, data, context }, session, this.#peer));
  }

  /** Write raw data as a text (string) or binary frame, bypassing all framing. */
  sendRaw(data: string | Uint8Array): void {
    if (this.#ws.readyState === WS_OPEN) this.#ws.send(data, { binary: typeof data !== 'string' });
  }

  /** Close with `code` (none: an empty close frame, which the client sees as 1005). */
  close(code?: number, reason?: string): void {
    this.#drop(code === undefined ? { kind: 'close' } : { kind: 'close', code, ...(reason === undefined ? {} : { reason }) }, 'closed by test');
  }

  /** Drop the TCP connection without a close frame (the client sees 1006). */
  abort(): void {
    this.#drop({ kind: 'abort' }, 'aborted by test');
  }

  /** Resolves once every frame received so far has been processed (the hooks it started may still run). */
  async idle(): Promise<void> {
    let queue: Promise<void>;
    do {
      queue = this.#queue;
      await queue;
    } while (queue !== this.#queue);
  }

  /** @internal Hub shutdown: close with `code` (graceful stop) or drop the socket (crash). */
  shutdown(code?: number, reason?: string): void {
    if (code === undefined) this.#drop({ kind: 'abort' }, 'hub stopped');
    else this.#drop({ kind: 'close', code, ...(reason === undefined ? {} : { reason }) }, 'hub stopped');
    if (this.#state !== 'closed') this.#ws.terminate();
  }

  /** Run a fault action now. */
  async runFault(action: FaultAction): Promise<void> {
    this.#hub.emit('fault', { connection: this, action });
    switch (action.kind) {
      case 'close':
      case 'abort':
      case 'stall':
        this.#drop(action, 'fault');
        return;
      case 'malformed':
        this.sendRaw(MALFORMED_FRAME);
        return;
      case 'oversized':
        this.sendRaw(oversizedFrame(action.binary === true));
        return;
      case 'plaintext':
        this.sendRaw(serializeHiveMessage(speakMessage(this.#peer, 'plaintext after keying')));
        return;
      case 'badTag':
        this.sendRaw(tamperedFrame(speakMessage(this.#peer, 'tampered'), this.#keying, this.#transport, this.#hub.config.random));
        return;
      case 'pingFlood':
        for (let i = 0; i < action.count; i++) this.send(pingMessage());
        return;
      case 'raw':
        this.sendRaw(action.data);
        return;
      case 'custom':
        await action.run(this, this.#hub.hub);
        return;
    }
  }

  /** Run the faults armed for `stage`; true when the connection is no longer live afterwards. */
  async #faultsAt(stage: FaultStage): Promise<boolean> {
    for (const action of this.#hub.faults(stage, this.id)) await this.runFault(action);
    return this.#stalled || this.#closedByHub || this.#state === 'closed';
  }

  #drop(action: DropAction, cause: string): void {
    if (this.#state === 'closed' || this.#closedByHub) return;
    this.#hub.emit('serverClose', { connection: this, action, cause });
    switch (action.kind) {
      case 'stall':
        this.#stalled = true;
        return;
      case 'abort':
        this.#closedByHub = true;
        this.#ws.terminate();
        return;
      case 'close':
        this.#closedByHub = true;
        if (action.code === undefined) this.#ws.close();
        else this.#ws.close(action.code, action.reason);
        return;
    }
  }

  #fail(failure: HubFailure): void {
    const { rules, config } = this.#hub;
    const bareNoiseRefusal = (failure.kind === 'noise' || failure.kind === 'noisePin') && config.noiseRefusal === 'bare';
    const action =
      failure.kind === 'decode' && rules.name !== 'core-4.0' && config.decodeFailure === 'stall'
        ? { kind: 'stall' as const }
        : bareNoiseRefusal
          ? { kind: 'close' as const }
          : rules.failure(failure.kind, failure.detail);
    this.#drop(action, `${failure.kind}: ${failure.message}`);
  }

  #onClose(code: number, reason: string): void {
    this.#state = 'closed';
    this.#closeCode = code;
    this.#hub.emit('clientClose', { connection: this, code, reason, byHub: this.#closedByHub });
  }

  async #process(data: Uint8Array, isBinary: boolean): Promise<void> {
    if (this.#stalled || this.#closedByHub || this.#state === 'closed') return;
    const { rules } = this.#hub;
    let decoded: DecodedFrame;
    try {
      if (this.#transport !== undefined && isBinary) decoded = decodeNoiseFrame(data, this.#transport, rules);
      // After the Noise split only HELLO/HANDSHAKE may come as (unencrypted) text; the crypto check refuses the rest.
      else decoded = decodeLegacyFrame(data, isBinary, this.#transport === undefined ? this.#keying : undefined, rules);
      const type = decoded.message.msg_type;
      const exempt = type === HiveMessageType.HELLO || type === HiveMessageType.HANDSHAKE;
      if (rules.requiresCrypto && !decoded.encrypted && !exempt) throw new HubFailure('cleartext', 'expected an encrypted frame');
    } catch (error) {
      if (error instanceof HubFailure) return this.#fail(error);
      throw error;
    }
    if (decoded.encrypted && this.#presharedInUse && this.#protocol === undefined) this.#keyed('preshared', { cipher: CONNECTION_DEFAULT_CIPHER, encoding: CONNECTION_DEFAULT_ENCODING });
    const binary = decoded.binary === undefined ? undefined : { connection: this, ...decoded.binary };
    const event: HubMessageEvent = { connection: this, message: decoded.message, binary, encrypted: decoded.encrypted, frame: decoded.frame };
    this.received.push(event);
    this.#hub.emit('message', event);
    try {
      await this.#dispatch(decoded.message, binary);
    } catch (error) {
      if (error instanceof HubFailure) return this.#fail(error);
      throw error;
    }
    if (decoded.message.msg_type !== HiveMessageType.HANDSHAKE) {
      this.#processed += 1;
      if (await this.#faultsAt({ afterMessages: this.#processed })) return;
    }
    if (binary?.binaryType === BinaryPayloadType.RAW_AUDIO) {
      this.#rawAudio += 1;
      await this.#faultsAt({ rawAudio: this.#rawAudio });
    }
  }

  async #dispatch(message: HiveMessage, binary: HubBinaryMessage | undefined): Promise<void> {
    const { client } = this;
    switch (message.msg_type) {
      case HiveMessageType.HANDSHAKE:
        return this.#onHandshake(message.payload);
      case HiveMessageType.HELLO:
        return this.#onHello(message.payload);
      case HiveMessageType.BUS:
        return this.#onBus(message.payload);
      case HiveMessageType.BINARY:
        if (binary !== undefined) this.#hub.binary(binary);
        return;
      case HiveMessageType.BROADCAST:
        return this.#wrapper(client.isAdmin && client.canBroadcast);
      case HiveMessageType.PROPAGATE:
        return this.#wrapper(client.canPropagate);
      case HiveMessageType.ESCALATE:
        return this.#wrapper(client.canEscalate);
      default:
        // SHARED_BUS, QUERY, CASCADE, RENDEZVOUS, PING, INTERCOM, 3rdparty: nothing a satellite can observe.
        return;
    }
  }

  #wrapper(allowed: boolean): void {
    // 4.0 ignores illegal wrappers (illegal_callback); newer hubs disconnect.
    if (!allowed && this.#hub.rules.illegalWrapperCloses) throw new HubFailure('illegalWrapper', 'expected a permitted wrapper message');
  }

  #keyed(protocol: HubProtocol, details: { cipher: string; encoding: string; noise?: { pattern: NoisePatternName; suite: NoiseSuiteName } }): void {
    this.#protocol = protocol;
    this.#presharedInUse = false;
    this.#state = 'open';
    this.#hub.emit('handshake', { connection: this, protocol, cipher: details.cipher, encoding: details.encoding, binarize: this.#binarize, noise: details.noise });
  }

  async #onHandshake(payload: JsonObject): Promise<void> {
    if (this.#transport !== undefined) return; // no re-keying over Noise
    const step = await this.#handshake.handle(payload, this.#helloPayload);
    // The reply goes out before the new keys apply: HANDSHAKE frames are never encrypted.
    if (step.reply !== undefined) this.send(createHiveMessage(HiveMessageType.HANDSHAKE, step.reply));
    const done = step.done;
    if (done === undefined) return;
    this.#binarize = done.binarize;
    if (done.protocol === 'password') {
      this.#keying = done.keying;
      this.#keyed('password', { cipher: done.keying.cipher, encoding: done.keying.encoding });
    } else {
      this.#transport = done.transport;
      this.#keying = undefined;
      this.#keyed('noise', { cipher: done.suite, encoding: done.encoding, noise: { pattern: done.pattern, suite: done.suite } });
    }
    await this.#faultsAt('handshake');
  }

  /** `handle_hello_message` (§2.5.4). */
  async #onHello(payload: JsonObject): Promise<void> {
    const { rules, config } = this.#hub;
    const declared = payload['session'];
    let session = isJsonObject(declared) ? deserializeSession(declared, config.sessionDefaults) : this.#session;
    const siteId = payload['site_id'];
    if (typeof siteId === 'string') session = { ...session, site_id: siteId };
    if (rules.defaultSessionFatal && session['session_id'] === 'default' && !this.client.isAdmin) {
      throw new HubFailure('defaultSession', 'expected a session id other than "default"');
    }
    this.#session = session;
    let peer = this.#peerFor(this.#sessionId);
    if (rules.uniquePeers && this.#hub.peerTaken(peer, this)) peer = `${peer}::${randomBytes(4).toString('hex')}`;
    this.#peer = peer;
    this.#registered = true;
    this.#hub.emit('hello', { connection: this, session });
    await this.#faultsAt('clientHello');
  }

  /** `handle_bus_message` (§5.4, §5.8). */
  #onBus(payload: JsonObject): void {
    const { rules, config } = this.#hub;
    const message = jsonToOvos(payload);
    if (message === undefined) {
      if (!rules.policyDenied) throw new HubFailure('decode', 'expected an OVOS message payload');
      this.#deny('', DENY_CODE_MALFORMED, 'malformed payload', {});
      return;
    }
    const declared = message.context['session'];
    const declaredId = contextSessionId(message.context) ?? 'default';
    if (rules.defaultSessionFatal && declaredId === 'default' && !this.client.isAdmin) {
      throw new HubFailure('defaultSession', 'expected a BUS session id other than "default"');
    }
    let session = this.#session;
    if (rules.mergesSessions) {
      if (isJsonObject(declared)) session = mergeSession(this.#session, declared);
    } else if (isJsonObject(declared) && declaredId === this.#sessionId) {
      // 4.0: a message carrying the HELLO session id replaces the connection's session (P14).
      this.#session = deserializeSession(declared, config.sessionDefaults);
      session = this.#session;
    }
    if (!this.client.allowedTypes.includes(message.type)) {
      this.#hub.emit('denied', { connection: this, type: message.type, code: DENY_CODE_ACL });
      if (rules.policyDenied) this.#deny(message.type, DENY_CODE_ACL, 'message type not allowed for this client', message.data);
      return;
    }
    const withLists = withBlacklists(session, this.client.skillBlacklist, this.client.intentBlacklist);
    this.#hub.injected(this, injectedMessage(message, withLists, this.#peer));
  }

  #deny(type: string, code: string, reason: string, data: JsonObject): void {
    const context: JsonObject = { source: POLICY_SOURCE, destination: this.#peer };
    const payload = { type: 'hive.policy.denied', data: { denied_type: type, code, reason, data }, context };
    this.send(createHiveMessage(HiveMessageType.BUS, payload, { source_peer: this.#peer }));
  }
}
