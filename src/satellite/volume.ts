/**
 * Output volume as OVOS drives it (`mycroft.volume.set|get|increase|decrease|mute|unmute`): a level in percent and a
 * mute flag, mapped to the sink's linear gain. `percent` in messages is a fraction 0–1 as OVOS sends it (values above
 * 1 are read as percent).
 *
 * @module
 */
import type { JsonObject } from '../hivemind/index.js';

/** The volume state: one level and whether it is muted. */
export interface VolumeState {
  /** 0–100. */
  readonly percent: number;
  readonly muted: boolean;
}

/** Options of {@link VolumeControl}. */
export interface VolumeOptions {
  /** Initial level, 0–100. */
  readonly initialPercent: number;
  /** Step of increase/decrease, percent. */
  readonly stepPercent: number;
  /** Gain at 100 % (0–4). */
  readonly maxGain: number;
}

/** The volume and its mapping to a gain. */
export class VolumeControl {
  readonly #o: VolumeOptions;
  #state: VolumeState;

  constructor(options: VolumeOptions) {
    this.#o = options;
    this.#state = { percent: clampPercent(options.initialPercent), muted: false };
  }

  get state(): VolumeState {
    return this.#state;
  }

  /** Linear gain for the sink: 0 when muted, else `percent/100 × maxGain`. */
  get gain(): number {
    return this.#state.muted ? 0 : (this.#state.percent / 100) * this.#o.maxGain;
  }

  /**
   * Apply a `mycroft.volume.*` message.
   *
   * @returns whether the type was a volume command that changes the state (`get` does not).
   */
  apply(type: string, data: JsonObject): boolean {
    const s = this.#state;
    switch (type) {
      case 'mycroft.volume.set': {
        const value = data['percent'] ?? data['volume'];
        if (typeof value !== 'number' || !Number.isFinite(value)) return false;
        this.#state = { percent: clampPercent(value <= 1 ? value * 100 : value), muted: false };
        return true;
      }
      case 'mycroft.volume.increase':
        this.#state = { percent: clampPercent(s.percent + this.#o.stepPercent), muted: false };
        return true;
      case 'mycroft.volume.decrease':
        this.#state = { percent: clampPercent(s.percent - this.#o.stepPercent), muted: s.muted };
        return true;
      case 'mycroft.volume.mute':
        this.#state = { ...s, muted: true };
        return true;
      case 'mycroft.volume.unmute':
        this.#state = { ...s, muted: false };
        return true;
      case 'mycroft.volume.mute.toggle':
        this.#state = { ...s, muted: !s.muted };
        return true;
      default:
        return false;
    }
  }

  /** The data of `mycroft.volume.get.response`: `{"percent": 0–1, "muted"}`. */
  response(): JsonObject {
    return { percent: this.#state.percent / 100, muted: this.#state.muted };
  }
}

function clampPercent(x: number): number {
  return Math.round(Math.min(100, Math.max(0, x)));
}
