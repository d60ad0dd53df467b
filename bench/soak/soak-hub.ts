/**
 * The hub side of the soak: the TypeScript test hub (core-4.0 profile, password handshake) with the audio plugin.
 * Its STT recognises which of the soak's spoken questions it was sent — by exact PCM match, so a turn whose audio
 * was cut or mixed up is caught — and its TTS is espeak-ng. Faults can be armed for the next upload.
 *
 * @module
 */
import { DEFAULT_ALLOWED_TYPES, type FaultAction, type TestHub, startTestHub } from '../../test/hub/index.js';
import { answerWav, bytesToPcm, isSliceCovering } from '../../test/satellite/helpers.js';
import type { SpokenQuestion } from './turn-audio.js';

export const SOAK_ACCESS_KEY = 'soak-key';
export const SOAK_PASSWORD = 'soak-password-not-logged';

/** What the soak hub does with the next utterance it receives. */
export type UploadFault =
  /** A hub-side fault right when the utterance arrived (the answer never comes on this connection). */
  | { readonly kind: 'fault'; readonly action: FaultAction }
  /** The hub heard nothing usable (`speech.recognition.unknown`): the user hears the error sound and a hint. */
  | { readonly kind: 'unrecognised' }
  /** A slow hub: the transcription takes this long, milliseconds. */
  | { readonly kind: 'slow'; readonly delayMs: number };

/** The test hub with the soak's STT and TTS. */
export class SoakHub {
  readonly hub: TestHub;
  /** Utterances received, and those that matched no question (cut or corrupted audio). */
  uploads = 0;
  unmatchedUploads = 0;
  #nextUpload: UploadFault | undefined;

  private constructor(hub: TestHub) {
    this.hub = hub;
  }

  static async start(questions: readonly SpokenQuestion[]): Promise<SoakHub> {
    const answers = new Map<string, Uint8Array>();
    let soak: SoakHub | undefined;
    const hub = await startTestHub({
      profile: 'core-4.0',
      clients: [{ accessKey: SOAK_ACCESS_KEY, password: SOAK_PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
      audio: {
        synth: (text) => {
          let wav = answers.get(text);
          if (wav === undefined) answers.set(text, (wav = answerWav(text)));
          return wav;
        },
        transcribe: async (pcm) => (soak as SoakHub).#transcribe(bytesToPcm(pcm), questions),
      },
    });
    soak = new SoakHub(hub);
    return soak;
  }

  /** Arm a fault for the next utterance the hub receives. */
  armUpload(fault: UploadFault): void {
    this.#nextUpload = fault;
  }

  /** Forget an armed fault that no upload reached. */
  disarm(): void {
    this.#nextUpload = undefined;
  }

  /** Run `action` on every live connection now. */
  async faultNow(action: FaultAction): Promise<void> {
    await Promise.all(this.hub.connections.filter((c) => c.state !== 'closed').map((c) => this.hub.fault(c, action)));
  }

  async #transcribe(pcm: Int16Array, questions: readonly SpokenQuestion[]): Promise<string> {
    this.uploads++;
    const fault = this.#nextUpload;
    this.#nextUpload = undefined;
    const question = questions.find((q) => isSliceCovering(q.audio, pcm, q.span));
    if (question === undefined) this.unmatchedUploads++;
    if (fault?.kind === 'fault') await this.faultNow(fault.action);
    if (fault?.kind === 'unrecognised') return '';
    if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    return question?.text ?? 'garbled';
  }
}
