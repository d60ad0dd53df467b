/**
 * Formats, limits and timings of the audio layer, each with its unit and reason.
 *
 * Inside the process audio is always {@link SAMPLE_RATE_HZ} mono signed 16-bit little-endian PCM; other rates and
 * channel counts exist only at the edges (capture devices, WAV files, playback devices).
 *
 * @module
 */

/** The one sample rate used inside the process, in hertz (openWakeWord and Silero VAD both expect it). */
export const SAMPLE_RATE_HZ = 16_000;

/** Channels inside the process. */
export const CHANNELS = 1;

/** Bytes per sample of s16le. */
export const SAMPLE_BYTES = 2;

/** Samples per millisecond at {@link SAMPLE_RATE_HZ}. */
export const SAMPLES_PER_MS = SAMPLE_RATE_HZ / 1000;

/** Default chunk a file source emits: 80 ms = 1,280 samples, one openWakeWord hop. */
export const CHUNK_MS = 80;

/** {@link CHUNK_MS} in samples at {@link SAMPLE_RATE_HZ}. */
export const CHUNK_SAMPLES = CHUNK_MS * SAMPLES_PER_MS;

/** Largest value of an s16 sample. */
export const INT16_MAX = 32_767;

/** Smallest value of an s16 sample. */
export const INT16_MIN = -32_768;

/** Lowest sample rate we read from files or capture devices, hertz (telephone audio). */
export const MIN_RATE_HZ = 8_000;

/** Highest sample rate we read from files or capture devices, hertz (USB mics and HDMI usually run at 48 kHz). */
export const MAX_RATE_HZ = 48_000;

/** Most channels a WAV file or capture device may have; they are averaged to mono. */
export const MAX_CHANNELS = 8;

/** Largest WAV file read into memory, in bytes (64 MiB ≈ 35 min of 16 kHz mono, ≈ 5.8 min of 48 kHz stereo). */
export const MAX_WAV_BYTES = 64 * 1024 * 1024;

/** Size of the canonical 16-bit PCM WAV header we write, in bytes (RIFF 12 + 'fmt ' 24 + 'data' header 8). */
export const WAV_HEADER_BYTES = 44;

/**
 * 'data' chunk sizes that writers put in a header when they cannot seek back to fix it (writing into a pipe): 0,
 * 0xFFFFFFFF and 0x7FFFFFFF (common), 0x80000000 (`arecord -t wav` into a pipe), 0x7FFFF000 (`sox … -t wav -`).
 * With such a size the data runs to the end of the file or stream.
 */
export const WAV_STREAMING_SIZES: readonly number[] = [0, 0xffff_ffff, 0x7fff_ffff, 0x8000_0000, 0x7fff_f000];

/** Largest WAV header (everything before the samples, chunks skipped unread excepted) a stream may have, bytes. */
export const MAX_WAV_HEADER_BYTES = 64 * 1024;

/**
 * Resampler: stopband attenuation of the anti-aliasing filter, in dB. 80 dB puts aliases below the 16-bit noise of a
 * real microphone while keeping the filter short enough for a Pi Zero 2 W.
 */
export const RESAMPLER_STOPBAND_DB = 80;

/**
 * Resampler: passband edge as a fraction of the lower Nyquist frequency. 0.875 × 8 kHz = 7 kHz: speech above 7 kHz
 * carries little for wake words and ASR, and the 1 kHz transition band halves the filter length.
 */
export const RESAMPLER_PASSBAND_FRACTION = 0.875;

/** Resampler: largest number of exact polyphase branches; ratios needing more interpolate between table rows. */
export const RESAMPLER_MAX_EXACT_PHASES = 1024;

/** Resampler: table rows per input sample when interpolating between phases (awkward ratios such as 47,999 Hz). */
export const RESAMPLER_INTERPOLATED_PHASES = 256;

/** Playback: most samples written to a device per write (256 ms at 16 kHz); bounds the scratch buffer. */
export const PLAYBACK_WRITE_SAMPLES = 4_096;

/** Highest playback gain accepted (×4 ≈ +12 dB); louder clips hard. */
export const MAX_GAIN = 4;

/** Supervision: first restart delay after a device failure, milliseconds. */
export const RESTART_BACKOFF_INITIAL_MS = 500;

/** Supervision: longest restart delay, milliseconds. */
export const RESTART_BACKOFF_MAX_MS = 30_000;

/** Supervision: factor by which the delay grows after each failure in a row. */
export const RESTART_BACKOFF_FACTOR = 2;

/** Supervision: audio a restarted source must deliver before the backoff resets to its initial delay, in samples (10 s). */
export const BACKOFF_RESET_SAMPLES = 10 * SAMPLE_RATE_HZ;

/**
 * Supervision: a running source that delivers no audio for this long is treated as hung, milliseconds. A real device
 * delivers a period every 10–100 ms, so 2 s of nothing is a hang, not jitter; it is noticed between this and twice
 * this (the check runs on a timer every period, not per chunk).
 */
export const STALL_TIMEOUT_MS = 2_000;

/**
 * Supervision: a capture source delivering one constant non-zero sample value, or only full-scale samples, for this
 * much audio is treated as stuck, milliseconds of audio (counted in samples, not wall time). A live microphone always
 * has some noise in its lowest bits; exact digital silence (0) is not counted: a muted input delivers it and a
 * restart would not help.
 */
export const STUCK_TIMEOUT_MS = 3_000;

/**
 * Playback: a device process that accepts no audio (a write or the final drain does not complete) for this long is
 * treated as hung and killed, milliseconds. A healthy aplay can hold a write back for as long as the pipe (64 KiB,
 * 2 s at 16 kHz mono) and ALSA's buffer take to play, so this is well above that.
 */
export const PLAYBACK_STALL_TIMEOUT_MS = 10_000;

/** After SIGTERM, how long a device process gets before SIGKILL, milliseconds. */
export const KILL_GRACE_MS = 2_000;

/** Characters of a device process's stderr kept for error messages. */
export const STDERR_TAIL_CHARS = 2_000;
