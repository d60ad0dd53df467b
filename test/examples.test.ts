import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('README examples', () => {
  it('examples/protocol-layer.ts runs and prints what the hub received', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/protocol-layer.ts']);
    expect(stdout).toBe('hub got: recognizer_loop:utterance\nhub got binary: 3200 bytes of type 5\n');
  });
});
