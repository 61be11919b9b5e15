import type {
  ParsedRecord,
  ProcessedRecord,
  RawRecord,
  RecordStatus,
  ValidationError,
} from '@batchactions/core';

/** A record as stored. */
export interface RecordRow {
  readonly record_index: number;
  readonly status: RecordStatus;
  readonly raw: string;
  /** NULL: the parsed record is the raw record. */
  readonly parsed: string | null;
  /** NULL: no findings. */
  readonly errors: string | null;
  readonly processing_error: string | null;
  readonly retry_count: number | null;
}

/** Rebuilds a record from its row. */
export function recordFromRow(row: RecordRow): ProcessedRecord {
  const raw = JSON.parse(row.raw) as RawRecord;
  return {
    index: row.record_index,
    raw,
    parsed: row.parsed === null ? raw : (JSON.parse(row.parsed) as ParsedRecord),
    status: row.status,
    errors: row.errors === null ? [] : (JSON.parse(row.errors) as ValidationError[]),
    ...(row.processing_error === null ? {} : { processingError: row.processing_error }),
    ...(row.retry_count === null ? {} : { retryCount: row.retry_count }),
  };
}

/**
 * Parameters of `UPSERT_RECORD` after job key and batch id: index, status, raw, parsed, errors,
 * processing error, retry count. Serialised before the write transaction opens, so the lock is
 * held only for the inserts.
 */
export type RecordParams = [
  number,
  string,
  string,
  string | null,
  string | null,
  string | null,
  number | null,
];

function errorsText(record: ProcessedRecord): string | null {
  return record.errors.length === 0 ? null : JSON.stringify(record.errors);
}

/** Every column of a record, for inserts. `parsed` is NULL when it serialises like `raw`. */
export function fullRecordParams(record: ProcessedRecord): RecordParams {
  const raw = JSON.stringify(record.raw);
  let parsed: string | null = null;
  if (record.parsed !== record.raw) {
    const text = JSON.stringify(record.parsed);
    if (text !== raw) parsed = text;
  }
  return [
    record.index,
    record.status,
    raw,
    parsed,
    errorsText(record),
    record.processingError ?? null,
    record.retryCount ?? null,
  ];
}

/**
 * Parameters of `UPDATE_RECORD_RESULT` after batch id: status, raw (only when `parsed` is the
 * raw record, otherwise NULL to keep the stored one), parsed, errors, processing error, retry
 * count. The record index is `record.index`.
 */
export type ResultParams = [
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
];

/** The columns a processing result changes; `raw` is re-sent only when needed. */
export function resultRecordParams(record: ProcessedRecord): ResultParams {
  const sameAsRaw = record.parsed === record.raw;
  return [
    record.status,
    sameAsRaw ? JSON.stringify(record.raw) : null,
    sameAsRaw ? null : JSON.stringify(record.parsed),
    errorsText(record),
    record.processingError ?? null,
    record.retryCount ?? null,
  ];
}
