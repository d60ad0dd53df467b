/**
 * Getting a `speak`'s audio from the hub (HIVEMIND.md §6.1): `speak:synth` → BINARY TTS_AUDIO, or
 * `speak:b64_audio` → `speak:b64_audio.response`.
 *
 * `speak:synth` is not in a hub's default `allowed_types`: a 4.0.x hub drops it silently, a newer one answers
 * `hive.policy.denied`. Either refusal (the denial, or no TTS_AUDIO within the synth timeout) switches this link to
 * `speak:b64_audio` for good — the request that was refused is asked again that way, and later ones go straight to
 * it. An utterance too long for TTS_AUDIO's 255-byte metadata goes straight to b64 as well.
 *
 * Answers are matched to requests by utterance text, else in request order (hubs answer in order).
 *
 * @module
 */
import { BinaryPayloadType, type JsonObject } from '../hivemind/index.js';
import type { Timers } from '../audio/index.js';
import { ttsMetadataFits } from './binary-metadata.js';
import { B64_TIMEOUT_MS } from './constants.js';
import { SatelliteError } from './errors.js';
import { DEFAULT_MAX_TTS_BYTES } from './limits.js';
import type { BinaryMessage, HubLink, OvosMessage } from './types.js';

/** The synthesized file a hub sent. */
export interface HubAudio {
  readonly bytes: Uint8Array;
  /** `file_name` of TTS_AUDIO (tells `.wav` / `.mp3`), if any. */
  readonly fileName: string | undefined;
  /** `data.listen` of a b64 response (re-open the mic). */
  readonly listen: boolean;
  readonly via: 'synth' | 'b64';
}

/** How this link gets TTS: try `speak:synth` until it is refused. */
export type SynthPolicy = { readonly kind: 'try-synth' } | { readonly kind: 'b64-only'; readonly reason: string };


interface Pending {
  readonly utterance: string;
  readonly data: JsonObject;
  via: 'synth' | 'b64';
  timer: unknown;
  readonly resolve: (audio: HubAudio) => void;
  readonly reject: (error: Error) => void;
}

/** Options of {@link HubTts}. */
export interface HubTtsOptions {
  readonly link: HubLink;
  readonly timers: Timers;
  readonly synthTimeoutMs: number;
  readonly b64TimeoutMs?: number;
  /** Largest answer file accepted, bytes (default {@link DEFAULT_MAX_TTS_BYTES}); larger ones fail the request. */
  readonly maxTtsBytes?: number;
  /** A BINARY message nobody asked for (unrequested TTS_AUDIO, other types): counted, never kept. */
  readonly ignored?: (kind: string) => void;
  readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void;
}

/** TTS requests to one hub link. */
export class HubTts {
  readonly #o: HubTtsOptions;
  readonly #pending: Pending[] = [];
  #policy: SynthPolicy = { kind: 'try-synth' };

