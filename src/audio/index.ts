/**
 * The audio layer's only import surface: PCM constants, WAV read/write, resampling, the pre-roll ring buffer,
 * capture sources (arecord, WAV file, stdin) with device supervision, playback sinks (aplay, WAV file, null) and ALSA
 * device discovery.
 *
 * Inside the process audio is always 16 kHz mono s16 ({@link SAMPLE_RATE_HZ}); conversion happens only at the edges,
 * inside the sources and sinks exported here.
 *
 * @module
 */
export * from './constants.js';
export { AudioError, DeviceError, WavError } from './errors.js';
export type { AudioErrorCode, AudioLayerErrorCode, DeviceErrorCode, WavErrorCode } from './errors.js';
export { type SpawnFn, type TimerHandle, type Timers, defaultSpawn, systemTimers } from './io.js';
export { StreamingResampler, type ResamplerOptions, assertChannels, clampRound, resample } from './resample.js';
export { PcmRingBuffer } from './ring-buffer.js';
export { PcmChunker, type PcmChunkerOptions } from './pcm-chunker.js';
export { applyGain, assertGain, levelDbfs, SILENCE_LEVEL_DBFS } from './gain.js';
export { AutoGain, AUTO_GAIN_MAX_TARGET, type AutoGainOptions } from './auto-gain.js';
export { createRnnoiseSuppressor, type MicProcessor, RnnoiseSuppressor } from './noise-suppression.js';
export {
  type DecodedWav,
  type WavInfo,
  type WavSampleFormat,
  decodeWav,
  encodeWav,
  parseWav,
  readWav16kMono,
  readWavBytes,
  readWavFile,
  wavHeader,
  writeWavFile,
} from './wav.js';
export type { AudioSource, AudioSourceEvents, SourceState } from './capture/source.js';
export { ArecordSource, type ArecordSourceOptions, arecordArgs } from './capture/arecord-source.js';
export { CommandSource, type CommandSourceOptions } from './capture/command-source.js';
export { WavFileSource, type WavFileSourceOptions, type WavPacing } from './capture/wav-file-source.js';
export { StdinSource, type StdinSourceOptions } from './capture/stdin-source.js';
export { type AudioInput, type AudioInputOptions, STDIN_INPUT, openAudioInput } from './capture/audio-input.js';
export { WavStreamDecoder, type WavStreamDecoderOptions } from './wav-stream.js';
export {
  SupervisedSource,
  type RetryInfo,
  type SupervisedSourceEvents,
  type SupervisedSourceOptions,
  type SupervisorState,
} from './capture/supervised-source.js';
export { StuckDetector, type StuckKind, type StuckVerdict } from './capture/stuck-detector.js';
export {
  BaseSink,
  OutputConverter,
  type AudioSink,
  type DeviceFormat,
  type PcmInput,
  type PlaybackOutcome,
  type PlaybackResult,
  type PlaybackSession,
  type PlayOptions,
} from './playback/sink.js';
export { AplaySink, type AplaySinkOptions, aplayArgs } from './playback/aplay-sink.js';
export { CommandSink, type CommandSinkOptions } from './playback/command-sink.js';
export { WavFileSink, type WavFileSinkOptions } from './playback/wav-file-sink.js';
export { NullSink } from './playback/null-sink.js';
export {
  AudioDecodeError,
  type AudioDecodeErrorCode,
  type AudioFileFormat,
  type DecodeAudioOptions,
  decodeAudioFile,
  preloadMp3Decoder,
  sniffAudioFormat,
} from './playback/decode.js';
export {
  type ClipEnd,
  type ClipOutcome,
  PlaybackQueue,
  type PlaybackQueueEvents,
  type PlaybackQueueOptions,
  type QueuedClip,
} from './playback/playback-queue.js';
export {
  type AlsaDeviceList,
  type AlsaHardwareDevice,
  type AlsaPcm,
  type AudioDevices,
  type ListDevicesOptions,
  type RunFn,
  listDevices,
  parseHardwareList,
  parsePcmList,
} from './devices.js';
