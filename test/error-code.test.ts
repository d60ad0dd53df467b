import { describe, expect, it } from 'vitest';
import { ConfigError, errorCode } from '../src/errors.js';

describe('errorCode', () => {
  it('reads the code of a hivesat error and of a Node system error', async () => {
    expect(errorCode(new ConfigError('CFG_ERR_IO', 'x'))).toBe('CFG_ERR_IO');
    const { readFile } = await import('node:fs/promises');
    const enoent = await readFile('/nonexistent/hivesat-error-code').catch((error: unknown) => error);
    expect(errorCode(enoent)).toBe('ENOENT');
  });

  it('is undefined for values without a string code', () => {
    for (const value of [undefined, null, 'ENOENT', 42, new Error('plain'), { code: 7 }, { code: undefined }]) expect(errorCode(value)).toBeUndefined();
    expect(errorCode({ code: 'X' })).toBe('X');
  });
});
