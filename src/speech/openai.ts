/**
 * OpenAI-compatible HTTP speech engines: `POST {api_url}/audio/transcriptions` (multipart upload of a 16 kHz WAV,
 * `response_format=json` → `{"text": …}`) and `POST {api_url}/audio/speech` (`response_format: "wav"` → a WAV
 * file, resampled to 16 kHz). Works with OpenAI itself and with local servers that copy its API (faster-whisper
 * servers, LocalAI, openedai-speech, Kokoro-FastAPI…).
 *
 * @module
 */
import { encodeWav } from '../audio/index.js';
import { OPENAI_STT_DEFAULT_MODEL, OPENAI_TTS_DEFAULT_MODEL, OPENAI_TTS_DEFAULT_VOICE, MAX_STT_SAMPLES, MAX_TTS_TEXT_CHARS, SAMPLE_RATE_HZ } from './constants.js';
import { speechFromWav } from './engine-audio.js';
import { SpeechError } from './errors.js';
import { endpointUrl, type FetchFn, httpRequest, redactUrl } from './http.js';
import { defaultTimers, type SpeechTimers } from './process.js';
import type { SpeechToText, SynthesizedSpeech, SynthesizeOptions, TextToSpeech, TranscribeOptions, Transcript } from './types.js';

/** Connection settings shared by both endpoints. */
export interface OpenAiSpeechEndpoint {
  /** The `/v1` root, e.g. `http://192.168.1.10:8000/v1` (default `https://api.openai.com/v1`). */
  readonly apiUrl?: string;
  /** Sent as `Authorization: Bearer …` when set. Never logged. */
  readonly key?: string;
  /** Time limit of one request, milliseconds. */
  readonly timeoutMs?: number;
  readonly fetch?: FetchFn;
  readonly timers?: SpeechTimers;
}

/** Options of {@link OpenAiTranscriber}. */
export interface OpenAiTranscriberOptions extends OpenAiSpeechEndpoint {
  /** Default `whisper-1`. */
  readonly model?: string;
  /** Optional `prompt` that biases the vocabulary (e.g. the built-in phrases). */
  readonly prompt?: string;
}

/** Options of {@link OpenAiSpeechSynthesizer}. */
export interface OpenAiSpeechSynthesizerOptions extends OpenAiSpeechEndpoint {
  /** Default `tts-1`. */
  readonly model?: string;
  /** Default `alloy`. */
  readonly voice?: string;
  /** 0.25..4 (server default 1). */
  readonly speed?: number;
}

const DEFAULT_API_URL = 'https://api.openai.com/v1';

function authHeaders(key: string | undefined): Record<string, string> {
  return key === undefined || key === '' ? {} : { authorization: `Bearer ${key}` };
}

/** The ISO 639-1 part of a language tag ("en-us" → "en"), as the transcription API expects. */
function iso639(lang: string): string {
  return lang.toLowerCase().split(/[-_]/)[0] ?? lang;
}

/** STT through an OpenAI-compatible `/audio/transcriptions` endpoint. */
export class OpenAiTranscriber implements SpeechToText {
  readonly name = 'openai-stt';
  readonly vocabulary = 'open' as const;
  readonly #url: URL;
  readonly #o: OpenAiTranscriberOptions;

  /** @throws {SPEECH_ERR_INVALID_CONFIG} a bad `apiUrl` */
  constructor(options: OpenAiTranscriberOptions = {}) {
    this.#o = options;
    this.#url = endpointUrl(options.apiUrl ?? DEFAULT_API_URL, '/audio/transcriptions', this.name);
  }

