/**
 * `hivesat demo`: the satellite's main job on its embedded default — no hub, no microphone.
 *
 * Speaks "hey jarvis … what time is it" with espeak-ng (or reads `--input`), runs the real front end on it (wake
 * word + VAD + endpointing), transcribes the question locally (pocketsphinx biased with the built-in phrases),
 * answers from the offline persona, speaks the answer into a WAV file and prints the transcript, the answer and
 * per-stage timings.
 *
 * @module
 */
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { CHUNK_SAMPLES, SAMPLE_RATE_HZ, WavFileSink, openAudioInput, writeWavFile } from '../../audio/index.js';
import { defaultSatelliteConfig } from '../../config/index.js';
import { type Utterance, createListener } from '../../listener/index.js';
import { builtinPhrases, createDefaultPersona } from '../../persona/index.js';
import { EspeakNgTts, PocketsphinxStt } from '../../speech/index.js';
import { answerLocally } from '../../satellite/index.js';
import { type CliIo, type Command, EXIT } from '../cli-io.js';
import { HivesatError } from '../../errors.js';
import { asUsageError, describeError } from '../errors.js';
import { listenerOptionsFromConfig } from '../../config/index.js';
import { checkOutputPath } from '../output-path.js';

const DEFAULT_OUTPUT = 'demo-answer.wav';
const DEFAULT_QUESTION_FILE = 'demo-question.wav';
/** The question the demo asks when no `--input` is given. */
const DEMO_QUESTION = 'what time is it';

const HELP = `Usage: hivesat demo [options]

Run the satellite end to end with no hub and no microphone: wake word, voice activity, local speech
recognition, the offline persona and local speech synthesis.

Options:
  --input FILE.wav|-  the spoken turn to answer (any 8-48 kHz WAV; "-" reads stdin: a WAV, or raw 16 kHz mono
                      s16le); default: "hey jarvis … ${DEMO_QUESTION}" spoken by espeak-ng and saved as
                      ${DEFAULT_QUESTION_FILE} beside the output
  --output FILE.wav   where the spoken answer goes (default ${DEFAULT_OUTPUT})
  --lang LANG         language of the turn (default en-us)
  --json              print one JSON object instead of text
  -h, --help          show this help`;

