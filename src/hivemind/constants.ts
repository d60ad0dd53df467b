/**
 * Limits and protocol constants of the HiveMind layer, each with its unit and source.
 *
 * @module
 */

/** Largest WebSocket message a hub accepts or sends: Tornado's `websocket_max_message_size` (10 MiB). */
export const MAX_FRAME_BYTES = 10 * 1024 * 1024;

/**
 * Largest result of decompressing one WIRE-1 block (zlib bomb guard), in bytes. Above the frame limit because a
 * legitimate compressed payload inflates (JSON text ~3–10×, base64 audio ~1.3×), but far below what a bomb reaches:
 * deflate expands up to 1032:1, so a 10 MiB frame could otherwise become 10 GiB.
 */
export const MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

/**
 * Smallest inbound frame / inflation limit a configuration may set, bytes. Below it a real session breaks: a HELLO,
 * a Noise handshake or a short TTS answer would be refused.
 */
export const MIN_INBOUND_LIMIT_BYTES = 64 * 1024;

/** Deepest JSON nesting accepted from a peer (objects + arrays). Real messages nest < 10 deep. */
export const MAX_JSON_DEPTH = 64;

/** WIRE-1 metadata length field: 8 bits, so at most 255 bytes of (compressed) metadata (HIVEMIND.md §4.2). */
export const MAX_WIRE1_METADATA_BYTES = 255;

/** The only WIRE-1 framing version (`PROTOCOL_VERSION` of hivemind_bus_client serialization, §4.2). */
export const WIRE1_PROTOCOL_VERSION = 1;

/** Password handshake: PBKDF2-HMAC-SHA256 iterations (poorman_handshake, HIVEMIND.md §2.5.3). */
export const PBKDF2_ITERATIONS = 100_000;

/** Password handshake: session key length in bytes (PBKDF2 dklen = SHA-256 digest size). */
export const SESSION_KEY_BYTES = 32;

/** Password handshake: random IV length in bytes. */
export const HANDSHAKE_IV_BYTES = 8;

/** Password handshake: envelope (hSub) length in hex characters = 8-byte IV + 16 bytes of SHA-256. */
export const HSUB_HEX_CHARS = 48;

/** AEAD tag length in bytes for both ciphers (HIVEMIND.md §3.1). */
export const AEAD_TAG_BYTES = 16;

/** AES-GCM nonce length used by the reference (pycryptodome's default), bytes. */
export const AES_GCM_NONCE_BYTES = 16;

/** ChaCha20-Poly1305 nonce length (RFC 8439), bytes. */
export const CHACHA_NONCE_BYTES = 12;
