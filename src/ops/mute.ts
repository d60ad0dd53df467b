/**
 * The microphone mute switch: one persisted flag. While it is on, `hivesat run` drops every captured sample at the
 * capture edge, before the listener (no model, buffer, file or socket sees them); the capture device stays open so
 * nothing else can take it.
 *
 * The flag lives in `<state dir>/mute.json` (`{"muted":true}`), written atomically (temporary file + rename, 0600),
 * so a mute survives restarts and power cuts. A file that cannot be read or parsed counts as **muted**: when in
 * doubt the satellite stays deaf (and says so in the log) rather than listening against the user's wish.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { errorCode } from '../errors.js';

/** File name of the persisted flag inside the state folder. */
export const MUTE_FILE_NAME = 'mute.json';

/**
 * The state folder of `hivesat run`: systemd's `$STATE_DIRECTORY` (from `StateDirectory=`), else
 * `$XDG_STATE_HOME/hivesat`, else `~/.local/state/hivesat`.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const systemd = env['STATE_DIRECTORY']?.split(':')[0];
  if (systemd !== undefined && systemd !== '') return systemd;
  const xdg = env['XDG_STATE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(env['HOME'] ?? homedir(), '.local', 'state'), 'hivesat');
}

/** Who flipped the switch (for the log, the hooks and the event stream). */
export type MuteSource = 'api' | 'button' | 'startup';

/** Events of a {@link MuteSwitch}. */
export type MuteSwitchEvents = { change: [muted: boolean, source: MuteSource] };

/** What {@link MuteSwitch.load} found, besides the flag. */
export interface LoadedMute {
  readonly muted: boolean;
  /** Why the file was not usable (then `muted` is true), if it was not. */
  readonly problem?: string;
}

/** The persisted mute flag. */
export class MuteSwitch extends EventEmitter<MuteSwitchEvents> {
  readonly path: string;
  #muted: boolean;
  #writes: Promise<void> = Promise.resolve();

  private constructor(path: string, muted: boolean) {
    super();
    this.path = path;
    this.#muted = muted;
  }

  /**
   * Read the flag from `path` (missing: not muted; unreadable or malformed: muted, with the problem).
   */
  static async load(path: string): Promise<{ readonly mute: MuteSwitch } & LoadedMute> {
    const found = await readMuteFile(path);
    return { mute: new MuteSwitch(path, found.muted), ...found };
  }

  /** A switch that is not persisted (tests, `--input` runs without a state folder). */
  static inMemory(muted = false): MuteSwitch {
    return new MuteSwitch('', muted);
  }

  get muted(): boolean {
    return this.#muted;
  }

  /**
   * Set the flag; emits `change` and persists it when it changed. Resolves once written.
   *
   * @returns whether it changed.
   * @throws (as a rejection) the file system's error when it cannot be written; the flag is set in memory anyway
   *   (the user asked for it now), and the next change tries again.
   */
  async set(muted: boolean, source: MuteSource): Promise<boolean> {
    if (muted === this.#muted) return false;
    this.#muted = muted;
    this.emit('change', muted, source);
    const write = this.#writes.then(() => (this.path === '' ? undefined : writeMuteFile(this.path, muted)));
    this.#writes = write.catch(() => undefined);
    await write;
    return true;
  }
}

async function readMuteFile(path: string): Promise<LoadedMute> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = errorCode(cause);
    if (code === 'ENOENT') return { muted: false };
    return { muted: true, problem: `${path}: cannot read the mute state (${code ?? 'error'}); staying muted until "hivesat ctl unmute"` };
  }
  try {
    const value = JSON.parse(text) as unknown;
    const muted = (value as { muted?: unknown } | null)?.muted;
    if (typeof muted === 'boolean') return { muted };
  } catch {
    // Reported below with the other malformed contents.
  }
  return { muted: true, problem: `${path}: expected {"muted": true|false}, got something else; staying muted until "hivesat ctl unmute"` };
}

async function writeMuteFile(path: string, muted: boolean): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ muted })}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}
