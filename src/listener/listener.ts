/**
 * The listening pipeline: audio in (any chunk size, from any source), wake word + VAD + pre-roll history, the
 * {@link transition} state machine, typed events out.
 *
 * ```
 *  feed(chunk) ──copy──► SampleQueue ──80 ms pieces──► history ring ─► wake.process ─► vad.process
 *                                                                          │ detections, scores, speech edges
 *  listenWithoutWake() / setSpeaking() / end() ── queued at the fed position ┤ (sorted by stream position)
 *                                                                          ▼
 *                                                    transition(state, input) → effects → events
 *                                                    stepSpeechStream(stream, input, effects) → stream chunks
 * ```
 *
 * - The detectors run strictly one after the other, one piece at a time (they reject overlapping calls). Chunks fed
 *   meanwhile are copied into the queue, so nothing is dropped or reordered and the caller's view can be reused.
 * - Control calls are queued at the stream position fed so far, so they apply to exactly the audio that preceded them
 *   whatever the detectors' lag.
 * - The clock is the audio: every timeout is a sample position (16 kHz), so a file runs as fast as the CPU allows and
 *   gives the same events as the same audio from a microphone, in chunks of any size.
 * - Per piece nothing is allocated unless an event happens (a view for a short final piece excepted).
 * - The history is the only copy of the audio: utterances and stream mode's RAW_AUDIO chunks (speech-stream.ts) are
 *   both read from it, pre-roll included.
 *
 * @module
 */
import { debuglog } from 'node:util';
import { EventEmitter } from 'node:events';
import { type MicProcessor, PcmRingBuffer, SAMPLE_RATE_HZ } from '../audio/index.js';
import { assertNever } from '../errors.js';
import type { VadEvent, VoiceActivityDetector } from '../vad/index.js';
import { describeVerifier, type ScoreListener, type VerifierInfo, type WakeDetection, type WakeWordDetector } from '../wake/index.js';
import {
  GATE_ALIGN_SAMPLES,
  GATE_LOOKBACK_MS,
  HISTORY_MARGIN_MS,
  INITIAL_BACKLOG_SAMPLES,
  MAX_BACKLOG_SAMPLES,
  PIECE_SAMPLES,
  SPEECH_GATE_PROBABILITY,
  VAD_ONSET_GUARD_MS,
  VAD_SPEECH_PAD_MS,
  WAKE_AUDIO_FALLBACK_MS,
  WAKE_ONSET_WINDOW_MS,
} from './constants.js';
import { EnergyGate, type GateStats } from './energy-gate.js';
import { ListenerError } from './errors.js';
import {
  type Effect,
  INITIAL_STATE,
  type ListenerInput,
  type ListenerState,
  nextDeadline,
  transition,
  type UtteranceSpan,
  type WakeInfo,
} from './machine.js';
import { SampleQueue } from './sample-queue.js';
import { type ListenerSettings, type ListenerTiming, listenerTiming, type ResolvedListenerSettings, resolveListenerSettings } from './settings.js';
import {
  INITIAL_SPEECH_STREAM,
  nextStreamDeadline,
  type SpeechStream,
  type SpeechStreamCut,
  type SpeechStreamEffect,
  type SpeechStreamSettings,
  speechStreamTiming,
  stepSpeechStream,
} from './speech-stream.js';
import {
  type CancelledEvent,
  loudness,
  type NoSpeechEvent,
  type SpeechEndEvent,
  type SpeechStartEvent,
  stamp,
  type StateChangeEvent,
  type StreamChunkEvent,
  type StreamEndEvent,
  type StreamStartEvent,
  type Utterance,
  type WakeEvent,
  type WakeRejectedEvent,
} from './utterance.js';

