/**
 * Hub checks: the host answers on its port (TCP), the HiveMind handshake completes (protocol, cipher, encoding)
 * and a BUS message makes a round trip (an utterance, timed to the hub's first reply), and — best effort — whether
 * the hub lets this client ask for speech (`speak:synth` → BINARY TTS_AUDIO), and — with `"mode": "stream"` — whether it
 * takes a RAW_AUDIO stream at all.
 *
 * @module
 */
import { connect } from 'node:net';
import { hubAddress } from '../../config/index.js';
import { BinaryPayloadType } from '../../hivemind/index.js';
import type { CheckOutcome, DoctorCheck, DoctorContext } from './types.js';
import { errorCode } from '../../errors.js';

function elapsed(from: number): number {
  return Math.round((performance.now() - from) * 10) / 10;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

const NO_SETTINGS: CheckOutcome = { status: 'skip', summary: 'no usable hub settings (see Configuration)' };

/** TCP reachability of host:port. */
export const hubReachableCheck: DoctorCheck = {
  id: 'hub-reachable',
  group: 'hub',
  title: 'Hub reachable',
  run: (ctx) =>
    new Promise<CheckOutcome>((resolve) => {
      const settings = ctx.state.settings;
      if (settings === undefined) {
        resolve(NO_SETTINGS);
        return;
      }
      const started = performance.now();
      const socket = connect({ host: settings.host, port: settings.port });
      socket.setTimeout(ctx.hubTimeoutMs);
      const done = (outcome: CheckOutcome, reachable: boolean): void => {
        ctx.state.hubReachable = reachable;
        socket.destroy();
        resolve(outcome);
      };
      socket.once('connect', () => done({ status: 'ok', summary: `${hubAddress(settings)} accepts connections (TCP connect ${elapsed(started)} ms)`, details: { tcp_connect_ms: elapsed(started) } }, true));
      socket.once('timeout', () => done({ status: 'fail', summary: `${hubAddress(settings)} did not answer within ${ctx.hubTimeoutMs} ms`, fix: 'check the host name/address (--host), the network, and a firewall on the hub' }, false));
      socket.once('error', (error: Error) => {
        const code = errorCode(error);
        const fix =
          code === 'ECONNREFUSED'
            ? 'nothing listens there: is hivemind-core running, and is the port right (--port, default 5678)?'
            : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
              ? 'the host name does not resolve: use its IP address or a name your DNS knows (e.g. hub.local with avahi)'
              : 'check the network between this satellite and the hub';
        done({ status: 'fail', summary: `cannot reach ${hubAddress(settings)}: ${code ?? error.message}`, fix }, false);
      });
    }),
};

/** Handshake and BUS round trip. */
export const hubHandshakeCheck: DoctorCheck = {
  id: 'hub-handshake',
  group: 'hub',
  title: 'Hub handshake and round trip',
  run: async (ctx: DoctorContext): Promise<CheckOutcome> => {
    const settings = ctx.state.settings;
    if (settings === undefined) return NO_SETTINGS;
    if (ctx.state.hubReachable === false) return { status: 'skip', summary: 'the hub is not reachable' };
    const connection = ctx.openConnection(settings);
    ctx.state.connection = connection;
    const started = performance.now();
    let info;
    try {
      info = await withTimeout(connection.connect(), ctx.hubTimeoutMs * 2, 'handshake');
    } catch (error) {
      return { status: 'fail', summary: ctx.describeError(error, settings), fix: 'fix the credentials or hub settings named above, then run hivesat doctor again' };
    }
    const handshakeMs = elapsed(started);
    const negotiated = `${info.protocol}${info.noisePattern === undefined ? '' : ` ${info.noisePattern}`}, ${info.cipher}, ${info.encoding}${info.binarize ? ', binarized' : ''}`;
    const details = { protocol: info.protocol, cipher: info.cipher, encoding: info.encoding, binarize: info.binarize, handshake_ms: handshakeMs };
    // Round trip of a BUS message: an utterance out, the hub's first reply back.
    let firstReplyMs: number | undefined;
    let firstType = '';
    const onBus = (message: { type: string }): void => {
      if (firstReplyMs === undefined) {
        firstReplyMs = elapsed(sent);
        firstType = message.type;
      }
    };
    connection.on('bus', onBus);
    const sent = performance.now();
    try {
      const answer = await connection.ask(ctx.utterance, { timeoutMs: ctx.hubTimeoutMs * 2 });
      const answerMs = elapsed(sent);
      const said = answer.utterances.join(' ').slice(0, 80);
      return {
        status: 'ok',
        summary: `${negotiated}; handshake ${handshakeMs} ms; BUS round trip ${firstReplyMs ?? answerMs} ms${firstType === '' ? '' : ` (${firstType})`}; answer in ${answerMs} ms${said === '' ? '' : `: "${said}"`}`,
        details: { ...details, rtt_ms: firstReplyMs ?? answerMs, first_reply: firstType || null, answer_ms: answerMs, answer: said || null },
      };
    } catch (error) {
      if (firstReplyMs !== undefined) {
        return { status: 'warn', summary: `${negotiated}; BUS round trip ${firstReplyMs} ms (${firstType}), but no spoken answer: ${ctx.describeError(error, settings)}`, details: { ...details, rtt_ms: firstReplyMs }, fix: 'the hub handled the message but said nothing; check its skills' };
      }
      return { status: 'fail', summary: `${negotiated}; but "${ctx.utterance}" got no reply: ${ctx.describeError(error, settings)}`, details, fix: 'check that the hub runs OVOS/hivemind-core with skills, and that this client may send recognizer_loop:utterance' };
    } finally {
      connection.off('bus', onBus);
    }
  },
};

/** Best effort: may this client ask the hub for speech (`speak:synth`)? */
export const hubSynthCheck: DoctorCheck = {
  id: 'hub-tts',
  group: 'hub',
  title: 'Hub speech (speak:synth)',
  run: async (ctx) => {
    const connection = ctx.state.connection;
    if (connection === undefined || connection.state !== 'ready') return { status: 'skip', summary: 'no hub session' };
    const started = performance.now();
    const outcome = await new Promise<CheckOutcome>((resolve) => {
      const finish = (result: CheckOutcome): void => {
        clearTimeout(timer);
        connection.off('binary', onBinary);
        connection.off('denied', onDenied);
        resolve(result);
      };
      const onBinary = (message: { binaryType: number; payload: Uint8Array }): void => {
        if (message.binaryType !== BinaryPayloadType.TTS_AUDIO) return;
        finish({ status: 'ok', summary: `allowed: ${message.payload.byteLength} bytes of speech in ${elapsed(started)} ms`, details: { allowed: true, bytes: message.payload.byteLength, ms: elapsed(started) } });
      };
      const onDenied = (error: { denial: { deniedType: string; denyCode: string } }): void => {
        if (error.denial.deniedType !== 'speak:synth') return;
        finish({ status: 'warn', summary: `refused by the hub (${error.denial.denyCode})`, details: { allowed: false }, fix: "hub speech is unavailable: on the hub run hivemind-core allow-msg speak:synth (or the satellite speaks with its local TTS)" });
      };
      const timer = setTimeout(
        () =>
          finish({
            status: 'warn',
            summary: `no answer within ${ctx.hubTimeoutMs} ms`,
            details: { allowed: null },
            fix: 'either speak:synth is not allowed (hivemind-core 4.0 drops refused messages silently: hivemind-core allow-msg speak:synth) or the hub has no TTS plugin (hivemind-audio-binary-protocol)',
          }),
        ctx.hubTimeoutMs,
      );
      connection.on('binary', onBinary);
      connection.on('denied', onDenied);
      connection.sendBus('speak:synth', { utterance: 'hivesat doctor', lang: ctx.state.settings?.lang ?? 'en-US' }).catch((error: unknown) => finish({ status: 'warn', summary: `could not send: ${ctx.describeError(error, ctx.state.settings)}` }));
    });
    return outcome;
  },
};

/** How long the stream probe waits for a hub to drop the connection after its first RAW_AUDIO chunk, ms. */
const STREAM_PROBE_MS = 1_500;

/**
 * `"mode": "stream"`: does the hub take RAW_AUDIO? One 64 ms chunk of silence goes up; hivemind-core 4.0 whose
 * audio-binary-protocol has no wake-word plugin raises at the first chunk and drops the connection (the satellite
 * then answers in audio mode, see README "Modes").
 */
export const hubStreamCheck: DoctorCheck = {
  id: 'hub-stream',
  group: 'hub',
  title: 'Hub audio streams (RAW_AUDIO)',
  run: async (ctx) => {
    const mode = ctx.state.mode ?? 'audio';
    if (mode !== 'stream') return { status: 'ok', summary: `not needed ("mode": "${mode}")`, details: { mode } };
    const connection = ctx.state.connection;
    if (connection === undefined || connection.state !== 'ready') return { status: 'skip', summary: 'no hub session' };
    const waitMs = Math.min(STREAM_PROBE_MS, ctx.hubTimeoutMs);
    return new Promise<CheckOutcome>((resolve) => {
      const finish = (result: CheckOutcome): void => {
        clearTimeout(timer);
        connection.off('close', onClose);
        resolve(result);
      };
      const onClose = (info: { code: number }): void =>
        finish({
          status: 'warn',
          summary: `the hub dropped the connection (${info.code}) at the first RAW_AUDIO chunk: it cannot take audio streams`,
          details: { streams: false, close_code: info.code },
          fix: 'install a wake-word plugin on the hub and name it in server.json (binary_protocol → "wake_word", "hotwords"), or set "mode": "audio" here; meanwhile the satellite switches to audio mode after two dropped streams',
        });
      const timer = setTimeout(() => finish({ status: 'ok', summary: `the hub took a RAW_AUDIO chunk and kept the connection for ${waitMs} ms`, details: { streams: true } }), waitMs);
      connection.on('close', onClose);
      const silence = new Uint8Array(2_048); // 1,024 samples of s16 silence
      connection.sendBinary(BinaryPayloadType.RAW_AUDIO, silence, { sample_rate: 16_000, sample_width: 2 }).catch(() => undefined); // a failed send shows as the close
    });
  },
};
