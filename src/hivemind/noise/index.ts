/**
 * Protocol v3 (Noise) of HiveMind (HIVEMIND.md §2.9): the Noise framework for `XXpsk2` / `KKpsk0` over
 * `25519_{ChaChaPoly,AESGCM}_SHA256`, the HiveMind negotiation, PSK and prologue, and the transport framing.
 *
 * @module
 */
export { CipherState, type NoiseCipherName, noiseNonce } from './cipher-state.js';
export * from './constants.js';
export { HandshakeState, type HandshakeOptions, type NoiseSplit } from './handshake-state.js';
export {
  HiveNoiseClient,
  type HiveNoiseClientOptions,
  type HiveNoiseClientResult,
  HiveNoiseServer,
  type HiveNoiseServerOptions,
  type NoiseCredentials,
  resolveNoisePsk,
} from './hivemind-noise.js';
export {
  NOISE_SUITE_PREFERENCE,
  type NoiseHandshakeFields,
  type NoiseMsg1Payload,
  type NoiseOffer,
  type NoiseSelection,
  buildNoisePrologue,
  decodeNoiseHandshakePayload,
  decodeNoiseMsg1Payload,
  decodeNoiseMsg2Payload,
  encodeNoiseHandshakePayload,
  encodeNoiseMsg1Payload,
  encodeNoiseMsg2Payload,
  parseNoiseOffer,
  selectNoiseOptions,
} from './negotiation.js';
export {
  NOISE_PATTERNS,
  NOISE_SUITE_CIPHERS,
  type NoisePattern,
  type NoisePatternName,
  type NoiseSuiteName,
  type NoiseToken,
  isNoisePatternName,
  isNoiseSuiteName,
  noiseProtocolName,
} from './patterns.js';
export { type PskCache, type PskDerivation, clearPskCache, createPskCache, deriveHiveMindPsk, derivePbkdf2Psk, getHiveMindPsk, pskSalt, toPsk } from './psk.js';
export { SymmetricState, noiseHkdf, sha256 } from './symmetric-state.js';
export {
  NoiseTransport,
  TRANSPORT_MARKER_BINARY,
  TRANSPORT_MARKER_JSON,
  type TransportBody,
  decodeTransportPlaintext,
  encodeTransportPlaintext,
} from './transport.js';
export { type X25519KeyPair, generateX25519KeyPair, x25519, x25519KeyPairFromPrivate, x25519PublicKey } from './x25519.js';
