/**
 * The operations layer's only import surface: structured logs with redaction, signal handling, systemd
 * readiness/watchdog, Prometheus metrics, the health state and its HTTP listener, event hooks, the `"ops"` config
 * section, and the one-call {@link OpsEvents} facade the satellite reports to. (`hivesat doctor`'s checks are a CLI
 * concern and live in `src/cli/doctor/`.)
 *
 * @module
 */
export * from './constants.js';
export { OpsError, type OpsErrorCode } from './errors.js';
export { type OpsSpawn, type OpsTimers, defaultSpawn, systemTimers } from './clock.js';
export { REDACTED, type Redactor, type RedactorOptions, createRedactor, snakeCase } from './redact.js';
export {
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFields,
  type LogFormat,
  type LogLevel,
  type Logger,
  type LoggerOptions,
  createLogger,
  isLogFormat,
  isLogLevel,
  nullLogger,
} from './logger.js';
export { type SignalHandlers, type SignalOptions, type SignalTarget, installSignalHandlers } from './signals.js';
export {
  type NotifierOptions,
  type NotifyOutcome,
  type ServiceNotifier,
  Watchdog,
  type WatchdogOptions,
  createSystemdNotifier,
  nullNotifier,
  watchdogTimeoutMs,
} from './systemd.js';
export {
  type MetricsOptions,
  type MetricsRegistry,
  type MetricsSource,
  type SatelliteMetrics,
  type TurnMoments,
  type TurnRoute,
  type TurnStage,
  type TurnSummary,
  createMetrics,
  turnStages,
} from './metrics.js';
export { type HealthProvider, type HealthSnapshot, HealthState, type HealthStateOptions, type HealthStatus, type WakeHealth } from './health.js';
export { type OpsServer, type OpsServerOptions, startOpsServer } from './http.js';
export {
  HOOK_EVENTS,
  type HookCommand,
  type HookEvent,
  type HookEventMap,
  type HookOutcome,
  type HookResult,
  type HookRoute,
  HookRunner,
  type HookRunnerOptions,
  type HookTable,
  hookEnvironment,
  isHookEvent,
} from './hooks.js';
export { DEFAULT_OPS_CONFIG, OPS_SECTION_SCHEMA, type OpsConfig, type OpsSection, opsConfigFromSection, parseOpsConfig } from './config.js';
export { type DeviceErrorEvent, type DeviceRole, type OpsEvents, type OpsSinks, createOpsEvents } from './events.js';
export { defaultStateDir, type LoadedMute, MUTE_FILE_NAME, type MuteSource, MuteSwitch, type MuteSwitchEvents } from './mute.js';
export { EventStream, SSE_HEARTBEAT_MS, SSE_MAX_BUFFERED_BYTES, SSE_MAX_SUBSCRIBERS } from './sse.js';
export {
  CONTROL_MAX_BODY_BYTES,
  CONTROL_MAX_SAY_CHARS,
  type ControlApiOptions,
  type ControlAuth,
  type ControlStatus,
  type ControlTarget,
  type RouteHandler,
  createControlApi,
} from './control-api.js';
export {
  CONTROL_TOKEN_FILE_NAME,
  type ControlFlags,
  type ControlSection,
  type ControlSettings,
  DEFAULT_CONTROL_LISTEN,
  controlAddress,
  defaultControlTokenPath,
  parseControlListen,
  resolveControlSettings,
} from './control-settings.js';
export {
  BUTTON_DEBOUNCE_MS,
  BUTTON_LONG_PRESS_MS,
  BUTTON_RELEASED,
  BUTTON_RESTART_INITIAL_MS,
  BUTTON_RESTART_MAX_MS,
  type ButtonPress,
  type ButtonState,
  type GpioButtonEvents,
  type GpioButtonOptions,
  type GpioEdge,
  GpioButton,
  buttonTransition,
  GPIOMON_V2_FORMAT,
  type GpiomonMajor,
  gpiomonArgs,
  gpiomonMajor,
  parseGpiomonLine,
} from './button.js';
export { APA102_MAX_BRIGHTNESS, type Apa102Options, Apa102Leds, LED_COLOURS, LED_PATTERNS, type LedInputs, type LedPattern, apa102Frame, ledPatternFor, ledsFollow } from './leds.js';
export { DEBUG_MAX_BYTES, DEBUG_MAX_RECORDINGS, DEBUG_WAKE_AFTER_MS, DEBUG_WAKE_BEFORE_MS, DebugRecorder, type DebugRecorderOptions, type TurnSidecar } from './recordings.js';
