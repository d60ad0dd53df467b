import { describe, expect, it } from 'vitest';
import { HIVEMIND_SOLVER_ID, type HiveMindAskOptions, type HiveMindAsker, type HiveMindTarget, personaFromJson } from '../../src/persona/index.js';
import { deferred, ManualTimers } from './helpers.js';

/** A fake HiveMind client that records what it was asked. */
class FakeHive implements HiveMindAsker {
  readonly asked: { text: string; options: HiveMindAskOptions }[] = [];
  constructor(private readonly reply: (text: string) => Promise<string[]>) {}
  ask(text: string, options: HiveMindAskOptions): Promise<string[]> {
    this.asked.push({ text, options });
    return this.reply(text);
  }
}

function persona(config: Record<string, unknown>, client: HiveMindAsker, targets: HiveMindTarget[] = [], timers?: ManualTimers) {
  return personaFromJson({ builtin: false, handlers: [HIVEMIND_SOLVER_ID, 'ovos-solver-failure-plugin'], [HIVEMIND_SOLVER_ID]: config }, 'hive.json', {
    hivemind: (target) => {
      targets.push(target);
      return client;
    },
    ...(timers !== undefined ? { timers } : {}),
  });
}

describe('HiveMind solver', () => {
  it('asks the hub through the injected client and speaks each utterance, sentence by sentence', async () => {
    const hive = new FakeHive(async () => ['The speed of light is 299,792 km per second. That is fast.', 'Anything else?']);
    const targets: HiveMindTarget[] = [];
    const p = persona({ autoconnect: true, timeout: 7 }, hive, targets);
    const answer = await p.ask('what is the speed of light', { lang: 'en-us' });
    expect(answer.sentences).toEqual(['The speed of light is 299,792 km per second.', 'That is fast.', 'Anything else?']);
    expect(answer.solverId).toBe(HIVEMIND_SOLVER_ID);
    expect(hive.asked[0]).toMatchObject({ text: 'what is the speed of light', options: { lang: 'en-us', timeout: 7000 } });
    expect(targets).toEqual([{ kind: 'identity', siteId: undefined }]);
  });

  it('connects once, on the first question', async () => {
    const hive = new FakeHive(async () => ['Yes.']);
    const targets: HiveMindTarget[] = [];
    const p = persona({}, hive, targets);
    expect(targets).toHaveLength(0);
    await p.ask('a', { lang: 'en' });
    await p.ask('b', { lang: 'en' });
    expect(targets).toHaveLength(1);
  });

  it('accepts explicit credentials (host, port, access_key, password, site_id)', async () => {
    const targets: HiveMindTarget[] = [];
    const p = persona({ host: 'ws://192.168.1.20', port: 5679, access_key: 'ak', password: 'pw', site_id: 'kitchen', useragent: 'hivesat' }, new FakeHive(async () => ['Ok.']), targets);
    await p.ask('q', { lang: 'en' });
    expect(targets).toEqual([{ kind: 'explicit', host: 'ws://192.168.1.20', port: 5679, accessKey: 'ak', password: 'pw', siteId: 'kitchen' }]);
    expect(p.warnings).toEqual([]);
  });

  it('an empty answer passes to the next solver', async () => {
    const answer = await persona({}, new FakeHive(async () => [])).ask('q', { lang: 'en' });
    expect(answer.solverId).toBe('ovos-solver-failure-plugin');
    expect(answer.attempts.map((a) => a.outcome)).toEqual(['empty', 'answered']);
  });

  it('a client error is logged as a value and falls through', async () => {
    const answer = await persona({}, new FakeHive(async () => Promise.reject(new Error('HM_ERR_WRONG_PASSWORD')))).ask('q', { lang: 'en' });
    expect(answer.attempts[0]).toMatchObject({ outcome: 'error', error: expect.objectContaining({ message: 'HM_ERR_WRONG_PASSWORD' }) });
    expect(answer.solverId).toBe('ovos-solver-failure-plugin');
  });

  it('a hub that never answers times out, and the client sees the abort', async () => {
    const never = deferred<string[]>();
    const hive = new FakeHive(() => never.promise);
    const timers = new ManualTimers();
    const pending = persona({ timeout: 3 }, hive, [], timers).ask('q', { lang: 'en' });
    await Promise.resolve();
    expect(timers.armed).toEqual([3000]);
    timers.fireAll();
    const answer = await pending;
    expect(answer.attempts[0]).toMatchObject({ outcome: 'timeout' });
    expect(hive.asked[0]?.options.signal?.aborted).toBe(true);
  });
});