/** Events of a {@link Listener}. Handlers run inside the processing loop: keep them short and never throw. */
export type ListenerEvents = {
  /** The wake word was heard (also after a barge-in); the listener is now `awake`. */
  wake: [event: WakeEvent];
  /** The detector fired but the speech gate refused it: the VAD heard no speech before it (noise, music, a click). */
  wake_rejected: [event: WakeRejectedEvent];
  /** The wake word interrupted the satellite's own speech: stop playback now (the listener left speaking mode). */
  barge_in: [event: WakeEvent];
  /** The user started speaking; the listener is `recording`. */
  speech_start: [event: SpeechStartEvent];
  /** The user stopped speaking (or was cut at the maximum length). An `utterance` follows unless it was too short. */
  speech_end: [event: SpeechEndEvent];
  /** A finished utterance, pre-roll included. */
  utterance: [utterance: Utterance];
  /** A capture closed without usable speech (timeout, too short, or the input ended). */
  no_speech: [event: NoSpeechEvent];
  /** A capture was abandoned: the satellite started speaking, or the detectors were reset after a failure. */
  cancelled: [event: CancelledEvent];
  /** The state or the speaking flag changed (also logged). */
  state: [event: StateChangeEvent];
  /** Stream mode ({@link Listener.streamSpeech}): a stream of the speech began (its pre-roll comes as its first chunks). */
  stream_start: [event: StreamStartEvent];
  /** The next span of a stream, read from the history (a new array each time). */
  stream_chunk: [chunk: StreamChunkEvent];
  /** A stream ended, and why. */
  stream_end: [event: StreamEndEvent];
  /** A detector failed (LISTENER_ERR_DETECTOR) or the backlog overflowed (LISTENER_ERR_OVERRUN). Listen to it. */
  error: [error: ListenerError];
};

/** Options of {@link Listener}. */
export interface ListenerOptions {
  /** The wake-word detector. The listener resets it and then owns it: it is closed by {@link Listener.close}. */
  readonly wake: WakeWordDetector;
  /** The VAD, likewise owned. Its hangover should be short (≈ 100 ms): the listener applies `silenceEndMs` itself. */
  readonly vad: VoiceActivityDetector;
  /** Endpointing and capture settings. */
  readonly settings?: ListenerSettings;
  /** Padding the VAD adds after each speech end, milliseconds (its `speechPadMs`). Default 30, Silero's default. */
  readonly vadSpeechPadMs?: number;
  /**
   * Processing applied to the audio, in order and in place, before anything listens to it (noise suppression, gain):
   * the energy gate, both detectors and the utterances all get the processed audio. Positions then include the
   * processors' fixed delay (a few milliseconds for RNNoise). The listener owns them and closes them. Default none.
   */
  readonly processors?: readonly MicProcessor[];
  /** Which wake engine `wake` is (for health and doctor). Default openWakeWord, no fallback. */
  readonly wakeEngine?: WakeEngineInfo;
  /** Which second-stage verifier `wake` runs (for health and doctor). Default none. */
  readonly verifier?: VerifierInfo;
  /** Where transitions are logged, one line each. Default `util.debuglog('listener')` (NODE_DEBUG=listener). */
  readonly log?: (line: string) => void;
}

/** Which wake-word engine runs, and why not the configured one if it fell back. */
export interface WakeEngineInfo {
  /** The engine the configuration asked for (`wake.engine`). */
  readonly requested: 'openwakeword' | 'porcupine';
  /** The engine that runs. */
  readonly engine: 'openwakeword' | 'porcupine';
  /** Set when Porcupine was configured but could not start: its `WAKE_ERR_PORCUPINE_*` code, message and one-line fix. */
  readonly fallback: { readonly code: string; readonly message: string; readonly fix: string } | null;
}

/** A control call waiting for the audio fed before it to be processed. */
interface Control {
  readonly at: number;
  readonly input: ListenerInput;
}

const defaultLog = debuglog('listener');

/**
 * Wake word → recording with pre-roll → end of speech → {@link Utterance}, over any 16 kHz mono audio.
 *
 * ```ts
 * const listener = await createListener({ settings: { silenceEndMs: 700 } });
 * listener.on('utterance', (u) => send(u.pcm));
 * listener.on('error', (e) => log(e));
 * source.on('chunk', (chunk) => listener.feed(chunk));
 * ```
 */
