/**
 * The executor's side of the hub's TTS (HIVEMIND.md §6.1): the promises that wait for a `speak`'s audio. Which
 * request is sent how (`speak:synth`, then `speak:b64_audio` once synth is refused), the timeouts and the matching of
 * answers to requests are the session's (src/satellite/session.ts); this only turns its `tts_resolved` /
 * `tts_failed` effects into settled promises.
 *
 * @module
 */
import type { Timers } from '../audio/index.js';
import type { JsonObject } from '../hivemind/index.js';
import { SatelliteError } from './errors.js';
import type { SessionEffect, SessionInput } from './session.js';
import type { HubLink } from './types.js';

/** The synthesized file a hub sent. */
export interface HubAudio {
  readonly bytes: Uint8Array;
  /** `file_name` of TTS_AUDIO (tells `.wav` / `.mp3`), if any. */
  readonly fileName: string | undefined;
  /** `data.listen` of a b64 response (re-open the mic). */
  readonly listen: boolean;
  readonly via: 'synth' | 'b64';
}

/** Where a `speak`'s hub audio comes from (the satellite asks its session). */
export interface HubTtsSource {
  /** Resolves with the file; rejects with {@link SatelliteError} `SAT_ERR_TTS` / `SAT_ERR_TTS_TOO_LARGE`. */
  request(speakData: JsonObject): Promise<HubAudio>;
}

type TtsOutcome = Extract<SessionEffect, { readonly type: 'tts_resolved' | 'tts_resolved_b64' | 'tts_failed' }>;

/** The TTS effects {@link HubTtsWaits.execute} carries out. */
export type TtsEffect = TtsOutcome | Extract<SessionEffect, { readonly type: 'start_timer' | 'cancel_timer' | 'send_bus' }>;

const TTS_EFFECTS: ReadonlySet<string> = new Set<TtsEffect['type']>(['start_timer', 'cancel_timer', 'send_bus', 'tts_resolved', 'tts_resolved_b64', 'tts_failed']);

/** Whether {@link HubTtsWaits.execute} carries out `e`. */
export function isTtsEffect(e: SessionEffect): e is TtsEffect {
  return TTS_EFFECTS.has(e.type);
}

/** The promises waiting for the session's TTS outcomes, by request id, and the requests' timers and sends. */
export class HubTtsWaits {
  readonly #waiting = new Map<number, { readonly resolve: (audio: HubAudio) => void; readonly reject: (error: Error) => void }>();
  readonly #timers = new Map<number, unknown>();
  readonly #o: { readonly timers: Timers; readonly link: HubLink | undefined; readonly input: (input: SessionInput) => unknown };

  constructor(options: { readonly timers: Timers; readonly link: HubLink | undefined; readonly input: (input: SessionInput) => unknown }) {
    this.#o = options;
  }

  /** Carry out a TTS effect: a timer (its expiry is the session input `tts_timeout`), a send, an outcome. */
  execute(e: TtsEffect): void {
    const { timers, link, input } = this.#o;
    if (e.type === 'start_timer') {
      this.#timers.set(e.requestId, timers.setTimeout(() => this.#timers.delete(e.requestId) && input({ type: 'tts_timeout', id: e.requestId }), e.ms));
    } else if (e.type === 'cancel_timer') {
      timers.clearTimeout(this.#timers.get(e.requestId));
      this.#timers.delete(e.requestId);
    } else if (e.type === 'send_bus') {
      link?.sendBus(e.busType, e.data).catch((error: unknown) => input({ type: 'tts_send_failed', id: e.requestId, message: error instanceof Error ? error.message : String(error) }));
    } else {
      this.settle(e);
    }
  }

  /** Requests waiting for audio. */
  get pending(): number {
    return this.#waiting.size;
  }

  /** A promise for request `id`'s audio. */
  wait(id: number): Promise<HubAudio> {
    return new Promise((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
  }

  /** Settle the request an outcome effect is about. */
  settle(outcome: TtsOutcome): void {
    const waiter = this.#waiting.get(outcome.requestId);
    if (waiter === undefined) return;
    this.#waiting.delete(outcome.requestId);
    if (outcome.type === 'tts_failed') waiter.reject(new SatelliteError(outcome.code, outcome.message));
    else if (outcome.type === 'tts_resolved') waiter.resolve({ bytes: outcome.bytes, fileName: outcome.fileName, listen: outcome.listen, via: 'synth' });
    else waiter.resolve({ bytes: new Uint8Array(Buffer.from(outcome.audio, 'base64')), fileName: undefined, listen: outcome.listen, via: 'b64' });
  }
}
