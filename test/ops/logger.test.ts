import { describe, expect, it } from 'vitest';
import { REDACTED, createLogger, createRedactor, type LogFormat, type LoggerOptions } from '../../src/ops/index.js';

function capture(options: Partial<LoggerOptions> = {}): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const logger = createLogger({ stream: { write: (text: string) => lines.push(text) }, env: {}, now: () => Date.UTC(2026, 10, 24, 12, 0, 0), ...options });
  return { lines, logger };
}

describe('createLogger', () => {
  it('writes one text line per entry with a timestamp and logfmt fields', () => {
    const { lines, logger } = capture();
    logger.info('hub online', { cipher: 'AES-GCM', rtt_ms: 12, note: 'two words', ok: true });
    expect(lines).toEqual(['2026-11-24T12:00:00.000Z info  hub online cipher=AES-GCM rtt_ms=12 note="two words" ok=true\n']);
  });

  it('writes JSON lines with level and msg first', () => {
    const { lines, logger } = capture({ format: 'json' });
    logger.warn('hub offline', { reason: 'closed 1006' });
    expect(JSON.parse(lines[0] ?? '')).toEqual({ time: '2026-11-24T12:00:00.000Z', level: 'warn', msg: 'hub offline', reason: 'closed 1006' });
    expect(lines[0]?.endsWith('\n')).toBe(true);
  });

  it('prefixes syslog priorities and drops the timestamp under journald', () => {
    const { lines, logger } = capture({ env: { JOURNAL_STREAM: '8:1234' }, level: 'debug' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines).toEqual(['<7>debug d\n', '<6>info i\n', '<4>warn w\n', '<3>error e\n']);
  });

  it('filters by level', () => {
    const { lines, logger } = capture({ level: 'warn' });
    logger.debug('no');
    logger.info('no');
    logger.warn('yes');
    expect(lines).toHaveLength(1);
    expect(logger.isLevelEnabled('info')).toBe(false);
    expect(logger.isLevelEnabled('error')).toBe(true);
  });

  it.each<LogFormat>(['text', 'json'])('never splits an entry over lines (%s)', (format) => {
    const { lines, logger } = capture({ format });
    logger.info('first\nsecond', { text: 'a\nb\rc' });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.split('\n')).toHaveLength(2); // the text and the empty rest after the final newline
  });

  it('adds child fields, renames reserved keys, drops undefined', () => {
    const { lines, logger } = capture({ format: 'json', fields: { component: 'sat' } });
    logger.child({ sub: 'hooks' }).info('x', { level: 'mine', gone: undefined });
    expect(JSON.parse(lines[0] ?? '')).toEqual({ time: '2026-11-24T12:00:00.000Z', level: 'info', msg: 'x', component: 'sat', sub: 'hooks', level_: 'mine' });
  });

  it('serialises errors with their code, redacted', () => {
    const { lines, logger } = capture({ format: 'json' });
    const error = Object.assign(new Error('bad password=hunter22 for hub'), { code: 'HM_ERR_WRONG_PASSWORD' });
    logger.error('failed', { error });
    expect(JSON.parse(lines[0] ?? '').error).toEqual({ name: 'Error', code: 'HM_ERR_WRONG_PASSWORD', message: `bad password=${REDACTED} for hub` });
  });

  it('can be used as a HiveLogger', () => {
    const { lines, logger } = capture({ level: 'debug', env: { JOURNAL_STREAM: '1:2' } });
    logger.log('debug', 'state', { from: 'connecting', to: 'handshaking' });
    expect(lines).toEqual(['<7>debug state from=connecting to=handshaking\n']);
  });
});