  /**
   * Upload the utterance as a WAV file and return the server's text.
   *
   * @throws {SPEECH_ERR_HTTP} / {SPEECH_ERR_NETWORK} / {SPEECH_ERR_TIMEOUT} / {SPEECH_ERR_BAD_RESPONSE} / {SPEECH_ERR_BAD_INPUT}
   */
  async transcribe(pcm: Int16Array, options: TranscribeOptions): Promise<Transcript> {
    if (pcm.length === 0 || pcm.length > MAX_STT_SAMPLES) {
      throw new SpeechError('SPEECH_ERR_BAD_INPUT', `${this.name}: expected 1..${MAX_STT_SAMPLES} samples, got ${pcm.length}`);
    }
    const form = new FormData();
    form.append('file', new Blob([encodeWav(pcm, SAMPLE_RATE_HZ)], { type: 'audio/wav' }), 'utterance.wav');
    form.append('model', this.#o.model ?? OPENAI_STT_DEFAULT_MODEL);
    form.append('language', iso639(options.lang));
    form.append('response_format', 'json');
    if (this.#o.prompt !== undefined) form.append('prompt', this.#o.prompt);
    const { body } = await httpRequest(
      this.#url,
      { method: 'POST', headers: authHeaders(this.#o.key), body: form },
      { fetch: this.#o.fetch ?? fetch, timers: this.#o.timers ?? defaultTimers, engine: this.name, signal: options.signal, timeoutMs: this.#o.timeoutMs, secret: this.#o.key },
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(body));
    } catch (err) {
      throw new SpeechError('SPEECH_ERR_BAD_RESPONSE', `${this.name}: expected JSON from ${redactUrl(this.#url)}, got ${body.length} bytes that do not parse`, { cause: err });
    }
    const text = (parsed as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') {
      throw new SpeechError('SPEECH_ERR_BAD_RESPONSE', `${this.name}: expected {"text": string} from ${redactUrl(this.#url)}, got ${typeof text === 'undefined' ? 'no "text"' : `"text" of type ${typeof text}`}`);
    }
    return { text: text.trim() };
  }
}

/** TTS through an OpenAI-compatible `/audio/speech` endpoint (WAV output). */
export class OpenAiSpeechSynthesizer implements TextToSpeech {
  readonly name = 'openai-tts';
  readonly #url: URL;
  readonly #o: OpenAiSpeechSynthesizerOptions;

  /** @throws {SPEECH_ERR_INVALID_CONFIG} a bad `apiUrl` or `speed` */
  constructor(options: OpenAiSpeechSynthesizerOptions = {}) {
    this.#o = options;
    this.#url = endpointUrl(options.apiUrl ?? DEFAULT_API_URL, '/audio/speech', this.name);
    if (options.speed !== undefined && !(options.speed >= 0.25 && options.speed <= 4)) {
      throw new SpeechError('SPEECH_ERR_INVALID_CONFIG', `${this.name}: expected "speed" in 0.25..4, got ${options.speed}`);
    }
  }

  /**
   * Ask for `text` as WAV and convert it to 16 kHz.
   *
   * @throws {SPEECH_ERR_HTTP} / {SPEECH_ERR_NETWORK} / {SPEECH_ERR_TIMEOUT} / {SPEECH_ERR_BAD_RESPONSE}
   */
  async synthesize(text: string, options: SynthesizeOptions): Promise<SynthesizedSpeech> {
    const input = text.trim();
    if (input === '' || input.length > MAX_TTS_TEXT_CHARS) {
      throw new SpeechError('SPEECH_ERR_BAD_INPUT', `${this.name}: expected 1..${MAX_TTS_TEXT_CHARS} characters of text, got ${input.length}`);
    }
    const request = {
      model: this.#o.model ?? OPENAI_TTS_DEFAULT_MODEL,
      input,
      voice: options.voice ?? this.#o.voice ?? OPENAI_TTS_DEFAULT_VOICE,
      response_format: 'wav',
      ...(this.#o.speed !== undefined ? { speed: this.#o.speed } : {}),
    };
    const { body } = await httpRequest(
      this.#url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(this.#o.key) }, body: JSON.stringify(request) },
      { fetch: this.#o.fetch ?? fetch, timers: this.#o.timers ?? defaultTimers, engine: this.name, signal: options.signal, timeoutMs: this.#o.timeoutMs, secret: this.#o.key },
    );
    try {
      return speechFromWav(body, `${this.name} answer from ${redactUrl(this.#url)}`);
    } catch (err) {
      throw new SpeechError('SPEECH_ERR_BAD_RESPONSE', (err as Error).message, { cause: err });
    }
  }
}
