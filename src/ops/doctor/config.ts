/**
 * Configuration: the config file parses and validates (the satellite's schema for every section, the `"ops"`
 * section by {@link parseOpsConfig}), and the hub settings resolve (flags > environment > config > identity). The
 * resolved settings are kept for the hub checks.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { defaultConfigPath, describeSettings, resolveConnectionSettings } from '../../config/connection-config.js';
import { parseSatelliteConfig } from '../../config/satellite-config.js';
import { ConfigError } from '../../errors.js';
import { parseOpsConfig } from '../config.js';
import type { CheckOutcome, DoctorCheck } from './types.js';

/** The config file, the `ops` section and the hub settings. */
export const configCheck: DoctorCheck = {
  id: 'config',
  group: 'config',
  title: 'Configuration',
  run: async (ctx): Promise<CheckOutcome> => {
    const explicit = ctx.flags.config ?? (ctx.env['HIVESAT_CONFIG'] === '' ? undefined : ctx.env['HIVESAT_CONFIG']);
    const path = explicit ?? defaultConfigPath(ctx.env);
    let fileNote = `${path}`;
    try {
      let text: string | undefined;
      try {
        text = await readFile(path, 'utf8');
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'ENOENT' || explicit !== undefined) throw cause;
        fileNote = `no config file (${path})`;
      }
      if (text !== undefined) {
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch {
          parseSatelliteConfig(text, path); // throws CFG_ERR_MALFORMED with the parser's words
        }
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) parseSatelliteConfig(text, path); // throws
        // The satellite's schema checks every section but "ops", which this layer owns.
        const { ops: opsSection, ...rest } = doc as Record<string, unknown>;
        ctx.state.mode = parseSatelliteConfig(JSON.stringify(rest), path).mode;
        const ops = parseOpsConfig(opsSection, `${path}: ops`);
        fileNote = `${path} valid${ops.health === undefined ? '' : `, health on 127.0.0.1:${ops.health.port}`}${Object.keys(ops.hooks.on).length === 0 ? '' : `, hooks on ${Object.keys(ops.hooks.on).join('/')}`}`;
      }
    } catch (error) {
      ctx.state.settingsError = error;
      const message = error instanceof ConfigError ? error.message : `${path}: ${(error as Error).message}`;
      return { status: 'fail', summary: message, fix: `fix ${path} (JSON; see docs/operations.md for the "ops" section)` };
    }
    try {
      const settings = await resolveConnectionSettings({ flags: ctx.flags, env: ctx.env });
      ctx.state.settings = settings;
      const d = describeSettings(settings);
      return {
        status: 'ok',
        summary: `${fileNote}; hub ${d['hub']}, access key ${d['access_key']}, password ${d['password']}`,
        details: d,
      };
    } catch (error) {
      ctx.state.settingsError = error;
      if (error instanceof ConfigError) {
        return { status: 'fail', summary: `${fileNote}; ${error.message}`, fix: error.code === 'CFG_ERR_MISSING' ? 'write the hub credentials: scripts/install --host … --access-key … --password …, or hivesat identity set' : 'fix the setting named above' };
      }
      throw error;
    }
  },
};
