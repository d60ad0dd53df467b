/**
 * `run --once`'s line for a turn that was not answered names the real cause: the output or playback device that
 * failed, or what the link knows about the hub (not configured, refused, unreachable) — never a bare "hub not ready".
 */
import { describe, expect, it } from 'vitest';
import { whyNotAnswered } from '../../src/cli/commands/run.js';
import { HiveConnectionError } from '../../src/hivemind/connection-errors.js';
import { HiveAuthError } from '../../src/hivemind/errors.js';
import { noiseRejectedError } from '../../src/hivemind/failure-policy.js';
import type { TurnReport } from '../../src/satellite/index.js';

const report = (extra: Partial<TurnReport>): TurnReport => ({ id: 1, mode: 'audio', route: 'local', outcome: 'failed', answers: [], marks: {}, figures: {}, ...extra }) as TurnReport;

describe('whyNotAnswered', () => {
  it('the playback failure comes first: nothing could be heard, whatever the route', () => {
    const r = report({ failover: 'hub not ready', playbackError: 'AUDIO_ERR_DEVICE_IO: cannot create /x/o.wav: ENOENT' });
    expect(whyNotAnswered(r, undefined)).toBe('the answer could not be played (AUDIO_ERR_DEVICE_IO: cannot create /x/o.wav: ENOENT); the turn had gone local: no hub configured');
  });

  it('"hub not ready" becomes what the link knows', () => {
    const r = report({ failover: 'hub not ready' });
    expect(whyNotAnswered(r, undefined)).toBe('no hub configured');
    expect(whyNotAnswered(r, { state: 'closed', closeError: new HiveAuthError('HM_ERR_WRONG_PASSWORD', 'wrong password') })).toBe('the hub refused us: wrong password');
    expect(whyNotAnswered(r, { state: 'closed', closeError: noiseRejectedError('XXpsk2') })).toMatch(/^the hub refused us: .*reset-noise-pin/);
    expect(whyNotAnswered(r, { state: 'closed', closeError: new HiveConnectionError('HM_ERR_UNREACHABLE', 'connection refused') })).toBe('the hub is unreachable: connection refused');
    expect(whyNotAnswered(r, { state: 'backing-off', closeError: undefined })).toBe('the hub is unreachable (link backing-off)');
  });

  it('other failover reasons are kept as they are', () => {
    expect(whyNotAnswered(report({ failover: 'no answer in 15000 ms' }), { state: 'ready', closeError: undefined })).toBe('no answer in 15000 ms');
  });
});
