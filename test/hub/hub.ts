/**
 * A HiveMind hub in TypeScript for tests: a WebSocket server on 127.0.0.1 that behaves on the wire like
 * hivemind-core (4.0.0 by default; generation B or C on request, see profiles.ts), with a scriptable OVOS side
 * (agent.ts), the audio plugin (audio.ts) and faults on demand (faults.ts).
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { HivesatError } from '../../src/errors.js';
import { MAX_FRAME_BYTES } from '../../src/hivemind/constants.js';
import type { JsonObject } from '../../src/hivemind/json.js';
import { type HiveMessage, createHiveMessage } from '../../src/hivemind/message.js';
import { BinaryPayloadType, HiveMessageType } from '../../src/hivemind/message-types.js';
import { type NoiseSuiteName, generateX25519KeyPair, x25519PublicKey } from '../../src/hivemind/noise/index.js';
import { presharedKeyBytes } from '../../src/hivemind/aead.js';
import { systemRandom } from '../../src/hivemind/random.js';
import { type AgentApi, type HubAgent, agents, langOf } from './agent.js';
import { handleAudioBinary, handleAudioBus, ttsMetadata } from './audio.js';
import { handleRawAudio } from './stream.js';
import {
  ALWAYS_ALLOWED_TYPE,
  DEFAULT_ALLOWED_TYPES,
  DEFAULT_SERVER_CIPHERS,
  DEFAULT_SERVER_ENCODINGS,
  DEFAULT_TTS_FILE_NAME,
  DEFAULT_WAIT_MS,
  NOISE_OFFER_SUITES,
  RECORDED_SESSION_DEFAULTS,
  TEST_HUB_PUBKEY,
} from './constants.js';
import { HubConnection, type HubInternals } from './connection.js';
import { type FaultAction, type FaultStage, faultMatches } from './faults.js';
import { type OvosMessage, asDelivered, destinations, forwardMessage, ovosToJson, replyMessage } from './ovos.js';
import { type HubProfile, type ProfileRules, defaultMinProtocolVersion, profileRules } from './profiles.js';
import type { HubClientOptions, HubClientRecord, HubEvents, HubServerConfig, ResolvedServerConfig, TestHubOptions } from './types.js';

/** Codes of {@link TestHubError}. */
export type TestHubErrorCode = 'HUB_ERR_TIMEOUT' | 'HUB_ERR_OPTIONS' | 'HUB_ERR_STATE';

/** Misuse of the test hub, or an awaited event that never came. */
export class TestHubError extends HivesatError<TestHubErrorCode> {
  override readonly name = 'TestHubError';
}

/** How many things happened since the hub was created (across restarts). */
export interface HubCounts {
  /** WebSocket upgrade requests (connection attempts). */
  attempts: number;
  /** Connections that passed admission. */
  admitted: number;
  /** Upgrades refused at admission. */
  rejected: number;
  /** Completed handshakes. */
  handshakes: number;
  /** Client HELLOs processed. */
  hellos: number;
}

/** Options of {@link TestHub.stop}. */
export interface StopOptions {
  /** Close every connection with this code (a going-away shutdown) instead of dropping the sockets (a crash). */
  readonly code?: number;
  readonly reason?: string;
}

/** How long a graceful stop waits for the close handshake before dropping sockets, ms. */
const GRACEFUL_CLOSE_WAIT_MS = 1_000;
const HOST = '127.0.0.1';

function resolveClient(options: HubClientOptions, index: number): HubClientRecord {
  if (options.cryptoKey !== undefined) presharedKeyBytes(options.cryptoKey); // validates: 16 characters
  const clientId = options.clientId ?? index + 1;
  const given = options.allowedTypes ?? [];
  const allowed = given.length === 0 ? [...DEFAULT_ALLOWED_TYPES] : [...given];
  if (!allowed.includes(ALWAYS_ALLOWED_TYPE)) allowed.push(ALWAYS_ALLOWED_TYPE);
  return {
    accessKey: options.accessKey,
    password: options.password,
    cryptoKey: options.cryptoKey,
    name: options.name ?? `client-${clientId}`,
    clientId,
    isAdmin: options.isAdmin ?? false,
    allowedTypes: allowed,
    messageBlacklist: options.messageBlacklist ?? [],
    skillBlacklist: options.skillBlacklist ?? [],
    intentBlacklist: options.intentBlacklist ?? [],
    canBroadcast: options.canBroadcast ?? true,
    canEscalate: options.canEscalate ?? true,
    canPropagate: options.canPropagate ?? true,
    noisePsk: options.noisePsk,
    noisePin: options.noisePinnedKey?.slice(),
  };
}

