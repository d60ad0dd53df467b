/**
 * The `hivesat` commands, in `--help` order. A new command (`run`, `listen`, `demo`, `devices`, `doctor`) is one
 * file in this folder plus one line here.
 *
 * Each command's module is imported only when that command runs (or when `--help` lists them all): `hivesat listen`
 * then loads neither the satellite, the server nor the persona, which keeps about 6 MB of heap and code out of a
 * process meant to fit a Pi Zero 2 W (docs/operations.md, "Memory").
 *
 * @module
 */
import type { Command } from '../cli-io.js';

/** Loads one command's module, by command name, in `--help` order. */
const LOADERS: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => (await import('./run.js')).runCommand,
  config: async () => (await import('./config.js')).configCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
  listen: async () => (await import('./listen.js')).listenCommand,
  wake: async () => (await import('./wake.js')).wakeCommand,
  ask: async () => (await import('./ask.js')).askCommand,
  identity: async () => (await import('./identity.js')).identityCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
  ctl: async () => (await import('./ctl.js')).ctlCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
  devices: async () => (await import('./devices.js')).devicesCommand,
};

/** The command called `name`, its module loaded; undefined when there is no such command. */
export function loadCommand(name: string): Promise<Command> | undefined {
  return Object.hasOwn(LOADERS, name) ? LOADERS[name]?.() : undefined;
}

/** Every command, in `--help` order (loads every command's module). */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(Object.values(LOADERS).map((load) => load()));
}
