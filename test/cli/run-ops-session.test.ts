/**
 * `run`'s operations layer follows the satellite's session, in process: a real Satellite on the real listener with
 * no hub (every turn is local), the spoken turn fixture, run-ops attached as `hivesat run` attaches it. What reaches
 * the event stream (what the hooks and `GET /v1/events` get) and the health state come from the session's
 * transitions — nothing is rebuilt from listener events or counted around the sink.
 */
import { describe, expect, it } from 'vitest';
import { parseSatelliteConfig } from '../../src/config/index.js';
import { setMuted } from '../../src/cli/run-control.js';
import { startRunOps } from '../../src/cli/run-ops.js';
import { MuteSwitch } from '../../src/ops/index.js';
import { type AnswerLocally, Satellite, type TurnReport } from '../../src/satellite/index.js';
import { RecordingSink, feedAll, realListener, turnAudio } from '../satellite/helpers.js';
import { ensureModels, speak } from '../vad/fixtures.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);

describe.skipIf(!models.ok)('run-ops follows the session', () => {
  it('a local turn, mute and push-to-talk reach the event stream and the health state as the session changes', async () => {
    const ops = await startRunOps({ config: parseSatelliteConfig('{}', 'test'), env: {}, stderr: { write: () => true }, mute: MuteSwitch.inMemory() });
    const seen: string[] = [];
    ops.stream.observe((event, data) => {
      if (event === 'state') seen.push(`state ${String(data['state'])}`);
      else if (event === 'fallback') seen.push(`fallback ${String(data['active'])} ${String(data['reason'])}`);
      else if (event === 'mute') seen.push(`mute ${String(data['muted'])} ${String(data['source'])}`);
      else seen.push(event);
    });
    const listener = await realListener();
    const local: AnswerLocally = async (_u, io) => {
      await io.play(speak('it is noon'));
      return { transcript: 'what time is it', answer: 'it is noon', outcome: 'answered' };
    };
    const satellite = new Satellite({ mode: 'audio', listener, link: undefined, sink: ops.wrapSink(new RecordingSink()), lang: 'en-US', siteId: 'kitchen', answerLocally: local });
    const mute = MuteSwitch.inMemory();
    try {
      ops.attach({ listener, satellite, link: undefined, hubUrl: 'none' });
      await ops.ready('local only (no hub configured)');
      const turn = new Promise<TurnReport>((resolve) => satellite.once('turn', resolve));
      await feedAll(satellite, listener, turnAudio().audio);
      expect(await turn).toMatchObject({ route: 'local', outcome: 'answered', failover: 'hub not ready' });
      expect(seen).toEqual([
        'state listening', 'wake', 'listening', // the session's capture, then the listener's event for the hooks
        'state thinking', // end of speech
        'fallback true hub not ready', 'utterance',
        'speaking_start', 'speaking_end', 'state thinking', // the local path is still running when its clip ended
        'state idle', 'answer',
      ]);
      expect(ops.health.snapshot()).toMatchObject({ state: 'idle', fallbackActive: true });

      seen.length = 0;
      await setMuted({ satellite, listener, mute }, true, 'button');
      await satellite.listen(); // muted: no capture
      expect([satellite.session.muted, mute.muted, ops.health.snapshot().muted]).toEqual([true, true, true]);
      await setMuted({ satellite, listener, mute }, false, 'api');
      await satellite.listen();
      expect(seen).toEqual(['mute true button', 'mute false api', 'state listening']);
      expect(ops.health.snapshot().state).toBe('listening');
    } finally {
      await satellite.close();
      await listener.close();
      await ops.close();
    }
  });
});
