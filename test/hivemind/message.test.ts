import { describe, expect, it } from 'vitest';
import { HiveProtocolError } from '../../src/hivemind/errors.js';
import { createHiveMessage, HIVE_MESSAGE_KEYS, parseHiveMessage, serializeHiveMessage } from '../../src/hivemind/message.js';
import { BinaryPayloadType, HiveMessageType, isHiveMessageType, messageTypeOfCode, WIRE1_TYPE_CODES } from '../../src/hivemind/message-types.js';
import { loadReferenceVectors } from '../helpers/vectors.js';

interface TranscriptFrame {
  readonly wire_text?: string;
  readonly encrypted?: boolean;
  readonly plaintext?: string;
}
interface Transcripts {
  readonly sessions: readonly { readonly name: string; readonly frames: readonly TranscriptFrame[] }[];
}

const transcripts = loadReferenceVectors<Transcripts>('session_transcripts.json');
// Every HiveMessage JSON text a real Python peer put on the wire (plaintext frames and decrypted ones).
const recordedTexts = transcripts.sessions.flatMap((s) =>
  s.frames.flatMap((f) => (f.encrypted === true ? (f.plaintext === undefined ? [] : [f.plaintext]) : f.wire_text === undefined ? [] : [f.wire_text])),
);

describe('HiveMessage envelope', () => {
  it('knows every HiveMessageType and its 5-bit code (HIVEMIND.md §4.3, §5.2)', () => {
    expect(Object.values(HiveMessageType).sort()).toEqual(
      ['3rdparty', 'bin', 'broadcast', 'bus', 'cascade', 'escalate', 'hello', 'intercom', 'ping', 'propagate', 'query', 'rendezvous', 'shake', 'shared_bus'].sort(),
    );
    expect(WIRE1_TYPE_CODES).toEqual({ shake: 0, bus: 1, shared_bus: 2, broadcast: 3, propagate: 4, escalate: 5, hello: 6, query: 7, cascade: 8, ping: 9, rendezvous: 10, '3rdparty': 11, bin: 12 });
    for (let code = 0; code <= 12; code++) expect(messageTypeOfCode(code)).toBeDefined();
    for (let code = 13; code < 32; code++) expect(messageTypeOfCode(code)).toBeUndefined();
    expect(BinaryPayloadType).toEqual({ UNDEFINED: 0, RAW_AUDIO: 1, NUMPY_IMAGE: 2, FILE: 3, STT_AUDIO_TRANSCRIBE: 4, STT_AUDIO_HANDLE: 5, TTS_AUDIO: 6 });
    expect(isHiveMessageType('shake')).toBe(true);
    expect(isHiveMessageType('SHAKE')).toBe(false);
  });

  it('has recorded texts to check against', () => {
    expect(recordedTexts.length).toBeGreaterThan(50);
  });

  it.each(recordedTexts.map((t, i) => [i, t] as const))('re-serialises recorded message #%i byte for byte', (_i, text) => {
    const message = parseHiveMessage(text);
    expect(Object.keys(message)).toEqual([...HIVE_MESSAGE_KEYS]);
    expect(serializeHiveMessage(message)).toBe(text);
  });

  it('builds messages with exactly the eight keys and the reference defaults', () => {
    const message = createHiveMessage('bus', { type: 'speak', data: { utterance: 'olá ✓' }, context: {} });
    expect(serializeHiveMessage(message)).toBe(
      '{"msg_type": "bus", "payload": {"type": "speak", "data": {"utterance": "olá ✓"}, "context": {}}, "metadata": {}, "route": [], "node": null, "target_site_id": null, "target_pubkey": null, "source_peer": null}',
    );
  });

  it('fills missing optional keys with defaults', () => {
    expect(parseHiveMessage('{"msg_type": "hello"}')).toEqual(createHiveMessage('hello', {}));
  });

  const rejects: readonly (readonly [string, string, string])[] = [
    ['extra key', '{"msg_type": "bus", "payload": {}, "bin_type": 1}', 'HM_ERR_BAD_ENVELOPE'],
    ['unknown type', '{"msg_type": "gossip", "payload": {}}', 'HM_ERR_UNKNOWN_MSG_TYPE'],
    ['missing type', '{"payload": {}}', 'HM_ERR_UNKNOWN_MSG_TYPE'],
    ['string payload', '{"msg_type": "bus", "payload": "{}"}', 'HM_ERR_BAD_ENVELOPE'],
    ['array metadata', '{"msg_type": "bus", "metadata": []}', 'HM_ERR_BAD_ENVELOPE'],
    ['object route', '{"msg_type": "bus", "route": {}}', 'HM_ERR_BAD_ENVELOPE'],
    ['numeric node', '{"msg_type": "bus", "node": 3}', 'HM_ERR_BAD_ENVELOPE'],
    ['not an object', '[1, 2]', 'HM_ERR_BAD_ENVELOPE'],
    ['not JSON', '{"msg_type": ', 'HM_ERR_MALFORMED_JSON'],
    ['too deep', `${'['.repeat(100)}${']'.repeat(100)}`, 'HM_ERR_MALFORMED_JSON'],
  ];
  it.each(rejects)('refuses %s with a coded error', (_name, text, code) => {
    let caught: unknown;
    try {
      parseHiveMessage(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HiveProtocolError);
    expect(caught).toMatchObject({ code });
  });

  it('never echoes peer text in its errors', () => {
    expect(() => parseHiveMessage('{"msg_type": "secret-plaintext-here"}')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
  });
});
