/**
 * The `"hub"` section of the config file: how to reach and authenticate with the hub. Every key is optional here:
 * src/config/connection-config.ts resolves each one from flags > environment > this section > the identity file >
 * its default, and refuses what is still missing. `null` means "not set here" (the next source decides).
 *
 * @module
 */
import { z } from 'zod';
import { HIVE_CIPHERS, HIVE_ENCODINGS, type HandshakeMode } from '../hivemind/index.js';

/** Default hub port (hivemind-websocket-plugin, HIVEMIND.md §1.1). */
export const DEFAULT_PORT = 5678;
/** Default language of utterances. */
export const DEFAULT_LANG = 'en-US';
/** Default site id (the reference client's). */
export const DEFAULT_SITE_ID = 'unknown';
/** Handshake modes: `auto` picks Noise when the hub offers it and a password handshake otherwise. */
export const HANDSHAKE_MODES: readonly HandshakeMode[] = Object.freeze(['auto', 'password', 'noise']);

const text = z.string().nullable().optional();
const oneOf = (values: readonly string[]) =>
  z
    .string()
    .refine((v) => values.includes(v), { error: (issue) => `expected one of ${values.join(', ')}, got ${JSON.stringify(issue.input)}` })
    .nullable()
    .optional();

/** The schema of the `"hub"` section. */
export const HUB_SECTION_SCHEMA = z.strictObject({
  /** `hub.local`, `ws://hub.local`, `wss://hub.local:5678`. */
  host: text,
  port: z.number().int().min(1).max(65_535).nullable().optional(),
  access_key: text,
  password: text,
  site_id: text,
  lang: text,
  cipher: oneOf(HIVE_CIPHERS),
  encoding: oneOf(HIVE_ENCODINGS),
  binarize: z.boolean().nullable().optional(),
  self_signed: z.boolean().nullable().optional(),
  cert_fingerprint: text,
  handshake: oneOf(HANDSHAKE_MODES),
  noise_psk: text,
  preshared_key: text,
  identity: text,
});

/** A parsed `"hub"` section. */
export type HubSection = z.output<typeof HUB_SECTION_SCHEMA>;
