/**
 * The hub against the real thing: every recorded session between the Python client and hivemind-core 4.0.0
 * (test/vectors/session_transcripts.json) is replayed, c2s frame by c2s frame, by a plain `ws` client. With the hub's
 * randomness pinned to the recorded server IV and nonces, every s2c frame must be byte-identical to the recorded one,
 * and the hub must decode every recorded c2s frame to the recorded plaintext.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decryptJsonFrame } from '../../src/hivemind/json-frame.js';
import { toHex } from '../helpers/vectors.js';
import { type TestHub, startTestHub } from './index.js';
import { RawClient } from './raw-client.js';
import { SESSIONS, type TranscriptFrame, type TranscriptSession, recordedClient, recordedServerConfig, requestTarget } from './transcripts.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
});

const CLOSE_NORMAL = 1000;
const CLOSE_ABNORMAL = 1006;
const CLOSE_NO_STATUS = 1005;

function closeCodeOf(frame: TranscriptFrame): number {
  return Number.parseInt((frame.wire_hex ?? '').slice(0, 4), 16);
}

async function startRecordedHub(session: TranscriptSession, password?: string): Promise<TestHub> {
  hub = await startTestHub({
    clients: [recordedClient(session, password === undefined ? {} : { password })],
    serverConfig: recordedServerConfig(session),
  });
  return hub;
}

/** Replay `session` against `target`; returns what happened to the socket. */
async function replay(session: TranscriptSession, target: TestHub): Promise<{ client: RawClient; s2cChecked: number }> {
  const client = await RawClient.connect(`${target.url}${requestTarget(session)}`);
  const { negotiated_cipher: cipher, negotiated_encoding: encoding, session_key_hex: keyHex } = session.session;
  const key = Buffer.from(keyHex, 'hex');
  let s2cChecked = 0;
  for (const frame of session.frames) {
    if (frame.kind === 'http') continue;
    if (frame.dir === 'c2s') {
      if (frame.frame_type === 'close') client.close(closeCodeOf(frame));
      else if (frame.frame_type === 'text') client.send(frame.wire_text ?? '');
      else client.send(Buffer.from(frame.wire_hex ?? '', 'hex'));
      continue;
    }
    if (frame.frame_type === 'close') {
      expect((await client.waitClosed()).code).toBe(closeCodeOf(frame));
      s2cChecked += 1;
      continue;
    }
    const text = await client.nextText();
    // Byte for byte: the server's randomness is pinned, so even the encrypted replies must match.
    expect(text).toBe(frame.wire_text);
    if (frame.encrypted === true) {
      expect(Buffer.from(decryptJsonFrame(cipher, encoding, key, text)).toString('utf8')).toBe(frame.plaintext);
    }
    s2cChecked += 1;
  }
  return { client, s2cChecked };
}

const working = SESSIONS.filter((s) => !s.expected_failure);
const failing = SESSIONS.filter((s) => s.expected_failure);

