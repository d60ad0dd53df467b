/**
 * Sounds the satellite plays: its own cues (wake, error) and what a hub asks for with `mycroft.audio.play_sound`
 * (`{"uri": "snd/start_listening.wav"}`). `snd/NAME` names a file of the bundled `snd/` folder (the mic-satellite
 * convention, HIVEMIND.md §6.1); `file://` URIs and absolute paths name files on disk. Decoded once (WAV or MP3,
 * src/audio) and kept.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeAudioFile } from '../audio/index.js';

/** The bundled sounds folder (`snd/` at the package root, from both `src/satellite/` and `dist/satellite/`). */
export const BUNDLED_SOUNDS_DIR = fileURLToPath(new URL('../../snd/', import.meta.url));

/** Largest sound file read, bytes (a cue is a few kB; a long file is not a cue). */
const MAX_SOUND_BYTES = 8 * 1024 * 1024;

/**
 * The file a sound URI names, or `undefined` for URIs we do not play (http, relative paths outside `snd/`).
 */
export function resolveSoundUri(uri: string, bundledDir: string = BUNDLED_SOUNDS_DIR): string | undefined {
  const trimmed = uri.trim();
  if (trimmed.startsWith('file://')) return fileURLToPath(trimmed);
  if (isAbsolute(trimmed)) return normalize(trimmed);
  if (trimmed.startsWith('snd/')) {
    const path = resolve(bundledDir, trimmed.slice('snd/'.length));
    return path.startsWith(resolve(bundledDir)) ? path : undefined; // no `snd/../../etc/passwd`
  }
  return undefined;
}

/** Decoded sounds, cached by path. */
export class SoundLibrary {
  readonly #dir: string;
  readonly #cache = new Map<string, Promise<Int16Array>>();

  constructor(bundledDir: string = BUNDLED_SOUNDS_DIR) {
    this.#dir = bundledDir;
  }

  /**
   * The 16 kHz mono samples of a sound.
   *
   * @throws (as a rejection) `RangeError` for a URI we do not play, the file's read error, or its decode error.
   */
  load(uri: string): Promise<Int16Array> {
    const path = resolveSoundUri(uri, this.#dir);
    if (path === undefined) return Promise.reject(new RangeError(`sound: expected snd/NAME, file:// or an absolute path, got "${uri.slice(0, 80)}"`));
    let sound = this.#cache.get(path);
    if (sound === undefined) {
      sound = (async () => {
        const bytes = await readFile(path);
        if (bytes.length > MAX_SOUND_BYTES) throw new RangeError(`sound ${path}: expected at most ${MAX_SOUND_BYTES} bytes, got ${bytes.length}`);
        return decodeAudioFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { fileName: path });
      })();
      sound.catch(() => this.#cache.delete(path));
      this.#cache.set(path, sound);
    }
    return sound;
  }

  /** A path relative to the bundled folder, for messages. */
  static bundled(name: string): string {
    return join(BUNDLED_SOUNDS_DIR, name);
  }
}
