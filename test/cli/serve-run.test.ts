/**
 * `serve.enabled` in `hivesat run`, spawned for real (`hivesat run --input FILE --output OUT.wav --control …`) with
 * the real models, the loopback test hub and real HTTP: an OpenAI and an Ollama chat are answered from the hub while a
 * spoken turn is in flight (the hub holds every answer until all three questions are in), the chats' answers are
 * neither played nor synthesized, the spoken answer is not returned to the HTTP clients; serve's token rules apply on
 * the shared server; without a hub the personas answer and the hub model is not served.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav, readWav16kMono } from '../../src/audio/index.js';
import { hasProgram } from '../fixtures/audio.js';
import { freePort } from '../helpers/net.js';
import { DEFAULT_ALLOWED_TYPES, type HubAgent, agents, startTestHub, utteranceOf } from '../hub/index.js';
import { ACCESS_KEY, PASSWORD, answerWav, turnAudio } from '../satellite/helpers.js';
import { ensureModels } from '../vad/fixtures.js';
import { type RunningSatellite, TOKEN, call, startRun } from './control-helpers.js';

const models = await ensureModels(['oww_melspectrogram', 'oww_embedding', 'hey_jarvis', 'silero_vad_v5']);
const espeak = await hasProgram('espeak-ng');
const dir = await mkdtemp(join(tmpdir(), 'hivesat-serve-run-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Serve's bearer token (HIVESAT_SERVE_TOKEN), distinct from the control token. */
const SERVE_TOKEN = 'hst_serve-in-run-token-0123456789abcdef';
/** The satellite's HiveMind session (config `session_id`), to tell its messages at the hub from the chats'. */
const SATELLITE_SESSION = '5a7e1117-0000-4000-8000-00000000c0de';
const SPOKEN = 'what time is it';
const OPENAI_QUESTION = 'what is the capital of france';
const OLLAMA_QUESTION = 'how far away is the moon';

function baseEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), HIVESAT_HOST: '', HIVESAT_CONTROL: '', HIVESAT_CONTROL_TOKEN: '', HIVESAT_SERVE_TOKEN: SERVE_TOKEN, HIVESAT_CONFIG: '' };
}