describe('recorded sessions replayed against the core-4.0 hub', () => {
  it('covers every recorded session', () => {
    expect(working.map((s) => s.name)).toEqual([
      's01_default',
      's02_stock_connect',
      's03_aes_b64',
      's04_chacha_urlsafe_b64',
      's05_aes_b32',
      's06_chacha_hex',
      's07_aes_z85b',
      's09_chacha_b91',
      's12_bin_offered_client_refuses',
      's14_stock_context',
    ]);
    expect(failing.map((s) => s.name)).toEqual(['s08_chacha_z85p_FAILS']);
  });

  it.each(working.map((s) => [s.name, s] as const))('%s: every s2c frame is byte-identical, every c2s frame decodes', async (_name, session) => {
    const target = await startRecordedHub(session);
    const handshake = target.waitFor('handshake');
    const hello = target.waitFor('hello');
    const { s2cChecked } = await replay(session, target);
    expect(s2cChecked).toBe(session.frames.filter((f) => f.dir === 's2c' && f.kind !== 'http').length);

    const connection = target.connections[0];
    expect(connection).toBeDefined();
    expect(toHex(connection?.keying?.key ?? new Uint8Array())).toBe(session.session.session_key_hex);
    expect(await handshake).toMatchObject({
      protocol: 'password',
      cipher: session.session.negotiated_cipher,
      encoding: session.session.negotiated_encoding,
      binarize: false,
    });
    expect((await hello).session['session_id']).toBe(session.session.session_id);

    // The hub decoded each recorded c2s frame to the recorded message.
    const recorded = session.frames.filter((f) => f.dir === 'c2s' && f.hive_message !== undefined).map((f) => f.hive_message);
    expect(connection?.received.map((e) => e.message)).toEqual(recorded);
    expect(connection?.received.map((e) => e.encrypted)).toEqual(session.frames.filter((f) => f.dir === 'c2s' && f.hive_message !== undefined).map((f) => f.encrypted === true));
    const utterance = connection?.received.find((e) => e.message.msg_type === 'bus')?.message.payload;
    expect(utterance).toMatchObject({ type: 'recognizer_loop:utterance', data: { utterances: ['what time is it'] } });
    expect(connection?.closeCode).toBe(CLOSE_NORMAL);
  });

  it.each(failing.map((s) => [s.name, s] as const))('%s: the hub drops the connection at the first encrypted frame (1006)', async (_name, session) => {
    const target = await startRecordedHub(session);
    const dropped = target.waitFor('serverClose');
    const { client, s2cChecked } = await replay(session, target);
    expect(s2cChecked).toBe(3); // HELLO, HANDSHAKE request and response: byte-identical
    expect((await client.waitClosed()).code).toBe(CLOSE_ABNORMAL);
    expect(await dropped).toMatchObject({ action: { kind: 'abort' } });
    expect((await dropped).cause).toMatch(/^decode: .*JSON-Z85P/);
    expect(target.connections[0]?.received.map((e) => e.message.msg_type)).toEqual(['shake']);
  });
});

describe('core-4.0 admission and credentials', () => {
  const session = working[0] as TranscriptSession;

  it('an unknown access key gets an empty close frame (the client sees 1005) after the upgrade', async () => {
    const target = await startRecordedHub(session);
    const rejected = target.waitFor('rejected');
    const auth = Buffer.from(`${session.session.useragent}:not-a-known-key`).toString('base64');
    const client = await RawClient.connect(`${target.url}/?authorization=${auth}`);
    expect((await client.waitClosed()).code).toBe(CLOSE_NO_STATUS);
    expect(client.pending).toEqual([]);
    expect(await rejected).toEqual({ reason: 'unknownKey', accessKey: 'not-a-known-key' });
    expect(target.counts).toMatchObject({ attempts: 1, admitted: 0, rejected: 1 });
  });

  it('an authorization that is not "useragent:key" aborts the socket (1006)', async () => {
    const target = await startRecordedHub(session);
    const auth = Buffer.from('a:b:c').toString('base64');
    const client = await RawClient.connect(`${target.url}/?authorization=${auth}`);
    expect((await client.waitClosed()).code).toBe(CLOSE_ABNORMAL);
  });

  it('a wrong password is not detected at the handshake; the first encrypted frame aborts the socket', async () => {
    const target = await startRecordedHub(session, 'not-the-recorded-password');
    const client = await RawClient.connect(`${target.url}${requestTarget(session)}`);
    const frames = session.frames.filter((f) => f.kind !== 'http');
    await client.nextText(); // HELLO
    await client.nextText(); // HANDSHAKE request
    client.send(frames.find((f) => f.dir === 'c2s')?.wire_text ?? '');
    const response = JSON.parse(await client.nextText()) as { payload: { envelope: string } };
    // Same pinned IV, other password: a different envelope, which only a verifying client notices.
    expect(response.payload.envelope.slice(0, 16)).toBe(session.password_handshake.server_iv_hex);
    expect(response.payload.envelope).not.toBe(session.password_handshake.server_envelope);
    client.send(frames.find((f) => f.dir === 'c2s' && f.encrypted === true)?.wire_text ?? '');
    expect((await client.waitClosed()).code).toBe(CLOSE_ABNORMAL);
  });
});
