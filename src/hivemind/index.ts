/**
 * The HiveMind protocol layer of hivesat: the only import surface of `src/hivemind/` for the rest of the program
 * and for programs that embed it (`import … from 'hivesat/hivemind'`).
 *
 * Byte-exact with the Python `hivemind-core` / `hivemind_bus_client` (HIVEMIND.md): the HiveMessage envelope, the
 * seven JSON encodings, AEAD framing (AES-GCM with 16-byte nonces, ChaCha20-Poly1305), WIRE-1 bitstrings, the
 * password handshake and protocol v3 Noise. Everything is synchronous and free of sockets; randomness is injected.
 *
 * @module
 */
export {
  CLOSE_POLICY_VIOLATION,
  HiveAuthError,
  type HiveAuthErrorCode,
  HiveCryptoError,
  type HiveCryptoErrorCode,
  HiveProtocolError,
  type HiveProtocolErrorCode,
} from './errors.js';
export * from './constants.js';
export { type RandomSource, recordedRandom, systemRandom } from './random.js';
export { type JsonObject, type JsonValue, type PythonJsonOptions, canonicalJson, isJsonObject, parseJson, pythonJsonDumps } from './json.js';
export {
  BinaryPayloadType,
  HiveMessageType,
  WIRE1_TYPE_CODES,
  WRAPPER_MESSAGE_TYPES,
  isBinaryPayloadType,
  isHiveMessageType,
  messageTypeOfCode,
} from './message-types.js';
export {
  HIVE_MESSAGE_KEYS,
  type HiveMessage,
  type HiveMessageFields,
  createHiveMessage,
  hiveMessageToJson,
  parseHiveMessage,
  serializeHiveMessage,
  toHiveMessage,
} from './message.js';
export {
  DEFAULT_ENCODING,
  HIVE_ENCODINGS,
  type HiveEncoding,
  assertHiveEncoding,
  decodeField,
  encodeField,
  isHiveEncoding,
} from './encodings.js';
export {
  DEFAULT_CIPHER,
  HIVE_CIPHERS,
  type HiveCipher,
  type SealedBox,
  assertHiveCipher,
  assertKey,
  decryptBinFrame,
  encryptBinFrame,
  isHiveCipher,
  nonceLength,
  open,
  presharedKeyBytes,
  seal,
} from './aead.js';
export { type EncryptJsonFrameOptions, SENDABLE_ENCODINGS, decryptJsonFrame, encryptJsonFrame, isEncryptedJsonFrame } from './json-frame.js';
export {
  type DecodedWire1,
  type Wire1BinaryMessage,
  type Wire1EncodeOptions,
  type Wire1JsonMessage,
  type Wire1Limits,
  type Wire1Message,
  type Wire1PayloadStyle,
  decodeWire1,
  encodeWire1,
  payloadStyleOf,
} from './wire1.js';
export { type Authorization, DEFAULT_HUB_PORT, type HubUrlOptions, buildAuthorization, buildHubUrl, parseAuthorization } from './authorization.js';
export {
  PasswordHandshakeClient,
  PasswordHandshakeServer,
  type PasswordHandshakeServerOptions,
  createHsub,
  deriveSessionKey,
  deriveSessionKeySync,
  matchHsub,
} from './password-handshake.js';
export * as noise from './noise/index.js';
export { HubConnection, type CloseInfo, type HubConnectionEvents, type HubConnectionOptions, type ReadyInfo, type StateChange } from './connection.js';
export { CONNECTION_STATES, type ConnectionState } from './connection-state.js';
export { HiveConnectionError, type HiveConnectionErrorCode, HivePolicyDeniedError, type PolicyDenial } from './connection-errors.js';
export { ask, type AskEnd, type AskOnceOptions, type AskOptions, type AskResult, type SpokenAnswer } from './ask.js';
export { type HiveLogger, type LogLevel, silentLogger, streamLogger } from './log.js';
export { type NoiseKeyStore, memoryNoiseKeyStore } from './noise-key-store.js';
export { type HandshakeMode, cpuInfoHasAes } from './negotiation.js';
