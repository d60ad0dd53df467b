/**
 * The `hivesat` commands, in `--help` order. A new command (`run`, `listen`, `demo`, `devices`, `doctor`) is one
 * file in this folder plus one line here.
 *
 * @module
 */
import type { Command } from '../cli-io.js';
import { askCommand } from './ask.js';
import { configCommand } from './config.js';
import { ctlCommand } from './ctl.js';
import { demoCommand } from './demo.js';
import { devicesCommand } from './devices.js';
import { doctorCommand } from './doctor.js';
import { identityCommand } from './identity.js';
import { listenCommand } from './listen.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';
import { wakeCommand } from './wake.js';

/** Every command. */
export const COMMANDS: readonly Command[] = [runCommand, configCommand, demoCommand, listenCommand, wakeCommand, askCommand, identityCommand, serveCommand, ctlCommand, doctorCommand, devicesCommand];
