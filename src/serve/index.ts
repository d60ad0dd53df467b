/**
 * `hivesat serve`: the hub and the personas as a local OpenAI- and Ollama-compatible endpoint, so Home Assistant's
 * Ollama integration, Open WebUI or any OpenAI client can chain onto them. Authenticated with a bearer token by
 * default; see docs/serve.md. This file is the layer's only import surface.
 *
 * ```ts
 * const targets = await loadServeTargets({ hub: { connection, description: 'HiveMind hub' }, personaDir });
 * const server = await startServe({ auth: { token }, targets }); // http://127.0.0.1:8337
 * await server.close();
 * ```
 *
 * @module
 */
export * from './constants.js';
export { SERVE_ERROR_STATUS, ServeError, type ServeErrorCode } from './errors.js';
export { type ServeAuth, type ServeHandle, type ServeOptions, type ServeRoutes, type ServeRoutesOptions, createServeRoutes, startServe } from './server.js';
export { hostOfHeader, isLoopbackHost } from './address.js';
export { readJsonBody, sendJson } from './http-io.js';
export { type HubSession, type HubTargetOptions, hubError, hubTarget } from './hub-target.js';
export {
  type AnswerRequest,
  type FallbackInfo,
  type PersonaTargetOptions,
  type ServeTarget,
  findTarget,
  personaError,
  personaModelName,
  personaTarget,
  withFallback,
} from './targets.js';
export { type ServeTargetsOptions, loadServeTargets } from './setup.js';
export {
  type ListenAddress,
  type ResolveServeInputs,
  type ResolvedAuth,
  type ServeFlags,
  type ServeSection,
  type ServeSettings,
  SERVE_CONFIG_KEYS,
  parseListen,
  readServeConfig,
  resolveServeSection,
  resolveServeSettings,
} from './settings.js';
export { BearerCheck, type LoadedToken, assertToken, defaultTokenPath, generateToken, loadOrCreateToken } from './token.js';
export { RateLimiter, type RateDecision, type RateLimitOptions } from './rate-limit.js';
export { KeyedPool, type KeyedPoolOptions, type Lease, type PoolTimers, unrefTimers } from './pool.js';
export { type ChatMessage, conversationIdOf, conversationKey, lastUserText, parseMessages, sessionIdFor } from './conversation.js';
