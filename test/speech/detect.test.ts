import { describe, expect, it } from 'vitest';
import { detectSpeechEngines, findExecutable } from '../../src/speech/index.js';

describe('engine detection', () => {
  it('finds programs on PATH and reports what is installed', async () => {
    expect(await findExecutable('espeak-ng')).toMatch(/\/espeak-ng$/);
    expect(await findExecutable('definitely-not-installed-xyz')).toBeUndefined();
    expect(await findExecutable('/bin/sh')).toBe('/bin/sh');
    expect(await findExecutable('espeak-ng', { PATH: '/nonexistent' })).toBeUndefined();
    const report = await detectSpeechEngines();
    expect(report.espeakNg).toBeDefined();
    expect(report.flite).toBeDefined();
    expect(report.pocketsphinx).toMatch(/pocketsphinx_continuous$/);
    expect(report.pocketsphinxEnUs).toBe(true);
  });
});
