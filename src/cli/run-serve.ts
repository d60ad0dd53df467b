/**
 * `serve.enabled` in `hivesat run`: serve's OpenAI/Ollama endpoints (src/serve, docs/serve.md) mounted on run's one
 * local server, beside `/healthz`, `/metrics` and the control API, answering from the satellite's hub and personas.
 *
 * Why the chats get connections of their own (opened with exactly the satellite's resolved hub settings: the same
 * hub, access key, password, Noise identity and key store, ciphers, encodings and frame limits) instead of
 * riding on the satellite's one connection — the protocol gives a demultiplexer nothing to tell the answers apart:
 * - hivemind-core 4.0.x (the generation PLATFORM.md checked against a real hub) replaces the `context.session` of
 *   every BUS message with the connection's HELLO session unless the ids already match (HIVEMIND.md §5.4 steps 2
 *   and 4): a chat's utterance sent on the satellite's connection reaches OVOS *as the satellite's session*, and its
 *   `speak` comes back with the satellite's session id;
 * - replies are routed to the connection's peer id `name::session_id` (§5.6): one connection is one peer, so
 *   `context.destination` and `source_peer` are the same for both;
 * - a `speak` carries no reference to the utterance it answers (§5.6, Appendix A), and the satellite plays speaks
 *   that no turn asked for (announcements): a chat's answer would be spoken aloud, or taken for the spoken turn's;
 * - sharing the OVOS session also shares its conversation state (active skills, `get_response`), so a skill asking a
 *   follow-up question in a chat would take the next spoken utterance as the reply.
 * Only the newer 4.13 line keeps a per-message session (§5.7), and which generation a hub is cannot be relied on.
 * Each conversation therefore has its own HiveMind session (serve's pool), as under `hivesat serve`.
 *
 * @module
 */
import { type ConnectionSettings, hubAddress, type SatelliteConfig } from '../config/index.js';
import type { HiveLogger, HubConnectionOptions } from '../hivemind/index.js';
import type { Logger } from '../ops/index.js';
import { type ListenAddress, type ServeRoutes, type ServeSection, createServeRoutes, loadServeTargets, resolveServeSection } from '../serve/index.js';
import { commandConnectionOptions } from './connection-flags.js';

/**
 * The connection options of the satellite's hub link, shared with serve's connections so both are the same client:
 * the resolved settings, the Noise key store (one instance) and the config's frame limits.
 */
export function hubLinkOptions(settings: ConnectionSettings, config: Pick<SatelliteConfig, 'limits'>, logger: HiveLogger): HubConnectionOptions {
  return { ...commandConnectionOptions(settings, logger), limits: { maxFrameBytes: config.limits.max_frame_bytes, maxInflatedBytes: config.limits.max_inflated_bytes } };
}

/** Inputs of {@link startRunServe}. */
export interface RunServeInputs {
  readonly config: Pick<SatelliteConfig, 'serve'>;
  /** The config file (named in messages). */
  readonly configPath: string;
  /** The satellite's hub link options ({@link hubLinkOptions}), or undefined without a hub. */
  readonly hub: { readonly options: HubConnectionOptions; readonly settings: ConnectionSettings } | undefined;
  /** The address of the shared server (the control API's): serve's own `listen` does not apply in `run`. */
  readonly listen: ListenAddress;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
}

/** Serve's routes, ready to mount, and the token to redact. */
export interface RunServe {
  readonly routes: ServeRoutes;
  /** The serve bearer token (a secret), when authentication is on. */
  readonly token: string | undefined;
}

/**
 * Build serve's routes when `serve.enabled` is true; `undefined` otherwise. The token, personas, fallback, hub model
 * name and rate limit are resolved from the `"serve"` section and `HIVESAT_SERVE_*` as `hivesat serve` resolves them.
 *
 * @throws the errors of `resolveServeSection` and `loadServeTargets` (a bad token file, authentication off on a
 *   non-loopback address, a fallback naming no persona).
 */
export async function startRunServe(inputs: RunServeInputs): Promise<RunServe | undefined> {
  const section = inputs.config.serve as ServeSection;
  if (section.enabled !== true) return undefined;
  const settings = await resolveServeSection(section, inputs.configPath, { env: inputs.env, listen: inputs.listen });
  const logger = inputs.logger.child({ component: 'serve' });
  const { hub } = inputs;
  const targets = await loadServeTargets({
    ...(hub === undefined || settings.hubModel === undefined
      ? {}
      : {
          hub: {
            // A request waits for at most two connection attempts before it is answered 503 (or by the fallback).
            connection: { ...hub.options, logger, reconnect: { initialDelayMs: 500, maxAttempts: 2 } },
            description: `HiveMind hub ${hubAddress(hub.settings)}`,
            name: settings.hubModel,
          },
        }),
    personaDir: settings.personaDir,
    fallback: settings.fallback,
    warn: (message) => logger.warn(message),
  });
  const routes = createServeRoutes({
    auth: settings.auth.kind === 'token' ? { token: settings.auth.token } : { disabled: true },
    targets,
    ...(hub === undefined ? {} : { lang: hub.settings.lang }),
    rateLimit: { perMinute: settings.rateLimitPerMinute },
    logger,
  });
  const auth = settings.auth.kind === 'none' ? 'off (loopback only)' : settings.auth.source === 'file' ? `token ${settings.auth.created === true ? 'created in' : 'from'} ${settings.auth.path ?? ''}` : 'token from HIVESAT_SERVE_TOKEN';
  logger.info('serve endpoints on', { models: routes.models.join(','), auth });
  return { routes, token: settings.auth.kind === 'token' ? settings.auth.token : undefined };
}
