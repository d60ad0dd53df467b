/**
 * Turning errors into one actionable sentence on stderr and an exit code (see {@link EXIT}).
 *
 * Sentences name what to check (the flag, the environment variable, the file) and never contain a secret: access
 * keys are shown by their first 4 characters only.
 *
 * @module
 */
import { ConfigError, type ConnectionSettings, hubAddress, maskAccessKey } from '../config/index.js';
import { HiveAuthError, HiveConnectionError, HiveCryptoError, HivePolicyDeniedError, HiveProtocolError } from '../hivemind/index.js';
import { EXIT } from './cli-io.js';
import { errorCode } from '../errors.js';

/** What to print and how to exit. */
export interface CliFailure {
  readonly exitCode: number;
  readonly message: string;
}

/** A usage error (bad flag, missing argument). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function lower(text: string): string {
  return text.length === 0 ? text : text[0]?.toLowerCase() + text.slice(1);
}

/** The exit code and sentence for `error`, given what we were connecting to (if known). */
export function describeError(error: unknown, settings?: Pick<ConnectionSettings, 'host' | 'port' | 'tls' | 'accessKey' | 'identityPath'>): CliFailure {
  const hub = settings === undefined ? 'the hub' : `the hub at ${hubAddress(settings)}`;
  const key = settings === undefined ? 'the access key' : `access key ${maskAccessKey(settings.accessKey)}`;
  if (error instanceof UsageError) return { exitCode: EXIT.FAILURE, message: error.message };
  if (error instanceof ConfigError) return { exitCode: EXIT.FAILURE, message: error.message };
  if (error instanceof HivePolicyDeniedError) {
    return { exitCode: EXIT.AUTH, message: `${hub} refused "${error.denial.deniedType}" (${error.denial.denyCode}): ask its operator to allow it (hivemind-core allow-msg)` };
  }
  if (error instanceof HiveAuthError) {
    switch (error.code) {
      case 'HM_ERR_WRONG_PASSWORD':
        return { exitCode: EXIT.AUTH, message: `wrong password for ${key}: the handshake with ${hub} could not be verified; check --password or HIVESAT_PASSWORD` };
      case 'HM_ERR_UNKNOWN_ACCESS_KEY':
        return { exitCode: EXIT.AUTH, message: `${hub} does not know ${key} (it closed the connection before greeting us); check --access-key or register it with "hivemind-core add-client"` };
      case 'HM_ERR_PIN_MISMATCH': {
        const pin = settings === undefined ? 'its pin' : `"${settings.host}:${settings.port}" from pinned_noise_keys in ${settings.identityPath}`;
        return { exitCode: EXIT.AUTH, message: `${hub} presented a different Noise key than the pinned one (possible impersonation); if the hub was reinstalled, remove ${pin}` };
      }
      case 'HM_ERR_DENIED':
        return { exitCode: EXIT.AUTH, message: `${hub} refused ${key}: ${lower(error.message)}` };
      case 'HM_ERR_NOISE_REJECTED':
        return {
          exitCode: EXIT.AUTH,
          message: `${hub} refused the Noise handshake for ${key} (it closed without a reason): either the password is wrong (check --password or HIVESAT_PASSWORD), or the hub has pinned another device's Noise key for this access key (run "hivemind-core reset-noise-pin" on the hub)`,
        };
    }
  }
  if (error instanceof HiveConnectionError) {
    // The link was lost because the hub refused us (e.g. a Noise refusal right after the handshake): say that.
    if (error.cause instanceof HiveAuthError) return describeError(error.cause, settings);
    switch (error.code) {
      case 'HM_ERR_NO_ANSWER':
        return { exitCode: EXIT.UNAVAILABLE, message: `no answer from ${hub}: ${lower(error.message)}; try a longer --timeout` };
      case 'HM_ERR_UNREACHABLE':
      case 'HM_ERR_CONNECTION_LOST':
      case 'HM_ERR_HANDSHAKE_TIMEOUT':
      case 'HM_ERR_PONG_TIMEOUT':
      case 'HM_ERR_TIMEOUT': {
        const cause = error.cause instanceof Error ? error.cause.message : error.message;
        return { exitCode: EXIT.UNAVAILABLE, message: `cannot reach ${hub}: ${lower(cause)}; check --host/--port and that hivemind-core is running` };
      }
      case 'HM_ERR_TLS':
        return { exitCode: EXIT.AUTH, message: `TLS with ${hub} failed: ${lower(error.message)}; for a self-signed hub pass --self-signed, ideally with --cert-fingerprint` };
      default:
        return { exitCode: EXIT.FAILURE, message: `${hub}: ${lower(error.message)}` };
    }
  }
  if (error instanceof HiveProtocolError) {
    if (error.code === 'HM_ERR_NEGOTIATION') return { exitCode: EXIT.FAILURE, message: `cannot agree on a handshake with ${hub}: ${lower(error.message)}; check --handshake, --cipher and --encoding` };
    return { exitCode: EXIT.FAILURE, message: `${hub} broke the HiveMind protocol (${error.code}): ${lower(error.message)}` };
  }
  if (error instanceof HiveCryptoError) return { exitCode: EXIT.FAILURE, message: `crypto failure with ${hub} (${error.code}): ${lower(error.message)}` };
  return { exitCode: EXIT.FAILURE, message: error instanceof Error ? `unexpected error: ${error.message}` : `unexpected error: ${String(error)}` };
}

/** Turn `parseArgs` errors and option `RangeError`s into {@link UsageError}s pointing at the command's help. */
export function asUsageError(error: unknown, command: string): unknown {
  const code = errorCode(error);
  if (error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return new UsageError(`${error.message}; see "hivesat ${command} --help"`);
  if (error instanceof RangeError) return new UsageError(error.message);
  return error;
}
