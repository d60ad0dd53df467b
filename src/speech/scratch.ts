/**
 * A private scratch folder for engine input/output files. Node's "pipe" stdio is a UNIX socket, which programs
 * that `open("/dev/stdin")` or `open("/dev/stdout")` cannot open (ENXIO): pocketsphinx_continuous `-infile` and
 * flite `-f`/`-o` need real files. The folder is created on first use (mode 0700) and removed by {@link close}.
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Unique file names in one lazily created temporary folder. */
export class ScratchDir {
  readonly #parent: string;
  readonly #prefix: string;
  #dir: Promise<string> | undefined;
  #counter = 0;

  /** @param parent where to create the folder (default the OS temp dir) */
  constructor(prefix: string, parent?: string) {
    this.#prefix = prefix;
    this.#parent = parent ?? tmpdir();
  }

  /** A fresh path `<folder>/<stem>-<n><ext>` (the file is not created). */
  async file(stem: string, ext: string): Promise<string> {
    this.#dir ??= mkdtemp(join(this.#parent, this.#prefix));
    const dir = await this.#dir;
    this.#counter += 1;
    return join(dir, `${stem}-${this.#counter}${ext}`);
  }

  /** Remove the folder and everything in it. */
  async close(): Promise<void> {
    const dir = this.#dir;
    this.#dir = undefined;
    if (dir !== undefined) await rm(await dir, { recursive: true, force: true });
  }
}
