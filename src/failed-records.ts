import type { ProcessedRecord, RawRecord, StateStore } from '@batchactions/core';
import type { SourceParser } from '@batchactions/import';

/** Formats of `exportFailedRecords`. */
export type FailedRecordsFormat = 'csv' | 'ndjson';

/** One failed or invalid record as exported: its source row and why it failed. */
export interface FailedRecordReport {
  /** 1-based position of the record among the source's data rows (empty rows skipped). */
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

function csvCell(value: unknown): string {
  const text =
    value === undefined || value === null
      ? ''
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Renders failed-record reports as CSV (`row`, `status`, the source's columns, `errors`) or as
 * NDJSON, one line per record. The CSV's source columns are the union of every record's fields,
 * in first-seen order, so the file can be fixed and imported again.
 */
export function* renderFailedRecords(
  reports: readonly FailedRecordReport[],
  format: FailedRecordsFormat,
): Generator<string> {
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
  yield `${['row', 'status', ...columns, 'errors'].map(csvCell).join(',')}\n`;
  for (const report of reports) {
    const cells = [report.row, report.status, ...columns.map((c) => report.raw[c]), report.errors];
    yield `${cells.map(csvCell).join(',')}\n`;
  }
}

/** A parser that hands out records already in memory (for redrives): the source is ignored. */
export function recordsParser(records: readonly RawRecord[]): SourceParser {
  return {
    parse: () => records,
  };
}