function resolveConfig(profile: HubProfile, rules: ProfileRules, config: HubServerConfig): ResolvedServerConfig {
  const pubkey = config.pubkey ?? TEST_HUB_PUBKEY;
  const encodings = config.allowedEncodings ?? DEFAULT_SERVER_ENCODINGS;
  const ciphers = config.allowedCiphers ?? DEFAULT_SERVER_CIPHERS;
  return {
    allowedEncodings: encodings.length === 0 ? DEFAULT_SERVER_ENCODINGS : [...encodings],
    allowedCiphers: ciphers.length === 0 ? ['AES-GCM'] : [...ciphers],
    binarize: config.binarize ?? false,
    random: config.random ?? systemRandom,
    pubkey,
    nodeId: config.nodeId ?? rules.nodeId(pubkey),
    minProtocolVersion: config.minProtocolVersion ?? defaultMinProtocolVersion(profile),
    noise: config.noise ?? true,
    noiseSuites: config.noiseSuites ?? (NOISE_OFFER_SUITES as readonly NoiseSuiteName[]),
    // Never drawn from config.random: that stream may be pinned to recorded values.
    noiseStaticPrivateKey: config.noiseStaticPrivateKey ?? generateX25519KeyPair(systemRandom).privateKey,
    decodeFailure: config.decodeFailure ?? 'abort',
    noiseRefusal: config.noiseRefusal ?? 'policy',
    sessionDefaults: config.sessionDefaults ?? RECORDED_SESSION_DEFAULTS,
    rewriteHello: config.rewriteHello ?? ((payload) => payload),
    rewriteHandshakeRequest: config.rewriteHandshakeRequest ?? ((payload) => payload),
  };
}

/** A running test hub. Create it with {@link startTestHub}. */
export class TestHub {
  /** Counters across restarts. */
  readonly counts: HubCounts = { attempts: 0, admitted: 0, rejected: 0, handshakes: 0, hellos: 0 };
  readonly profile: HubProfile;

  readonly #options: TestHubOptions;
  readonly #rules: ProfileRules;
  readonly #config: ResolvedServerConfig;
  readonly #clients = new Map<string, HubClientRecord>();
  readonly #events = new EventEmitter<HubEvents>();
  readonly #agent: HubAgent;
  readonly #internals: HubInternals;
  #server: Server | undefined;
  #wss: WebSocketServer | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #pending = new Set<Promise<void>>();
  #port: number;
  #connections: HubConnection[] = [];

  /** @internal Use {@link startTestHub}. */
  constructor(options: TestHubOptions) {
    this.#options = options;
    this.profile = options.profile ?? 'core-4.0';
    this.#rules = profileRules(this.profile);
    this.#config = resolveConfig(this.profile, this.#rules, options.serverConfig ?? {});
    this.#agent = options.agent ?? agents.responder();
    this.#port = options.port ?? 0;
    options.clients.forEach((client, index) => {
      if (this.#clients.has(client.accessKey)) throw new TestHubError('HUB_ERR_OPTIONS', `expected unique access keys, got one twice (${client.accessKey.length} chars)`);
      this.#clients.set(client.accessKey, resolveClient(client, index));
    });
    this.#internals = {
      hub: this,
      rules: this.#rules,
      config: this.#config,
      emit: (event, ...args) => this.#emit(event, ...args),
      faults: (stage, id) => this.#faultsFor(stage, id),
      peerTaken: (peer, self) => this.#connections.some((c) => c !== self && c.registered && c.peer === peer),
      injected: (connection, message) => this.#onInjected(connection, message),
      binary: (event) => this.#run(event.connection, async () => {
        await this.#options.binary?.(event, this);
        if (this.#options.audio !== undefined) await handleAudioBinary(event, this.#options.audio);
        if (this.#options.stream !== undefined) await handleRawAudio(event, this.#options.stream);
      }),
    };
  }

