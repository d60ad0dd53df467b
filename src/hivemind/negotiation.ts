/**
 * The client side of negotiation (HIVEMIND.md §2.4, §2.5.1, §2.5.2, §3.1, §3.3):
 * - the cipher and encoding preference lists we offer (defaults, CPU-dependent cipher order, explicit choices);
 * - which handshake branch to take for a hub's HANDSHAKE request (Noise v3, password, or the legacy pre-shared key);
 * - reading the hub's choice from its HANDSHAKE response.
 *
 * Policy:
 * - ciphers default to `['AES-GCM', 'CHACHA20-POLY1305']`, ChaCha first on CPUs without AES instructions (software
 *   AES is slower than ChaCha20 and not constant-time);
 * - encodings default to `['JSON-B64', 'JSON-HEX']` (pitfall P9: never B91 by default);
 * - JSON-Z85P is offered only when configured explicitly, with a warning (reference hubs cannot decode it, P10);
 * - the hub's choice is used as given; absent values fall back to the protocol defaults JSON-HEX / AES-GCM.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { type HiveCipher, DEFAULT_CIPHER, HIVE_CIPHERS, isHiveCipher } from './aead.js';
import { type HiveEncoding, DEFAULT_ENCODING, HIVE_ENCODINGS, isHiveEncoding } from './encodings.js';
import { HiveProtocolError } from './errors.js';
import type { JsonObject } from './json.js';
import { parseNoiseOffer } from './noise/index.js';

/** Encodings offered unless configured otherwise (HIVEMIND.md §0.2, §3.3). */
export const DEFAULT_ENCODINGS: readonly HiveEncoding[] = Object.freeze(['JSON-B64', 'JSON-HEX'] as const);

/** The encoding reference hubs cannot decode (pitfall P10). */
const HUB_UNDECODABLE_ENCODING: HiveEncoding = 'JSON-Z85P';

/** Lowest `max_protocol_version` at which a hub speaks Noise (protocol v3, HIVEMIND.md §2.9). */
export const NOISE_PROTOCOL_VERSION = 3;

/** `handshake` option: `'auto'` picks Noise when offered, `'password'` never uses Noise, `'noise'` requires it. */
export type HandshakeMode = 'auto' | 'password' | 'noise';

/** The handshake a connection takes for one HANDSHAKE request. */
export type HandshakeBranch = 'noise' | 'password' | 'preshared';

/** What the client offers. */
export interface ClientPreferences {
  readonly ciphers: readonly HiveCipher[];
  readonly encodings: readonly HiveEncoding[];
  readonly binarize: boolean;
  /** True when JSON-Z85P was configured explicitly (the frame codec must then be allowed to write it). */
  readonly allowZ85P: boolean;
  /** Human-readable warnings about the configuration (log them). */
  readonly warnings: readonly string[];
}

/** Options of {@link resolvePreferences}. */
export interface PreferenceOptions {
  /** Cipher preference list; one entry = offer only that. Default: by CPU (see {@link defaultCiphers}). */
  readonly ciphers?: readonly string[];
  /** Encoding preference list; one entry = offer only that. Default {@link DEFAULT_ENCODINGS}. */
  readonly encodings?: readonly string[];
  /** Ask the hub for binarized (WIRE-1) frames. Default false. */
  readonly binarize?: boolean;
  /** Whether the CPU has AES instructions. Default: {@link detectCpuAes}. */
  readonly cpuHasAes?: boolean;
}

/**
 * True if a `/proc/cpuinfo` text lists the AES instructions: the `aes` flag on x86 (`flags : … aes …`) or the `aes`
 * feature on ARM (`Features : … aes …`).
 */
export function cpuInfoHasAes(cpuinfo: string): boolean {
  return /^(?:flags|features)\s*:.*(?:^|[\s])aes(?:[\s]|$)/im.test(cpuinfo);
}

let cachedCpuAes: boolean | undefined;

/**
 * Whether this CPU has AES instructions, from `/proc/cpuinfo` (read once). Where that file cannot be read (not
 * Linux), true: every current desktop CPU has them.
 */
