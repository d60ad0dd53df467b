import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues, editDistance, keysAt, nearestKey } from '../../src/schema-issues.js';

describe('did you mean …?', () => {
  it.each([
    ['treshold', ['threshold', 'trigger_level'], 'threshold'],
    ['keyword', ['keywords', 'verifier'], 'keywords'],
    ['hostname', ['host', 'port'], 'host'],
    ['silence', ['silence_end_ms', 'pre_roll_ms'], 'silence_end_ms'],
    ['Capture_Device', ['capture_device'], 'capture_device'],
    ['nope', ['mode', 'hub'], undefined],
    ['extra', ['mode', 'stream', 'audio'], undefined],
    ['on', ['tone', 'phone'], undefined],
    ['on', ['one'], 'one'],
  ])('%s among %j → %s', (unknown, known, expected) => {
    expect(nearestKey(unknown, known)).toBe(expected);
  });

  it('measures edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('finds the keys of nested, defaulted and nullable objects, and names each unknown key with its path', () => {
    const schema = z.strictObject({ a: z.strictObject({ deep_key: z.number().default(1) }).nullable().default(null), list: z.array(z.strictObject({ x: z.number() })).optional() });
    expect(keysAt(schema, [])).toEqual(['a', 'list']);
    expect(keysAt(schema, ['a'])).toEqual(['deep_key']);
    expect(keysAt(schema, ['list', 0])).toEqual(['x']);
    const result = schema.safeParse({ a: { deep_kee: 2, zzz: 1 }, b: 1 });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(describeIssues(schema, result.error).sort((p, q) => p.path.localeCompare(q.path))).toEqual([
        { path: '$.a.deep_kee', message: 'unknown key (did you mean "deep_key"?)' },
        { path: '$.a.zzz', message: 'unknown key' },
        { path: '$.b', message: 'unknown key' },
      ]);
    }
  });
});
