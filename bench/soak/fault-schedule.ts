/**
 * What goes wrong during the soak, and when: a fault every `everyTurns` turns, taken in turn from a fixed list, so a
 * run of any length covers each kind evenly and two runs of the same length inject the same faults. Hub restarts are
 * time-based (see run.ts), so they land at any point of a turn.
 *
 * @module
 */
import type { FaultAction } from '../../test/hub/index.js';
import type { UploadFault } from './soak-hub.js';

/** A fault and the moment it fires. */
export type SoakFault =
  /** On every live connection, just before the turn's audio starts. */
  | { readonly name: string; readonly when: 'before-turn'; readonly action: FaultAction }
  /** When the hub receives the turn's utterance. */
  | { readonly name: string; readonly when: 'at-upload'; readonly upload: UploadFault };

const atUpload = (name: string, upload: UploadFault): SoakFault => ({ name, when: 'at-upload', upload });
const beforeTurn = (name: string, action: FaultAction): SoakFault => ({ name, when: 'before-turn', action });

/** The rotation. Each entry names what a user would have seen happen. */
export const SOAK_FAULTS: readonly SoakFault[] = [
  atUpload('link dropped mid-turn (1006)', { kind: 'fault', action: { kind: 'abort' } }),
  atUpload('hub error mid-turn (1011)', { kind: 'fault', action: { kind: 'close', code: 1011, reason: 'internal error' } }),
  beforeTurn('hub overloaded (1013)', { kind: 'close', code: 1013, reason: 'try again later' }),
  atUpload('half-open link mid-turn', { kind: 'fault', action: { kind: 'stall' } }),
  beforeTurn('hub closed normally (1000)', { kind: 'close', code: 1000 }),
  beforeTurn('empty close frame (1005)', { kind: 'close' }),
  beforeTurn('frame with a bad tag', { kind: 'badTag' }),
  beforeTurn('frame that is not JSON', { kind: 'malformed' }),
  beforeTurn('ping flood (500)', { kind: 'pingFlood', count: 500 }),
  atUpload('hub heard nothing usable', { kind: 'unrecognised' }),
  atUpload('slow hub STT (3 s)', { kind: 'slow', delayMs: 3_000 }),
];

/** The fault of turn `turn` (1-based), if it gets one. */
export function faultForTurn(turn: number, everyTurns: number): SoakFault | undefined {
  if (everyTurns <= 0 || turn % everyTurns !== 0) return undefined;
  return SOAK_FAULTS[(turn / everyTurns - 1) % SOAK_FAULTS.length];
}
