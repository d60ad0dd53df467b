/**
 * Turning answer text into audio to play: the hub's TTS (audio and stream modes, src/satellite/hub-tts.ts) with the
 * local TTS as the fallback when the hub cannot deliver, or the local TTS alone (text mode, local answers,
 * announcements). Files are decoded (WAV/MP3) into 16 kHz mono at this edge, within the size and duration limits:
 * an answer the hub could not deliver, or delivered too large, too long or undecodable, is spoken with the local TTS
 * when there is one, so the user still hears the answer.
 *
 * @module
 */
import { decodeAudioFile } from '../audio/index.js';
import { type HivesatError, errorCode } from '../errors.js';
import type { JsonObject } from '../hivemind/index.js';
import type { TextToSpeech } from '../speech/index.js';
import { SatelliteError } from './errors.js';
import type { HubTtsSource } from './hub-tts.js';

/** Hooks for the turn timeline. */
export interface SpeechMarks {
  readonly requested?: () => void;
  readonly received?: () => void;
}

/** Options of {@link SpeechOutput}. */
export interface SpeechOutputOptions {
  /** The hub's TTS (absent in text mode). */
  readonly hub: HubTtsSource | undefined;
  /** The local TTS (fallback, text mode, announcements), if installed. */
  readonly local: TextToSpeech | undefined;
  readonly lang: string;
  /** Caps on a hub's answer file: bytes and seconds (default: none). */
  readonly maxAnswerBytes?: number;
  readonly maxAnswerSeconds?: number;
  /**
   * A hub answer refused as hostile (too large, too long, undecodable): reported once here (rate-limited by the
   * caller) instead of a log line per answer.
   */
  readonly refused?: (error: HivesatError) => void;
  readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void;
}

/** A `speak`'s audio on the way, and whether the hub asked to listen afterwards. */
export interface PendingSpeech {
  readonly audio: Promise<Int16Array>;
  readonly listen: Promise<boolean>;
}

/** Failures of the hub's answer that are the hub's doing (its bytes), as opposed to its absence (timeouts, link). */
function isRefusal(error: unknown): error is HivesatError {
  const code = errorCode(error);
  return typeof code === 'string' && (code === 'SAT_ERR_TTS_TOO_LARGE' || code.startsWith('AUDIO_ERR_'));
}

/** Text → 16 kHz mono audio. */
export class SpeechOutput {
  readonly #o: SpeechOutputOptions;

  constructor(options: SpeechOutputOptions) {
    this.#o = options;
  }

  /** Whether a local TTS is available. */
  get hasLocal(): boolean {
    return this.#o.local !== undefined;
  }

  /** Audio for a hub `speak` (its data): the hub's TTS, else the local one. */
  fromHub(data: JsonObject, marks: SpeechMarks = {}): PendingSpeech {
    const hub = this.#o.hub;
    const text = typeof data['utterance'] === 'string' ? data['utterance'] : '';
    if (hub === undefined) return { audio: this.local(text, marks), listen: Promise.resolve(false) };
    marks.requested?.();
    const fetched = hub.request(data);
    const audio = fetched
      .then(async (file) => {
        marks.received?.();
        return decodeAudioFile(file.bytes, {
          ...(file.fileName === undefined ? {} : { fileName: file.fileName }),
          ...(this.#o.maxAnswerBytes === undefined ? {} : { maxBytes: this.#o.maxAnswerBytes }),
          ...(this.#o.maxAnswerSeconds === undefined ? {} : { maxDurationSeconds: this.#o.maxAnswerSeconds }),
        });
      })
      .catch((error: unknown) => {
        const refused = isRefusal(error);
        if (refused) this.#o.refused?.(error);
        if (this.#o.local === undefined) throw error;
        const code = errorCode(error) ?? String(error);
        this.#o.log(refused ? 'info' : 'warn', `hub TTS failed (${code}); speaking with ${this.#o.local.name}`);
        return this.local(text, marks.received === undefined ? {} : { received: marks.received });
      });
    const listen = fetched.then((file) => file.listen, () => false);
    return { audio, listen };
  }

  /**
   * Audio for `text` from the local TTS.
   *
   * @throws (as a rejection) {@link SatelliteError} `SAT_ERR_TTS` without a local TTS; the engine's errors.
   */
  async local(text: string, marks: SpeechMarks = {}): Promise<Int16Array> {
    const tts = this.#o.local;
    if (tts === undefined) throw new SatelliteError('SAT_ERR_TTS', 'expected a local TTS engine to speak with, got none');
    marks.requested?.();
    const speech = await tts.synthesize(text, { lang: this.#o.lang });
    marks.received?.();
    return speech.pcm;
  }
}
