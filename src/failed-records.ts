import type { ProcessedRecord, RawRecord, StateStore } from '@batchactions/core';
import type { SourceParser } from '@batchactions/import';

/** Formats of `exportFailedRecords`. */
export type FailedRecordsFormat = 'csv' | 'ndjson';

/** Options of the failed-records export. */
export interface FailedRecordsExportOptions {
  /**
   * CSV only: write every cell as stored. By default a cell starting with `=`, `+`, `-`, `@`, a
   * tab or a carriage return gets a leading `'`, so that a spreadsheet shows it as text instead
   * of running it as a formula (the rows come from untrusted files). Default `false`.
   */
  readonly raw?: boolean;
}

/** One failed or invalid record as exported: its source row and why it failed. */
export interface FailedRecordReport {
  /**
   * The record's row: its 1-based position among the source's records (`record.index + 1`). The
   * header of a CSV is not a row, and skipped empty rows are not counted.
   */
  readonly row: number;
  readonly status: 'invalid' | 'failed';
  readonly raw: RawRecord;
  /** Every finding and the processing error, as one readable string. */
  readonly errors: string;
}

function describeFailure(record: ProcessedRecord): string {
  const parts = record.errors
    .filter((e) => e.severity !== 'warning')
    .map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
  if (record.processingError !== undefined) parts.push(record.processingError);
  return parts.join('; ');
}

/** The job's invalid and failed records, in source order. */
export async function failedRecordReports(
  store: StateStore,
  jobId: string,
): Promise<FailedRecordReport[]> {
  const records = await store.getFailedRecords(jobId);
  return records.map((record) => ({
    row: record.index + 1,
    status: record.status === 'invalid' ? 'invalid' : 'failed',
    raw: record.raw,
    errors: describeFailure(record),
  }));
}

/** First characters that make a spreadsheet read a cell as a formula (OWASP's list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A string a spreadsheet would run as a formula, made inert with a leading `'` (shown as text,
 * the quote itself hidden by Excel, LibreOffice and Google Sheets).
 */
export function guardFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function csvCell(value: unknown, raw: boolean): string {
  const text =
    value === undefined || value === null
      ? ''
      : typeof value === 'string'
        ? raw
          ? value
          : guardFormula(value)
        : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Renders failed-record reports as CSV (`row`, `status`, the source's columns, `errors`) or as
 * NDJSON, one line per record. The CSV's source columns are the union of every record's fields,
 * in first-seen order, so the file can be fixed and imported again. CSV text cells that a
 * spreadsheet would run as formulas are guarded unless `options.raw` (see
 * {@link FailedRecordsExportOptions}); NDJSON is always exact.
 */
export function* renderFailedRecords(
  reports: readonly FailedRecordReport[],
  format: FailedRecordsFormat,
  options: FailedRecordsExportOptions = {},
): Generator<string> {
  const raw = options.raw === true;
  const cell = (value: unknown): string => csvCell(value, raw);
  if (format === 'ndjson') {
    for (const report of reports) yield `${JSON.stringify(report)}\n`;
    return;
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const report of reports) {
    for (const key of Object.keys(report.raw)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  yield `${['row', 'status', ...columns, 'errors'].map(cell).join(',')}\n`;
  for (const report of reports) {
    const cells = [report.row, report.status, ...columns.map((c) => report.raw[c]), report.errors];
    yield `${cells.map(cell).join(',')}\n`;
  }
}

/** A parser that hands out records already in memory (for redrives): the source is ignored. */
export function recordsParser(records: readonly RawRecord[]): SourceParser {
  return {
    parse: () => records,
  };
}
