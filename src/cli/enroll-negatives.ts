/**
 * The negatives of `hivesat wake enroll`, made at enroll time: {@link ENROLLMENT_NEGATIVE_PHRASES} (near misses of
 * the wake word and ordinary sentences) spoken by espeak-ng — which hivesat already needs for its local answers —
 * in a few voices, one espeak-ng run per voice. Nothing from outside the package is needed.
 *
 * @module
 */
import { EspeakNgTts, SpeechError } from '../speech/index.js';
import { ENROLLMENT_NEGATIVE_PHRASES, EnrollError } from '../wake/index.js';

/** espeak-ng voices the negatives are spoken in (a male, a female and a formant voice). */
export const ENROLLMENT_NEGATIVE_VOICES: readonly string[] = Object.freeze(['en-us+m1', 'en-gb+f4', 'en-us+klatt3']);

/** What made the negatives, for the verifier file's `training` metadata. */
export const ENROLLMENT_NEGATIVES_NOTE = `espeak-ng at enroll time: ${ENROLLMENT_NEGATIVE_PHRASES.length} phrases × ${ENROLLMENT_NEGATIVE_VOICES.join(', ')}`;

/**
 * Speak the negative phrases: one 16 kHz mono clip per voice.
 *
 * @throws {WAKE_ERR_ENROLL_NEGATIVES} espeak-ng is missing or fails (the message says which and how to install it).
 */
export async function synthesizeEnrollmentNegatives(binary?: string): Promise<Int16Array[]> {
  const tts = new EspeakNgTts(binary === undefined ? {} : { binary });
  const text = ENROLLMENT_NEGATIVE_PHRASES.join('.\n');
  const clips: Int16Array[] = [];
  for (const voice of ENROLLMENT_NEGATIVE_VOICES) {
    try {
      clips.push((await tts.synthesize(text, { lang: 'en-us', voice })).pcm);
    } catch (error) {
      if (!(error instanceof SpeechError)) throw error;
      throw new EnrollError('WAKE_ERR_ENROLL_NEGATIVES', `cannot make the negative phrases with espeak-ng (${error.message}): sudo apt-get install espeak-ng`, { cause: error });
    }
  }
  return clips;
}
