import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineWarnings, OPEN_VOCABULARY_FIX } from '../../src/persona/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hivesat-persona-warn-'));
  await writeFile(join(dir, 'llm.json'), JSON.stringify({ name: 'Llama', handlers: ['ovos-solver-openai-plugin', 'ovos-solver-failure-plugin'], 'ovos-solver-openai-plugin': { api_url: 'http://192.168.1.10:8080/v1' } }));
  await writeFile(join(dir, 'hub.json'), JSON.stringify({ name: 'Other hub', handlers: ['ovos-solver-hivemind-plugin'], 'ovos-solver-hivemind-plugin': { autoconnect: true } }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('offlineWarnings (config check and doctor)', () => {
  it('warns when a persona can answer anything but only the grammar recognizer listens, and says how to fix it', async () => {
    const warnings = await offlineWarnings({ persona: { name: 'Llama', dir }, speech: { stt_url: null } });
    expect(warnings).toEqual([`persona "Llama" can answer anything (ovos-solver-openai-plugin), but the local speech-to-text only understands the built-in phrases (time, date, sums), so offline it never hears other questions; ${OPEN_VOCABULARY_FIX}`]);
    expect(await offlineWarnings({ persona: { name: 'Other hub', dir }, speech: { stt_url: null } })).toHaveLength(1);
  });

  it('is quiet with a transcription endpoint, and for a persona of local solvers only', async () => {
    expect(await offlineWarnings({ persona: { name: 'Llama', dir }, speech: { stt_url: 'http://192.168.1.10:8000/v1' } })).toEqual([]);
    const empty = await mkdtemp(join(tmpdir(), 'hivesat-persona-none-'));
    expect(await offlineWarnings({ persona: { name: null, dir: empty }, speech: { stt_url: null } })).toEqual([]); // the default persona
    await rm(empty, { recursive: true, force: true });
  });

  it('refuses a persona run would refuse', async () => {
    await expect(offlineWarnings({ persona: { name: 'nope', dir }, speech: { stt_url: null } })).rejects.toMatchObject({ code: 'PERSONA_ERR_NOT_FOUND' });
  });
});