/** Silence of `ms` milliseconds at 16 kHz. */
function silence(ms: number): Int16Array {
  return new Int16Array(Math.round((SAMPLE_RATE_HZ * ms) / 1000));
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** "hey jarvis", a pause, the question, then enough silence for the end of speech to be heard. */
async function speakDemoTurn(lang: string): Promise<Int16Array> {
  // The wake word in espeak-ng's plain voice (what the hey_jarvis model scores highest), the question slower and
  // in a voice pocketsphinx transcribes well.
  const wake = await new EspeakNgTts({ voice: 'en-us', speedWpm: 150 }).synthesize('hey jarvis', { lang });
  const question = await new EspeakNgTts({ voice: 'en-us+f3', speedWpm: 140 }).synthesize(DEMO_QUESTION, { lang });
  return concat([silence(300), wake.pcm, silence(600), question.pcm, silence(1500)]);
}

/** A whole turn in 80 ms pieces, as the microphone would deliver it (the shape of an opened `--input`). */
async function* inPieces(pcm: Int16Array): AsyncGenerator<Int16Array> {
  for (let at = 0; at < pcm.length; at += CHUNK_SAMPLES) yield pcm.subarray(at, at + CHUNK_SAMPLES);
}

/** Milliseconds, rounded for display. */
const ms = (value: number): number => Math.round(value);

async function run(args: readonly string[], io: CliIo): Promise<number> {
  let values: { input?: string | undefined; output?: string | undefined; lang?: string | undefined; json?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      options: { input: { type: 'string' }, output: { type: 'string' }, lang: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    io.stderr.write(`hivesat demo: ${(asUsageError(error, 'demo') as Error).message}\n`);
    return EXIT.FAILURE;
  }
  if (values.help === true) {
    io.stdout.write(`${HELP}\n`);
    return EXIT.OK;
  }
  const lang = values.lang ?? 'en-us';
  const output = values.output ?? DEFAULT_OUTPUT;
  const say = (line: string): void => {
    if (values.json !== true) io.stdout.write(`${line}\n`);
  };

  const stt = new PocketsphinxStt({ grammar: builtinPhrases(lang.split('-')[0] ?? 'en') });
  const sink = new WavFileSink({ path: output });
  try {
    const started = performance.now();
    await checkOutputPath('--output', output);
    let turn: AsyncIterable<Int16Array>;
    let question: string;
    if (values.input === undefined) {
      const spoken = await speakDemoTurn(lang);
      const questionFile = join(dirname(output), DEFAULT_QUESTION_FILE);
      await writeWavFile(questionFile, spoken);
      turn = inPieces(spoken);
      question = `"hey jarvis … ${DEMO_QUESTION}" spoken by espeak-ng into ${questionFile}`;
    } else {
      turn = await openAudioInput(values.input); // streamed: any length, bounded memory
      question = values.input === '-' ? 'stdin' : values.input;
    }

    const loadStart = performance.now();
    // The service's listener on an empty config: the demo hears as `hivesat run` does.
    const listener = await createListener(listenerOptionsFromConfig(defaultSatelliteConfig()));
    await stt.prepare();
    const loadMs = performance.now() - loadStart;

    const utterances: Utterance[] = [];
    let wakeAt: { keyword: string; score: number; seconds: number } | undefined;
    listener.on('wake', (event) => {
      wakeAt ??= { keyword: event.keyword, score: event.score, seconds: event.at.seconds };
    });
    listener.on('utterance', (utterance) => utterances.push(utterance));
    const listenStart = performance.now();
    // The real front end, fed as a microphone would feed it (80 ms chunks), as fast as it can go.
    let fed = 0;
    try {
      for await (const piece of turn) {
        listener.feed(piece);
        fed += piece.length;
        await listener.drained();
      }
      await listener.end();
    } finally {
      await listener.close();
    }
    const listenMs = performance.now() - listenStart;
    const seconds = fed / SAMPLE_RATE_HZ;
    say(`question: ${question} (${seconds.toFixed(2)} s)`);

    const utterance = utterances[0];
    if (wakeAt === undefined || utterance === undefined) {
      const why = wakeAt === undefined ? 'the wake word "hey jarvis" was not heard' : 'no speech followed the wake word';
      io.stderr.write(`hivesat demo: ${why} in the input; nothing to answer\n`);
      return EXIT.FAILURE;
    }
    say(`wake word: ${wakeAt.keyword} (score ${wakeAt.score.toFixed(2)}) at ${wakeAt.seconds.toFixed(2)} s`);
    say(`utterance: ${utterance.times.start.seconds.toFixed(2)}–${utterance.times.end.seconds.toFixed(2)} s (${utterance.durationSeconds.toFixed(2)} s, pre-roll included)`);

    const persona = createDefaultPersona({ connectivity: () => ({ hub: false }) });
    const result = await answerLocally(utterance.pcm, { stt, persona, tts: new EspeakNgTts() }, { lang, play: (pcm) => sink.play(pcm) });
    await sink.close();

    const timings = {
      modelsLoadMs: ms(loadMs),
      frontEndMs: ms(listenMs),
      sttMs: ms(result.timings.sttMs),
      firstAnswerSentenceMs: ms(result.timings.firstSentenceMs),
      firstAnswerAudioMs: ms(result.timings.firstAudioMs),
      answerTotalMs: ms(result.timings.totalMs),
      totalMs: ms(performance.now() - started),
    };
    if (values.json === true) {
      io.stdout.write(
        `${JSON.stringify({ transcript: result.transcript, answer: result.answer, outcome: result.outcome, wake: wakeAt, utterance: utterance.times, output, timings })}\n`,
      );
    } else {
      say(`transcript: "${result.transcript}"`);
      say(`answer: "${result.answer}"`);
      say(`spoken answer written to ${output}`);
      say(
        `timings: models ${timings.modelsLoadMs} ms, front end ${timings.frontEndMs} ms for ${seconds.toFixed(1)} s of audio, ` +
          `speech-to-text ${timings.sttMs} ms, first answer audio ${timings.firstAnswerAudioMs} ms after end of speech, total ${timings.totalMs} ms`,
      );
    }
    return result.outcome === 'answered' ? EXIT.OK : EXIT.FAILURE;
  } catch (error) {
    // Coded errors of the audio, model and speech layers carry an actionable message (what is missing, what to run).
    const message = error instanceof HivesatError ? `${error.message} (${error.code})` : describeError(error).message;
    io.stderr.write(`hivesat demo: ${message}\n`);
    return EXIT.FAILURE;
  } finally {
    await stt.close();
    await sink.close().catch(() => undefined); // best-effort: already closed on success
  }
}

/** `hivesat demo`. */
export const demoCommand: Command = { name: 'demo', summary: 'answer a spoken question end to end with no hub and no microphone', help: HELP, run };