export class Listener extends EventEmitter<ListenerEvents> {
  /** The effective settings, milliseconds. */
  readonly settings: ResolvedListenerSettings;
  /** The same in samples, as the state machine uses them. */
  readonly timing: ListenerTiming;
  /**
   * Per-hop wake scores, for the barge-in check while the satellite speaks: pass it as the detector's `onScore`
   * ({@link createListener} does). Without it, barge-in still works from the detector's detections, but a detection
   * whose first hop scores below the barge-in threshold (and its refractory period) can hide a later, higher hop.
   */
  readonly onWakeScore: ScoreListener;
  /** The wake-word engine that runs, and the reason when Porcupine fell back to openWakeWord. */
  readonly wakeEngine: WakeEngineInfo;
  /** The second-stage verifier that runs: shipped, enrolled (when, how many takes), another file, or none. */
  readonly verifier: VerifierInfo;

  readonly #wake: WakeWordDetector;
  readonly #vad: VoiceActivityDetector;
  readonly #log: (line: string) => void;
  readonly #history: PcmRingBuffer;
  readonly #queue = new SampleQueue(INITIAL_BACKLOG_SAMPLES, MAX_BACKLOG_SAMPLES);
  readonly #work = new Int16Array(PIECE_SAMPLES);
  /** Look-back audio replayed through the detectors when the energy gate opens (reused). */
  readonly #replay = new Int16Array(PIECE_SAMPLES);
  readonly #gate: EnergyGate | null;
  readonly #processors: readonly MicProcessor[];
  /** Look-back the gate replays, samples (a multiple of {@link GATE_ALIGN_SAMPLES}). */
  readonly #lookback = Math.ceil((GATE_LOOKBACK_MS * 16) / GATE_ALIGN_SAMPLES) * GATE_ALIGN_SAMPLES;
  readonly #controls: Control[] = [];
  /** Inputs decided within the current piece, sorted before they are applied (reused). */
  readonly #pending: ListenerInput[] = [];
  readonly #waiters: (() => void)[] = [];
  #state: ListenerState = INITIAL_STATE;
  #deadline = Number.POSITIVE_INFINITY;
  #stream: SpeechStream = INITIAL_SPEECH_STREAM;
  /** Where a tick next hands out stream audio ({@link nextStreamDeadline}); never splits a piece. */
  #streamDeadline = Number.POSITIVE_INFINITY;
  /** End of the last piece in which the VAD heard speech (speech gate); −∞ before any. */
  #lastSpeech = Number.NEGATIVE_INFINITY;
  /** Whether hop scores are watched for barge-in (idle while speaking). */
  #bargeWatch = false;
  /** Stream position of everything fed (queued or processed). */
  #fed = 0;
  /** Stream position of everything processed. */
  #processed = 0;
  /** Stream position up to which the detectors have run (behind {@link Listener.position} while the gate is shut). */
  #covered = 0;
  /** Listener position of the detectors' position 0 (moves when they are reset after a failure). */
  #base = 0;
  #pumping = false;
  #closed = false;

