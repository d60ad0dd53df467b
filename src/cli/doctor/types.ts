/**
 * The shapes of `hivesat doctor`: a check, its result, what checks share, and the report.
 *
 * @module
 */
import type { AudioDevices } from '../../audio/index.js';
import type { ConnectionFlags, ConnectionSettings } from '../../config/index.js';
import type { HubConnection } from '../../hivemind/index.js';
import type { OpsSpawn } from '../../ops/index.js';
import type { VerifierInfo } from '../../wake/index.js';

/** Outcome of one check. `fail` means something the satellite needs is broken (exit status 1). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** The areas checks belong to (`--only audio,hub`). */
export type CheckGroup = 'system' | 'audio' | 'models' | 'config' | 'hub' | 'speech';

/** The groups, in report order. */
export const CHECK_GROUPS: readonly CheckGroup[] = Object.freeze(['system', 'audio', 'models', 'config', 'hub', 'speech']);

/** Detail values (printed as `key: value`, kept as is in `--json`). */
export type DetailValue = string | number | boolean | null;

/** What a check found. */
export interface CheckOutcome {
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly summary: string;
  /** What to do about it (warn/fail). */
  readonly fix?: string;
  readonly details?: Readonly<Record<string, DetailValue>>;
}

/** A check's outcome with its identity and duration. */
export interface CheckResult extends CheckOutcome {
  readonly id: string;
  readonly group: CheckGroup;
  readonly title: string;
  readonly durationMs: number;
}

/** The result of a program run by a check. */
export interface RunResult {
  /** Exit status; null when killed or not started. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when it could not be started (ENOENT …). */
  readonly error?: Error;
}

/** State that checks pass on to later checks. */
export interface DoctorState {
  devices?: AudioDevices;
  settings?: ConnectionSettings;
  /** Why the settings could not be resolved. */
  settingsError?: unknown;
  hubReachable?: boolean;
  connection?: HubConnection;
  /** The config file's `"mode"` (absent: no config file, the default `audio`). */
  mode?: string;
  /** The wake engine and verifier the configuration starts with (set by the config check). */
  wake?: DoctorWakeState;
}

/** What the config check found about the wake word (src/cli/doctor/wake.ts reports it). */
export interface DoctorWakeState {
  readonly engine: { readonly requested: string; readonly engine: string; readonly fallback: { readonly code: string; readonly message: string; readonly fix: string } | null };
  readonly verifier: VerifierInfo;
}

/** Everything a check may use; the CLI builds it, tests replace parts. */
export interface DoctorContext {
  /** Environment (HIVESAT_*, ALSA_CONFIG_PATH, PATH). */
  readonly env: NodeJS.ProcessEnv;
  /** Connection flags given on the command line. */
  readonly flags: ConnectionFlags;
  /** ALSA capture device (`-D`); default `default` when a capture card exists. */
  readonly captureDevice?: string;
  /** ALSA playback device; default `default` when a playback card exists. */
  readonly playbackDevice?: string;
  /** Model directories to search; default `$HIVESAT_MODEL_DIR`, then the package's `models/cache/` and `models/`. */
  readonly modelDirs?: readonly string[];
  /** Skip the test tone. */
  readonly noTone?: boolean;
  /** Utterance sent to time a BUS round trip. */
  readonly utterance: string;
  /** Limit of each hub step, ms. */
  readonly hubTimeoutMs: number;
  readonly spawn: OpsSpawn;
  /** Runs a short program to completion (timedatectl, arecord -l …). */
  readonly run: (command: string, args: readonly string[], timeoutMs: number) => Promise<RunResult>;
  /** A connection for `settings` (the CLI's one-shot options: short reconnect budget, identity-file key store). */
  readonly openConnection: (settings: ConnectionSettings) => HubConnection;
  /** One sentence for a connection error (the CLI's `describeError`). */
  readonly describeError: (error: unknown, settings?: ConnectionSettings) => string;
  /** Wall clock, ms since the epoch. */
  readonly now: () => number;
  /** Reads `/proc/cpuinfo`. */
  readonly readCpuInfo: () => string;
  readonly state: DoctorState;
}

/** One check. */
export interface DoctorCheck {
  readonly id: string;
  readonly group: CheckGroup;
  readonly title: string;
  run(ctx: DoctorContext): Promise<CheckOutcome>;
}

/** All results. */
export interface DoctorReport {
  /** When it ran, ISO 8601. */
  readonly time: string;
  readonly results: readonly CheckResult[];
  readonly counts: Readonly<Record<CheckStatus, number>>;
  /** Nothing failed. */
  readonly ok: boolean;
}
