/**
 * Limits and constants of the Noise layer (HIVEMIND.md §2.9; Noise Protocol Framework revision 34), each with its
 * unit and source. Kept beside the Noise modules rather than in `../constants.ts` because nothing else uses them.
 *
 * @module
 */

/** Largest Noise message (handshake or transport), in bytes (Noise §3: "65535 bytes"). */
export const NOISE_MAX_MESSAGE_BYTES = 65_535;

/** X25519 public key, private key and shared secret length (`DHLEN`), bytes (RFC 7748). */
export const NOISE_DH_BYTES = 32;

/** SHA-256 output length (`HASHLEN`), bytes. */
export const NOISE_HASH_BYTES = 32;

/** CipherState key length, bytes (Noise §5.1: always 32). */
export const NOISE_KEY_BYTES = 32;

/** AEAD authentication tag length of both Noise ciphers, bytes (Noise §5.1). */
export const NOISE_TAG_BYTES = 16;

/** AEAD nonce length of both Noise ciphers, bytes (Noise §12.3, §12.4: 4 zero bytes ‖ 64-bit counter). */
export const NOISE_NONCE_BYTES = 12;

/** Largest transport plaintext that still fits a Noise message with its tag, bytes. */
export const NOISE_MAX_PLAINTEXT_BYTES = NOISE_MAX_MESSAGE_BYTES - NOISE_TAG_BYTES;

/** The nonce value Noise reserves (2^64 − 1): reaching it means the CipherState is exhausted (Noise §5.1). */
export const NOISE_MAX_NONCE = 0xffff_ffff_ffff_ffffn;

/** Pre-shared key length, bytes (Noise §9: "32 bytes"). */
export const NOISE_PSK_BYTES = 32;

/** HiveMind v3 PSK: argon2id iterations `t` (poorman_handshake `derive_psk`, HIVEMIND.md §2.9). */
export const ARGON2ID_TIME_COST = 3;

/** HiveMind v3 PSK: argon2id memory `m`, KiB (64 MiB). */
export const ARGON2ID_MEMORY_KIB = 65_536;

/** HiveMind v3 PSK: argon2id lanes `p`. */
export const ARGON2ID_PARALLELISM = 1;

/** How many (password, node_id) → PSK results the in-process cache keeps (a satellite talks to one or two hubs). */
export const PSK_CACHE_MAX_ENTRIES = 8;

/** PBKDF2 iterations of the alternative PSK derivation found in the HiveMind-js vectors (`pbkdf2_psk`). */
export const PBKDF2_PSK_ITERATIONS = 100_000;
