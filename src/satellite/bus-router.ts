/**
 * The one router of BUS messages from the hub (HIVEMIND.md Appendix A, hub → satellite): each type has one owner
 * here, the TTS answers and `hive.policy.denied` included (both go to the session, src/satellite/session.ts). Everything
 * not listed (`ovos.utterance.handled`, `mycroft.skill.handler.*`, OCP, PING floods…) is ignored.
 *
 * @module
 */
import type { JsonObject } from '../hivemind/index.js';
import type { OvosMessage } from './types.js';

/** The hub's listener events in stream mode (§6.1). */
export type HubListenEvent = 'wakeword' | 'record_begin' | 'record_end' | 'utterance';

/** Actions of the satellite the hub can trigger. */
export interface BusActions {
  /** `speak`: say it (its data: utterance, lang, expect_response, meta). */
  speak(data: JsonObject): void;
  /** `recognizer_loop:speech.recognition.unknown`: the error sound and a spoken hint. */
  notUnderstood(): void;
  /** `mycroft.stop`: stop playback now and listen. */
  stop(): void;
  /** `mycroft.mic.listen`: open the microphone without a wake word. */
  listen(): void;
  /** `mycroft.audio.play_sound`. */
  playSound(uri: string): void;
  /** `mycroft.volume.*` (`get` included). */
  volume(type: string, data: JsonObject): void;
  /** The hub's own listener (stream mode). */
  hubListening(event: HubListenEvent, data: JsonObject): void;
  /** `speak:b64_audio.response`: the audio of a TTS request (the session matches it). */
  ttsAnswer?(data: JsonObject): void;
  /** `hive.policy.denied`: the hub refused a message type (the session stops trying `speak:synth`). */
  policyDenied?(data: JsonObject): void;
}

const HUB_LISTEN: Readonly<Record<string, HubListenEvent>> = {
  'recognizer_loop:wakeword': 'wakeword',
  'recognizer_loop:record_begin': 'record_begin',
  'recognizer_loop:record_end': 'record_end',
  'recognizer_loop:utterance': 'utterance',
};

/**
 * Dispatch one BUS message.
 *
 * @returns whether the satellite acted on it.
 */
export function routeBus(message: OvosMessage, actions: BusActions): boolean {
  const { type, data } = message;
  if (type.startsWith('mycroft.volume.') && !type.endsWith('.response')) {
    actions.volume(type, data);
    return true;
  }
  const listen = HUB_LISTEN[type];
  if (listen !== undefined) {
    actions.hubListening(listen, data);
    return true;
  }
  switch (type) {
    case 'speak':
      actions.speak(data);
      return true;
    case 'recognizer_loop:speech.recognition.unknown':
      actions.notUnderstood();
      return true;
    case 'mycroft.stop':
    case 'mycroft.audio.speech.stop':
      actions.stop();
      return true;
    case 'speak:b64_audio.response':
      actions.ttsAnswer?.(data);
      return actions.ttsAnswer !== undefined;
    case 'hive.policy.denied':
      actions.policyDenied?.(data);
      return actions.policyDenied !== undefined;
    case 'mycroft.mic.listen':
      actions.listen();
      return true;
    case 'mycroft.audio.play_sound': {
      const uri = data['uri'];
      if (typeof uri !== 'string') return false;
      actions.playSound(uri);
      return true;
    }
    default:
      return false;
  }
}
