/**
 * The configuration layer's only import surface: the config file (one zod schema composed from the sections each
 * layer owns), the hub connection settings resolved as flags > environment (`HIVESAT_*`) > config file > HiveMind
 * identity file > default, the identity file itself, Noise key storage, the listener options the file describes,
 * and the start-up check that turns a config into a runnable satellite or a list of refusals.
 *
 * It sits above every layer whose settings it composes (listener, satellite, serve, ops) and below `cli/`.
 *
 * @module
 */
export { type SectionKeys, defaultConfigPath, readConfigSection } from '../config-file.js';
export { ConfigError, type ConfigErrorCode, EXIT_CANNOT_START } from './errors.js';
export { DEFAULT_LANG, DEFAULT_PORT, DEFAULT_SITE_ID, HANDSHAKE_MODES, HUB_SECTION_SCHEMA, type HubSection } from './hub-schema.js';
export {
  type ConnectionFlags,
  type ConnectionSettings,
  type ParsedHost,
  type ResolveInputs,
  type SettingSource,
  describeSettings,
  hubAddress,
  maskAccessKey,
  parseHost,
  resolveConnectionSettings,
} from './connection-config.js';
export {
  type HiveIdentity,
  SECRET_DIR_MODE,
  SECRET_FILE_MODE,
  SECRET_IDENTITY_KEYS,
  defaultIdentityPath,
  maskIdentity,
  maskSecret,
  readIdentity,
  updateIdentity,
  writeIdentity,
} from './identity.js';
export { type FileNoiseKeyStoreOptions, defaultNoiseKeyPath, fileNoiseKeyStore } from './noise-keys.js';
export {
  type ConfigIssue,
  ConfigValidationError,
  SATELLITE_CONFIG_SCHEMA,
  type SatelliteConfig,
  checkSatelliteConfig,
  defaultSatelliteConfig,
  jsonPath,
  loadSatelliteConfig,
  parseSatelliteConfig,
} from './satellite-config.js';
export { enrolledVerifierPath, listenerOptionsFromConfig } from './listener-options.js';
export {
  type ConfigLoad,
  type Startup,
  type StartupCheck,
  type StartupInputs,
  type StartupRefusal,
  type StartupResult,
  checkStartup,
  formatRefusal,
  loadStartupConfig,
  prepareStartup,
} from './startup.js';
