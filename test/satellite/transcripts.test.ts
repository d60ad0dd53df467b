import { describe, expect, it } from 'vitest';
import { redactReport, speechForLog, type TurnReport } from '../../src/satellite/index.js';

const report: TurnReport = { id: 3, mode: 'audio', route: 'local', outcome: 'answered', transcript: 'what time is it', answers: ["It's 3:07 PM."], marks: {}, figures: {} };

describe('transcripts in logs and reports', () => {
  it('keeps what was said unless redaction is on, then keeps only its length', () => {
    expect(speechForLog('what time is it', false)).toBe('what time is it');
    expect(speechForLog('what time is it', true)).toBe('[redacted speech, 15 chars]');
    expect(speechForLog('', true)).toBe('');
    expect(redactReport(report, false)).toBe(report);
    expect(redactReport(report, true)).toEqual({ ...report, transcript: '[redacted speech, 15 chars]' });
    const hub: TurnReport = { ...report, route: 'hub' };
    delete (hub as { transcript?: string }).transcript;
    expect(redactReport(hub, true)).toBe(hub);
  });
});
