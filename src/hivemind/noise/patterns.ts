/**
 * The two handshake patterns HiveMind v3 uses (HIVEMIND.md §2.9; Noise Protocol Framework rev. 34 §7.4, §7.5, §9).
 *
 * - `XXpsk2`: `-> e` / `<- e, ee, s, es, psk` / `-> s, se` — no static key known in advance.
 * - `KKpsk0`: pre-messages `-> s`, `<- s`; then `-> psk, e, es, ss` / `<- e, ee, se` — both static keys pinned.
 *
 * @module
 */
import type { NoiseCipherName } from './cipher-state.js';

/** A handshake token (Noise §7.1, §9). */
export type NoiseToken = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';

/** A handshake pattern: who must know which static key beforehand, and the token lists of each message. */
export interface NoisePattern {
  readonly name: NoisePatternName;
  /** The initiator's static key is a pre-message (`-> s`), so the responder must know it in advance. */
  readonly initiatorStaticPremessage: boolean;
  /** The responder's static key is a pre-message (`<- s`), so the initiator must know it in advance. */
  readonly responderStaticPremessage: boolean;
  /** Token lists, message 1 first; even indexes are written by the initiator. */
  readonly messages: readonly (readonly NoiseToken[])[];
}

/** Names of the patterns HiveMind offers. */
export type NoisePatternName = 'XXpsk2' | 'KKpsk0';

/** Every pattern by name. */
export const NOISE_PATTERNS: Readonly<Record<NoisePatternName, NoisePattern>> = {
  XXpsk2: {
    name: 'XXpsk2',
    initiatorStaticPremessage: false,
    responderStaticPremessage: false,
    messages: [['e'], ['e', 'ee', 's', 'es', 'psk'], ['s', 'se']],
  },
  KKpsk0: {
    name: 'KKpsk0',
    initiatorStaticPremessage: true,
    responderStaticPremessage: true,
    messages: [
      ['psk', 'e', 'es', 'ss'],
      ['e', 'ee', 'se'],
    ],
  },
};

/** True if `value` names a pattern HiveMind defines. */
export function isNoisePatternName(value: unknown): value is NoisePatternName {
  return value === 'XXpsk2' || value === 'KKpsk0';
}

/** Names of the cipher suites HiveMind offers (`<DH>_<cipher>_<hash>`). */
export type NoiseSuiteName = '25519_ChaChaPoly_SHA256' | '25519_AESGCM_SHA256';

/** The AEAD cipher of each suite (DH is always X25519, hash always SHA-256). */
export const NOISE_SUITE_CIPHERS: Readonly<Record<NoiseSuiteName, NoiseCipherName>> = {
  '25519_ChaChaPoly_SHA256': 'ChaChaPoly',
  '25519_AESGCM_SHA256': 'AESGCM',
};

/** True if `value` names a suite HiveMind defines. */
export function isNoiseSuiteName(value: unknown): value is NoiseSuiteName {
  return value === '25519_ChaChaPoly_SHA256' || value === '25519_AESGCM_SHA256';
}

/** The full Noise protocol name, e.g. `Noise_XXpsk2_25519_ChaChaPoly_SHA256` (Noise §8). */
export function noiseProtocolName(pattern: NoisePatternName, suite: NoiseSuiteName): string {
  return `Noise_${pattern}_${suite}`;
}
