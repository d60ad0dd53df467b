/**
 * Sending one captured utterance to the hub, per mode (HIVEMIND.md §6.1, §6.3):
 *
 * - `audio`: one BINARY `STT_AUDIO_HANDLE` with the raw PCM and `{lang, sample_rate, sample_width}`, plus optional
 *   metadata (site, session, wake word) trimmed to fit WIRE-1's 255 bytes;
 * - `text`: the local transcript as `recognizer_loop:utterance` (empty transcript → not understood, nothing sent).
 *
 * Stream mode has already streamed the audio (src/satellite/streamer.ts).
 *
 * @module
 */
import { BinaryPayloadType } from '../hivemind/index.js';
import { SAMPLE_RATE_HZ } from '../audio/index.js';
import type { Utterance } from '../listener/index.js';
import type { SpeechToText } from '../speech/index.js';
import { fitMetadata } from './binary-metadata.js';
import { AUDIO_SAMPLE_WIDTH_BYTES } from './constants.js';
import type { HubLink } from './types.js';

/** Who we are, for the optional metadata. */
export interface SenderIdentity {
  readonly lang: string;
  readonly siteId: string;
}

/** Send an utterance as STT_AUDIO_HANDLE. Resolves once the frame is written. */
export async function sendUtteranceAudio(link: HubLink, utterance: Utterance, who: SenderIdentity): Promise<void> {
  const { metadata } = fitMetadata({ lang: who.lang, sample_rate: SAMPLE_RATE_HZ, sample_width: AUDIO_SAMPLE_WIDTH_BYTES }, [
    ['session_id', link.sessionId],
    ['site_id', who.siteId],
    ['wake_word', utterance.wake?.keyword],
    ['wake_score', utterance.wake === null ? undefined : Math.round(utterance.wake.score * 1000) / 1000],
  ]);
  const pcm = utterance.pcm;
  await link.sendBinary(BinaryPayloadType.STT_AUDIO_HANDLE, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength), metadata);
}

/**
 * Transcribe locally and send the text as `recognizer_loop:utterance`.
 *
 * @returns the transcript ('' when nothing was recognized: then nothing is sent).
 */
export async function sendUtteranceText(link: HubLink, stt: SpeechToText, utterance: Utterance, lang: string): Promise<string> {
  const transcript = (await stt.transcribe(utterance.pcm, { lang })).text.trim();
  if (transcript !== '') await link.sendBus('recognizer_loop:utterance', { utterances: [transcript], lang });
  return transcript;
}
