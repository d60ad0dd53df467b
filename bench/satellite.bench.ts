/**
 * Satellite-side latency of a spoken turn on loopback (test hub, real listener on espeak-ng speech, WAV answers):
 * end of speech → utterance fully sent; TTS audio received → first sample at the sink; the satellite's total
 * overhead per turn (end of speech → first sample, minus the hub's own processing). Targets: ≤ 20 ms, ≤ 30 ms,
 * ≤ 100 ms. Each row is the median over the turns, from the satellite's `turn` events.
 */
import { BaseSink, type PlaybackSession } from '../src/audio/index.js';
import type { TurnReport } from '../src/satellite/index.js';
import { DEFAULT_ALLOWED_TYPES, startTestHub } from '../test/hub/index.js';
import { ACCESS_KEY, PASSWORD, answerWav, feedAll, hubLink, startSatellite, turnAudio } from '../test/satellite/helpers.js';
import { ensureModels } from '../test/vad/fixtures.js';
import type { BenchRow } from './harness.js';

const TURNS = 8;

class DiscardSink extends BaseSink {
  readonly name = 'discard';
  constructor() {
    super();
  }
  protected async openSession(): Promise<PlaybackSession> {
    return { write: async () => undefined, finish: async () => undefined, abort: async () => undefined };
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function row(name: string, ms: number): BenchRow {
  return { group: 'satellite', name, opsPerSec: 1000 / ms, msPerOp: ms, mibPerSec: undefined };
}

export async function run(): Promise<BenchRow[]> {
  if (!(await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5'])).ok) return [];
  const answer = answerWav('you said what time is it');
  const hub = await startTestHub({
    clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
    audio: { synth: () => answer, transcribe: () => 'what time is it' },
  });
  const link = hubLink(hub);
  await link.connect();
  const { satellite, listener } = await startSatellite({ mode: 'audio', link, sink: new DiscardSink(), lang: 'en-US', siteId: 'kitchen' });
  const { audio } = turnAudio();
  const reports: TurnReport[] = [];
  try {
    for (let i = 0; i < TURNS; i++) {
      const turn = new Promise<TurnReport>((resolve) => satellite.once('turn', resolve));
      await feedAll(satellite, listener, audio);
      reports.push(await turn);
    }
  } finally {
    await satellite.close();
    await listener.close();
    await link.close();
    await hub.stop();
  }
  const fig = (k: 'speechEndToSentMs' | 'ttsToFirstSampleMs' | 'overheadMs' | 'hubMs') => median(reports.map((r) => r.figures[k] ?? Number.NaN));
  return [
    row('end of speech → utterance sent (median ms; target ≤ 20)', fig('speechEndToSentMs')),
    row('TTS received → first sample at sink (median ms; target ≤ 30)', fig('ttsToFirstSampleMs')),
    row('satellite overhead per turn (median ms; target ≤ 100)', fig('overheadMs')),
    row('hub processing on loopback (median ms; not ours)', fig('hubMs')),
  ];
}