  /**
   * @throws {LISTENER_ERR_OPTION} a setting is out of range.
   * @throws {MODEL_ERR_BUSY} a detector has a `process()` call pending (it must be idle to be reset).
   */
  constructor(options: ListenerOptions) {
    super();
    this.settings = resolveListenerSettings(options.settings);
    this.timing = listenerTiming(options.settings, options.vadSpeechPadMs ?? VAD_SPEECH_PAD_MS);
    this.#wake = options.wake;
    this.#vad = options.vad;
    this.#log = options.log ?? defaultLog;
    this.#processors = options.processors ?? [];
    this.wakeEngine = options.wakeEngine ?? { requested: 'openwakeword', engine: 'openwakeword', fallback: null };
    this.verifier = options.verifier ?? describeVerifier(undefined);
    const s = this.settings;
    // The oldest sample an utterance can need: its pre-roll (plus the onset guard) before the speech onset, or before
    // the wake word, which can precede the onset by the look-back window and the whole no-speech timeout.
    const wakeLookBackMs = s.includeWakeAudio ? Math.max(WAKE_ONSET_WINDOW_MS, WAKE_AUDIO_FALLBACK_MS) + s.noSpeechTimeoutMs : 0;
    const lookBackMs = Math.max(s.preRollMs + VAD_ONSET_GUARD_MS + wakeLookBackMs + s.maxUtteranceMs, GATE_LOOKBACK_MS);
    this.#history = PcmRingBuffer.forDuration((lookBackMs + HISTORY_MARGIN_MS) / 1000, SAMPLE_RATE_HZ);
    this.#gate = this.timing.energyGate === null ? null : new EnergyGate(this.timing.energyGate);
    this.#wake.reset();
    this.#vad.reset();
    const threshold = this.timing.bargeInThreshold;
    this.onWakeScore = (keyword, score, end) => {
      if (this.#bargeWatch && score >= threshold) this.#pending.push({ type: 'wake', keyword, score, sample: end + this.#base });
    };
  }

  /** The current state. */
  get state(): ListenerState {
    return this.#state;
  }

  /** Whether the satellite is speaking, as far as the processed audio goes. */
  get speaking(): boolean {
    return this.#state.kind === 'idle' && this.#state.speaking;
  }

  /** Samples processed so far: the listener's clock (16 kHz). */
  get position(): number {
    return this.#processed;
  }

  /**
   * Listener position of the detectors' position 0, samples: add it to a position a detector reports (a score
   * listener's `endSample`) to place it in the listener's stream. It moves when the energy gate skips audio and when
   * the detectors are reset after a failure.
   */
  get detectorOffset(): number {
    return this.#base;
  }

  /** What the energy gate let through so far, samples; null when the gate is off. */
  get gateStats(): GateStats | null {
    return this.#gate?.stats() ?? null;
  }

  /** Samples fed so far (processed or queued). */
  get fedSamples(): number {
    return this.#fed;
  }

  /**
   * Feed 16 kHz mono audio, any number of samples. The chunk is copied at once (the caller may reuse it); it is
   * processed in order after everything fed before. Never blocks; await {@link Listener.drained} for backpressure.
   *
   * If the detectors have fallen more than ≈ 4 minutes behind, the chunk is dropped and `error`
   * (LISTENER_ERR_OVERRUN) is emitted.
   *
   * @throws {LISTENER_ERR_CLOSED} after {@link Listener.close}.
   */
  feed(chunk: Int16Array): void {
    if (this.#closed) throw new ListenerError('LISTENER_ERR_CLOSED', 'feed() called after close()');
    if (chunk.length === 0) return;
    if (!this.#queue.push(chunk)) {
      this.emit(
        'error',
        new ListenerError('LISTENER_ERR_OVERRUN', `backlog full: expected at most ${MAX_BACKLOG_SAMPLES} samples waiting, got ${this.#queue.length + chunk.length}; chunk dropped`),
      );
      return;
    }
    this.#fed += chunk.length;
    this.#kick();
  }

  /**
   * Open a capture without a wake word (follow-up question, `expect_response`): from the audio fed so far, wait up to
   * the no-speech timeout for speech and record it as after a wake word. Ends speaking mode. Ignored while a
   * capture is already open.
   *
   * @throws {LISTENER_ERR_CLOSED} after {@link Listener.close}.
   */
  listenWithoutWake(): void {
    this.#control({ type: 'listen', at: this.#fed });
  }

  /**
   * Tell the listener whether the satellite itself is speaking (TTS or a sound is playing), from the audio fed so far.
   * While speaking the VAD is ignored and only a wake word scoring at least `bargeInThreshold` is accepted (a
   * barge-in: `barge_in`, then `wake`). Starting to speak abandons an open capture (`cancelled`).
   *
   * @throws {LISTENER_ERR_CLOSED} after {@link Listener.close}.
   */
  setSpeaking(speaking: boolean): void {
    this.#control({ type: 'speaking', speaking, at: this.#fed });
  }

  /**
   * Abandon the open capture, if any (`cancelled` with reason `cancel`), from the audio fed so far; nothing else
   * changes (the speaking flag, the VAD's view of speech in progress). Used when the microphone is muted or a turn
   * is stopped, so speech that began before is not sent after.
   *
   * @throws {LISTENER_ERR_CLOSED} after {@link Listener.close}.
   */
  cancel(): void {
    this.#control({ type: 'cancel', at: this.#fed });
  }

  /**
   * The input ended (end of a file): process everything fed, then close an open capture — an utterance if the
   * speech was long enough, else `no_speech`. Resolves when done. More audio may be fed afterwards; positions go on.
   *
   * @throws {LISTENER_ERR_CLOSED} after {@link Listener.close}.
   */
  end(): Promise<void> {
    this.#control({ type: 'end', at: this.#fed });
    return this.drained();
  }

  /** The stream region's state (stream mode). */
  get stream(): SpeechStream {
    return this.#stream;
  }

  /**
   * Stream mode: from now on each speech start opens a stream of the audio (`stream_start`, then `stream_chunk`s from
   * `preRollMs` before the onset to `tailMs` after the decided end, longer while the hub records, at most
   * `maxStreamMs`; `stream_end`), or no more (`null`: a stream under way runs to its end). The chunks are read from
   * the listener's own history, the audio its utterances come from.
   *
   * This and {@link Listener.cutStream} and {@link Listener.hubRecording} follow the hub link, not the audio: they
   * apply at once, at the audio processed so far, so the stream and its owner's view of the link change together.
   *
   * After {@link Listener.close} these three do nothing (the link they follow may outlive the listener).
   *
   * @throws {LISTENER_ERR_OPTION} a setting out of range (speech-stream.ts, {@link speechStreamTiming}).
   */
  streamSpeech(settings: SpeechStreamSettings | null): void {
    this.#now({ type: 'stream_arm', timing: settings === null ? null : speechStreamTiming(settings), at: this.#processed });
  }

  /** Cut the stream under way, if any (the link failed, a chunk could not be sent): no more chunks, `stream_end`. */
  cutStream(reason: SpeechStreamCut): void {
    this.#now({ type: 'stream_cut', reason, at: this.#processed });
  }

  /** The hub's listener records (`record_begin`, true) or stopped (`record_end`): the stream goes on while it records. */
  hubRecording(recording: boolean): void {
    this.#now({ type: 'hub_recording', recording, at: this.#processed });
  }

  /** Resolves once everything fed (and every control call) has been processed. */
  drained(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Process what was fed, then release the detectors. Further calls fail with LISTENER_ERR_CLOSED. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.drained();
    for (const p of this.#processors) p.close();
    await Promise.all([this.#wake.close(), this.#vad.close()]);
  }

  #control(input: ListenerInput & { readonly at: number }): void {
    if (this.#closed) throw new ListenerError('LISTENER_ERR_CLOSED', `${input.type} called after close()`);
    this.#controls.push({ at: input.at, input });
    this.#kick();
  }

  /** Apply an input now, at the processed position (the stream's inputs, which follow the link: it may outlive us). */
  #now(input: ListenerInput): void {
    if (!this.#closed) this.#apply(input);
  }

  #idle(): boolean {
    return !this.#pumping && this.#queue.length === 0 && this.#controls.length === 0;
  }

  #kick(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    // A rejection here is an exception thrown by an event handler: let it surface, never swallow it.
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        this.#applyControls();
        const waiting = this.#queue.length;
        if (waiting === 0) break;
        let n = waiting < PIECE_SAMPLES ? waiting : PIECE_SAMPLES;
        const control = this.#controls[0];
        if (control !== undefined && control.at - this.#processed < n) n = control.at - this.#processed;
        // End the piece at a pending deadline, so that an endpoint or timeout is reported at its exact position and
        // not up to a piece later (what is queued beyond it waits one more turn).
        const untilDeadline = this.#deadline - this.#processed;
        if (untilDeadline > 0 && untilDeadline < n) n = untilDeadline;
        const piece = n === PIECE_SAMPLES ? this.#work : this.#work.subarray(0, n);
        this.#queue.shiftInto(piece);
        for (const p of this.#processors) p.process(piece);
        this.#history.write(piece);
        await this.#step(piece);
      }
    } finally {
      this.#pumping = false;
      if (this.#idle()) for (const resolve of this.#waiters.splice(0)) resolve();
    }
  }

  #applyControls(): void {
    const controls = this.#controls;
    while (controls.length > 0 && (controls[0] as Control).at <= this.#processed) {
      const { at, input } = controls.shift() as Control;
      this.#tickTo(at);
      this.#apply(input);
    }
  }

  /**
   * One piece through the energy gate: shut (idle, the VAD outside speech, the piece near the noise floor) → the
   * detectors skip it and only the clock moves; open → the detectors first catch up on the look-back, then run on it.
   * A capture always runs them: endpointing needs every VAD window.
   */
  async #step(piece: Int16Array): Promise<void> {
    const start = this.#processed;
    const end = start + piece.length;
    const gate = this.#gate;
    if (gate !== null) {
      const loud = gate.update(piece, end);
      if (!loud && this.#state.kind === 'idle' && !this.#vad.speaking) {
        this.#processed = end;
        this.#tickTo(end);
        return;
      }
      if (this.#covered < start) await this.#catchUp(gate, start);
      gate.detectedSamples += piece.length;
    }
    await this.#detect(piece, end);
  }

  /**
   * The gate opened at `start`: run the detectors over the audio they skipped, at most the look-back, from the
   * history. What is dropped before it is a multiple of {@link GATE_ALIGN_SAMPLES}, so the detectors' framing stays
   * where it would have been; their positions are mapped through {@link Listener.#base}.
   */
  async #catchUp(gate: EnergyGate, start: number): Promise<void> {
    gate.openings++;
    const oldest = Math.max(start - this.#lookback, this.#history.oldestPosition);
    const behind = oldest - this.#covered;
    if (behind > 0) {
      const skip = Math.ceil(behind / GATE_ALIGN_SAMPLES) * GATE_ALIGN_SAMPLES;
      const skipped = Math.min(skip, start - this.#covered);
      this.#base += skipped;
      this.#covered += skipped;
      gate.skippedSamples += skipped;
    }
    const buffer = this.#replay;
    while (this.#covered < start) {
      const n = Math.min(buffer.length, start - this.#covered);
      const chunk = n === buffer.length ? buffer : buffer.subarray(0, n);
      this.#history.readRange(this.#covered, chunk, this.#covered + n);
      gate.replayedSamples += n;
      await this.#detect(chunk, this.#covered + n);
    }
  }

  /** The detectors over `piece`, which ends at listener position `end`; their findings go through the machine. */
  async #detect(piece: Int16Array, end: number): Promise<void> {
    let detections: readonly WakeDetection[];
    let edges: readonly VadEvent[];
    try {
      detections = await this.#wake.process(piece);
      edges = await this.#vad.process(piece);
    } catch (error) {
      this.#covered = end;
      if (end > this.#processed) this.#processed = end;
      this.#recover(error, end);
      return;
    }
    this.#covered = end;
    if (end > this.#processed) this.#processed = end;
    // The piece's last window or the VAD's speech state: a piece holds 2.5 windows, and the state covers the others.
    if (this.#vad.speaking || this.#vad.probability >= SPEECH_GATE_PROBABILITY) this.#lastSpeech = end;
    const pending = this.#pending;
    if (detections.length > 0 || edges.length > 0 || pending.length > 0) {
      const base = this.#base;
      for (const d of detections) pending.push({ type: 'wake', keyword: d.keyword, score: d.score, sample: d.sample + base });
      if (this.timing.speechGateSamples > 0) this.#speechGate(pending);
      for (const e of edges) pending.push({ type: e.type === 'speech-start' ? 'voice_start' : 'voice_end', sample: e.sample + base, at: e.decidedAt + base });
      pending.sort(byPosition);
      for (let i = 0; i < pending.length; i++) {
        const input = pending[i] as ListenerInput;
        this.#tickTo(positionOf(input));
        this.#apply(input);
      }
      pending.length = 0;
    }
    this.#tickTo(end);
  }

  /** Drop (and report) the wake inputs the VAD heard no speech before, in place. */
  #speechGate(pending: ListenerInput[]): void {
    const window = this.timing.speechGateSamples;
    let kept = 0;
    for (const input of pending) {
      if (input.type === 'wake' && this.#lastSpeech < input.sample - window) {
        this.#log(`wake word ${input.keyword} (score ${input.score.toFixed(2)}) at ${stamp(input.sample).seconds.toFixed(3)} s refused: no speech in the last ${this.settings.wakeSpeechGateMs} ms`);
        this.emit('wake_rejected', { keyword: input.keyword, score: input.score, at: stamp(input.sample), reason: 'no_speech' });
        continue;
      }
      pending[kept++] = input;
    }
    pending.length = kept;
  }

  /** A detector failed: report it, reset both detectors (they may hold half a piece) and abandon any capture. */
  #recover(error: unknown, at: number): void {
    this.#pending.length = 0;
    this.#base = at;
    this.#lastSpeech = Number.NEGATIVE_INFINITY;
    let resetError: unknown;
    try {
      this.#wake.reset();
      this.#vad.reset();
    } catch (e) {
      resetError = e;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.emit('error', new ListenerError('LISTENER_ERR_DETECTOR', `a detector failed; both were reset: ${message}`, { cause: resetError ?? error }));
    this.#apply({ type: 'reset', at });
  }

  #tickTo(at: number): void {
    // Each tick moves the state on (awake → recording → …), so a few rounds always suffice; the bound is a guard.
    for (let round = 0; round < 4 && at >= this.#deadline; round++) this.#apply({ type: 'tick', at });
    // One tick hands out every stream chunk up to `at`.
    if (at >= this.#streamDeadline) this.#apply({ type: 'tick', at });
  }

  #apply(input: ListenerInput): void {
    const prev = this.#state;
    const [next, effects] = transition(prev, input, this.timing);
    if (next !== prev) {
      this.#state = next;
      this.#deadline = nextDeadline(next, this.timing);
      this.#bargeWatch = next.kind === 'idle' && next.speaking;
    }
    const [stream, streamEffects] = stepSpeechStream(this.#stream, input, effects);
    if (stream !== this.#stream) {
      this.#stream = stream;
      this.#streamDeadline = nextStreamDeadline(stream);
    }
    for (const effect of effects) this.#effect(effect);
    for (const effect of streamEffects) this.#streamEffect(effect);
    const wasSpeaking = prev.kind === 'idle' && prev.speaking;
    if (next.kind !== prev.kind || this.#bargeWatch !== wasSpeaking) {
      const at = stamp(positionOf(input));
      this.#log(`${prev.kind}${wasSpeaking ? ' (speaking)' : ''} → ${next.kind}${this.#bargeWatch ? ' (speaking)' : ''} on ${input.type} at ${at.seconds.toFixed(3)} s`);
      this.emit('state', { from: prev.kind, to: next.kind, speaking: this.#bargeWatch, cause: input.type, at });
    }
  }

  #effect(effect: Effect): void {
    switch (effect.type) {
      case 'wake':
        this.emit('wake', wakeEvent(effect.wake));
        return;
      case 'barge_in':
        this.emit('barge_in', wakeEvent(effect.wake));
        return;
      case 'speech_start':
        this.emit('speech_start', { at: stamp(effect.sample) });
        return;
      case 'speech_end':
        this.emit('speech_end', { at: stamp(effect.sample), decided: stamp(effect.decided), truncated: effect.truncated });
        return;
      case 'utterance':
        this.emit('utterance', this.#utterance(effect.span));
        return;
      case 'no_speech':
        this.emit('no_speech', { at: stamp(effect.sample), wake: effect.wake === null ? null : wakeEvent(effect.wake) });
        return;
      case 'cancelled':
        this.emit('cancelled', { at: stamp(effect.sample), reason: effect.reason });
        return;
      default:
        assertNever(effect, 'listener effect');
    }
  }

  #streamEffect(effect: SpeechStreamEffect): void {
    switch (effect.type) {
      case 'stream_start':
        this.#log(`stream ${effect.stream} from ${stamp(effect.from).seconds.toFixed(3)} s`);
        this.emit('stream_start', { stream: effect.stream, from: stamp(effect.from) });
        return;
      case 'stream_chunk': {
        // One array per chunk: it becomes one network message. The history holds every chunk with the settings'
        // ranges; the clamp only keeps extreme ones (a 1 s history, a 2 s pre-roll, a replayed look-back) from failing.
        const from = Math.max(effect.from, this.#history.oldestPosition);
        const pcm = new Int16Array(Math.max(0, effect.to - from));
        this.#history.readRange(from, pcm, from + pcm.length);
        this.emit('stream_chunk', { stream: effect.stream, from: stamp(from), pcm });
        return;
      }
      case 'stream_end':
        this.#log(`stream ${effect.stream} ended (${effect.reason}) at ${stamp(effect.at).seconds.toFixed(3)} s`);
        this.emit('stream_end', { stream: effect.stream, at: stamp(effect.at), reason: effect.reason });
        return;
      default:
        assertNever(effect, 'stream effect');
    }
  }

  #utterance(span: UtteranceSpan): Utterance {
    const history = this.#history;
    const from = Math.max(span.start, history.oldestPosition);
    const to = Math.min(span.end, history.writtenSamples);
    const pcm = new Int16Array(Math.max(0, to - from));
    history.readRange(from, pcm, from + pcm.length);
    const speechFrom = clamp(span.speechStart - from, 0, pcm.length);
    const speechTo = clamp(span.speechEnd - from, speechFrom, pcm.length);
    return {
      pcm,
      sampleRateHz: SAMPLE_RATE_HZ,
      wake: span.wake === null ? null : wakeEvent(span.wake),
      times: {
        wake: span.wake === null ? null : stamp(span.wake.sample),
        speechStart: stamp(span.speechStart),
        speechEnd: stamp(span.speechEnd),
        start: stamp(from),
        end: stamp(from + pcm.length),
        decided: stamp(span.decided),
      },
      durationSeconds: pcm.length / SAMPLE_RATE_HZ,
      truncated: span.truncated,
      loudness: loudness(pcm.subarray(speechFrom, speechTo)),
    };
  }
}

function wakeEvent(w: WakeInfo): WakeEvent {
  return { keyword: w.keyword, score: w.score, at: stamp(w.sample), start: stamp(w.startSample), bargeIn: w.bargeIn };
}

/** Stream position at which an input was decided. */
function positionOf(input: ListenerInput): number {
  return input.type === 'wake' ? input.sample : input.at;
}

/** Order of inputs decided within one piece: by position; at equal positions VAD edges before wake words. */
function byPosition(a: ListenerInput, b: ListenerInput): number {
  const d = positionOf(a) - positionOf(b);
  if (d !== 0) return d;
  return (a.type === 'wake' ? 1 : 0) - (b.type === 'wake' ? 1 : 0);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