export function detectCpuAes(readCpuInfo: () => string = () => readFileSync('/proc/cpuinfo', 'utf8')): boolean {
  if (cachedCpuAes !== undefined) return cachedCpuAes;
  let result = true;
  try {
    result = cpuInfoHasAes(readCpuInfo());
  } catch {
    // Optional-feature probe: no /proc/cpuinfo (macOS, containers that hide it) means we cannot tell; assume AES.
    result = true;
  }
  cachedCpuAes = result;
  return result;
}

/** The default cipher order: AES-GCM first with AES instructions, ChaCha20-Poly1305 first without. */
export function defaultCiphers(cpuHasAes: boolean): readonly HiveCipher[] {
  return cpuHasAes ? ['AES-GCM', 'CHACHA20-POLY1305'] : ['CHACHA20-POLY1305', 'AES-GCM'];
}

function uniqueChecked<T extends string>(values: readonly string[], isValid: (v: unknown) => v is T, what: string, known: readonly string[]): T[] {
  if (!Array.isArray(values) || values.length === 0) {
    throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected a non-empty list of ${what}s, got ${Array.isArray(values) ? 'an empty one' : typeof values}`);
  }
  const out: T[] = [];
  for (const value of values) {
    if (!isValid(value)) {
      throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected a ${what} among ${known.join(', ')}, got "${String(value).slice(0, 40)}"`);
    }
    if (!out.includes(value)) out.push(value);
  }
  return out;
}

/**
 * The preference lists to offer, validated.
 *
 * @throws {HM_ERR_NEGOTIATION} (HiveProtocolError) for an empty list or an unknown cipher/encoding name.
 */
export function resolvePreferences(options: PreferenceOptions = {}): ClientPreferences {
  const warnings: string[] = [];
  const ciphers =
    options.ciphers === undefined
      ? defaultCiphers(options.cpuHasAes ?? detectCpuAes())
      : uniqueChecked(options.ciphers, isHiveCipher, 'cipher', HIVE_CIPHERS);
  const encodings = options.encodings === undefined ? DEFAULT_ENCODINGS : uniqueChecked(options.encodings, isHiveEncoding, 'encoding', HIVE_ENCODINGS);
  const allowZ85P = encodings.includes(HUB_UNDECODABLE_ENCODING);
  if (allowZ85P) {
    warnings.push('JSON-Z85P is configured: hivemind-core hubs cannot decode it and drop the connection at the first encrypted frame');
  }
  return { ciphers, encodings, binarize: options.binarize ?? false, allowZ85P, warnings };
}

/** What credentials a connection has, for {@link chooseBranch}. */
export interface BranchCredentials {
  readonly hasPassword: boolean;
  /** A pre-computed Noise PSK is configured. */
  readonly hasNoisePsk: boolean;
  /** A legacy 16-character pre-shared key is configured. */
  readonly hasPresharedKey: boolean;
}

/** The protocol version of the password handshake (HIVEMIND.md §2.3: RSA is v1, password v2, Noise v3). */
const PASSWORD_HANDSHAKE_VERSION = 2;

/** True if a HANDSHAKE request offers Noise at protocol v3 or later. */
export function offersNoise(request: JsonObject): boolean {
  const max = request['max_protocol_version'];
  return parseNoiseOffer(request) !== undefined && typeof max === 'number' && max >= NOISE_PROTOCOL_VERSION;
}

/**
 * Choose the handshake for a hub's HANDSHAKE request (HIVEMIND.md §2.4): Noise v3 when offered at
 * `max_protocol_version >= 3` with a password or PSK (unless `mode` is `'password'`); else the password handshake
 * when the hub has a password for us; else the legacy pre-shared key when the hub holds one for us.
 *
 * @throws {HM_ERR_NEGOTIATION} (HiveProtocolError) when no branch fits: the hub wants Noise and `mode` forbids it,
 *   `mode` is `'noise'` and the hub does not offer it, we lack the credentials the hub can use, or the password
 *   handshake would be chosen but the hub's `min_protocol_version` is above 2 (it would refuse it).
 * @throws {HM_ERR_HANDSHAKE} (HiveProtocolError) for a malformed `noise` offer.
 */
