/**
 * Where a connection keeps its Noise v3 key material (HIVEMIND.md §2.9): our static X25519 key and the hubs' keys
 * pinned on first use. The file-backed store lives in `src/config/noise-keys.ts`; this layer only needs the interface.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

/** X25519 key length, bytes. */
const X25519_KEY_BYTES = 32;

/** Where a connection gets its Noise static key and keeps the hubs' pins. */
export interface NoiseKeyStore {
  /**
   * Our static X25519 private key (32 bytes), created and persisted on first use.
   * @throws {ConfigError} when it cannot be read, parsed or written.
   */
  staticPrivateKey(): Promise<Uint8Array>;
  /** The hub key pinned for `hostPort` (`"host:port"`), if any. @throws {ConfigError} for an unreadable store. */
  pinnedKey(hostPort: string): Promise<Uint8Array | undefined>;
  /** Pin `key` for `hostPort` (first use). @throws {ConfigError} when it cannot be written. */
  pin(hostPort: string, key: Uint8Array): Promise<void>;
}

/** A store in memory (tests, embedders that persist keys themselves). */
export function memoryNoiseKeyStore(initial: { staticPrivateKey?: Uint8Array; pins?: Record<string, Uint8Array> } = {}): NoiseKeyStore & {
  readonly pins: ReadonlyMap<string, Uint8Array>;
} {
  let key = initial.staticPrivateKey;
  const pins = new Map<string, Uint8Array>(Object.entries(initial.pins ?? {}));
  return {
    pins,
    staticPrivateKey: () => {
      key ??= new Uint8Array(randomBytes(X25519_KEY_BYTES));
      return Promise.resolve(key.slice());
    },
    pinnedKey: (hostPort) => Promise.resolve(pins.get(hostPort)?.slice()),
    pin: (hostPort, value) => {
      pins.set(hostPort, value.slice());
      return Promise.resolve();
    },
  };
}

