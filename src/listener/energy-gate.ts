/**
 * The energy gate in front of the detectors: in a quiet room the VAD and the wake-word models need not run at all.
 *
 * Per 80 ms piece the gate measures the level (RMS, dBFS, {@link levelDbfs}) and tracks the room's noise floor: the floor falls quickly
 * to a quieter piece and rises only slowly (a fan switched on is learnt in seconds, a sentence barely moves it). A
 * piece louder than the floor by the margin opens the gate; it stays open for the hold time after the last loud
 * piece. While the gate is closed the listener keeps the audio in its history and, when the gate opens, replays the
 * look-back ({@link GATE_LOOKBACK_MS}) through the detectors first, so they see the frames they would have seen
 * ungated (see `Listener`).
 *
 * The decision is a pure function of (state, level) ({@link nextGate}); {@link EnergyGate} holds the state in place
 * so that the per-piece path allocates nothing.
 *
 * @module
 */
import { levelDbfs } from '../audio/index.js';
import {
  GATE_FLOOR_FALL,
  GATE_FLOOR_RISE_DB_PER_S,
  GATE_INITIAL_MAX_FLOOR_DBFS,
  GATE_MAX_FLOOR_DBFS,
  GATE_MIN_FLOOR_DBFS,
} from './constants.js';

/** The gate's settings. */
export interface GateTiming {
  /** A piece this much louder than the noise floor opens the gate, dB. */
  readonly marginDb: number;
  /** The gate stays open this long after the last loud piece, samples. */
  readonly holdSamples: number;
}

/** The gate's state: whether it is open, until when, and the floor it compares with. */
export interface GateState {
  /** Noise floor estimate, dBFS. */
  floorDb: number;
  /** Stream position until which the gate stays open (exclusive), samples; ≤ the position when closed. */
  openUntil: number;
}

/** A gate that has heard nothing yet: the first piece sets the floor (NaN until then). */
export function initialGate(): GateState {
  return { floorDb: Number.NaN, openUntil: 0 };
}

/**
 * The gate after a piece ending at `end` with level `levelDb` (dBFS), `samples` long. Updates `state` in place and
 * returns whether the piece is inside the open gate.
 */
export function nextGate(state: GateState, levelDb: number, samples: number, end: number, timing: GateTiming): boolean {
  // The first piece is taken for the room, but never as louder than GATE_INITIAL_MAX_FLOOR_DBFS: a stream that
  // starts with speech still opens the gate at once.
  if (Number.isNaN(state.floorDb)) state.floorDb = clamp(levelDb, GATE_MIN_FLOOR_DBFS, GATE_INITIAL_MAX_FLOOR_DBFS);
  const loud = levelDb > state.floorDb + timing.marginDb;
  if (loud) state.openUntil = end + timing.holdSamples;
  // Floor: fall fast towards quieter pieces, rise slowly (rate-limited) towards louder ones.
  const floor = state.floorDb;
  const target = clamp(levelDb, GATE_MIN_FLOOR_DBFS, GATE_MAX_FLOOR_DBFS);
  if (target < floor) state.floorDb = floor + (target - floor) * GATE_FLOOR_FALL;
  else {
    const rise = (GATE_FLOOR_RISE_DB_PER_S * samples) / 16_000;
    state.floorDb = target - floor < rise ? target : floor + rise;
  }
  return loud || end <= state.openUntil;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Counters of what the gate let through, samples (for benchmarks and metrics). */
export interface GateStats {
  /** Audio the detectors ran on live (gate open, or forced open by a capture). */
  readonly detectedSamples: number;
  /** Audio the detectors never saw (closed and outside every look-back). */
  readonly skippedSamples: number;
  /** Audio run through the detectors late, as look-back when the gate opened. */
  readonly replayedSamples: number;
  /** Times the gate opened. */
  readonly openings: number;
}

/** The gate's state and counters, updated in place per piece. */
export class EnergyGate implements GateStats {
  readonly #timing: GateTiming;
  readonly #state: GateState = initialGate();
  detectedSamples = 0;
  skippedSamples = 0;
  replayedSamples = 0;
  openings = 0;

  constructor(timing: GateTiming) {
    this.#timing = timing;
  }

  /** Current noise floor estimate, dBFS. */
  get floorDb(): number {
    return this.#state.floorDb;
  }

  /** Measure `piece` (ending at stream position `end`) and say whether the gate is open for it. */
  update(piece: Int16Array, end: number): boolean {
    return nextGate(this.#state, levelDbfs(piece), piece.length, end, this.#timing);
  }

  /** A copy of the counters. */
  stats(): GateStats {
    return { detectedSamples: this.detectedSamples, skippedSamples: this.skippedSamples, replayedSamples: this.replayedSamples, openings: this.openings };
  }
}