export function chooseBranch(request: JsonObject, credentials: BranchCredentials, mode: HandshakeMode): HandshakeBranch {
  const noise = offersNoise(request);
  const canNoise = credentials.hasPassword || credentials.hasNoisePsk;
  if (mode === 'noise') {
    if (!noise) throw new HiveProtocolError('HM_ERR_NEGOTIATION', 'expected the hub to offer Noise (protocol v3) as handshake "noise" requires, got no offer');
    if (!canNoise) throw new HiveProtocolError('HM_ERR_NEGOTIATION', 'expected a password or a pre-computed PSK for Noise, got neither');
    return 'noise';
  }
  if (mode === 'auto' && noise && canNoise) return 'noise';
  // 4.x hubs send "password": true when they hold a password for us; 5.x hubs omit it (they speak Noise only).
  if (credentials.hasPassword && request['password'] === true) {
    // A hub whose floor is above v2 refuses the password envelope (1008 after the fact): say so before sending it.
    const floor = request['min_protocol_version'];
    if (typeof floor === 'number' && floor > PASSWORD_HANDSHAKE_VERSION) {
      const hint = noise ? 'use handshake "noise" or "auto"' : 'the hub offers no Noise either: check its configuration';
      throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected a hub that accepts the password handshake (protocol v${PASSWORD_HANDSHAKE_VERSION}), got min_protocol_version ${floor}: ${hint}`);
    }
    return 'password';
  }
  if (credentials.hasPresharedKey && request['preshared_key'] === true) return 'preshared';
  if (noise && mode === 'password') {
    throw new HiveProtocolError('HM_ERR_NEGOTIATION', 'expected a hub that accepts the password handshake, got one that offers only Noise while handshake is "password"');
  }
  if (!credentials.hasPassword) {
    throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected a password to handshake with${credentials.hasPresharedKey ? ' (the hub holds no pre-shared key for us)' : ''}, got none`);
  }
  throw new HiveProtocolError('HM_ERR_NEGOTIATION', 'expected the hub to hold a password for this access key, got a HANDSHAKE request without one');
}

/** The cipher and encoding a hub chose in its password HANDSHAKE response. */
export interface Negotiated {
  readonly cipher: HiveCipher;
  readonly encoding: HiveEncoding;
  /** Warnings (e.g. the hub chose something we did not offer). */
  readonly warnings: readonly string[];
}

/**
 * Read the hub's choice from its HANDSHAKE response; absent values fall back to AES-GCM / JSON-HEX (the reference
 * client's fallback). A known value we did not offer is accepted with a warning: we can read every encoding.
 *
 * @throws {HM_ERR_NEGOTIATION} (HiveProtocolError) for a name HiveMind does not define.
 */
export function readNegotiated(response: JsonObject, offered: ClientPreferences): Negotiated {
  const cipher = response['cipher'] ?? DEFAULT_CIPHER;
  const encoding = response['encoding'] ?? DEFAULT_ENCODING;
  if (!isHiveCipher(cipher)) throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected the hub to choose a known cipher, got "${String(cipher).slice(0, 40)}"`);
  if (!isHiveEncoding(encoding)) throw new HiveProtocolError('HM_ERR_NEGOTIATION', `expected the hub to choose a known encoding, got "${String(encoding).slice(0, 40)}"`);
  const warnings: string[] = [];
  if (response['cipher'] !== undefined && !offered.ciphers.includes(cipher)) warnings.push(`the hub chose cipher ${cipher}, which we did not offer`);
  if (response['encoding'] !== undefined && !offered.encodings.includes(encoding)) warnings.push(`the hub chose encoding ${encoding}, which we did not offer`);
  return { cipher, encoding, warnings };
}
