/**
 * The TypeScript HiveMind test hub: the only import surface for tests.
 *
 * ```ts
 * const hub = await startTestHub({ clients: [{ accessKey: 'k', password: 'p' }] });
 * // connect a client to `${hub.url}/?authorization=…`
 * const { connection } = await hub.waitFor('hello');
 * await hub.stop();
 * ```
 *
 * @module
 */
export { type AgentApi, type HubAgent, type ResponderOptions, type SpeakOptions, agents, langOf, utteranceOf } from './agent.js';
export {
  CLOSE_CODES,
  CLOSE_REASONS,
  DEFAULT_ALLOWED_TYPES,
  DEFAULT_SERVER_CIPHERS,
  DEFAULT_SERVER_ENCODINGS,
  RECORDED_SESSION_DEFAULTS,
  TEST_HUB_PUBKEY,
} from './constants.js';
export type { HubConnection, HubConnectionState } from './connection.js';
export type { FaultAction, FaultStage, HubFault } from './faults.js';
export { type HubCounts, type StopOptions, TestHub, TestHubError, type TestHubErrorCode, startTestHub } from './hub.js';
export type { OvosMessage } from './ovos.js';
export { RawClient, type RawClose, type RawFrame } from './raw-client.js';
export type { DropAction, HubProfile } from './profiles.js';
export type { HubStreamOptions } from './stream.js';
export type * from './types.js';
