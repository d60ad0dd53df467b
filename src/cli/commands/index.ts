/**
 * The `hivesat` commands, in `--help` order. A new command (`run`, `listen`, `demo`, `devices`, `doctor`) is one
 * file in this folder plus one line here.
 *
 * @module
 */
import type { Command } from '../cli-io.js';
import { askCommand } from './ask.js';
import { identityCommand } from './identity.js';

/** Every command. */
export const COMMANDS: readonly Command[] = [askCommand, identityCommand];