/** A chat request to serve's endpoints on the shared server. */
async function chat(base: string, path: '/v1/chat/completions' | '/api/chat', question: string, headers: Record<string, string> = { Authorization: `Bearer ${SERVE_TOKEN}` }): Promise<{ status: number; json: Record<string, unknown> }> {
  const body = path === '/api/chat' ? { model: 'hivemind', stream: false, messages: [{ role: 'user', content: question }] } : { model: 'hivemind', messages: [{ role: 'user', content: question }] };
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

interface Seen {
  readonly type: string;
  readonly session: string;
  readonly text: string;
}

describe.skipIf(!models.ok || !espeak)('hivesat run with serve.enabled', () => {
  it('chats over OpenAI and Ollama are answered from the hub during a spoken turn; neither answer crosses over', async () => {
    const home = join(dir, 'hub');
    const seen: Seen[] = [];
    const held: { message: Parameters<HubAgent>[0]; api: Parameters<HubAgent>[1] }[] = [];
    const responder = agents.responder();
    // Answers nothing until the spoken question and both chat questions are in: all three are in flight together.
    const gate: HubAgent = (message, api) => {
      const session = message.context['session'] as { session_id?: string } | undefined;
      const text = typeof message.data['utterance'] === 'string' ? message.data['utterance'] : (utteranceOf(message)?.text ?? '');
      seen.push({ type: message.type, session: session?.session_id ?? '', text });
      if (utteranceOf(message) === undefined) return;
      held.push({ message, api });
      if (held.length === 3) for (const h of held.splice(0)) void responder(h.message, h.api);
    };
    const synthesized: string[] = [];
    const hub = await startTestHub({
      clients: [{ accessKey: ACCESS_KEY, password: PASSWORD, allowedTypes: [...DEFAULT_ALLOWED_TYPES, 'speak:synth'] }],
      agent: gate,
      audio: { synth: (text) => (synthesized.push(text), answerWav(text)), transcribe: () => SPOKEN },
    });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = join(dir, 'config-hub.json');
    await writeFile(
      config,
      JSON.stringify({
        session_id: SATELLITE_SESSION,
        hub: { host: '127.0.0.1', port: hub.port, access_key: ACCESS_KEY, password: PASSWORD, site_id: 'kitchen', handshake: 'password' },
        sounds: { on_wake: false },
        serve: { enabled: true },
      }),
    );
    const input = join(dir, 'turn.wav');
    const output = join(dir, 'out-hub.wav');
    await writeFile(input, encodeWav(turnAudio().audio));
    const sat = startRun(['--config', config, '--input', input, '--output', output, '--control', `127.0.0.1:${port}`, '--control-token', TOKEN], baseEnv(home));
    try {
      await sat.line(/control API, health and metrics listening/);
      const [openAi, ollama] = await Promise.all([chat(base, '/v1/chat/completions', OPENAI_QUESTION), chat(base, '/api/chat', OLLAMA_QUESTION)]);
      expect(openAi.status).toBe(200);
      expect((openAi.json['choices'] as { message: { content: string } }[])[0]?.message.content).toBe(`you said ${OPENAI_QUESTION}`);
      expect(ollama.status).toBe(200);
      expect((ollama.json['message'] as { content: string }).content).toBe(`you said ${OLLAMA_QUESTION}`);

      await sat.line(/ input ended /);
      const turnLine = await stdoutLine(sat, (l) => l.startsWith('{'));
      expect(JSON.parse(turnLine)).toMatchObject({ route: 'hub', outcome: 'answered', answers: [`you said ${SPOKEN}`] });
      // The satellite asked only its own question and had only its own answer synthesized; the chats went over
      // sessions of their own.
      const utterances = seen.filter((s) => s.type === 'recognizer_loop:utterance');
      expect(utterances.filter((s) => s.session === SATELLITE_SESSION).map((s) => s.text)).toEqual([SPOKEN]);
      const chatSessions = utterances.filter((s) => s.session !== SATELLITE_SESSION);
      expect(chatSessions.map((s) => s.text).sort()).toEqual([OLLAMA_QUESTION, OPENAI_QUESTION].sort());
      expect(new Set(chatSessions.map((s) => s.session)).size).toBe(2);
      expect(seen.filter((s) => s.type === 'speak:synth')).toEqual([{ type: 'speak:synth', session: SATELLITE_SESSION, text: `you said ${SPOKEN}` }]);
      expect(synthesized).toEqual([`you said ${SPOKEN}`]);
      // The serve token opens serve's endpoints only; the control token opens the control API only.
      expect((await chat(base, '/v1/chat/completions', OPENAI_QUESTION, {})).status).toBe(401);
      expect((await chat(base, '/api/chat', OPENAI_QUESTION, { Authorization: `Bearer ${TOKEN}` })).status).toBe(401);
      expect((await chat(base, '/api/chat', OPENAI_QUESTION, { Authorization: `Bearer ${SERVE_TOKEN}`, Origin: 'http://evil.example' })).status).toBe(403);
      expect((await call(base, 'GET', '/v1/status', { token: SERVE_TOKEN })).status).toBe(401);
      expect((await call(base, 'GET', '/v1/status')).json).toMatchObject({ state: 'idle', hub: { state: 'ready' } });
      const listed = await fetch(`${base}/v1/models`, { headers: { Authorization: `Bearer ${SERVE_TOKEN}` } });
      expect(((await listed.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['hivemind', 'persona:hivesat-offline']);
    } finally {
      expect(await sat.stop()).toBe(0);
      await hub.stop();
    }
    // OUT.wav holds exactly what was played: the spoken turn's answer, nothing of the chats'.
    const played = readWav16kMono(new Uint8Array(await readFile(output)));
    expect(played.length).toBe(readWav16kMono(answerWav(`you said ${SPOKEN}`)).length);
  });

  it('without a hub: the hub model is not served (404), the offline persona answers, 401 without the token', async () => {
    const { sat, base } = await runOnSilence('nohub', { serve: { enabled: true } });
    try {
      await sat.line(/ input ended /);
      const hubModel = await chat(base, '/v1/chat/completions', OPENAI_QUESTION);
      expect(hubModel).toEqual({ status: 404, json: { error: { message: "model 'hivemind' not found; expected one of persona:hivesat-offline", type: 'invalid_request_error', param: null, code: 'model_not_found' } } });
      const res = await fetch(`${base}/api/chat`, { method: 'POST', headers: { Authorization: `Bearer ${SERVE_TOKEN}` }, body: JSON.stringify({ model: 'persona:hivesat-offline', stream: false, messages: [{ role: 'user', content: 'hello' }] }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { message: { content: string } }).message.content).not.toBe('');
      expect((await fetch(`${base}/api/tags`)).status).toBe(401);
      expect((await fetch(base)).status).toBe(200); // serve's liveness line, public as under `hivesat serve`
    } finally {
      expect(await sat.stop()).toBe(0);
    }
  });

  it('with the hub down: the hub model answers 503 SERVE_ERR_UNAVAILABLE, as under hivesat serve', async () => {
    const { sat, base } = await runOnSilence('hubdown', { hub: { host: '127.0.0.1', port: await freePort(), access_key: ACCESS_KEY, password: PASSWORD, site_id: 'kitchen', handshake: 'password' }, serve: { enabled: true } });
    try {
      await sat.line(/ input ended /);
      const down = await chat(base, '/api/chat', OLLAMA_QUESTION);
      expect(down.status).toBe(503);
      expect(down.json['error']).toMatch(/^the hub cannot be reached \(HM_ERR_UNREACHABLE\)/);
    } finally {
      expect(await sat.stop()).toBe(0);
    }
  });
});

/** `hivesat run` on a second of silence with `config`, its control API (and serve) on a free port. */
async function runOnSilence(name: string, config: Record<string, unknown>): Promise<{ sat: RunningSatellite; base: string }> {
  const port = await freePort();
  const path = join(dir, `config-${name}.json`);
  await writeFile(path, JSON.stringify(config));
  const input = join(dir, 'silence.wav');
  await writeFile(input, encodeWav(new Int16Array(16_000)));
  const sat = startRun(['--config', path, '--input', input, '--output', join(dir, `out-${name}.wav`), '--control', `127.0.0.1:${port}`, '--control-token', TOKEN], baseEnv(join(dir, name)));
  return { sat, base: `http://127.0.0.1:${port}` };
}

/** The first complete stdout line of `sat` matching `test` (the turn report comes after the input ended). */
function stdoutLine(sat: RunningSatellite, test: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const found = sat.stdout().split('\n').slice(0, -1).find(test);
      if (found === undefined) return false;
      sat.child.stdout?.off('data', onData);
      resolve(found);
      return true;
    };
    const onData = (): void => void check();
    if (check()) return;
    sat.child.stdout?.on('data', onData);
    void sat.exited().then(() => check() || reject(new Error(`hivesat run exited without the line; stdout:\n${sat.stdout()}`)));
  });
}
