/**
 * `hivesat doctor`: checks of the machine, audio, models, configuration, hub and local speech engines, each with a
 * status (ok / warn / fail / skip) and what to do. Used by `src/cli/commands/doctor.ts`; a CLI concern,
 * since its checks reach into every layer below.
 *
 * @module
 */
export {
  CHECK_GROUPS,
  type CheckGroup,
  type CheckOutcome,
  type CheckResult,
  type CheckStatus,
  type DetailValue,
  type DoctorCheck,
  type DoctorContext,
  type DoctorReport,
  type DoctorState,
  type RunResult,
} from './types.js';
export { DOCTOR_CHECKS, type CheckSelection, checkNames, formatReport, runDoctor, selectChecks } from './run.js';
export {
  MIN_NODE_MAJOR,
  MIN_PLAUSIBLE_TIME_MS,
  NODE_RANGE,
  PI_CMDLINE_PATH,
  type MemoryControllerState,
  clockCheck,
  cpuAesCheck,
  diskCheck,
  memoryControllerCheck,
  memoryControllerState,
  nodeCheck,
  nodeVersionSupported,
} from './system.js';
export { LEVEL_SECONDS, captureCheck, devicesCheck, levels, playbackCheck, testTone } from './audio.js';
export { isRequiredModel, modelsCheck } from './models.js';
export { configCheck } from './config.js';
export { wakeCheck } from './wake.js';
export { hubHandshakeCheck, hubReachableCheck, hubSynthCheck } from './hub.js';
export { offlineUnderstandingCheck, speechCheck } from './speech.js';
