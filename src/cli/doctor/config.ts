/**
 * Configuration: would `hivesat run` start? The very start-up validation `run` and `config check` use
 * (src/config/startup.ts): the config file against the schema, the hub settings (flags > environment > config >
 * identity), the models, the persona, the local speech engines and the cue sounds. The resolved hub settings are
 * kept for the hub checks; unlike `run`, the doctor also fails without hub credentials (it exists to check the hub).
 *
 * @module
 */
import { access } from 'node:fs/promises';
import { checkStartup, defaultConfigPath, describeSettings } from '../../config/index.js';
import { opsConfigFromSection } from '../../ops/index.js';
import type { CheckOutcome, DoctorCheck } from './types.js';

/** Everything `run` checks at start, and the hub settings. */
export const configCheck: DoctorCheck = {
  id: 'config',
  group: 'config',
  title: 'Configuration',
  run: async (ctx): Promise<CheckOutcome> => {
    const explicit = ctx.flags.config ?? (ctx.env['HIVESAT_CONFIG'] === '' ? undefined : ctx.env['HIVESAT_CONFIG']);
    const path = explicit ?? defaultConfigPath(ctx.env);
    const check = await checkStartup({ configPath: path, explicit: explicit !== undefined, flags: ctx.flags, env: ctx.env, ...(ctx.modelDirs === undefined ? {} : { modelDirs: ctx.modelDirs }) });
    if (check.settings !== undefined) ctx.state.settings = check.settings;
    if (check.config !== undefined) ctx.state.mode = check.config.mode;
    if (check.wake !== undefined) ctx.state.wake = check.wake;
    if (check.refusals.length > 0) {
      ctx.state.settingsError ??= check.settingsMissing ?? new Error('the configuration cannot start');
      return {
        status: 'fail',
        summary: check.refusals.map((r) => `${r.message} (${r.code})`).join('; '),
        fix: check.refusals.map((r) => r.fix).join('; '),
      };
    }
    const exists = explicit !== undefined || (await access(path).then(() => true, () => false));
    let fileNote = exists ? `${path} valid` : `no config file (${path})`;
    if (check.config !== undefined && exists) {
      const ops = opsConfigFromSection(check.config.ops);
      fileNote += `${ops.health === undefined ? '' : `, health on 127.0.0.1:${ops.health.port}`}${Object.keys(ops.hooks.on).length === 0 ? '' : `, hooks on ${Object.keys(ops.hooks.on).join('/')}`}`;
    }
    if (check.settings === undefined) {
      ctx.state.settingsError = check.settingsMissing;
      return { status: 'fail', summary: `${fileNote}; ${check.settingsMissing?.message ?? 'no hub settings'}`, fix: 'write the hub credentials: scripts/install --host … --access-key … --password …, or hivesat identity set' };
    }
    const d = describeSettings(check.settings);
    return { status: 'ok', summary: `${fileNote}; hub ${d['hub']}, access key ${d['access_key']}, password ${d['password']}`, details: d };
  },
};
