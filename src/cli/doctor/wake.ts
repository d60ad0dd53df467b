/**
 * The wake word as `hivesat run` would start it: the engine asked for and the one that runs (Porcupine falls back to
 * openWakeWord when it cannot start: its `WAKE_ERR_PORCUPINE_*` code and one-line fix), and which second-stage
 * verifier is active — shipped, enrolled (when, on how many takes: `hivesat wake enroll`), another file, or none.
 * Reads what the config check found when it built the listener, so no model is loaded twice.
 *
 * @module
 */
import { formatVerifierInfo } from '../../wake/index.js';
import type { CheckOutcome, DoctorCheck } from './types.js';

/** Engine, fallback and active verifier. */
export const wakeCheck: DoctorCheck = {
  id: 'wake',
  group: 'config',
  title: 'Wake word',
  run: async (ctx): Promise<CheckOutcome> => {
    const wake = ctx.state.wake;
    if (wake === undefined) return { status: 'skip', summary: 'the configuration did not start (see Configuration), so no wake word was built' };
    const { engine, verifier } = wake;
    const details = {
      engine_requested: engine.requested,
      engine_active: engine.engine,
      fallback_code: engine.fallback?.code ?? null,
      verifier: verifier.kind,
      verifier_path: verifier.path,
      enrolled_at: verifier.enrolledAt,
      enrolled_takes: verifier.takes,
    };
    const verifierLine = `verifier ${formatVerifierInfo(verifier)}`;
    if (engine.fallback !== null) {
      return { status: 'warn', summary: `${engine.requested} requested, ${engine.engine} running (${engine.fallback.code}); ${verifierLine}`, fix: engine.fallback.fix, details };
    }
    if (verifier.problem !== null) return { status: 'warn', summary: `${engine.engine}; ${verifierLine}`, fix: 'enroll again: hivesat wake enroll (or set wake.verifier to "hey_jarvis_verifier")', details };
    const hint = verifier.kind === 'shipped' ? ' (not enrolled: hivesat wake enroll teaches it your voice)' : '';
    return { status: 'ok', summary: `${engine.engine}; ${verifierLine}${hint}`, details };
  },
};
