import { describe, expect, it } from 'vitest';
import { HivesatError } from '../../src/errors.js';
import { AudioError, DeviceError, WavError } from '../../src/audio/index.js';

describe('audio errors', () => {
  it.each([
    [WavError, 'WavError', 'AUDIO_ERR_WAV_TRUNCATED'],
    [DeviceError, 'DeviceError', 'AUDIO_ERR_DEVICE_EXIT'],
    [AudioError, 'AudioError', 'AUDIO_ERR_RANGE'],
  ] as const)('%o has a name, a stable code, a message and a cause', (Ctor, name, code) => {
    const cause = new Error('underlying');
    const err = new (Ctor as new (code: string, message: string, ...rest: unknown[]) => HivesatError)(
      code,
      'expected X, got Y',
      ...(Ctor === DeviceError ? [{}, { cause }] : [{ cause }]),
    );
    expect(err).toBeInstanceOf(HivesatError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    expect(err.message).toBe('expected X, got Y');
    expect(err.cause).toBe(cause);
    expect(err.stack).toContain(name);
  });

  it('DeviceError carries how the process ended and what it said', () => {
    const err = new DeviceError('AUDIO_ERR_DEVICE_EXIT', 'arecord exited with code 1', { exitCode: 1, stderr: 'audio open error' });
    expect([err.exitCode, err.signal, err.stderr]).toEqual([1, null, 'audio open error']);
    expect(new DeviceError('AUDIO_ERR_DEVICE_STALLED', 'silent')).toMatchObject({ exitCode: null, signal: null, stderr: '' });
  });
});