  constructor(options: HubTtsOptions) {
    this.#o = options;
    options.link.on('binary', this.#onBinary);
    options.link.on('bus', this.#onBus);
  }

  /** Whether `speak:synth` is still tried on this link. */
  get policy(): SynthPolicy {
    return this.#policy;
  }

  /** Requests waiting for audio. */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Ask the hub to synthesize a `speak`'s data. Resolves with the file; rejects with {@link SatelliteError} `SAT_ERR_TTS` when no
   * audio came in time, `SAT_ERR_TTS_TOO_LARGE` when the answer is over `maxTtsBytes` (refused before it is decoded or
   * copied), or with the send error.
   */
  request(speakData: JsonObject): Promise<HubAudio> {
    const utterance = typeof speakData['utterance'] === 'string' ? speakData['utterance'] : '';
    const lang = typeof speakData['lang'] === 'string' ? speakData['lang'] : 'en-US';
    return new Promise<HubAudio>((resolve, reject) => {
      const pending: Pending = { utterance, data: speakData, via: 'synth', timer: undefined, resolve, reject };
      this.#pending.push(pending);
      const synth = this.#policy.kind === 'try-synth' && ttsMetadataFits(utterance, lang);
      this.#send(pending, synth ? 'synth' : 'b64');
    });
  }

  /** Stop listening to the link and fail pending requests. */
  close(): void {
    this.#o.link.off('binary', this.#onBinary);
    this.#o.link.off('bus', this.#onBus);
    for (const p of this.#pending.splice(0)) this.#settle(p, new SatelliteError('SAT_ERR_TTS', 'the satellite is closing'));
  }

  /** Every pending request fails now (the link dropped). */
  failAll(reason: string): void {
    for (const p of this.#pending.splice(0)) this.#settle(p, new SatelliteError('SAT_ERR_TTS', reason));
  }

  #send(p: Pending, via: 'synth' | 'b64'): void {
    const { timers } = this.#o;
    if (p.timer !== undefined) timers.clearTimeout(p.timer);
    p.via = via;
    const type = via === 'synth' ? 'speak:synth' : 'speak:b64_audio';
    const timeoutMs = via === 'synth' ? this.#o.synthTimeoutMs : (this.#o.b64TimeoutMs ?? B64_TIMEOUT_MS);
    p.timer = timers.setTimeout(() => this.#onTimeout(p), timeoutMs);
    this.#o.link.sendBus(type, p.data).catch((error: unknown) => this.#remove(p, error instanceof Error ? error : new SatelliteError('SAT_ERR_TTS', String(error))));
  }

  #onTimeout(p: Pending): void {
    p.timer = undefined;
    if (!this.#pending.includes(p)) return;
    if (p.via === 'synth') {
      this.#refuse(`no TTS_AUDIO within ${this.#o.synthTimeoutMs} ms of speak:synth`);
      return;
    }
    this.#remove(p, new SatelliteError('SAT_ERR_TTS', `expected speak:b64_audio.response within ${this.#o.b64TimeoutMs ?? B64_TIMEOUT_MS} ms, got none`));
  }

  /** `speak:synth` is refused on this link: remember it, and ask again for everything that waited on it. */
  #refuse(reason: string): void {
    if (this.#policy.kind === 'try-synth') this.#o.log('info', `speak:synth refused (${reason}); using speak:b64_audio on this connection`);
    this.#policy = { kind: 'b64-only', reason };
    for (const p of this.#pending) if (p.via === 'synth') this.#send(p, 'b64');
  }

  readonly #onBinary = (message: BinaryMessage): void => {
    if (message.binaryType !== BinaryPayloadType.TTS_AUDIO) {
      this.#o.ignored?.(`BINARY type ${message.binaryType}`);
      return;
    }
    const utterance = message.metadata['utterance'];
    const fileName = message.metadata['file_name'];
    const p = this.#match('synth', typeof utterance === 'string' ? utterance : undefined) ?? this.#match('b64', typeof utterance === 'string' ? utterance : undefined);
    if (p === undefined) {
      this.#o.ignored?.('unrequested TTS_AUDIO');
      return;
    }
    if (this.#tooLarge(p, message.payload.length, 'TTS_AUDIO')) return;
    this.#resolve(p, { bytes: message.payload, fileName: typeof fileName === 'string' ? fileName : undefined, listen: false, via: 'synth' });
  };

  readonly #onBus = (message: OvosMessage): void => {
    if (message.type === 'hive.policy.denied') {
      if (message.data['denied_type'] === 'speak:synth') this.#refuse(`hive.policy.denied (${String(message.data['code'] ?? 'denied')})`);
      return;
    }
    if (message.type !== 'speak:b64_audio.response') return;
    const utterance = message.data['utterance'];
    const audio = message.data['audio'];
    const p = this.#match('b64', typeof utterance === 'string' ? utterance : undefined);
    if (p === undefined) {
      this.#o.ignored?.('unrequested speak:b64_audio.response');
      return;
    }
    if (typeof audio !== 'string') return;
    // Judge the size from the base64 length, before allocating the decoded copy.
    if (this.#tooLarge(p, Math.floor((audio.length * 3) / 4), 'speak:b64_audio.response audio')) return;
    const listen = message.data['listen'] === true || message.data['expect_response'] === true;
    this.#resolve(p, { bytes: new Uint8Array(Buffer.from(audio, 'base64')), fileName: undefined, listen, via: 'b64' });
  };

  /** Fail `p` when its answer is over the cap (true), else nothing (false). */
  #tooLarge(p: Pending, bytes: number, what: string): boolean {
    const max = this.#o.maxTtsBytes ?? DEFAULT_MAX_TTS_BYTES;
    if (bytes <= max) return false;
    this.#remove(p, new SatelliteError('SAT_ERR_TTS_TOO_LARGE', `expected a TTS answer of at most ${max} bytes, got ${what} of ${bytes} bytes`));
    return true;
  }

  #match(via: 'synth' | 'b64', utterance: string | undefined): Pending | undefined {
    const candidates = this.#pending.filter((p) => p.via === via);
    return candidates.find((p) => p.utterance === utterance) ?? candidates[0];
  }

  #resolve(p: Pending, audio: HubAudio): void {
    const index = this.#pending.indexOf(p);
    if (index >= 0) this.#pending.splice(index, 1);
    this.#settle(p, audio);
  }

  #remove(p: Pending, error: Error): void {
    const index = this.#pending.indexOf(p);
    if (index < 0) return;
    this.#pending.splice(index, 1);
    this.#settle(p, error);
  }

  #settle(p: Pending, outcome: HubAudio | Error): void {
    if (p.timer !== undefined) this.#o.timers.clearTimeout(p.timer);
    p.timer = undefined;
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }
}