  /** `ws://127.0.0.1:PORT` (append `/?authorization=…`). */
  get url(): string {
    return `ws://${HOST}:${this.#port}`;
  }
  get port(): number {
    return this.#port;
  }
  /** Every connection admitted since the last (re)start, in order. */
  get connections(): readonly HubConnection[] {
    return this.#connections;
  }
  /** The hub's Noise static public key (what a client pins). */
  get noiseStaticPublicKey(): Uint8Array {
    return x25519PublicKey(this.#config.noiseStaticPrivateKey);
  }
  /** True while listening. */
  get listening(): boolean {
    return this.#server !== undefined;
  }

  /** Subscribe to an event. */
  on<K extends keyof HubEvents>(event: K, listener: (...args: HubEvents[K]) => void): this {
    this.#events.on(event, listener as never);
    return this;
  }
  /** Unsubscribe. */
  off<K extends keyof HubEvents>(event: K, listener: (...args: HubEvents[K]) => void): this {
    this.#events.off(event, listener as never);
    return this;
  }

  /**
   * The next `event` (emitted after this call) whose payload satisfies `predicate`.
   *
   * @throws {HUB_ERR_TIMEOUT} (TestHubError) when none comes within `timeoutMs`.
   */
  waitFor<K extends keyof HubEvents>(event: K, predicate: (payload: HubEvents[K][0]) => boolean = () => true, timeoutMs: number = DEFAULT_WAIT_MS): Promise<HubEvents[K][0]> {
    return new Promise((resolve, reject) => {
      const listener = (...args: HubEvents[K]): void => {
        let matched: boolean;
        try {
          matched = predicate(args[0]);
        } catch (error) {
          cleanup();
          reject(error);
          return;
        }
        if (!matched) return;
        cleanup();
        resolve(args[0]);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new TestHubError('HUB_ERR_TIMEOUT', `expected a "${String(event)}" event within ${timeoutMs} ms, got none`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off(event, listener);
      };
      this.on(event, listener);
    });
  }

  /**
   * Resolves once every received frame has been processed and every agent/audio/binary hook it started has
   * returned (timers they set are not waited for). With `RawClient.barrier()` after it, a test can assert that the
   * hub sent nothing, without sleeping.
   */
  async settled(): Promise<void> {
    for (;;) {
      await Promise.all(this.#connections.map((c) => c.idle()));
      if (this.#pending.size === 0) return;
      await Promise.all([...this.#pending]);
    }
  }

  /** Send a HiveMessage to a client with the server's framing. Returns whether a frame was written. */
  send(connection: HubConnection, message: HiveMessage): boolean {
    return connection.send(message);
  }

  /** Send an OVOS message as BUS to a client (`context` merged over `{source: "hive", destination: peer}`). */
  sendBus(connection: HubConnection, type: string, data: JsonObject = {}, context: JsonObject = {}): boolean {
    return connection.sendBus(type, data, context);
  }

  /** Send a BINARY message. */
  sendBinary(connection: HubConnection, binaryType: BinaryPayloadType, payload: Uint8Array, metadata: JsonObject = {}): boolean {
    return connection.sendBinary(binaryType, payload, metadata);
  }

  /** Send BINARY TTS_AUDIO with metadata `{lang, file_name, utterance}` (§6.1). */
  sendTtsAudio(connection: HubConnection, file: Uint8Array, info: { readonly lang: string; readonly utterance: string; readonly fileName?: string }): boolean {
    return connection.sendBinary(BinaryPayloadType.TTS_AUDIO, file, ttsMetadata(info.lang, info.fileName ?? DEFAULT_TTS_FILE_NAME, info.utterance));
  }

  /** Run a fault action on a connection now. */
  fault(connection: HubConnection, action: FaultAction): Promise<void> {
    return connection.runFault(action);
  }

  /** The Noise static key pinned for a client (TOFU), if any. */
  noisePin(accessKey: string): Uint8Array | undefined {
    return this.#clients.get(accessKey)?.noisePin?.slice();
  }

  /** `hivemind-core reset-noise-pin`: forget a client's pinned Noise key. */
  resetNoisePin(accessKey: string): void {
    const client = this.#clients.get(accessKey);
    if (client !== undefined) client.noisePin = undefined;
  }

  /**
   * Listen (again) on the hub's port.
   *
   * @throws {HUB_ERR_STATE} (TestHubError) if already listening.
   */
  async start(): Promise<void> {
    if (this.#server !== undefined) throw new TestHubError('HUB_ERR_STATE', 'expected a stopped hub, got a listening one');
    this.#connections = [];
    const server = createServer((_request, response) => {
      // Tornado answers plain HTTP on a WebSocket route with 400.
      response.writeHead(400).end('Can "Upgrade" only to "WebSocket".');
    });
    // Tornado's websocket_max_message_size: larger frames are refused with 1009 (§1.1).
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false, clientTracking: false });
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      this.counts.attempts += 1;
      wss.handleUpgrade(request, socket, head, (ws) => this.#admit(ws, request.url ?? '/'));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') this.#port = address.port;
    this.#server = server;
    this.#wss = wss;
  }

  /** Close every connection (dropped, or closed with `options.code`) and free the port. */
  async stop(options: StopOptions = {}): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    const live = this.#connections.filter((c) => c.state !== 'closed');
    if (options.code !== undefined) {
      const closed = Promise.all(live.map((c) => this.waitFor('clientClose', (e) => e.connection === c, GRACEFUL_CLOSE_WAIT_MS).catch(() => undefined)));
      for (const connection of live) connection.close(options.code, options.reason);
      await closed;
    }
    for (const connection of live) connection.shutdown();
    this.#wss?.close();
    this.#wss = undefined;
    const closedServer = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closedServer;
  }

  /** Stop (dropping every connection, as a crashed process would) and listen again on the same port. */
  async restart(options: StopOptions = {}): Promise<void> {
    await this.stop(options);
    await this.start();
  }

  #emit<K extends keyof HubEvents>(event: K, ...args: HubEvents[K]): void {
    if (event === 'handshake') this.counts.handshakes += 1;
    if (event === 'hello') this.counts.hellos += 1;
    (this.#events.emit as (name: K, ...rest: HubEvents[K]) => boolean)(event, ...args);
  }

  #faultsFor(stage: FaultStage, id: number): readonly FaultAction[] {
    return (this.#options.faults ?? []).filter((fault) => faultMatches(fault, stage, id)).map((fault) => fault.action);
  }

  /** `open()` of the websocket plugin: authorization, DB lookup, protocol floor, then HELLO + HANDSHAKE. */
  #admit(ws: WebSocket, requestTarget: string): void {
    const rules = this.#rules;
    const refuse = (reason: 'badAuthorization' | 'unknownKey' | 'protocolFloor', accessKey: string | undefined): void => {
      this.counts.rejected += 1;
      this.#emit('rejected', { reason, accessKey });
      ws.on('error', () => undefined);
      const action = rules.failure(reason);
      if (action.kind === 'abort') ws.terminate();
      else if (action.kind === 'close') {
        if (action.code === undefined) ws.close();
        else ws.close(action.code, action.reason);
      }
    };
    const auth = rules.parseAuthorization(requestTarget);
    if (auth === undefined) return refuse('badAuthorization', undefined);
    const client = this.#clients.get(auth.accessKey);
    if (client === undefined) return refuse('unknownKey', auth.accessKey);
    const config = this.#config;
    const request = rules.handshakeRequest({
      hasPassword: client.password !== undefined,
      hasCryptoKey: client.cryptoKey !== undefined,
      noisePinned: client.noisePin !== undefined,
      binarize: config.binarize,
      encodings: config.allowedEncodings,
      ciphers: config.allowedCiphers,
      minProtocolVersion: config.minProtocolVersion,
      noiseAvailable: config.noise,
      noiseSuites: config.noiseSuites,
    });
    if (request === undefined) return refuse('protocolFloor', auth.accessKey);
    this.counts.admitted += 1;
    const connection = new HubConnection(ws, this.#internals, {
      id: this.counts.admitted,
      useragent: auth.useragent,
      client,
      requestPayload: config.rewriteHandshakeRequest(request),
    });
    this.#connections.push(connection);
    this.#emit('connection', { connection });
    connection.start();
  }

  /** Run a hook; a throwing hook is reported, never allowed to take the connection down. */
  #run(connection: HubConnection, task: () => Promise<void> | void): void {
    const running = Promise.resolve()
      .then(task)
      .catch((error: unknown) => {
        // Supervision boundary for user hooks: report, keep serving (as the agent bus would).
        this.#emit('agentError', { connection, error });
      })
      .finally(() => this.#pending.delete(running));
    this.#pending.add(running);
  }

  /** A message on the agent bus from `connection`: the audio plugin and the agent both see it. */
  #onInjected(connection: HubConnection, message: OvosMessage): void {
    const api = this.#agentApi(connection, message);
    const audio = this.#options.audio;
    if (audio !== undefined) this.#run(connection, () => handleAudioBus(message, api, audio));
    this.#run(connection, () => this.#agent(message, api));
  }

  #agentApi(connection: HubConnection, message: OvosMessage): AgentApi {
    return {
      connection,
      hub: this,
      reply: (type, data, context) => this.#deliver(replyMessage(message, type, data, context)),
      forward: (type, data) => this.#deliver(forwardMessage(message, type, data)),
      emit: (out) => this.#deliver(out),
      defer: (task) => this.#run(connection, task),
      speak: (utterance, options = {}) =>
        this.#deliver(
          replyMessage(message, 'speak', {
            utterance,
            lang: options.lang ?? langOf(message),
            expect_response: options.expectResponse ?? false,
            meta: options.meta ?? {},
          }),
        ),
    };
  }

  /** The agent plugin's `handle_internal_mycroft`: deliver to every registered peer in `context.destination`. */
  #deliver(message: OvosMessage): void {
    const targets = destinations(message);
    for (const connection of this.#connections) {
      if (!connection.registered || !targets.includes(connection.peer)) continue;
      const payload = ovosToJson(asDelivered(message));
      connection.send(createHiveMessage(HiveMessageType.BUS, payload, { source_peer: connection.peer }));
    }
  }
}

/**
 * Start a test hub on 127.0.0.1 (port 0 unless `options.port`).
 *
 * @throws {HUB_ERR_OPTIONS} (TestHubError) for duplicate access keys; {HM_ERR_BAD_KEY} for a `cryptoKey` that is
 *   not 16 characters.
 */
export async function startTestHub(options: TestHubOptions): Promise<TestHub> {
  const hub = new TestHub(options);
  await hub.start();
  return hub;
}
