/**
 * The server-side audio plugin (hivemind-audio-binary-protocol 2.1.5) as a satellite observes it (HIVEMIND.md §6.1):
 * `speak:synth` → BINARY TTS_AUDIO, `speak:b64_audio` → `speak:b64_audio.response`,
 * `recognizer_loop:b64_transcribe` → its `.response`, BINARY STT_AUDIO_TRANSCRIBE → `recognizer_loop:transcribe.response`,
 * BINARY STT_AUDIO_HANDLE → an injected `recognizer_loop:utterance` (or `recognizer_loop:speech.recognition.unknown`).
 * RAW_AUDIO (the server-side listener) is stream.ts, or the `binary` hook.
 *
 * @module
 */
import type { JsonObject } from '../../src/hivemind/json.js';
import { BinaryPayloadType } from '../../src/hivemind/message-types.js';
import { type AgentApi, langOf } from './agent.js';
import { DEFAULT_TTS_FILE_NAME, TRANSCRIPTION_CONFIDENCE } from './constants.js';
import type { OvosMessage } from './ovos.js';
import type { HubAudioOptions, HubBinaryMessage, TranscribeInfo } from './types.js';

/** Default sample rate / width the plugin assumes when metadata omits them (§6.1). */
const DEFAULT_SAMPLE_RATE_HZ = 16_000;
const DEFAULT_SAMPLE_WIDTH_BYTES = 2;

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function infoOf(fields: JsonObject, lang: string): TranscribeInfo {
  return {
    lang,
    sampleRate: numberOr(fields['sample_rate'], DEFAULT_SAMPLE_RATE_HZ),
    sampleWidth: numberOr(fields['sample_width'], DEFAULT_SAMPLE_WIDTH_BYTES),
  };
}

/** The TTS_AUDIO metadata the plugin sends (§6.1). */
export function ttsMetadata(lang: string, fileName: string, utterance: string): JsonObject {
  return { lang, file_name: fileName, utterance };
}

/**
 * Handle the audio plugin's BUS messages; returns without doing anything for other types or when the needed
 * engine (TTS/STT) is not configured. The handlers look the client up by peer: only a registered client is served.
 */
export async function handleAudioBus(message: OvosMessage, api: AgentApi, audio: HubAudioOptions): Promise<void> {
  const { connection } = api;
  if (!connection.registered) return; // hm_protocol.clients[context.source] raises KeyError (P4)
  const lang = langOf(message);
  const utterance = typeof message.data['utterance'] === 'string' ? message.data['utterance'] : '';
  switch (message.type) {
    case 'speak:synth': {
      if (audio.synth === undefined) return;
      const file = await audio.synth(utterance, lang);
      api.hub.sendTtsAudio(connection, file, { lang, utterance, fileName: audio.fileName ?? DEFAULT_TTS_FILE_NAME });
      return;
    }
    case 'speak:b64_audio': {
      if (audio.synth === undefined) return;
      const file = await audio.synth(utterance, lang);
      api.reply('speak:b64_audio.response', { ...message.data, audio: Buffer.from(file).toString('base64') });
      return;
    }
    case 'recognizer_loop:b64_transcribe': {
      if (audio.transcribe === undefined) return;
      const encoded = message.data['audio'];
      const pcm = new Uint8Array(Buffer.from(typeof encoded === 'string' ? encoded : '', 'base64'));
      const text = await audio.transcribe(pcm, infoOf(message.data, lang));
      api.reply('recognizer_loop:b64_transcribe.response', { lang, transcriptions: [[text, TRANSCRIPTION_CONFIDENCE]] });
      return;
    }
    default:
      return;
  }
}

/** Handle STT_AUDIO_TRANSCRIBE and STT_AUDIO_HANDLE (§6.1, "Other audio entry points"). */
export async function handleAudioBinary(event: HubBinaryMessage, audio: HubAudioOptions): Promise<void> {
  const { connection, binaryType, payload, metadata } = event;
  if (audio.transcribe === undefined) return;
  if (binaryType !== BinaryPayloadType.STT_AUDIO_TRANSCRIBE && binaryType !== BinaryPayloadType.STT_AUDIO_HANDLE) return;
  const sessionLang = connection.session['lang'];
  const lang = typeof metadata['lang'] === 'string' ? metadata['lang'] : typeof sessionLang === 'string' ? sessionLang : 'en-US';
  const text = await audio.transcribe(payload, infoOf(metadata, lang));
  if (binaryType === BinaryPayloadType.STT_AUDIO_TRANSCRIBE) {
    connection.sendBus('recognizer_loop:transcribe.response', { transcriptions: [[text, TRANSCRIPTION_CONFIDENCE]], lang });
  } else if (text === '') {
    connection.sendBus('recognizer_loop:speech.recognition.unknown', {});
  } else {
    connection.inject('recognizer_loop:utterance', { utterances: [text], lang });
  }
}
