// The protocol layer on its own: a password handshake between two in-process peers, then one encrypted frame
// each way, JSON and binary. Run it with: npx tsx examples/protocol-layer.ts
import {
  PasswordHandshakeClient,
  PasswordHandshakeServer,
  BinaryPayloadType,
  createHiveMessage,
  decodeWire1,
  decryptBinFrame,
  decryptJsonFrame,
  encodeWire1,
  encryptBinFrame,
  encryptJsonFrame,
  parseHiveMessage,
  serializeHiveMessage,
  systemRandom,
} from '../src/hivemind/index.js';

const password = 'correct horse battery staple';

// 1. Password handshake (HIVEMIND.md §2.5): each side sends an envelope; both derive the same 32-byte key.
const client = new PasswordHandshakeClient(password);
const hub = new PasswordHandshakeServer(password);
const clientEnvelope = client.generateEnvelope();
const hubEnvelope = hub.generateEnvelope();
const hubKey = await hub.receive(clientEnvelope);
const clientKey = await client.receiveAndVerify(hubEnvelope); // throws HiveAuthError on a wrong password

// 2. A BUS message as an encrypted JSON text frame (AES-GCM, JSON-B64), exactly as the Python peers write it.
const utterance = createHiveMessage('bus', {
  type: 'recognizer_loop:utterance',
  data: { utterances: ['what time is it'], lang: 'en-US' },
  context: { session: { session_id: '11111111-2222-3333-4444-555555555555' } },
});
const textFrame = encryptJsonFrame('AES-GCM', 'JSON-B64', clientKey, serializeHiveMessage(utterance), systemRandom);
const received = parseHiveMessage(new TextDecoder().decode(decryptJsonFrame('AES-GCM', 'JSON-B64', hubKey, textFrame)));
console.log('hub got:', received.payload['type']);

// 3. Audio as a BINARY WIRE-1 frame (always compressed flag = 1), encrypted as nonce ‖ ciphertext ‖ tag.
const pcm = new Uint8Array(3200); // 100 ms of 16 kHz s16le silence
const bitstring = encodeWire1({
  kind: 'binary',
  binaryType: BinaryPayloadType.STT_AUDIO_HANDLE,
  payload: pcm,
  metadata: { lang: 'en-US', sample_rate: 16000, sample_width: 2 },
});
const binaryFrame = encryptBinFrame('AES-GCM', clientKey, bitstring, systemRandom);
const decoded = decodeWire1(decryptBinFrame('AES-GCM', hubKey, binaryFrame));
console.log('hub got binary:', decoded.kind === 'binary' ? `${decoded.payload.length} bytes of type ${decoded.binaryType}` : decoded.kind);