describe('redaction', () => {
  const secretsByKey: [string, unknown][] = [
    ['password', 'hunter22'],
    ['accessKey', 'abc123'],
    ['access_key', 'abc123'],
    ['Access-Key', 'abc123'],
    ['noise_psk', 'f'.repeat(64)],
    ['presharedKey', '0123456789abcdef'],
    ['authorization', 'aGl2ZXNhdDprZXk='],
    ['Authorization', 'Basic xyz'],
    ['envelope', '00112233445566778899aabbccddeeff0011223344556677'],
    ['hsub', 'abcd'],
    ['api_key', 'sk-123'],
    ['token', 'tok'],
    ['secret', 42],
    ['cookie', 'sid=1'],
  ];

  it.each(secretsByKey)('redacts the value of a field named %s', (key, value) => {
    const { lines, logger } = capture({ format: 'json' });
    logger.info('x', { [key]: value, nested: { [key]: value } });
    const entry = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(entry[key]).toBe(REDACTED);
    expect(entry['nested']).toEqual({ [key]: REDACTED });
  });

  it.each(['keyword', 'monkey', 'token_count', 'password_file', 'authorized', 'site_id'])('keeps a field named %s', (key) => {
    expect(createRedactor().isSecretKey(key)).toBe(false);
  });

  const patterns: [string, string, string][] = [
    ['authorization= query value', 'GET ws://hub:5678/?authorization=aGl2ZTprZXk9&x=1 failed', `GET ws://hub:5678/?authorization=${REDACTED}&x=1 failed`],
    ['access_key query value', 'http://h/p?access_key=abc&lang=en', `http://h/p?access_key=${REDACTED}&lang=en`],
    ['Authorization header', 'Authorization: Basic dXNlcjpwYXNz', `Authorization: Basic ${REDACTED}`],
    ['Bearer token', 'sent header authorization: Bearer sk-abc.def', `sent header authorization: Bearer ${REDACTED}`],
    ['bare bearer', 'using Bearer eyJhbGciOi.x.y now', `using Bearer ${REDACTED} now`],
    ['password=', 'login with password=hunter2 ok', `login with password=${REDACTED} ok`],
    ['JSON pair', '{"access_key": "abc", "password":"p w", "site_id":"kitchen"}', `{"access_key": "${REDACTED}", "password":"${REDACTED}", "site_id":"kitchen"}`],
    ['psk: value', 'noise_psk: 0123abcd', `noise_psk: ${REDACTED}`],
    ['hSub envelope', 'peer envelope 0011223344556677a1b2c3d4e5f60718293a4b5c6d7e8f90 rejected', `peer envelope ${REDACTED} rejected`],
    ['64-hex PSK', `psk ${'ab'.repeat(32)} derived`, `psk ${REDACTED} derived`],
  ];

  it.each(patterns)('redacts %s in messages', (_name, input, expected) => {
    const { lines, logger } = capture({ env: { JOURNAL_STREAM: '1:1' } });
    logger.info(input);
    expect(lines[0]).toBe(`<6>info ${expected}\n`);
  });

  it.each(patterns)('redacts %s in string fields', (_name, input, expected) => {
    const { lines, logger } = capture({ format: 'json' });
    logger.info('x', { detail: input });
    expect(JSON.parse(lines[0] ?? '').detail).toBe(expected);
  });

  it('redacts registered secret values anywhere', () => {
    const redactor = createRedactor({ secrets: ['correct horse battery', undefined, 'abc'] });
    const { lines, logger } = capture({ redactor });
    logger.redactor.addSecret('s3cr3tKey');
    logger.info('hub said correct horse battery and s3cr3tKey', { note: 'xs3cr3tKeyx' });
    expect(lines[0]).toContain(`hub said ${REDACTED} and ${REDACTED}`);
    expect(lines[0]).toContain(`note=x${REDACTED}x`);
    expect(redactor.redactString('abc stays')).toBe('abc stays'); // too short to redact by value
  });

  it('leaves ordinary text alone', () => {
    const text = 'wake word hey_jarvis score=0.97 keyword=hey_jarvis at 12:00 in 345 ms';
    expect(createRedactor().redactString(text)).toBe(text);
  });

  it('cuts cycles and deep nesting', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    expect(createRedactor().redactValue({ a })).toEqual({ a: { name: 'a', self: '[Circular]' } });
    expect(createRedactor().redactValue({ a: { b: { c: 1 } } }, 2)).toEqual({ a: { b: '[Object]' } });
  });
});
