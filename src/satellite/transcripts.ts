/**
 * What the user said is personal: it appears in the turn report and in debug logs, and the
 * `speech.redact_transcripts` switch replaces it with a placeholder that keeps only its length.
 *
 * @module
 */
import type { TurnReport } from './types.js';

/** `text`, or `[redacted speech, N chars]` when `redact` is set ('' stays '': nothing was heard). */
export function speechForLog(text: string, redact: boolean): string {
  return redact && text !== '' ? `[redacted speech, ${text.length} chars]` : text;
}

/** The report with its transcript passed through {@link speechForLog}. */
export function redactReport(report: TurnReport, redact: boolean): TurnReport {
  return report.transcript === undefined || !redact ? report : { ...report, transcript: speechForLog(report.transcript, true) };
}
